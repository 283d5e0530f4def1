/**
 * The line monitor on real bytes: the published Luxembourg frame (E1, nexxtlab, key published)
 * as the meter sends it, the same frame through the bit-level UART model of an inverted line,
 * with another key, and silence judged at given instants (no clock of its own).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BURST_GAP_MS, LineMonitor, SILENCE_CADENCES, noLineState } from '../../../src/main/line/line-monitor'
import { P1Decoder } from '../../../src/main/p1/pipeline'
import { transmitOverLine } from '../../../src/main/line/uart-model'

const DIR = resolve(__dirname, '../../fixtures/vectors')
const E1 = Buffer.from(readFileSync(resolve(DIR, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const E1_KEY = 'D491470F47126332B07D1923B3504188'
const WRONG_KEY = '000102030405060708090A0B0C0D0E0F'
const T0 = Date.UTC(2026, 2, 12, 9, 0, 0)
const F8N1 = { baudRate: 115200, dataBits: 8 as const, parity: 'none' as const, stopBits: 1 as const }

/** A line fed as the session feeds it: each chunk to the monitor, then its decode events. */
function line(key: string | null, opts: ConstructorParameters<typeof LineMonitor>[1] = {}) {
  const m = new LineMonitor(T0, opts)
  const d = new P1Decoder({ key })
  return {
    m,
    push(bytes: Buffer, at: number, chunk = 64) {
      for (let i = 0; i < bytes.length; i += chunk) {
        const part = bytes.subarray(i, i + chunk)
        m.chunk(part, at)
        for (const ev of d.push(part, at)) m.event(ev)
      }
    }
  }
}

describe('LineMonitor', () => {
  it('ok: the published frame every 10 s, decoded, the meter named by its id', () => {
    const l = line(E1_KEY)
    for (let k = 0; k < 3; k++) l.push(E1, T0 + 3000 + k * 10_000)
    const s = l.m.state(T0 + 23_500)
    expect(s).toEqual({
      state: 'ok',
      bursts: 3,
      framesFound: 3,
      unreadableBytes: 0,
      zeroShare: s.zeroShare,
      lastFailure: null,
      meter: 'SAG1030700114004'
    })
    expect(l.m.decoded).toBe(3)
    expect(l.m.bytes).toBe(3 * E1.length)
    expect(s.zeroShare).toBeGreaterThan(0)
    expect(s.zeroShare).toBeLessThan(0.05)
  })

  it('frames_not_decoded: the same frames with another key — the failure, its time and system title', () => {
    const l = line(WRONG_KEY)
    l.push(E1, T0 + 3000)
    l.push(E1, T0 + 13_000)
    const s = l.m.state(T0 + 14_000)
    expect(s.state).toBe('frames_not_decoded')
    expect(s.framesFound).toBe(2)
    expect(s.lastFailure).toEqual({ code: 'gcm_tag_mismatch', at: T0 + 13_000, systemTitle: '53414767700' + '1BD54' })
    // no telegram: the meter is named by its system title
    expect(s.meter).toBe('534147677001BD54')
    expect(l.m.summary(T0 + 14_000)).toMatch(
      new RegExp(
        `^${(2 * E1.length).toLocaleString('en-US')} bytes in 2 bursts · 2 frames found · 0 decoded · .*frames that do not decode.* · last failure: gcm_tag_mismatch \\(GCM tag`
      )
    )
  })

  it('frames_not_decoded without a key: missing_key', () => {
    const l = line(null)
    l.push(E1, T0 + 3000)
    expect(l.m.state(T0 + 3100)).toMatchObject({ state: 'frames_not_decoded', lastFailure: { code: 'missing_key' } })
  })

  it('bytes_no_frames: the frame through an inverted line (bit-level UART model) is garbage, counted as unreadable', () => {
    const garbage = transmitOverLine(E1, { ...F8N1, inverted: true }, F8N1).bytes
    expect(garbage.length).toBeGreaterThan(100)
    const l = line(E1_KEY)
    for (let k = 0; k < 3; k++) l.push(garbage, T0 + 3000 + k * 10_000, 32)
    const s = l.m.state(T0 + 23_500)
    expect(s.state).toBe('bytes_no_frames')
    expect(s.bursts).toBe(3)
    expect(s.framesFound).toBe(0)
    expect(s.lastFailure).toBeNull()
    expect(s.unreadableBytes).toBeGreaterThan(0)
    expect(s.unreadableBytes).toBeLessThanOrEqual(l.m.bytes)
    expect(s.meter).toBeNull()
    // the share of 0x00 bytes is what the diagnostics call an inverted line's (below 0.2), and exact
    const zeros = [...garbage].filter((b) => b === 0).length
    expect(s.zeroShare).toBeCloseTo(zeros / garbage.length, 12)
    expect(l.m.summary()).toMatch(new RegExp(`^${(3 * garbage.length).toLocaleString('en-US')} bytes in 3 bursts · 0 frames found · 0 decoded`))
  })

  it('a line that turns bad after good frames: two bursts without a frame are bytes_no_frames again', () => {
    const garbage = transmitOverLine(E1, { ...F8N1, inverted: true }, F8N1).bytes
    const l = line(E1_KEY)
    l.push(E1, T0 + 3000)
    l.push(garbage, T0 + 13_000, 32)
    expect(l.m.stateAt(T0 + 13_100)).toBe('ok')
    l.push(garbage, T0 + 23_000, 32)
    expect(l.m.stateAt(T0 + 23_100)).toBe('bytes_no_frames')
    l.push(E1, T0 + 33_000)
    expect(l.m.stateAt(T0 + 33_100)).toBe('ok')
  })

  it('waiting, then no_bytes after 1.2 cadences of silence; bytes end it; a replay is never silent', () => {
    const l = line(E1_KEY)
    const limit = SILENCE_CADENCES * 10_000
    expect(l.m.silenceDeadline()).toBe(T0 + limit)
    expect(l.m.stateAt(T0 + limit)).toBe('waiting')
    expect(l.m.stateAt(T0 + limit + 1)).toBe('no_bytes')
    l.push(E1, T0 + 15_000)
    expect(l.m.stateAt(T0 + 15_001)).toBe('ok')
    expect(l.m.silenceDeadline()).toBe(T0 + 15_000 + limit)
    // the cable is pulled: silence again
    expect(l.m.stateAt(T0 + 15_000 + limit + 1)).toBe('no_bytes')
    const replay = line(E1_KEY, { judgeSilence: false })
    expect(replay.m.stateAt(T0 + 3_600_000)).toBe('waiting')
    expect(replay.m.silenceDeadline()).toBeNull()
  })

  it('silence is judged on arrival, bursts on receive times (a replay stamps recorded times)', () => {
    const m = new LineMonitor(T0)
    m.chunk(E1.subarray(0, 100), T0 - 86_400_000, T0 + 1000)
    m.chunk(E1.subarray(100), T0 - 86_400_000 + BURST_GAP_MS, T0 + 1001)
    expect(m.bursts).toBe(1)
    expect(m.stateAt(T0 + 1002)).toBe('bytes_no_frames')
    m.chunk(E1.subarray(0, 10), T0 - 86_400_000 + 2 * BURST_GAP_MS + 1, T0 + 1003)
    expect(m.bursts).toBe(2)
  })

  it('nothing open: state none and zero counters', () => {
    expect(noLineState()).toEqual({ state: 'none', bursts: 0, framesFound: 0, unreadableBytes: 0, zeroShare: 0, lastFailure: null, meter: null })
  })
})
