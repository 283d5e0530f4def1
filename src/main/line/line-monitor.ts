/**
 * The line monitor: what a P1 line carries, judged from its bytes and the decoder's events
 * (issue 15). Bytes and bursts, frames found, bytes that belong to no frame, the share of 0x00
 * bytes, the last failure and the meter — and from them one state: nothing yet, silence,
 * bytes without frames (an inverted line, wrong line settings), frames that do not decode (a
 * wrong P1 key, damaged frames) or telegrams. The session's status (SessionStats.line), the
 * status bar and every empty state of the renderer, and `p1studio monitor`'s counters on stderr
 * all come from here.
 *
 * Pure: no timer, no clock of its own. Receive times come with the chunks (ms since the epoch);
 * silence is judged at a `now` the owner gives, and {@link LineMonitor.silenceDeadline} tells
 * when the state would change by time alone (the owner arms a timer on its clock for it).
 *
 * Sources of the figures: one frame every 10 s (Luxmetering E-Meter P1 spec v1.1.3 §3.2.1);
 * a frame takes ~0.1 s at 115200 Bd, so chunks closer than 0.5 s are one burst; "no signal"
 * after 1.2 cadences of silence, as the diagnostics' `no_signal` (docs/verdict-codes.md).
 */
import type { LineState } from '../../shared/contract/session'
import type { DecodeErrorCode } from '../../shared/types'
import type { DecodeEvent } from '../p1/pipeline'

/** A pause longer than this between two chunks starts a new burst, ms. */
export const BURST_GAP_MS = 500

/** Silence longer than this many cadences is `no_bytes` (12 s at the Smarty's 10 s). */
export const SILENCE_CADENCES = 1.2

/** The Smarty's cadence, ms (DSMR 5: one telegram every 10 s). */
export const DEFAULT_CADENCE_MS = 10_000

/**
 * A truncated frame that begins more than this many bytes into its burst is no frame: a meter
 * starts each frame at the start of a burst, so it is a frame start (`/XXX5…`, `DB 08…`) that
 * unreadable bytes (an inverted line, a wrong baud rate) happen to spell. Measured on the
 * virtual meter's inverted line: 2 in 3,000 bursts read at 115200 8N1 hold one, always
 * hundreds of bytes in (the diagnostics use the same rule: `spuriousFrameStarts`).
 */
export const BURST_LEAD_BYTES = 16

/** Bursts whose start offsets are kept: a truncated frame is settled by the next burst or the idle gap at the latest. */
const RECENT_BURSTS = 8

/** The meter's own id: equipment identifier (DSMR 5: 0-0:96.1.1; Smarty: 0-0:42.0.0), decoded from hex ASCII by the parser. */
const METER_ID_CODES = ['0-0:96.1.1', '0-0:42.0.0']

/** Options of {@link LineMonitor}. */
export interface LineMonitorOptions {
  /** Expected interval between frames, ms (default {@link DEFAULT_CADENCE_MS}). */
  cadenceMs?: number
  /** Chunks closer than this are one burst, ms (default {@link BURST_GAP_MS}). */
  burstGapMs?: number
  /**
   * Judge silence (default true): a live line (serial, TCP, demo). A replay or file plays
   * recorded bytes at the user's pace (paused, ×100, ended): its silence says nothing about
   * the line, so it never becomes `no_bytes`.
   */
  judgeSilence?: boolean
}

/** A state's sentence for a person (English; the renderer words the state code itself). */
export const LINE_STATE_WORDS: Record<LineState['state'], string> = {
  none: 'no source open',
  waiting: 'waiting for the first bytes',
  no_bytes: 'no bytes: check the cable, the data request pin and the port',
  bytes_no_frames: 'bytes but no frame: the line may be inverted, or the line settings are wrong',
  frames_not_decoded: 'frames that do not decode: check the P1 key',
  ok: 'telegrams decoded'
}

