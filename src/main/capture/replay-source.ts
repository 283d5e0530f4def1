/**
 * Replay source: plays a capture (or any importable dump, src/main/capture/importers.ts)
 * into the pipeline with the **recorded** receive times, so cadence and diagnostics see the
 * meter's real timing. Pace: as recorded (speed 1), faster (10, 100…) or all at once
 * (Infinity, still yielding to the event loop); seek by fraction for a position slider;
 * pause and resume. The pace is kept on a {@link Clock} (the system clock unless given); the
 * receive times emitted are always the recorded ones.
 */
import { EventEmitter } from 'node:events'
import { basename } from 'node:path'
import { openInput, type OpenedInput } from './importers'
import { captureWarningInfo, readCapture, type CaptureWarningInfo, type ReadSummary } from './reader'
import { Deframer } from '../p1/deframer'
import { systemClock, type Clock } from '../line/clock'
import type { ByteSource, ByteSourceEvents, ReplayCapability, ReplayPosition } from '../line/source'

export type { ReplayPosition }

/** Bytes searched for the first DLMS frame's system title when the capture does not note it. */
const TITLE_SEARCH_BYTES = 64 * 1024

/** Options of {@link ReplaySource}. */
export interface ReplayOptions {
  /** 1 = recorded pace, 10, 100…, Infinity = as fast as the pipeline takes it. Default 1. */
  speed?: number
  /** Start paused. */
  paused?: boolean
  /** Keeps the pace (default {@link systemClock}); a ManualClock plays as fast as a test advances it. */
  clock?: Clock
}

/** Plays a capture file. It advertises the replay capability (pace, pause, seek) as {@link replay}. */
export class ReplaySource extends EventEmitter<ByteSourceEvents> implements ByteSource, ReplayCapability {
  private input: OpenedInput | null = null
  /** Data record receive times and file offsets (captures) or payloads (dumps). */
  private times: number[] = []
  private offsets: number[] = []
  private payloads: Buffer[] | null = null
  private speed: number
  private paused: boolean
  private index = 0
  private lastTime: number | null = null
  private generation = 0
  private stopped = false
  private done = false
  private resumeWaiters: (() => void)[] = []
  private readonly clock: Clock
  /** Warning from reading (torn last record), null if none. */
  warning: string | null = null
  /** The same as a code with params (`capture_torn`, `capture_damaged`), null if none. */
  warningInfo: CaptureWarningInfo | null = null
  /**
   * System title (16 hex digits) of the recording's first DLMS frame, known once started
   * (from the capture's metadata, else its first frames); null for plain telegrams.
   */
  systemTitle: string | null = null
  /** This source can be replayed: the session's replay control acts on it through this. */
  readonly replay: ReplayCapability = this

  constructor(
    readonly path: string,
    opts: ReplayOptions = {}
  ) {
    super()
    this.speed = validSpeed(opts.speed ?? 1)
    this.paused = opts.paused ?? false
    this.clock = opts.clock ?? systemClock
  }

  get label(): string {
    return `replay ${basename(this.path)}${this.input ? ` (${this.input.format})` : ''}`
  }

  /** Index the file and start playing. @throws CaptureFormatError / Error in plain words for a bad or missing file. */
  async start(): Promise<void> {
    const input = await openInput(this.path)
    this.input = input
    const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
    const payloads: Buffer[] = []
    // the system title: the capture writer notes it; else the first DLMS header of the data
    let titleSearch: Deframer | null = new Deframer({ copyFrames: false })
    let searched = 0
    for await (const r of input.records(summary)) {
      if (r.type !== 'data') {
        if (typeof r.meta.systemTitle === 'string' && /^[0-9A-F]{16}$/i.test(r.meta.systemTitle)) {
          this.systemTitle ??= r.meta.systemTitle.toUpperCase()
          titleSearch = null
        }
        continue
      }
      if (titleSearch && this.systemTitle === null) {
        for (const ev of titleSearch.push(r.bytes, r.time)) if (ev.type === 'frame' && ev.dlms) this.systemTitle ??= ev.dlms.systemTitle
        searched += r.bytes.length
        if (this.systemTitle !== null || searched > TITLE_SEARCH_BYTES) titleSearch = null
      }
      this.times.push(r.time)
      this.offsets.push(r.offset)
      if (input.format !== 'capture') payloads.push(r.bytes)
    }
    if (input.format !== 'capture') this.payloads = payloads
    this.warning = summary.warning
    this.warningInfo = captureWarningInfo(summary)
    if (this.warning) this.emit('error', new Error(this.warning))
    this.stopped = false
    void this.play(this.generation)
  }

