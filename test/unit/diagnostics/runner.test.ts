/**
 * The diagnostics runner's timing, without a port: sources the test feeds by hand
 * (test/helpers/fake-source.ts), the virtual meter and the runner on one ManualClock, or a
 * replay's recorded receive times ('data' time) far from the system clock. Every figure of
 * time in the report comes from the clock given, none from the computer's.
 */
import { describe, expect, it } from 'vitest'
import type { DiagnosisProgress, DiagnosisReport } from '../../../src/shared/diagnostics'
import { runDiagnosis } from '../../../src/main/diagnostics/runner'
import { ManualClock } from '../../../src/main/line/clock'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { FakeSource } from '../../helpers/fake-source'
import { driveClock } from '../../helpers/drive-clock'

const KEY = '8E1D2C3B4A5968778695A4B3C2D1E0FF' // test key, not a meter's
const T0 = Date.UTC(2026, 2, 12, 9, 0, 0)

const check = (r: DiagnosisReport, id: string) => r.checks.find((c) => c.id === id)!

describe('runDiagnosis on a ManualClock', () => {
  it('ok at the real cadence: intervals, start, duration and progress from the clock', async () => {
    const clock = new ManualClock(T0)
    const sources: FakeSource[] = []
    const progress: DiagnosisProgress[] = []
    let meter: VirtualMeter | null = null
    const run = runDiagnosis({
      path: '/dev/ttyP1',
      key: KEY,
      appVersion: 'test',
      clock,
      onProgress: (p) => progress.push(p),
      openSource: () => {
        const src = new FakeSource()
        sources.push(src)
        // the meter's next frame 4 s after the port opens
        meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), clock, write: (f) => void (src.started && src.emit('data', f, clock.now())) })
        clock.setTimeout(() => meter!.start(), 4000)
        return src
      }
    })
    const r = await driveClock(clock, run)
    ;(meter as VirtualMeter | null)?.stop()
    expect(r.verdict).toBe('ok')
    expect(check(r, 'cadence').evidence.intervalsS).toEqual([10, 10])
    expect(r.startedAt).toBe(new Date(T0).toISOString())
    expect(r.durationS).toBe(24)
    expect(clock.now()).toBe(T0 + 24_000)
    // progress: elapsed on the clock, throttled to one message per 250 ms of it while listening
    const listening = progress.filter((p) => p.phase === 'listening')
    expect(progress[0]).toMatchObject({ phase: 'opening', elapsedS: 0 })
    expect(listening[0].elapsedS).toBe(0.1)
    expect(listening.every((p, i) => i === 0 || p.elapsedS - listening[i - 1].elapsedS > 0.25)).toBe(true)
    expect(progress[progress.length - 1]).toMatchObject({ phase: 'done', elapsedS: 24, frames: 3 })
    // one port opened, closed again by the run
    expect(sources.map((s) => s.started)).toEqual([false])
  })

  it('the tail of a frame under way when the port opened, stamped late by a busy computer, is not a wrong line', async () => {
    const clock = new ManualClock(T0)
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), clock, write: () => undefined })
    const tail = meter.nextFrame()!.subarray(700)
    const run = runDiagnosis({
      path: '/dev/ttyP1',
      key: KEY,
      appVersion: 'test',
      clock,
      openSource: () => {
        const src = new FakeSource()
        // 400 ms after the open, the rest of a frame; then the meter's frames, 10 s apart
        clock.setTimeout(() => src.emit('data', tail, clock.now()), 400)
        const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), clock, frameCounter: 2, write: (f) => void src.emit('data', f, clock.now()) })
        clock.setTimeout(() => m.start(), 9000)
        return src
      }
    })
    const r = await driveClock(clock, run)
    expect(r.source.tried).toEqual(['115200 8N1'])
    expect(r.verdict).toBe('ok')
  })

  it('no_signal after 1.2 cadences of silence on the clock, not retried', async () => {
    const clock = new ManualClock(T0)
    const r = await driveClock(clock, runDiagnosis({ path: '/dev/ttyP1', key: KEY, appVersion: 'test', clock, openSource: () => new FakeSource() }))
    expect(r.verdict).toBe('no_signal')
    expect(check(r, 'signal').evidence.listenedS).toBe(12.1)
    expect(r.durationS).toBe(12.1)
    expect(r.source.tried).toEqual(['115200 8N1'])
  })

  it('stops when aborted, at the clock time of the abort', async () => {
    const clock = new ManualClock(T0)
    const ac = new AbortController()
    clock.setTimeout(() => ac.abort(), 5000)
    const r = await driveClock(clock, runDiagnosis({ path: '/dev/ttyP1', appVersion: 'test', clock, signal: ac.signal, openSource: () => new FakeSource() }))
    expect(r.summary).toContain('Stopped by the user.')
    expect(check(r, 'signal').evidence.listenedS).toBe(5)
    expect(r.durationS).toBe(5)
  })
})

describe("runDiagnosis on recorded receive times ('data')", () => {
  it('judges the recorded times, whatever the system clock says', async () => {
    const src = new FakeSource()
    const recorded = Date.UTC(2019, 10, 3, 14, 0, 0)
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const run = runDiagnosis({ source: src, clock: 'data', key: KEY, appVersion: 'test' })
    // a replay at full speed: all frames at once in real time, 10 s apart in recorded time
    for (let i = 0; i < 5; i++) {
      const t = recorded + i * 10_000
      src.emit('data', meter.nextFrame(new Date(t))!, t)
    }
    const r = await run
    expect(r.verdict).toBe('ok')
    expect(check(r, 'cadence').evidence.intervalsS).toEqual([10, 10])
    expect(check(r, 'signal').evidence.listenedS).toBe(20)
    // the meter's clock matches the recorded times: no drift found
    expect(check(r, 'telegram').evidence.clockOffsetS).toBe(0)
  })

  it('a replay that ends without a byte: no_signal after no recorded time at all', async () => {
    const src = new FakeSource()
    const run = runDiagnosis({ source: src, clock: 'data', appVersion: 'test' })
    src.emit('end', 'End of empty.p1cap.')
    const r = await run
    expect(r.verdict).toBe('no_signal')
    expect(check(r, 'signal').evidence.listenedS).toBe(0)
  })
})
