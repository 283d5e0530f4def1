/**
 * Evidence gathering for the diagnostics: every chunk of one listening attempt (one set of
 * line settings) goes through the line monitor (bursts, idle gaps, 0x00 share) and the
 * decoding pipeline; what the checks need is kept in compact form (no frame list grows
 * with anything but the frames heard, a few per run). No clock of its own: every time is
 * given (receive times with the chunks, `now` to {@link AttemptEvidence.tick}).
 */
import type { DecodedTelegram, DecodeErrorCode, DlmsHeader, LineSettings } from '../../shared/types'
import { P1Decoder } from '../p1/pipeline'

/** A burst of bytes: chunks separated by less than the burst gap. Times in ms since the epoch. */
export interface Burst {
  start: number
  end: number
  bytes: number
  /** 0x00 bytes (breaks and framing garbage on a wrong or inverted line). */
  zeros: number
  /** Stream offset (bytes since the attempt began) of the burst's first byte. */
  startOffset: number
}

/**
 * A truncated frame that begins more than this many bytes into its burst is not counted as a
 * frame: a meter starts each frame at the start of a burst, so such a "frame" is a frame
 * start (`/XXX5…` or `DB 08…`) that unreadable bytes (inverted line, wrong baud rate) happen
 * to spell. Measured on the virtual meter's inverted line: 2 in 3,000 bursts read at 115200
 * 8N1 and 44 in 3,000 at 9600 7E1 hold one, always hundreds of bytes in.
 */
export const BURST_LEAD_BYTES = 16

/** One frame the deframer found (decoded or not), in arrival order. */
export interface FrameSeen {
  /** Receive time of its first byte, ms since the epoch. */
  at: number
  kind: 'dlms' | 'plain'
  /** DLMS frame counter, null for plain telegrams or a header cut short. */
  frameCounter: number | null
  systemTitle: string | null
  /** Bytes received for this frame. */
  bytes: number
  /** Bytes the DLMS length field announced for the whole frame, null for plain telegrams. */
  declaredBytes: number | null
  /** `ok`, `auth_key_mismatch` (decoded without the tag), or the decode error code. */
  outcome: 'ok' | 'auth_key_mismatch' | DecodeErrorCode
}

/** Options of {@link AttemptEvidence}. */
export interface EvidenceOptions {
  settings: LineSettings
  key: string | null
  authKey?: string
  /** A pause longer than this ends a burst, ms. */
  burstGapMs: number
  /** A partial frame followed by silence longer than this is truncated, ms. */
  idleGapMs: number
  /** Compare the meter clock (0-0:1.0.0) with the receive times (default true). */
  meterClock?: boolean
}

/** Telegram figures kept across a run (minima/maxima, last values). */
export interface TelegramFigures {
  decoded: number
  voltageMinV: number | null
  voltageMaxV: number | null
  /** Largest |meter clock − receive time|, s. */
  clockOffsetMaxS: number | null
  /** Meter clock − receive time of the last telegram, s. */
  clockOffsetLastS: number | null
}

const VOLTAGE_CODES = new Set(['1-0:32.7.0', '1-0:52.7.0', '1-0:72.7.0'])

/** Everything heard during one listening attempt at one set of line settings. */
export class AttemptEvidence {
  readonly settings: LineSettings
  startedAt: number
  endedAt: number
  bytes = 0
  chunks = 0
  /** Bytes the deframer skipped as not belonging to any frame. */
  skippedBytes = 0
  /** Truncated frame starts found in the middle of unreadable bursts (counted as skipped bytes, see {@link BURST_LEAD_BYTES}). */
  spuriousFrames = 0
  readonly bursts: Burst[] = []
  readonly frames: FrameSeen[] = []
  /** Plain telegrams found when the bytes are read as 7-bit characters (8-bit port, 7E1 meter). */
  sevenBitTelegrams = 0
  firstTelegram: DecodedTelegram | null = null
  lastTelegram: DecodedTelegram | null = null
  firstFrameHex: string | null = null
  /** First frame that did not decode (wrong key, truncated…), hex, for the report. */
  firstFailedFrameHex: string | null = null
  readonly figures: TelegramFigures = { decoded: 0, voltageMinV: null, voltageMaxV: null, clockOffsetMaxS: null, clockOffsetLastS: null }
  private readonly decoder: P1Decoder
  private readonly sevenBit: P1Decoder | null
  private readonly burstGapMs: number
  private readonly idleGapMs: number
  private readonly meterClock: boolean
  private lastDataAt: number | null = null
  private idleFlushed = true

  /**
   * @param startedAt when listening began, ms since the epoch, in the time base of the
   *   receive times that will be pushed (the source's clock, or a replay's recorded times).
   * @throws TypeError if a key is not 32 hex digits.
   */
  constructor(opts: EvidenceOptions, startedAt: number) {
    this.settings = opts.settings
    this.startedAt = startedAt
    this.endedAt = startedAt
    this.burstGapMs = opts.burstGapMs
    this.idleGapMs = opts.idleGapMs
    this.meterClock = opts.meterClock !== false
    this.decoder = new P1Decoder({ key: opts.key, authKey: opts.authKey, idleGapMs: opts.idleGapMs })
    this.sevenBit = opts.settings.dataBits === 8 ? new P1Decoder({ idleGapMs: opts.idleGapMs }) : null
  }

