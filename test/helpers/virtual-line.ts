/**
 * A P1 line in virtual time, on real ptys: the virtual meter writes onto one end of a socat
 * pty pair, the diagnostics (or any reader) read the other end through SerialSources, and
 * both run on ONE ManualClock. The test advances that clock one timer at a time, and between
 * two steps waits — on conditions, never on a duration — until every byte written has been
 * read and the reader is listening again. So the Smarty's real 10 s cadence is exact (every
 * chunk of a frame is stamped with the virtual instant the meter sent it), however slow the
 * machine is; only how long the test takes depends on the load.
 */
import { SerialSource } from '../../src/main/line/serial-source'
import { ManualClock } from '../../src/main/line/clock'
import { VirtualMeter, openSerialWriter, type SerialWriter, type VirtualMeterOptions } from '../../src/main/line/virtual-meter'
import type { LineSettings } from '../../src/shared/types'
import { openPtyPair } from './pty'

/** Default start of virtual time: 2026-03-12 09:00:00 UTC (a weekday morning, sun rising). */
export const VIRTUAL_T0 = Date.UTC(2026, 2, 12, 9, 0, 0)

/** A SerialSource that tells whether it is listening (started, and not yet asked to stop). */
export class TrackedSerialSource extends SerialSource {
  listening = false
  received = 0
  async start(): Promise<void> {
    this.on('data', (chunk) => (this.received += chunk.length))
    await super.start()
    this.listening = true
  }
  async stop(): Promise<void> {
    this.listening = false
    await super.stop()
  }
}

/**
 * Poll `cond` (each turn of the event loop, then every 2 ms) until it holds.
 * @param guardMs real-time guard that turns a hang (bytes that never come) into a failure
 *   naming `what`; it never decides a verdict.
 */
export async function waitUntil(cond: () => boolean, what: () => string, guardMs = 60_000): Promise<void> {
  const deadline = Date.now() + guardMs
  await new Promise((r) => setImmediate(r))
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting (${guardMs / 1000} s of real time) for ${what()}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** The line: a pty pair, a writer on end `a`, readers on end `b`, one clock. */
export class VirtualLine {
  readonly clock: ManualClock
  /** Every source opened on end `b` through {@link openSource}, in order. */
  readonly sources: TrackedSerialSource[] = []
  meter: VirtualMeter | null = null
  /** Bytes handed to the writer (what the meter put on the line). */
  written = 0
  private writer: SerialWriter | null = null
  private writes: Promise<void>[] = []

  private constructor(
    readonly pty: { a: string; b: string; close(): Promise<void> },
    start: number
  ) {
    this.clock = new ManualClock(start)
  }

  /** Open a pty pair and a clock at `start` (default {@link VIRTUAL_T0}). */
  static async open(start = VIRTUAL_T0): Promise<VirtualLine> {
    return new VirtualLine(await openPtyPair(), start)
  }

  /** Bytes read by all sources opened on end `b`. */
  get received(): number {
    return this.sources.reduce((n, s) => n + s.received, 0)
  }

  /** A source is listening on end `b`. */
  get listening(): boolean {
    return this.sources.some((s) => s.listening)
  }

  /** For `runDiagnosis({ openSource })`: a SerialSource on end `b`, stamping with the line's clock. */
  openSource = (settings: Partial<LineSettings>): TrackedSerialSource => {
    const src = new TrackedSerialSource(this.pty.b, settings, { clock: this.clock })
    this.sources.push(src)
    return src
  }

  /**
   * Put a virtual meter on end `a`, on the line's clock. It starts `phaseMs` after now (the
   * installer starts listening, the meter's next frame comes a little later).
   */
  async startMeter(opts: Omit<VirtualMeterOptions, 'write' | 'clock'>, phaseMs = 3000): Promise<VirtualMeter> {
    this.writer = await openSerialWriter(this.pty.a)
    const w = this.writer
    const meter = new VirtualMeter({
      ...opts,
      clock: this.clock,
      write: (frame) => {
        this.written += frame.length
        const p = w.write(frame)
        this.writes.push(p.catch(() => undefined))
        return p
      }
    })
    this.meter = meter
    this.clock.setTimeout(() => meter.start(), phaseMs)
    return meter
  }

  /** Every byte the meter wrote has been read by a listening source. */
  get settled(): boolean {
    return this.received >= this.written
  }

  /**
   * Drive virtual time until `run` settles: before each step, wait until a source is
   * listening and has read every byte written; then fire the next timer.
   * @param maxVirtualMs fail if the run takes longer than this in virtual time (default 10 min).
   * @returns what `run` resolves with.
   */
  async drive<T>(run: Promise<T>, maxVirtualMs = 600_000): Promise<T> {
    let done = false
    const settled = run.finally(() => {
      done = true
    })
    settled.catch(() => undefined)
    const start = this.clock.now()
    for (;;) {
      await waitUntil(
        () => done || (this.listening && this.settled),
        () =>
          `the reader (${this.received} of ${this.written} bytes read, ${this.listening ? 'listening' : 'no source listening'}) at virtual +${(this.clock.now() - start) / 1000} s`
      )
      if (done) break
      if (this.clock.now() - start > maxVirtualMs) throw new Error(`no verdict after ${maxVirtualMs / 1000} s of virtual time`)
      if (!this.clock.runNext()) throw new Error('nothing scheduled on the clock and the run has not ended')
    }
    return settled
  }

  /** Stop the meter, close the writer and the pty pair. */
  async close(): Promise<void> {
    this.meter?.stop()
    await Promise.all(this.writes)
    await this.writer?.close()
    for (const s of this.sources) await s.stop()
    await this.pty.close()
  }
}
