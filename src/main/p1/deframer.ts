/**
 * Finds frames in an arbitrary P1 byte stream: DLMS general-glo-ciphering APDUs (0xDB,
 * Smarty) and plain DSMR telegrams (`/XXXn…` … `!` + 0–4 hex CRC digits + CR LF,
 * DSMR 5.0.2 §6.2; DSMR 2.2/3 end with `!` alone).
 *
 * Frames may arrive split over many reads, several per read, or between garbage. The
 * deframer resyncs after garbage, after a truncated frame, and after a length field that
 * runs past the next frame's start (a new header with the same system title inside a
 * pending frame cuts it). A pending frame followed by an idle gap longer than
 * `idleGapMs` is truncated. Never throws.
 */
import type { DecodeErrorCode, DlmsHeader, FrameKind } from '../../shared/types'
import { GLO_TAG, parseGloHeader } from './dlms'

/** What the deframer emits. Offsets are byte offsets in the stream; times are ms since the epoch. */
export type DeframerEvent =
  /** `header`: the parsed DLMS header of a 'dlms' frame (so it is parsed once). */
  | { type: 'frame'; kind: FrameKind; bytes: Buffer; offset: number; receivedAt: number; header?: DlmsHeader }
  | {
      type: 'error'
      code: DecodeErrorCode
      message: string
      offset: number
      bytes: Buffer
      receivedAt: number
      kind: FrameKind | null
    }
  | { type: 'skipped'; offset: number; length: number; receivedAt: number }

/** Options of {@link Deframer}. */
export interface DeframerOptions {
  /** Largest frame accepted, bytes (default 8192; Smarty frames with M-Bus reach ~1.5 kB). */
  maxFrameBytes?: number
  /** A partial frame followed by silence longer than this (ms) is truncated (default 2000). */
  idleGapMs?: number
}

const SLASH = 0x2f
const BANG = 0x21
const CR = 0x0d
const LF = 0x0a
const EMPTY = Buffer.alloc(0)

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/**
 * Is `buf[i]` the start of a plain telegram? `/` + 3 letters (manufacturer) + a printable
 * character, and an identification line ending in LF within 128 bytes with no NUL or
 * other line break in it (DSMR 5.0.2 §6.2). Returns 'yes', 'no', or 'maybe' when the
 * buffer ends too early to tell.
 */
function plainStart(buf: Buffer, i: number): 'yes' | 'no' | 'maybe' {
  for (let k = 1; k <= 4; k++) {
    if (i + k >= buf.length) return 'maybe'
    const c = buf[i + k]
    if (k < 4 ? !isLetter(c) : c < 0x21 || c > 0x7e) return 'no'
  }
  const limit = Math.min(buf.length, i + 128)
  for (let k = i + 5; k < limit; k++) {
    const c = buf[k]
    if (c === LF) return 'yes'
    if (c === 0 || c === 0x2f || c === BANG || (c === CR && k + 1 < buf.length && buf[k + 1] !== LF)) return 'no'
  }
  return limit === buf.length && buf.length < i + 128 ? 'maybe' : 'no'
}

/** Incremental frame finder. */
export class Deframer {
  private readonly maxFrameBytes: number
  private readonly idleGapMs: number
  private buf: Buffer = EMPTY
  /** Stream offset of buf[0]. */
  private base = 0
  /** Chunk boundaries still in `buf`: stream offset of the chunk's first byte and its time. */
  private chunkOffsets: number[] = []
  private chunkTimes: number[] = []
  private lastReceivedAt = Number.NEGATIVE_INFINITY

  constructor(opts: DeframerOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 8192
    this.idleGapMs = opts.idleGapMs ?? 2000
  }

