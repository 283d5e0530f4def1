/**
 * The session store: the API client, the transport state, the main side's status (source,
 * key, stats, capture) and the serial port list; opens and closes sources and sets the key.
 * Frames live in the frames store, which this store feeds. No protocol logic here.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { P1StudioClient, SessionStatus, SetKeyRequest, SourceRequest } from '@shared/contract'
import type { PortInfo } from '@shared/types'
import type { ConnectionState } from '../api/ws-client'
import { formatLineSettings } from '@shared/line-settings'
import { t } from '../i18n'
import { requireClient, useActions } from './action'
import { useFramesStore } from './frames'

export type { OkRecord } from './frames'

export const useSessionStore = defineStore('session', () => {
  const framesStore = useFramesStore()
  const client = shallowRef<P1StudioClient | null>(null)
  const status = ref<SessionStatus | null>(null)
  const ports = ref<PortInfo[]>([])
  const connection = ref<ConnectionState>('connecting')
  const { busy: busyAction, error, run } = useActions()
  const busy = computed(() => busyAction.value !== null)
  const api = (): P1StudioClient => requireClient(client.value)

  /** Wire the store to a client: subscribes to 'status', 'frame' and 'boardSnapshot', loads status and recent frames. */
  async function attach(c: P1StudioClient, onConnection?: (l: (s: ConnectionState) => void) => () => void): Promise<void> {
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

  /** Reload status and recent frames (after a reconnect). */
  async function refresh(): Promise<void> {
    if (!client.value) return
    const [s, recent] = await Promise.all([client.value.getStatus(), client.value.getRecentFrames()])
    status.value = s
    framesStore.load(recent)
  }

  const refreshPorts = () => run('ports', async () => (ports.value = await api().listPorts()))
  const openSource = (req: SourceRequest) =>
    run('open', async () => {
      framesStore.clear()
      status.value = await api().openSource(req)
    })
  const closeSource = () => run('close', async () => (status.value = await api().closeSource()))
  const setKey = (req: SetKeyRequest) =>
    run('key', async () => {
      const key = await api().setKey(req)
      if (status.value) status.value = { ...status.value, key }
      return key
    })

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
    return t(s.open ? 'source.serial' : 'source.serialClosed', { path: s.path, settings: formatLineSettings(s.settings) })
  })

  return { client, status, ports, connection, error, busy, attach, refresh, refreshPorts, openSource, closeSource, setKey, sourceLabel }
})
