/**
 * Per-client batching and backpressure of serve mode (src/main/host/web-outbox.ts), on a
 * manual clock: a replay's burst of frames becomes one message per 100 ms, the newest kept.
 */
import { describe, expect, it } from 'vitest'
import { Outbox, type OutboxTimers } from '../../../src/main/host/web-outbox'

/** Timers that fire only when the test advances time. */
function manualTimers(): OutboxTimers & { advance(ms: number): void; pending(): number } {
  let now = 0
  let next = 1
  const due = new Map<number, { at: number; fn: () => void }>()
  return {
    setTimeout(fn, ms) {
      const id = next++
      due.set(id, { at: now + ms, fn })
      return id
    },
    clearTimeout(h) {
      due.delete(h as number)
    },
    advance(ms) {
      const end = now + ms
      for (;;) {
        const [id, t] = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0] ?? []
        if (id === undefined || t!.at > end) break
        due.delete(id)
        now = t!.at
        t!.fn()
      }
      now = end
    },
    pending: () => due.size
  }
}

function sink(buffered = 0) {
  const s = {
    bufferedAmount: buffered,
    sent: [] as string[],
    dropped: null as string | null,
    send: (t: string) => void s.sent.push(t),
    drop: (r: string) => void (s.dropped = r)
  }
  return s
}

const frame = (seq: number) => JSON.stringify({ ok: true, seq })

describe('Outbox', () => {
  it('coalesces a burst of frames and statuses into one message per 100 ms, frames oldest first, newest kept', () => {
    const t = manualTimers()
    const s = sink()
    const o = new Outbox(s, { maxFrames: 25 }, t)
    for (let i = 1; i <= 8578; i++) {
      o.frame(frame(i))
      o.status(JSON.stringify({ n: i }))
    }
    expect(s.sent).toHaveLength(0)
    t.advance(99)
    expect(s.sent).toHaveLength(0)
    t.advance(1)
    expect(s.sent).toHaveLength(1)
    const m = JSON.parse(s.sent[0])
    expect(m.dropped).toBe(8578 - 25)
    expect(m.batch.slice(0, 25).map((e: { data: { seq: number } }) => e.data.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 8578 - 24 + i))
    expect(m.batch[25]).toEqual({ event: 'status', data: { n: 8578 } })
    // nothing queued: no timer, no message
    t.advance(1000)
    expect(s.sent).toHaveLength(1)
    expect(t.pending()).toBe(0)
  })

  it('a steady stream at full speed yields at most one message per interval', () => {
    const t = manualTimers()
    const s = sink()
    const o = new Outbox(s, {}, t)
    let seq = 0
    for (let ms = 0; ms < 10_000; ms++) {
      o.frame(frame(++seq))
      t.advance(1)
    }
    expect(s.sent.length).toBeLessThanOrEqual(100)
    expect(s.sent.length).toBeGreaterThanOrEqual(99)
    const frames = s.sent.flatMap((x) => JSON.parse(x).batch)
    const dropped = s.sent.reduce((n, x) => n + JSON.parse(x).dropped, 0)
    expect(frames.length + dropped).toBe(seq - (o['frames'] as string[]).length)
  })

  it('answers go out at once; batches wait while the client is behind; a client that stops reading is dropped', () => {
    const t = manualTimers()
    const s = sink()
    const o = new Outbox(s, { softBytes: 1000, hardBytes: 5000 }, t)
    expect(o.send('{"id":1,"result":null}')).toBe(true)
    expect(s.sent).toEqual(['{"id":1,"result":null}'])
    s.bufferedAmount = 2000
    o.frame(frame(1))
    t.advance(100)
    expect(s.sent).toHaveLength(1) // held back
    o.frame(frame(2))
    s.bufferedAmount = 0
    t.advance(100)
    expect(JSON.parse(s.sent[1]).batch.map((e: { data: { seq: number } }) => e.data.seq)).toEqual([1, 2])
    s.bufferedAmount = 6000
    expect(o.send('{"id":2,"result":"big"}')).toBe(false)
    expect(s.dropped).toMatch(/stopped reading/)
    expect(o.isClosed).toBe(true)
    o.frame(frame(3))
    expect(t.pending()).toBe(0)
    expect(s.sent).toHaveLength(2)
  })

  it('an answer goes out after the batch that was waiting: events emitted before it arrive before it', () => {
    const t = manualTimers()
    const s = sink()
    const o = new Outbox(s, {}, t)
    o.frame(frame(1))
    o.status('{"n":1}')
    expect(o.reply('{"id":7,"result":[1]}')).toBe(true)
    expect(s.sent.map((x) => Object.keys(JSON.parse(x))[0])).toEqual(['batch', 'id'])
    expect(t.pending()).toBe(0) // the batch's timer was cancelled
    t.advance(100)
    expect(s.sent).toHaveLength(2)
    // nothing waiting: just the answer
    o.reply('{"id":8,"result":null}')
    expect(s.sent).toHaveLength(3)
    // a client that is behind gets the answer without forcing the batch out
    s.bufferedAmount = 2 << 20
    o.frame(frame(2))
    o.reply('{"id":9,"result":null}')
    expect(JSON.parse(s.sent[3])).toEqual({ id: 9, result: null })
    expect(t.pending()).toBe(1)
  })
})