  /** Stop playing. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true
    this.generation++
    this.wake()
  }

  /** Change the pace (1, 10, 100… or Infinity). @throws RangeError for a speed ≤ 0. */
  setSpeed(speed: number): void {
    this.speed = validSpeed(speed)
    this.restartFrom(this.index)
  }

  /** Pause or resume. */
  setPaused(paused: boolean): void {
    this.paused = paused
    if (!paused) this.wake()
  }

  /** Jump to a fraction (0…1) of the recorded time. */
  seek(fraction: number): void {
    const n = this.times.length
    if (n === 0) return
    const f = Math.min(1, Math.max(0, fraction))
    const target = this.times[0] + f * (this.times[n - 1] - this.times[0])
    let i = 0
    while (i < n - 1 && this.times[i] < target) i++
    this.done = false
    this.restartFrom(i)
  }

  /** Where the replay is. */
  position(): ReplayPosition {
    const n = this.times.length
    const first = n ? this.times[0] : 0
    return {
      time: this.lastTime,
      durationMs: n ? this.times[n - 1] - first : 0,
      positionMs: this.lastTime === null ? 0 : this.lastTime - first,
      index: this.index,
      count: n,
      speed: this.speed,
      paused: this.paused,
      done: this.done
    }
  }

  private restartFrom(i: number): void {
    this.generation++
    this.index = i
    this.wake()
    if (!this.stopped) void this.play(this.generation)
  }

  private wake(): void {
    for (const w of this.resumeWaiters.splice(0)) w()
  }

  private sleep(ms: number, gen: number): Promise<void> {
    return new Promise((resolve) => {
      let t: { cancel(): void } | null = null
      const done = (): void => {
        t?.cancel()
        resolve()
      }
      t = this.clock.setTimeout(done, ms)
      this.resumeWaiters.push(done)
      if (gen !== this.generation) done()
    })
  }

  private async play(gen: number): Promise<void> {
    const n = this.times.length
    let wallStart = this.clock.now()
    let recStart = this.times[this.index] ?? 0
    let iter: AsyncGenerator<{ type: string; bytes?: Buffer }> | null = null
    if (!this.payloads && this.index < n) {
      iter = readCapture(this.path, undefined, this.offsets[this.index]) as AsyncGenerator<{ type: string; bytes?: Buffer }>
    }
    let sinceYield = 0
    try {
      while (this.index < n) {
        if (gen !== this.generation) return
        while (this.paused && gen === this.generation) {
          await this.sleep(1000, gen)
          wallStart = this.clock.now()
          recStart = this.times[this.index]
        }
        if (gen !== this.generation) return
        const t = this.times[this.index]
        if (Number.isFinite(this.speed)) {
          const due = wallStart + (t - recStart) / this.speed
          const wait = due - this.clock.now()
          if (wait > 1) {
            await this.sleep(wait, gen)
            if (gen !== this.generation) return
            continue
          }
        } else if (++sinceYield >= 64) {
          sinceYield = 0
          await new Promise((r) => setImmediate(r))
          if (gen !== this.generation) return
        }
        let bytes: Buffer | undefined
        if (this.payloads) bytes = this.payloads[this.index]
        else {
          for (;;) {
            const r = await iter!.next()
            if (r.done) break
            if (r.value.type === 'data') {
              bytes = r.value.bytes
              break
            }
          }
        }
        if (gen !== this.generation) return
        if (!bytes) break
        this.index++
        this.lastTime = t
        this.emit('data', bytes, t)
      }
      if (gen === this.generation && !this.stopped) {
        this.done = true
        this.emit('end', `End of ${basename(this.path)}.`)
      }
    } catch (e) {
      if (gen === this.generation) this.emit('error', e as Error)
    } finally {
      await iter?.return(undefined)
    }
  }
}

function validSpeed(s: number): number {
  if (!(s > 0)) throw new RangeError('replay speed must be greater than 0')
  return s
}
