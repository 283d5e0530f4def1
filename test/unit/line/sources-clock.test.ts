/**
 * The sources and the virtual meter on a ManualClock: the virtual meter's frames come exactly
 * one cadence apart with the clock's time in the telegram, the demo stamps its frames with the
 * clock and starts at the clock's time of day, a replay keeps the recorded pace on the clock
 * (×1 and ×10, paused) and emits the recorded receive times, a raw file is stamped by the clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock, type Clock } from '../../../src/main/line/clock'
import { DEMO_KEY_HEX, DemoSource } from '../../../src/main/line/demo-source'
import { FileSource } from '../../../src/main/line/file-source'
import { ReplaySource } from '../../../src/main/capture/replay-source'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { waitUntil } from '../../helpers/virtual-line'

const KEY = Buffer.from('5B1F0E2A3C4D69788796A5B4C3D2E1F0', 'hex') // test key, not a meter's
const T0 = Date.UTC(2026, 2, 12, 9, 0, 0)

describe('VirtualMeter on a ManualClock', () => {
  it('writes its frames exactly one cadence apart, dated by the clock', () => {
    const clock = new ManualClock(T0)
    const got: { at: number; frame: Buffer }[] = []
    const meter = new VirtualMeter({ key: KEY, clock, write: (frame) => void got.push({ at: clock.now(), frame }) })
    meter.start()
    clock.advance(30_000)
    meter.stop()
    clock.advance(60_000)
    expect(got.map((g) => g.at - T0)).toEqual([0, 10_000, 20_000, 30_000])
    for (const g of got) {
      const ev = decodeBuffer(g.frame, { key: KEY.toString('hex') }, g.at).find((e) => e.type === 'telegram')
      if (!ev || ev.type !== 'telegram') throw new Error('frame did not decode')
      // the meter's clock (0-0:1.0.0) is the virtual clock
      expect(Date.parse(ev.telegram.telegram.meterTime!)).toBe(g.at)
    }
  })

  it('irregular fault: intervals of 0.55, 1.45, 0.7, 1.35 cadences, exactly', () => {
    const clock = new ManualClock(T0)
    const at: number[] = []
    const meter = new VirtualMeter({ key: KEY, clock, fault: { name: 'irregular' }, write: () => void at.push(clock.now()) })
    meter.start()
    clock.advance(40_500)
    meter.stop()
    expect(at.slice(1).map((t, i) => t - at[i])).toEqual([5500, 14_500, 7000, 13_500])
  })
})

describe('VirtualMeter on a late clock', () => {
  it('keeps its frames on their due instants: one late timer delays one frame, not the rest', () => {
    const inner = new ManualClock(T0)
    let calls = 0
    // a busy event loop: the second timer fires 700 ms late
    const late: Clock = {
      now: () => inner.now(),
      setTimeout: (fn, ms) => inner.setTimeout(fn, ms + (++calls === 2 ? 700 : 0)),
      setInterval: (fn, ms) => inner.setInterval(fn, ms)
    }
    const at: number[] = []
    const meter = new VirtualMeter({ key: KEY, clock: late, write: () => void at.push(inner.now() - T0) })
    meter.start()
    inner.advance(40_000)
    meter.stop()
    expect(at).toEqual([0, 10_700, 20_000, 30_000, 40_000])
  })
})

describe('DemoSource on a ManualClock', () => {
  it('stamps frames with the clock, one per 10 s, starting at the frame of the clock’s time of day', async () => {
    const clock = new ManualClock(T0 + 12_345)
    const demo = new DemoSource({ clock })
    const got: { at: number; chunk: Buffer }[] = []
    demo.on('data', (chunk, at) => got.push({ at, chunk }))
    await demo.start()
    clock.advance(20_000)
    await demo.stop()
    clock.advance(60_000)
    expect(got.map((g) => g.at - T0)).toEqual([12_345, 22_345, 32_345])
    const local = new Date(T0 + 12_345)
    const secondsToday = local.getHours() * 3600 + local.getMinutes() * 60 + local.getSeconds()
    const first = decodeBuffer(got[0].chunk, { key: DEMO_KEY_HEX }, got[0].at).find((e) => e.type === 'telegram')
    if (!first || first.type !== 'telegram') throw new Error('demo frame did not decode')
    // the demo day starts at its local midnight, one frame per 10 s
    const m = /(\d\d):(\d\d):(\d\d)/.exec(first.telegram.telegram.meterTime!.slice(11))!
    expect(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])).toBe(Math.floor(secondsToday / 10) * 10)
  })
})

/** A capture of `n` frames at recorded 10 s receive times from T0. */
function capture(n: number): { path: string; frames: Buffer[] } {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-replay-clock-'))
  const path = join(dir, 'ten.p1cap')
  const meter = new VirtualMeter({ key: KEY, write: () => undefined })
  const w = new CaptureWriter({ path, source: 'test', appVersion: 'test' })
  const frames: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const f = meter.nextFrame(new Date(T0 + i * 10_000))!
    frames.push(f)
    w.write(f, T0 + i * 10_000)
  }
  w.close()
  return { path, frames }
}