  /** Feed a chunk as read. @returns the events it completes, in stream order. */
  push(chunk: Buffer, receivedAt: number = Date.now()): DeframerEvent[] {
    const out: DeframerEvent[] = []
    if (this.buf.length > 0 && receivedAt - this.lastReceivedAt > this.idleGapMs) {
      this.flushPending(out, 'silence')
    }
    this.lastReceivedAt = receivedAt
    if (chunk.length === 0) return out
    this.chunkOffsets.push(this.base + this.buf.length)
    this.chunkTimes.push(receivedAt)
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    this.scan(out, false)
    return out
  }

  /** End of stream: a pending partial frame becomes `truncated_frame`, stray bytes `skipped`. */
  end(receivedAt: number = this.lastReceivedAt): DeframerEvent[] {
    const out: DeframerEvent[] = []
    if (Number.isFinite(receivedAt)) this.lastReceivedAt = receivedAt
    this.scan(out, true)
    this.flushPending(out, 'end of input')
    return out
  }

  /** Time of the chunk that holds stream offset `off`. */
  private timeAt(off: number): number {
    const offs = this.chunkOffsets
    let i = offs.length - 1
    while (i > 0 && offs[i] > off) i--
    return this.chunkTimes[i] ?? this.lastReceivedAt
  }

  /** Drop consumed bytes `[0, pos)` from the buffer. */
  private consume(pos: number): void {
    if (pos === 0) return
    this.base += pos
    this.buf = pos >= this.buf.length ? EMPTY : this.buf.subarray(pos)
    const offs = this.chunkOffsets
    let drop = 0
    while (drop + 1 < offs.length && offs[drop + 1] <= this.base) drop++
    if (drop > 0) {
      this.chunkOffsets = offs.slice(drop)
      this.chunkTimes = this.chunkTimes.slice(drop)
    }
    if (this.buf.length === 0) {
      this.chunkOffsets = []
      this.chunkTimes = []
    } else if (this.buf.byteOffset > 65536 && this.buf.length < 16384) {
      // detach from a large parent allocation so memory stays flat on long streams
      this.buf = Buffer.from(this.buf)
    }
  }

  private skipped(out: DeframerEvent[], start: number, end: number): void {
    if (end <= start) return
    const offset = this.base + start
    const last = out[out.length - 1]
    if (last && last.type === 'skipped' && last.offset + last.length === offset) {
      last.length += end - start
      return
    }
    out.push({ type: 'skipped', offset, length: end - start, receivedAt: this.timeAt(offset) })
  }

  private error(
    out: DeframerEvent[],
    code: DecodeErrorCode,
    message: string,
    start: number,
    end: number,
    kind: FrameKind | null
  ): void {
    const offset = this.base + start
    out.push({
      type: 'error',
      code,
      message,
      offset,
      bytes: Buffer.from(this.buf.subarray(start, Math.min(end, start + 4096))),
      receivedAt: this.timeAt(offset),
      kind
    })
  }

  private frame(out: DeframerEvent[], kind: FrameKind, start: number, end: number, header?: DlmsHeader): void {
    const offset = this.base + start
    out.push({ type: 'frame', kind, bytes: this.buf.subarray(start, end), offset, receivedAt: this.timeAt(offset), header })
  }

  /** The pending bytes can never complete (silence or end of input). */
  private flushPending(out: DeframerEvent[], why: string): void {
    const buf = this.buf
    if (buf.length === 0) return
    const c = buf[0]
    if (c === GLO_TAG || c === SLASH) {
      const kind: FrameKind = c === GLO_TAG ? 'dlms' : 'plain'
      this.error(
        out,
        'truncated_frame',
        `Frame cut short after ${buf.length} bytes (${why} before its end).`,
        0,
        buf.length,
        kind
      )
    } else {
      this.skipped(out, 0, buf.length)
    }
    this.consume(buf.length)
  }

