/**
 * The session store: the API client, the transport state (and whether it is a browser on
 * serve mode), the main side's status (source, key, stats, line state, capture, recording)
 * and the serial port list; opens and closes sources, sets the key, confirms a meter's
 * authentication key, switches recording. The meter's zone of the open source is the zone
 * every time is shown in. Frames live in the frames store, which this store feeds. No
 * protocol logic here.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { P1StudioClient, SessionStatus, SetKeyRequest, SourceRequest, SourceState } from '@shared/contract'
import type { PortInfo } from '@shared/types'
import { DEFAULT_TIME_ZONE } from '@shared/i18n'
import type { ConnectionState } from '../api/ws-client'
import { formatLineSettings } from '@shared/line-settings'
import { setMeterTimeZone, t } from '../i18n'
import { requireClient, useActions } from './action'
import { useFramesStore } from './frames'

export type { OkRecord } from './frames'

/** localStorage key of the meter zone chosen on the Connect tab. */
export const ZONE_STORAGE_KEY = 'p1studio.meterZone'

function storedZone(): string {
  try {
    const z = globalThis.localStorage?.getItem(ZONE_STORAGE_KEY)
    return z && /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(z) ? z : DEFAULT_TIME_ZONE
  } catch {
    return DEFAULT_TIME_ZONE
  }
}

export const useSessionStore = defineStore('session', () => {
  const framesStore = useFramesStore()
  const client = shallowRef<P1StudioClient | null>(null)
  const status = ref<SessionStatus | null>(null)
  const ports = ref<PortInfo[]>([])
  const connection = ref<ConnectionState>('connecting')
  /** A browser on serve mode: files go up and down through the browser, never by a path (issue 12). */
  const browser = ref(false)
  const { busy: busyAction, error, run } = useActions()
  const busy = computed(() => busyAction.value !== null)
  const api = (): P1StudioClient => requireClient(client.value)

  /**
   * When this window saw the open source appear (ms, its own clock), for "no byte since the
   * port was opened 14 s ago"; null when it was already open as the window connected.
   */
  const openedAt = ref<number | null>(null)
  const sourceKey = (s: SourceState | undefined): string => (!s || s.kind === 'none' ? '' : `${s.kind}|${'path' in s ? s.path : 'label' in s ? s.label : ''}`)
  watch(
    () => (status.value ? sourceKey(status.value.source) : null),
    (key, old) => {
      if (old !== null && key !== null) openedAt.value = key ? Date.now() : null
    }
  )
  /**
   * The meter's zone to open sources with (Connect tab; default Europe/Luxembourg), remembered
   * in this browser. The decoder reads the meter's W/S local times in it and the history's days
   * follow it.
   */
  const meterZone = ref(storedZone())
  watch(meterZone, (z) => {
    try {
      globalThis.localStorage?.setItem(ZONE_STORAGE_KEY, z)
    } catch {
      // private mode: the choice lasts for this page
    }
  })
  /** Every instant is shown in the open source's meter zone (default Europe/Luxembourg). */
  watch(
    () => (status.value?.source && 'zone' in status.value.source ? status.value.source.zone : undefined),
    (zone) => setMeterTimeZone(zone || DEFAULT_TIME_ZONE),
    { immediate: true }
  )

  /**
   * Wire the store to a client: subscribes to 'status', 'frame' and 'boardSnapshot', loads status and recent frames.
   * @param opts.browser the client is a browser on serve mode
   */
  async function attach(c: P1StudioClient, onConnection?: (l: (s: ConnectionState) => void) => () => void, opts: { browser?: boolean } = {}): Promise<void> {
    browser.value = opts.browser ?? false
    client.value = c
    c.on('status', (s) => (status.value = s))
    c.on('frame', (f) => framesStore.add(f))
    c.on('boardSnapshot', (s) => framesStore.showSnapshot(s))
    onConnection?.((s) => {
      const was = connection.value
      connection.value = s
      if (s === 'open' && was === 'closed') void refresh()
    })
    await refresh()
  }

  /**
   * Reload status and recent frames (at attach, after a reconnect). Each answer is applied as
   * it arrives, in the order of the wire: serve sends what it pushed before an answer ahead of
   * it, so a 'status' or 'frame' event that arrives after an answer is newer than it. Applying
   * both answers only once both are in let an older answer overwrite a newer push — a silent
   * line's one `no_bytes` status, pushed between the two answers, was replaced by the older
   * `waiting` and the page said "listening" for good (seen on a loaded machine).
   */
  async function refresh(): Promise<void> {
    const c = client.value
    if (!c) return
    await Promise.all([c.getStatus().then((s) => void (status.value = s)), c.getRecentFrames().then((recent) => framesStore.load(recent))])
  }

  const refreshPorts = () => run('ports', async () => (ports.value = await api().listPorts()))
  const openSource = (req: SourceRequest) =>
    run('open', async () => {
      framesStore.clear()
      try {
        status.value = await api().openSource(req)
      } catch (e) {
        // the old source keeps running when a new one cannot open: show its frames again
        await refresh().catch(() => undefined)
        throw e
      }
    })
  const closeSource = () => run('close', async () => (status.value = await api().closeSource()))
  const setKey = (req: SetKeyRequest) =>
    run('key', async () => {
      const key = await api().setKey(req)
      if (status.value) status.value = { ...status.value, key }
      return key
    })
  /**
   * The user confirms that the meter with this system title uses another authentication key:
   * its frames go into the history. @throws the client's ApiError (the caller shows it).
   */
  async function confirmAuthKey(systemTitle: string) {
    const key = await api().confirmAuthKey({ systemTitle })
    if (status.value) status.value = { ...status.value, key }
    return key
  }
  /** Record the live source into the history (and daily captures) or stop. @throws the client's ApiError (the caller shows it). */
  async function setRecording(history: boolean, dailyCaptures: boolean) {
    const recording = await api().setRecording({ history, dailyCaptures })
    if (status.value) status.value = { ...status.value, recording }
    return recording
  }

  /** The open source in a few words of the language shown, e.g. "/dev/ttyUSB0 115200 8N1", "demo", "replay x.p1cap (end)". */
  const sourceLabel = computed(() => {
    const s = status.value?.source
    if (!s || s.kind === 'none') return t('source.none')
    if (s.kind === 'demo') return t('source.demo')
    if (s.kind === 'file') return t(s.done ? 'source.fileDone' : 'source.file', { path: s.path })
    if (s.kind === 'capture') {
      const name = s.path.split(/[\\/]/).pop() ?? s.path
      return t(s.replay.done ? 'source.replayEnd' : s.replay.paused ? 'source.replayPaused' : 'source.replay', { name })
    }
    if (s.kind === 'tcp') return t(s.connected ? 'source.tcp' : 'source.tcpWaiting', { label: s.label })
    return t(s.open ? 'source.serial' : 'source.serialClosed', { path: s.path, settings: formatLineSettings(s.settings) })
  })

  return {
    client,
    status,
    ports,
    connection,
    browser,
    openedAt,
    meterZone,
    error,
    busy,
    busyAction,
    attach,
    refresh,
    refreshPorts,
    openSource,
    closeSource,
    setKey,
    confirmAuthKey,
    setRecording,
    sourceLabel
  }
})
