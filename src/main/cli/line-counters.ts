/**
 * What a line has delivered so far, for `p1studio monitor`'s running status on stderr: bytes,
 * bursts, frames found, telegrams decoded, the last failure and its reason (issue 15: "1,158
 * bytes in 1 burst, no frame" tells an inverted line from a silent one and from a wrong key).
 * Pure: times are the receive times of the chunks (ms), never the wall clock.
 */
import type { DecodeEvent } from '../p1/pipeline'

/** A pause longer than this between two chunks starts a new burst, ms (as the diagnostics: a Smarty frame takes ~0.1 s at 115200 Bd, the cadence is 10 s). */
export const BURST_GAP_MS = 500

/** Counters of one line since monitoring began. */
export class LineCounters {
  bytes = 0
  bursts = 0
  /** Frames the deframer found: decoded or failed. */
  frames = 0
  decoded = 0
  /** The last failure: its stable code (docs/verdict-codes.md) and plain message. */
  lastFailure: { code: string; message: string } | null = null
  private lastAt = -Infinity

  /** A chunk of `bytes` bytes received at `at` (ms since the epoch). */
  chunk(bytes: number, at: number): void {
    if (bytes <= 0) return
    if (at - this.lastAt > BURST_GAP_MS) this.bursts++
    this.lastAt = at
    this.bytes += bytes
  }

  /** One decode event of that line. */
  event(ev: DecodeEvent): void {
    if (ev.type === 'skipped') return
    this.frames++
    if (ev.type === 'telegram') this.decoded++
    else this.lastFailure = { code: ev.failure.code, message: ev.failure.message }
  }

  /** One line for a person, e.g. "1,158 bytes in 1 burst · 0 frames found · 0 decoded". */
  summary(): string {
    const n = (v: number): string => v.toLocaleString('en-US')
    const s = (v: number, one: string, many: string): string => `${n(v)} ${v === 1 ? one : many}`
    let line = `${s(this.bytes, 'byte', 'bytes')} in ${s(this.bursts, 'burst', 'bursts')} · ${s(this.frames, 'frame', 'frames')} found · ${n(this.decoded)} decoded`
    if (this.lastFailure) line += ` · last failure: ${this.lastFailure.code} (${this.lastFailure.message})`
    return line
  }
}