  /** Feed a chunk as read at `at` (ms since the epoch). */
  push(chunk: Buffer, at: number): void {
    const offset = this.bytes
    this.bytes += chunk.length
    this.chunks++
    this.endedAt = at
    this.lastDataAt = at
    this.idleFlushed = false
    let zeros = 0
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0) zeros++
    const last = this.bursts[this.bursts.length - 1]
    if (last && at - last.end <= this.burstGapMs) {
      last.end = at
      last.bytes += chunk.length
      last.zeros += zeros
    } else {
      this.bursts.push({ start: at, end: at, bytes: chunk.length, zeros, startOffset: offset })
    }
    this.take(this.decoder.push(chunk, at))
    if (this.sevenBit && this.frames.length === 0) {
      const masked = Buffer.from(chunk.map((b) => b & 0x7f))
      for (const ev of this.sevenBit.push(masked, at)) if (ev.type === 'telegram') this.sevenBitTelegrams++
    }
  }

  /** 0x00 bytes heard in all bursts. */
  zeros(): number {
    return this.bursts.reduce((n, b) => n + b.zeros, 0)
  }

  /**
   * Time passes without data: after the idle gap a partial frame is over (a frame cut short
   * by the sender is reported as truncated now, not when the next frame comes).
   */
  tick(now: number): void {
    this.endedAt = Math.max(this.endedAt, now)
    if (!this.idleFlushed && this.lastDataAt !== null && now - this.lastDataAt > this.idleGapMs) {
      this.idleFlushed = true
      this.take(this.decoder.end(this.lastDataAt))
      if (this.sevenBit && this.frames.length === 0) for (const ev of this.sevenBit.end(this.lastDataAt)) if (ev.type === 'telegram') this.sevenBitTelegrams++
    }
  }

  /** End of the attempt: a pending partial frame becomes a truncated frame. */
  finish(now: number): void {
    this.endedAt = Math.max(this.endedAt, now)
    this.take(this.decoder.end(now))
  }

  /**
   * Bursts that are over (followed by a gap) at `now`, ignoring a first one that began within
   * a burst gap of listening: it may be the tail of a frame already under way when the port
   * opened (on a busy computer its first bytes are stamped hundreds of ms after the open:
   * 50 ms was too short at load 26 on two cores, and a frame's tail then read as a wrong line).
   */
  completeBursts(now: number): Burst[] {
    return this.bursts.filter((b, i) => now - b.end > this.burstGapMs && !(i === 0 && b.start - this.startedAt < this.burstGapMs))
  }

  private take(events: ReturnType<P1Decoder['push']>): void {
    for (const ev of events) {
      if (ev.type === 'skipped') {
        this.skippedBytes += ev.length
        continue
      }
      if (ev.type === 'failure') {
        const f = ev.failure
        if (f.kind === null) {
          this.skippedBytes += f.frameHex.length / 2
          continue
        }
        if (f.code === 'truncated_frame' && this.burstLead(f.offset) > BURST_LEAD_BYTES) {
          this.spuriousFrames++
          this.skippedBytes += f.frameHex.length / 2
          continue
        }
        this.frames.push(frameSeen(f.kind, f.receivedAt, f.dlms, f.frameHex.length / 2, f.code))
        if (this.firstFailedFrameHex === null) this.firstFailedFrameHex = f.frameHex
        continue
      }
      const t = ev.telegram
      const outcome = t.warnings.includes('auth_key_mismatch') ? 'auth_key_mismatch' : 'ok'
      this.frames.push(frameSeen(t.kind, t.receivedAt, t.dlms, t.frameHex.length / 2, outcome))
      if (!this.firstTelegram) this.firstTelegram = t
      this.lastTelegram = t
      if (this.firstFrameHex === null) this.firstFrameHex = t.frameHex
      this.figure(t)
    }
  }

  /** Bytes between the start of the burst holding stream offset `offset` and `offset`. */
  private burstLead(offset: number): number {
    for (let i = this.bursts.length - 1; i >= 0; i--) if (this.bursts[i].startOffset <= offset) return offset - this.bursts[i].startOffset
    return offset
  }

  private figure(t: DecodedTelegram): void {
    const f = this.figures
    f.decoded++
    for (const o of t.telegram.objects) {
      if (VOLTAGE_CODES.has(o.obis) && typeof o.value === 'number') {
        f.voltageMinV = f.voltageMinV === null ? o.value : Math.min(f.voltageMinV, o.value)
        f.voltageMaxV = f.voltageMaxV === null ? o.value : Math.max(f.voltageMaxV, o.value)
      }
    }
    if (t.telegram.meterTime && this.meterClock) {
      const off = (Date.parse(t.telegram.meterTime) - t.receivedAt) / 1000
      f.clockOffsetLastS = Math.round(off)
      if (f.clockOffsetMaxS === null || Math.abs(off) > Math.abs(f.clockOffsetMaxS)) f.clockOffsetMaxS = Math.round(off)
    }
  }
}

function frameSeen(kind: 'dlms' | 'plain', at: number, dlms: DlmsHeader | null, bytes: number, outcome: FrameSeen['outcome']): FrameSeen {
  return {
    at,
    kind,
    frameCounter: dlms?.frameCounter ?? null,
    systemTitle: dlms?.systemTitle ?? null,
    bytes,
    declaredBytes: dlms ? dlms.layout.securityControl[0] + dlms.length : null,
    outcome
  }
}