  private scan(out: DeframerEvent[], final: boolean): void {
    const buf = this.buf
    let pos = 0
    const n = buf.length
    while (pos < n) {
      // next candidate start
      let a = buf.indexOf(GLO_TAG, pos)
      let s = buf.indexOf(SLASH, pos)
      if (a < 0) a = n
      if (s < 0) s = n
      const cand = a < s ? a : s
      if (cand > pos) this.skipped(out, pos, cand)
      pos = cand
      if (pos >= n) break
      const r = buf[pos] === GLO_TAG ? this.tryDlms(out, pos, final) : this.tryPlain(out, pos, final)
      if (r < 0) break // need more bytes
      pos = r
    }
    this.consume(pos)
  }

  /** @returns next scan position, or -1 if more bytes are needed. */
  private tryDlms(out: DeframerEvent[], pos: number, final: boolean): number {
    const buf = this.buf
    if (pos + 1 < buf.length && buf[pos + 1] !== 0x08) {
      this.skipped(out, pos, pos + 1)
      return pos + 1
    }
    const h = parseGloHeader(buf, pos)
    if (h.status === 'incomplete') {
      if (final) return -1
      return -1
    }
    if (h.status === 'invalid') {
      this.error(out, h.code, h.message, pos, Math.min(buf.length, pos + 16), 'dlms')
      return pos + 2
    }
    const total = h.totalLength
    if (total > this.maxFrameBytes) {
      this.error(
        out,
        'malformed_frame',
        `Length field announces ${total} bytes, more than the ${this.maxFrameBytes}-byte limit.`,
        pos,
        pos + 16,
        'dlms'
      )
      return pos + 2
    }
    // A new header with the same system title inside this frame's body: this one was cut.
    const marker = buf.subarray(pos, pos + 10)
    const searchEnd = Math.min(buf.length, pos + total)
    const next = buf.indexOf(marker, pos + h.headerLength + 5)
    if (next >= 0 && next < searchEnd) {
      this.error(
        out,
        'truncated_frame',
        `Frame cut short after ${next - pos} of ${total} bytes: the next frame starts inside it.`,
        pos,
        next,
        'dlms'
      )
      return next
    }
    if (buf.length - pos < total) return -1
    this.frame(out, 'dlms', pos, pos + total, h.header)
    return pos + total
  }

  /** @returns next scan position, or -1 if more bytes are needed. */
  private tryPlain(out: DeframerEvent[], pos: number, final: boolean): number {
    const buf = this.buf
    const st = plainStart(buf, pos)
    if (st === 'no') {
      this.skipped(out, pos, pos + 1)
      return pos + 1
    }
    if (st === 'maybe') return -1
    const bang = buf.indexOf(BANG, pos + 5)
    const limit = bang < 0 ? buf.length : bang
    // a new telegram start inside this one (values never contain "/"): this one was cut
    let next = buf.indexOf(SLASH, pos + 5)
    while (next >= 0 && next < limit) {
      if (plainStart(buf, next) === 'yes') {
        this.error(out, 'truncated_frame', `Telegram cut short after ${next - pos} bytes: the next telegram starts inside it.`, pos, next, 'plain')
        return next
      }
      next = buf.indexOf(SLASH, next + 1)
    }
    if (bang < 0) {
      if (buf.length - pos > this.maxFrameBytes) {
        this.error(out, 'overlong_frame', `Telegram runs past ${this.maxFrameBytes} bytes without its end mark "!".`, pos, pos + 64, 'plain')
        return pos + 1
      }
      return -1
    }
    // "!" then 0-4 hex CRC digits then CR LF
    let i = bang + 1
    while (i < buf.length && i - bang <= 4 && isHexDigit(buf[i])) i++
    if (i >= buf.length) {
      if (!final && i - bang - 1 < 4) return -1
    }
    let end = i
    if (end < buf.length && buf[end] === CR) {
      end++
      if (end < buf.length && buf[end] === LF) end++
      else if (end >= buf.length && !final) return -1
    } else if (end < buf.length && buf[end] === LF) {
      end++
    } else if (end >= buf.length && !final) {
      return -1
    }
    this.frame(out, 'plain', pos, end)
    return end
  }
}
