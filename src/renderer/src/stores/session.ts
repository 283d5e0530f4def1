/**
 * The session store: mirrors the main side's status, the last telegram and the last 100
 * frames, and forwards user actions to the API. No protocol logic here.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { FrameRecord, P1StudioClient, SessionStatus, SetKeyRequest, SourceRequest } from '@shared/contract'
import { RECENT_FRAMES_LIMIT } from '@shared/contract'
import type { PortInfo } from '@shared/types'
import type { ConnectionState } from '../api/ws-client'

export type OkRecord = Extract<FrameRecord, { ok: true }>

export const useSessionStore = defineStore('session', () => {
  const client = shallowRef<P1StudioClient | null>(null)
  const status = ref<SessionStatus | null>(null)
  const frames = shallowRef<FrameRecord[]>([])
  const lastTelegram = shallowRef<OkRecord | null>(null)
  const ports = ref<PortInfo[]>([])
  const connection = ref<ConnectionState>('connecting')
  const actionError = ref<string | null>(null)
  const busy = ref(false)

  function addFrame(rec: FrameRecord): void {
    const next = frames.value.length >= RECENT_FRAMES_LIMIT ? frames.value.slice(1) : frames.value.slice()
    next.push(rec)
    frames.value = next
    if (rec.ok) lastTelegram.value = rec
  }

  /** Wire the store to a client; loads status and history, subscribes to events. */
  async function attach(c: P1StudioClient, onConnection?: (l: (s: ConnectionState) => void) => () => void): Promise<void> {
    client.value = c
    c.on('status', (s) => (status.value = s))
    c.on('frame', (f) => addFrame(f))
    onConnection?.((s) => {
      const was = connection.value
      connection.value = s
      if (s === 'open' && was === 'closed') void refresh()
    })
    await refresh()
  }

  async function refresh(): Promise<void> {
    if (!client.value) return
    const [s, recent] = await Promise.all([client.value.getStatus(), client.value.getRecentFrames()])
    status.value = s
    frames.value = recent.slice(-RECENT_FRAMES_LIMIT)
    lastTelegram.value = (recent.filter((r) => r.ok).pop() as OkRecord | undefined) ?? null
  }

  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    actionError.value = null
    busy.value = true
    try {
      return await fn()
    } catch (e) {
      actionError.value = (e as Error).message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '')
      return undefined
    } finally {
      busy.value = false
    }
  }

  const refreshPorts = () => run(async () => (ports.value = await client.value!.listPorts()))
  const openSource = (req: SourceRequest) =>
    run(async () => {
      frames.value = []
      lastTelegram.value = null
      status.value = await client.value!.openSource(req)
    })
  const closeSource = () => run(async () => (status.value = await client.value!.closeSource()))
  const setKey = (req: SetKeyRequest) =>
    run(async () => {
      const key = await client.value!.setKey(req)
      if (status.value) status.value = { ...status.value, key }
      return key
    })

  const sourceLabel = computed(() => {
    const s = status.value?.source
    if (!s || s.kind === 'none') return 'no source'
    if (s.kind === 'demo') return 'demo'
    if (s.kind === 'file') return `file ${s.path}${s.done ? ' (done)' : ''}`
    if (s.kind === 'capture') return `replay ${s.path.split(/[\\/]/).pop()}${s.replay.done ? ' (end)' : s.replay.paused ? ' (paused)' : ''}`
    const p = { none: 'N', even: 'E', odd: 'O', mark: 'M', space: 'S' }[s.settings.parity]
    return `${s.path} ${s.settings.baudRate} ${s.settings.dataBits}${p}${s.settings.stopBits}${s.open ? '' : ' (closed)'}`
  })

  return { client, status, frames, lastTelegram, ports, connection, actionError, busy, attach, refresh, refreshPorts, openSource, closeSource, setKey, sourceLabel, addFrame }
})