/** The line state when no source is open. */
export function noLineState(): LineState {
  return { state: 'none', bursts: 0, framesFound: 0, unreadableBytes: 0, zeroShare: 0, lastFailure: null, meter: null }
}

/** Counts and judges one source's line from the moment it opened. */
export class LineMonitor {
  /** Bytes received. */
  bytes = 0
  /** 0x00 bytes received. */
  zeros = 0
  /** Bursts: runs of chunks closer than the burst gap. */
  bursts = 0
  /** Frames the deframer found (decoded or failed); spurious frame starts in garbage excluded. */
  framesFound = 0
  /** Telegrams decoded. */
  decoded = 0
  /** Bytes that belong to no frame. */
  unreadableBytes = 0
  /** The last frame that failed, with its plain-English message (the message stays on this side). */
  lastFailure: { code: DecodeErrorCode; at: number; systemTitle: string | null; message: string } | null = null
  /** Meter id once a telegram named it, else the system title of a DLMS frame. */
  meterId: string | null = null
  systemTitle: string | null = null
  /** Receive time of the last chunk, ms; null before the first. */
  lastByteAt: number | null = null
  private readonly cadenceMs: number
  private readonly burstGapMs: number
  private readonly judgeSilence: boolean
  /** When silence began to count: the open, then each chunk's arrival (the owner's `now`). */
  private quietSince: number
  /** Stream offsets (as the decoder counts them) of the first bytes of the last bursts, oldest first. */
  private burstStarts: number[] = []
  /** Bytes before the decoder's stream began (a replay sought restarts the decoder). */
  private streamBase = 0
  /** Did the last frame found decode? null before the first frame. */
  private lastFrameOk: boolean | null = null
  /** Bursts begun since the last frame found. */
  private burstsSinceFrame = 0

  /**
   * @param openedAt when the source opened, ms, in the time base of the `now` given to
   *   {@link state} (the owner's clock).
   */
  constructor(openedAt: number, opts: LineMonitorOptions = {}) {
    this.cadenceMs = opts.cadenceMs ?? DEFAULT_CADENCE_MS
    this.burstGapMs = opts.burstGapMs ?? BURST_GAP_MS
    this.judgeSilence = opts.judgeSilence !== false
    this.quietSince = openedAt
  }

