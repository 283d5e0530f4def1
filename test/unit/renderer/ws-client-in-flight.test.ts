/**
 * The WebSocket client's requests in flight (issue 11) on a socket the test drives: at most
 * MAX_REQUESTS_IN_FLIGHT sent, the rest sent in order as answers come; on a lost connection the
 * requests sent are rejected (their answers will never come) and those still waiting go out on
 * the next connection.
 */
import { describe, expect, it } from 'vitest'
import { WsConnection } from '../../../src/renderer/src/api/ws-client'
import { TestSocket } from './test-socket'
import { MAX_REQUESTS_IN_FLIGHT } from '../../../src/shared/contract'

describe('WsConnection: requests in flight', () => {
  it('sends at most 8, the rest in order as answers come; an answer to no request sent frees nothing', async () => {
    const sockets: TestSocket[] = []
    const c = new WsConnection('ws://x/ws', () => (sockets.push(new TestSocket()), sockets.at(-1)!))
    sockets[0].open()
    const results = Array.from({ length: 12 }, (_, i) => c.call('listPorts', { n: i }))
    const s = sockets[0]
    expect(s.sent.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].slice(0, MAX_REQUESTS_IN_FLIGHT))
    s.answer(99, 'stray') // a forged or repeated answer
    s.answer(1, 'one')
    s.answer(1, 'one again')
    expect(s.sent.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    for (const id of [3, 2]) s.answer(id, id)
    expect(s.sent.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    for (let id = 4; id <= 12; id++) s.answer(id, id)
    expect(s.sent).toHaveLength(12)
    expect(await Promise.all(results)).toEqual(['one', 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    c.close()
  })

  it('a lost connection rejects what was sent; what waited goes out on the next connection', async () => {
    const sockets: TestSocket[] = []
    let reconnect: (() => void) | null = null
    const realSetTimeout = globalThis.setTimeout
    // the reconnection's backoff timer, run when the test says (no clock decides)
    globalThis.setTimeout = ((fn: () => void) => ((reconnect = fn), 0)) as unknown as typeof setTimeout
    try {
      const c = new WsConnection('ws://x/ws', () => (sockets.push(new TestSocket()), sockets.at(-1)!))
      sockets[0].open()
      const results = Array.from({ length: 10 }, () =>
        c.call('listPorts').then(
          (v) => ({ ok: v }),
          (e: Error) => ({ err: e.message })
        )
      )
      sockets[0].close()
      expect(reconnect).not.toBeNull()
      reconnect!()
      sockets[1].open()
      expect(sockets[1].sent.map((m) => m.id)).toEqual([9, 10])
      sockets[1].answer(9, 'nine')
      sockets[1].answer(10, 'ten')
      const out = await Promise.all(results)
      expect(out.slice(0, 8)).toEqual(Array(8).fill({ err: 'Disconnected from the P1 Studio service.' }))
      expect(out.slice(8)).toEqual([{ ok: 'nine' }, { ok: 'ten' }])
      c.close()
    } finally {
      globalThis.setTimeout = realSetTimeout
    }
  })
})