describe('ReplaySource on a ManualClock', () => {
  it('keeps the recorded pace on the clock (×1, then ×10) and emits the recorded receive times', async () => {
    const { path, frames } = capture(6)
    const clock = new ManualClock(Date.UTC(2027, 0, 1))
    const start = clock.now()
    const replay = new ReplaySource(path, { clock })
    const got: { at: number; chunk: Buffer; clockAt: number }[] = []
    replay.on('data', (chunk, at) => got.push({ at, chunk, clockAt: clock.now() }))
    let ended = false
    replay.on('end', () => (ended = true))
    await replay.start()
    await waitUntil(
      () => got.length === 1 && clock.pending() === 1,
      () => `the first record (${got.length} played)`
    )
    for (let i = 1; i < 3; i++) {
      // the next record is due one recorded interval later on the clock, not before
      expect(clock.nextDue()).toBe(start + i * 10_000)
      clock.runNext()
      await waitUntil(
        () => got.length === i + 1 && clock.pending() === 1,
        () => `record ${i + 1} (${got.length} played)`
      )
    }
    // a new pace starts from the next record: it plays at once, the one after 10 s / 10 later
    replay.setSpeed(10)
    await waitUntil(
      () => got.length === 4 && clock.pending() === 1,
      () => `the ×10 pace (${got.length} played)`
    )
    expect(got[3].clockAt).toBe(start + 20_000)
    expect(clock.nextDue()).toBe(start + 21_000)
    // paused: time passes, nothing plays
    replay.setPaused(true)
    clock.advance(60_000)
    await waitUntil(
      () => clock.pending() === 1 && clock.nextDue()! > start + 80_000,
      () => 'the paused replay waiting'
    )
    expect(got).toHaveLength(4)
    replay.setPaused(false)
    for (let guard = 0; !ended && guard < 100; guard++) {
      await waitUntil(
        () => ended || clock.pending() > 0,
        () => 'the replay playing'
      )
      if (!ended) clock.runNext()
    }
    expect(ended).toBe(true)
    expect(got.map((g) => g.at - T0)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000])
    expect(got.every((g, i) => g.chunk.equals(frames[i]))).toBe(true)
    // ×10 after resuming: records 1 s of clock time apart
    expect(got[5].clockAt - got[4].clockAt).toBe(1000)
    await replay.stop()
  })
})

describe('FileSource on a ManualClock', () => {
  it('stamps the chunks with the clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-file-clock-'))
    const path = join(dir, 'dump.bin')
    writeFileSync(path, Buffer.alloc(200_000, 0x2f))
    const clock = new ManualClock(T0)
    const src = new FileSource(path, { clock })
    const at: number[] = []
    let bytes = 0
    src.on('data', (c, t) => {
      bytes += c.length
      at.push(t)
    })
    let ended = false
    src.on('end', () => (ended = true))
    await src.start()
    await waitUntil(
      () => ended,
      () => 'the end of the file'
    )
    expect(bytes).toBe(200_000)
    expect(new Set(at)).toEqual(new Set([T0]))
  })
})