  /**
   * A chunk as read: `at` its receive time (bursts are judged on receive times), `arrivedAt`
   * when it reached the owner on its clock (silence is judged on that; default `at`).
   */
  chunk(bytes: Uint8Array, at: number, arrivedAt: number = at): void {
    if (bytes.length === 0) return
    if (this.lastByteAt === null || at - this.lastByteAt > this.burstGapMs || at < this.lastByteAt) {
      this.bursts++
      this.burstsSinceFrame++
      this.burstStarts.push(this.bytes - this.streamBase)
      if (this.burstStarts.length > RECENT_BURSTS) this.burstStarts.shift()
    }
    this.lastByteAt = at
    this.quietSince = arrivedAt
    this.bytes += bytes.length
    let z = 0
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) z++
    this.zeros += z
  }

  /** The decoder restarts its stream (offsets from 0 again): a replay was sought. */
  restartStream(): void {
    this.streamBase = this.bytes
    this.burstStarts = []
  }

  /** One decode event of this line, in stream order. */
  event(ev: DecodeEvent): void {
    if (ev.type === 'skipped') {
      this.unreadableBytes += ev.length
      return
    }
    if (ev.type === 'telegram') {
      const t = ev.telegram
      this.frameFound(true)
      this.decoded++
      if (t.dlms) this.systemTitle = t.dlms.systemTitle
      for (const code of METER_ID_CODES) {
        const o = t.telegram.objects.find((x) => x.obis === code)
        if (o && typeof o.value === 'string' && o.value.trim()) {
          this.meterId = o.value.trim()
          break
        }
      }
      return
    }
    const f = ev.failure
    // bytes that are no frame: garbage the deframer gave up on, or a "frame" that garbage spells
    if (f.kind === null || (f.code === 'truncated_frame' && this.burstLead(f.offset) > BURST_LEAD_BYTES)) {
      this.unreadableBytes += f.length
      return
    }
    this.frameFound(false)
    if (f.dlms) this.systemTitle = f.dlms.systemTitle
    this.lastFailure = { code: f.code, at: f.receivedAt, systemTitle: f.dlms?.systemTitle ?? null, message: f.message }
  }

  /** Bytes between the start of the burst holding stream offset `offset` and `offset`. */
  private burstLead(offset: number): number {
    for (let i = this.burstStarts.length - 1; i >= 0; i--) if (this.burstStarts[i] <= offset) return offset - this.burstStarts[i]
    // older than the bursts remembered: a frame held that long is no frame start of a burst
    return offset
  }

  private frameFound(ok: boolean): void {
    this.framesFound++
    this.lastFrameOk = ok
    this.burstsSinceFrame = 0
  }

  /** The meter as the frames name it: meter id, else system title; null before the first frame. */
  get meter(): string | null {
    return this.meterId ?? this.systemTitle
  }

  /**
   * The state at `now` (the owner's clock):
   * `waiting` (open, silent for less than 1.2 cadences), `no_bytes` (silent for longer),
   * `bytes_no_frames` (bytes but no frame, or two bursts since the last frame with none in
   * them), `frames_not_decoded` (the last frame found did not decode), `ok`.
   */
  stateAt(now: number): LineState['state'] {
    if (this.judgeSilence && now - this.quietSince > SILENCE_CADENCES * this.cadenceMs) return 'no_bytes'
    if (this.bytes === 0) return 'waiting'
    if (this.lastFrameOk === null || this.burstsSinceFrame >= 2) return 'bytes_no_frames'
    return this.lastFrameOk ? 'ok' : 'frames_not_decoded'
  }

  /** The whole line state at `now`, as the contract carries it. */
  state(now: number): LineState {
    const f = this.lastFailure
    return {
      state: this.stateAt(now),
      bursts: this.bursts,
      framesFound: this.framesFound,
      unreadableBytes: this.unreadableBytes,
      zeroShare: this.bytes ? this.zeros / this.bytes : 0,
      lastFailure: f ? { code: f.code, at: f.at, systemTitle: f.systemTitle } : null,
      meter: this.meter
    }
  }

  /**
   * When the state turns to `no_bytes` if nothing arrives before (ms, the owner's clock), null
   * when silence is not judged. The owner arms one timer for it and re-reads it when it fires.
   */
  silenceDeadline(): number | null {
    return this.judgeSilence ? this.quietSince + SILENCE_CADENCES * this.cadenceMs : null
  }

  /**
   * One line for a person (`p1studio monitor`'s stderr), e.g. "1,158 bytes in 1 burst · 0 frames
   * found · 0 decoded · bytes but no frame: the line may be inverted…". With `now`, the state is
   * said; the last failure is said with its reason.
   */
  summary(now?: number): string {
    const n = (v: number): string => v.toLocaleString('en-US')
    const s = (v: number, one: string, many: string): string => `${n(v)} ${v === 1 ? one : many}`
    let line = `${s(this.bytes, 'byte', 'bytes')} in ${s(this.bursts, 'burst', 'bursts')} · ${s(this.framesFound, 'frame', 'frames')} found · ${n(this.decoded)} decoded`
    if (this.bytes > 0 && this.zeros / this.bytes >= 0.001) line += ` · ${((100 * this.zeros) / this.bytes).toFixed(1)} % zero bytes`
    if (this.meter) line += ` · meter ${this.meter}`
    if (now !== undefined) line += ` · ${LINE_STATE_WORDS[this.stateAt(now)]}`
    if (this.lastFailure) line += ` · last failure: ${this.lastFailure.code} (${this.lastFailure.message})`
    return line
  }
}
