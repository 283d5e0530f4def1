/**
 * The session store's refresh (attach, reconnect) on a WebSocket the test drives message by
 * message, as serve sends them: an answer, then what was pushed after it. What arrives after
 * an answer is newer than that answer and must survive it. Before the fix the store applied
 * both answers once both were in: a silent line's one `no_bytes` status, pushed between the
 * answers to getStatus and getRecentFrames, was overwritten by the older `waiting` and the page
 * said "listening" for good (line-state-nosignal e2e, once on a loaded machine); a frame pushed
 * in between was dropped by the older recent-frames list.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useSessionStore } from '../../../src/renderer/src/stores/session'
import { useFramesStore } from '../../../src/renderer/src/stores/frames'
import { createWsClient } from '../../../src/renderer/src/api/ws-client'
import { DEFAULT_LINE_SETTINGS } from '../../../src/shared/types'
import { sessionStatus } from '../../helpers/session-status'
import { TestSocket } from './test-socket'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import type { FrameRecord, LineState, SessionStatus } from '../../../src/shared/contract'

const V = resolve(__dirname, '../../fixtures/vectors')

/** A published telegram through the real pipeline, as serve sends it. */
function record(file: string, seq: number): FrameRecord {
  const ev = decodeBuffer(readFileSync(resolve(V, file)), {}, 1_700_000_000_000).find((e) => e.type === 'telegram')
  if (ev?.type !== 'telegram') throw new Error(`no telegram in ${file}`)
  return { ok: true, seq, ...ev.telegram }
}

/** A serial source's status with the given line state. */
function status(line: LineState['state']): SessionStatus {
  return sessionStatus({
    line,
    decoded: 0,
    source: { kind: 'serial', path: '/dev/ttyUSB0', settings: DEFAULT_LINE_SETTINGS, open: true, zone: 'Europe/Luxembourg' }
  })
}

/** A store attached to a client on a {@link TestSocket}; resolves once attach has sent its requests. */
async function attached(): Promise<{ socket: TestSocket; store: ReturnType<typeof useSessionStore>; done: Promise<void> }> {
  setActivePinia(createPinia())
  let socket!: TestSocket
  const client = createWsClient('ws://127.0.0.1/ws', () => (socket = new TestSocket()))
  socket.open()
  const store = useSessionStore()
  const done = store.attach(client)
  await flushPromises()
  return { socket, store, done }
}

describe('session store refresh: answers and pushes in the order of the wire', () => {
  it('a status pushed after the getStatus answer stays, even when getRecentFrames is answered after it', async () => {
    const { socket, store, done } = await attached()
    await socket.deliver({ id: socket.idOf('getStatus'), result: status('waiting') })
    expect(store.status?.stats.line.state).toBe('waiting')
    // 12 s of silence: serve pushes the one status that says so (nothing changes after it)
    await socket.deliver({ batch: [{ event: 'status', data: status('no_bytes') }], dropped: 0 })
    await socket.deliver({ id: socket.idOf('getRecentFrames'), result: [] })
    await done
    expect(store.status?.stats.line.state).toBe('no_bytes')
  })

  it('a frame pushed after the getRecentFrames answer stays, even when getStatus is answered after it', async () => {
    const { socket, done } = await attached()
    const a = record('lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt', 1)
    const b = record('lu_relip_simulator_telegram.txt', 2)
    await socket.deliver({ id: socket.idOf('getRecentFrames'), result: [a] })
    await socket.deliver({ batch: [{ event: 'frame', data: b }], dropped: 0 })
    await socket.deliver({ id: socket.idOf('getStatus'), result: status('ok') })
    await done
    expect(useFramesStore().frames.map((f) => f.seq)).toEqual([1, 2])
  })

  it('what was pushed before an answer is older than it: the answer wins', async () => {
    const { socket, store, done } = await attached()
    await socket.deliver({ batch: [{ event: 'status', data: status('no_bytes') }], dropped: 0 })
    await socket.deliver({ id: socket.idOf('getStatus'), result: status('ok') })
    await socket.deliver({ id: socket.idOf('getRecentFrames'), result: [] })
    await done
    expect(store.status?.stats.line.state).toBe('ok')
  })
})
