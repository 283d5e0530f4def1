/**
 * Finds frames in an arbitrary P1 byte stream: DLMS general-glo-ciphering APDUs (`DB 08`,
 * Smarty; Luxmetering E-Meter P1 spec v1.1.3 §3.2.5) and plain DSMR telegrams
 * (`/XXXn…` … `!` + 0–4 hex CRC digits + CR LF, DSMR 5.0.2 §6.2; DSMR 2.2/3 end with `!` alone).
 *
 * Frames may arrive split over many reads (down to one byte), several per read, or between
 * garbage. The deframer resyncs after garbage, after a truncated frame, and after a length
 * field that runs past the next frame's start: a new header inside a pending frame's body cuts
 * it (same system title, or another title that is fully plausible), as does a new telegram
 * start (`/XXX5…` identification line) inside a pending plain telegram. A pending frame
 * followed by silence longer than `idleGapMs` (the next chunk's `receivedAt`) is truncated.
 *
 * Fast and flat: candidates are found with `indexOf`, a pending partial frame is kept in one
 * growable buffer (no per-read `Buffer.concat`), a read that starts with no pending bytes is
 * scanned in place, and scanning of a pending frame resumes where the previous read stopped.
 * Memory is bounded by `maxFrameBytes` plus the largest read. Never throws.
 */
import type { DecodeErrorCode, DlmsHeader, FrameKind } from '../../shared/types'
import { GLO_TAG, parseGloHeader, SYSTEM_TITLE_LENGTH } from './dlms'

/** What the deframer emits. Offsets are byte offsets in the stream; times are ms since the epoch. */
export type DeframerEvent =
  /**
   * A complete frame; `bytes` is a private copy (safe to keep), `receivedAt` the time of the
   * read holding its first byte, `dlms` the header of a DLMS frame as parsed while deframing.
   */
  | { type: 'frame'; kind: FrameKind; bytes: Buffer; offset: number; receivedAt: number; dlms?: DlmsHeader }
  /**
   * A frame that cannot be used: `truncated_frame`, `unsupported_length_form`,
   * `malformed_frame`, `overlong_frame`. `bytes` = the offending bytes (at most 4 kB, a copy).
   */
  | {
      type: 'error'
      code: DecodeErrorCode
      message: string
      offset: number
      bytes: Buffer
      receivedAt: number
      kind: FrameKind | null
    }
  /** Bytes between frames that belong to no frame (noise, a wrong baud rate, junk after `!`). */
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
/** Longest identification line accepted (DSMR 5.0.2 allows 96 characters after the baud char). */
const MAX_IDENT = 128
/** Error events carry at most this many bytes. */
const MAX_ERROR_BYTES = 4096

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

const YES = 1
const NO = 0
const MAYBE = -1

/**
 * Is `b[i]` (a `/`) the start of a plain telegram? `/` + 3 letters (manufacturer FLAG id) + a
 * printable character (baud rate / version), then the rest of the identification line up to
 * LF within {@link MAX_IDENT} bytes, without NUL, `/`, `!`, parentheses or a CR not followed by
 * LF (DSMR 5.0.2 §6.2). YES, NO, or MAYBE when `b` ends (at `end`) too early to tell.
 */
function plainStart(b: Uint8Array, i: number, end: number): number {
  for (let k = 1; k <= 4; k++) {
    if (i + k >= end) return MAYBE
    const c = b[i + k]
    if (k < 4 ? !isLetter(c) : c < 0x21 || c > 0x7e) return NO
  }
  const limit = Math.min(end, i + MAX_IDENT)
  for (let k = i + 5; k < limit; k++) {
    const c = b[k]
    if (c === LF) return YES
    if (c === 0 || c === SLASH || c === BANG || c === 0x28 || c === 0x29) return NO
    if (c === CR && k + 1 < end && b[k + 1] !== LF) return NO
  }
  return limit === end && end < i + MAX_IDENT ? MAYBE : NO
}

/** Do `b[i…i+2]` hold three ASCII letters (the manufacturer part of a system title)? */
function titleLooksReal(b: Uint8Array, i: number, end: number): boolean {
  return i + 3 <= end && isLetter(b[i]) && isLetter(b[i + 1]) && isLetter(b[i + 2])
}

/** A private copy of `b[from, to)` (small frames come from Node's buffer pool). */
function copyOf(b: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from)
  b.copy(out, 0, from, to)
  return out
}

/** Incremental frame finder. */
export class Deframer {
  private readonly maxFrameBytes: number
  private readonly idleGapMs: number
  /** Pending bytes `buf[0, len)`: stream bytes `[streamPos - len, streamPos)`. */
  private buf: Buffer
  private len = 0
  /** Total bytes pushed so far. */
  private streamPos = 0
  /** Receive times: read i started at stream offset chunkOffsets[i] (only reads still pending). */
  private chunkOffsets: number[] = []
  private chunkTimes: number[] = []
  private lastReceivedAt = Number.NEGATIVE_INFINITY
  /** Resume hint for the candidate at stream offset `hintStart`: searched up to `hintSearched`. */
  private hintStart = -1
  private hintSearched = 0

  constructor(opts: DeframerOptions = {}) {
    const max = opts.maxFrameBytes
    this.maxFrameBytes = typeof max === 'number' && max >= 64 ? Math.floor(max) : 8192
    const gap = opts.idleGapMs
    this.idleGapMs = typeof gap === 'number' && gap >= 0 ? gap : 2000
    this.buf = Buffer.allocUnsafe(Math.max(16384, this.maxFrameBytes * 2))
  }

  /** Feed a chunk as read, with its receive time (ms). @returns the events it completes, in stream order. */
  push(chunk: Buffer, receivedAt: number = Date.now()): DeframerEvent[] {
    const out: DeframerEvent[] = []
    const raw = chunk as unknown
    if (!(raw instanceof Uint8Array)) return out
    if (!Number.isFinite(receivedAt)) receivedAt = Date.now()
    if (this.len > 0 && receivedAt - this.lastReceivedAt > this.idleGapMs) {
      this.scanPending(out, true)
      this.flushPending(out, 'silence')
    }
    this.lastReceivedAt = receivedAt
    const n = chunk.length
    if (n === 0) return out
    const chunkStart = this.streamPos
    const times = this.chunkTimes
    if (times.length === 0 || times[times.length - 1] !== receivedAt) {
      this.chunkOffsets.push(chunkStart)
      times.push(receivedAt)
    }
    this.streamPos += n
    if (this.len === 0) {
      // nothing pending: scan the read in place, keep only its unfinished tail
      const view = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, n)
      const used = this.scan(out, view, chunkStart, false)
      if (used < n) this.keep(view, used, n)
      else this.dropTimes()
      return out
    }
    this.append(chunk)
    this.scanPending(out, false)
    return out
  }

  /** End of stream: a pending frame is emitted if complete, else `truncated_frame`; stray bytes `skipped`. */
  end(receivedAt: number = this.lastReceivedAt): DeframerEvent[] {
    const out: DeframerEvent[] = []
    if (Number.isFinite(receivedAt)) this.lastReceivedAt = receivedAt
    this.scanPending(out, true)
    this.flushPending(out, 'end of input')
    return out
  }

  /** Bytes held for an unfinished frame (for tests and the line monitor). */
  get pendingBytes(): number {
    return this.len
  }

  private append(chunk: Uint8Array): void {
    const need = this.len + chunk.length
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
      this.buf.copy(grown, 0, 0, this.len)
      this.buf = grown
    }
    this.buf.set(chunk, this.len)
    this.len = need
  }

  /** Keep `src[from, to)` as the pending bytes (replacing them). */
  private keep(src: Buffer, from: number, to: number): void {
    const n = to - from
    if (src === this.buf) {
      if (from > 0) this.buf.copyWithin(0, from, to)
    } else {
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n * 2)
      src.copy(this.buf, 0, from, to)
    }
    this.len = n
    // a read larger than usual grew the buffer: give the memory back once it is drained
    const small = Math.max(16384, this.maxFrameBytes * 2)
    if (this.buf.length > small * 4 && n <= small) {
      const b = Buffer.allocUnsafe(small)
      this.buf.copy(b, 0, 0, n)
      this.buf = b
    }
    this.dropTimes()
  }

  /** Forget receive times of reads that ended before the pending bytes. */
  private dropTimes(): void {
    const pendingStart = this.streamPos - this.len
    const offs = this.chunkOffsets
    let drop = 0
    while (drop + 1 < offs.length && offs[drop + 1] <= pendingStart) drop++
    if (this.len === 0) drop = offs.length > 0 ? offs.length - 1 : 0
    if (drop > 0) {
      offs.splice(0, drop)
      this.chunkTimes.splice(0, drop)
    }
  }

  private scanPending(out: DeframerEvent[], final: boolean): void {
    if (this.len === 0) return
    const view = this.buf.subarray(0, this.len)
    const used = this.scan(out, view, this.streamPos - this.len, final)
    this.keep(this.buf, used, this.len)
  }

  /** Time of the read that holds stream offset `off`. */
  private timeAt(off: number): number {
    const offs = this.chunkOffsets
    let i = offs.length - 1
    while (i > 0 && offs[i] > off) i--
    return i >= 0 ? this.chunkTimes[i] : this.lastReceivedAt
  }

  private skipped(out: DeframerEvent[], offset: number, length: number): void {
    if (length <= 0) return
    const last = out.length > 0 ? out[out.length - 1] : undefined
    if (last !== undefined && last.type === 'skipped' && last.offset + last.length === offset) {
      last.length += length
      return
    }
    out.push({ type: 'skipped', offset, length, receivedAt: this.timeAt(offset) })
  }

  private error(
    out: DeframerEvent[],
    code: DecodeErrorCode,
    message: string,
    view: Buffer,
    base: number,
    start: number,
    end: number,
    kind: FrameKind | null
  ): void {
    const offset = base + start
    const stop = Math.min(end, start + MAX_ERROR_BYTES, view.length)
    out.push({
      type: 'error',
      code,
      message,
      offset,
      bytes: Buffer.from(view.subarray(start, stop)),
      receivedAt: this.timeAt(offset),
      kind
    })
  }

  /** The pending bytes can never complete (silence or end of input). */
  private flushPending(out: DeframerEvent[], why: string): void {
    const n = this.len
    if (n === 0) return
    const view = this.buf.subarray(0, n)
    const base = this.streamPos - n
    const c = view[0]
    let kind: FrameKind | null = null
    if (c === GLO_TAG && (n < 2 || view[1] === SYSTEM_TITLE_LENGTH) && (n < 5 || titleLooksReal(view, 2, n))) kind = 'dlms'
    else if (c === SLASH && plainStart(view, 0, n) !== NO) kind = 'plain'
    if (kind !== null && n >= 5) {
      this.error(out, 'truncated_frame', `Frame cut short after ${n} bytes (${why} before its end).`, view, base, 0, n, kind)
    } else {
      this.skipped(out, base, n)
    }
    this.len = 0
    this.hintStart = -1
    this.dropTimes()
  }

  /**
   * Scan `view` (stream offset of view[0] = `base`) for frames. @returns how many bytes are
   * done with; the rest (an unfinished frame, or a possible start) stays pending.
   */
  private scan(out: DeframerEvent[], view: Buffer, base: number, final: boolean): number {
    const n = view.length
    let pos = 0
    // next 0xDB / "/" at or after pos, cached so long garbage is searched once per byte value
    let a = -1
    let s = -1
    while (pos < n) {
      const c = view[pos]
      if (c !== GLO_TAG && c !== SLASH) {
        if (a < pos) {
          a = view.indexOf(GLO_TAG, pos)
          if (a < 0) a = n
        }
        if (s < pos) {
          s = view.indexOf(SLASH, pos)
          if (s < 0) s = n
        }
        const cand = a < s ? a : s
        this.skipped(out, base + pos, cand - pos)
        pos = cand
        if (pos >= n) break
      }
      const r = view[pos] === GLO_TAG ? this.tryDlms(out, view, base, pos) : this.tryPlain(out, view, base, pos, final)
      if (r < 0) return pos // need more bytes
      pos = r
    }
    return pos
  }

  /**
   * Is there a DLMS header at `view[i]` that clearly starts a new frame? Same system title as
   * the pending frame at `pos`, or a title starting with three letters and a complete valid
   * header with security control byte 0x30 and a length within limits.
   */
  private newHeaderAt(view: Buffer, pos: number, i: number): boolean {
    const n = view.length
    if (i + 2 > n || view[i + 1] !== SYSTEM_TITLE_LENGTH) return false
    let same = i + 10 <= n
    for (let k = 2; same && k < 10; k++) if (view[i + k] !== view[pos + k]) same = false
    if (same) return true
    if (!titleLooksReal(view, i + 2, n)) return false
    const h = parseGloHeader(view, i)
    return h.status === 'ok' && h.header.securityControl === 0x30 && h.totalLength <= this.maxFrameBytes
  }

  /** @returns next scan position, or -1 if more bytes are needed. */
  private tryDlms(out: DeframerEvent[], view: Buffer, base: number, pos: number): number {
    const n = view.length
    // DB 08 and a system title whose manufacturer part is three letters (DLMS FLAG id);
    // anything else is noise
    if ((pos + 1 < n && view[pos + 1] !== SYSTEM_TITLE_LENGTH) || (pos + 5 <= n && !titleLooksReal(view, pos + 2, n))) {
      this.skipped(out, base + pos, 1)
      return pos + 1
    }
    const h = parseGloHeader(view, pos)
    if (h.status === 'incomplete') return -1
    if (h.status === 'invalid') {
      this.error(out, h.code, h.message, view, base, pos, pos + 18, 'dlms')
      return pos + 2
    }
    if (h.totalLength > this.maxFrameBytes) {
      const msg = `Length field announces ${h.totalLength} bytes, more than the ${this.maxFrameBytes}-byte limit.`
      this.error(out, 'malformed_frame', msg, view, base, pos, pos + 18, 'dlms')
      return pos + 2
    }
    const total = h.totalLength
    const stop = Math.min(n, pos + total)
    // a new frame starting inside this one's body: this one was cut (firmware limit, lost bytes)
    const bodyFrom = pos + h.headerLength + 5
    let from = bodyFrom
    if (this.hintStart === base + pos) from = Math.max(bodyFrom, this.hintSearched - base - 20)
    let next = view.indexOf(GLO_TAG, from)
    while (next >= 0 && next < stop) {
      if (this.newHeaderAt(view, pos, next)) {
        const msg = `Frame cut short after ${next - pos} of ${total} bytes: the next frame starts inside it.`
        this.error(out, 'truncated_frame', msg, view, base, pos, next, 'dlms')
        this.hintStart = -1
        return next
      }
      next = view.indexOf(GLO_TAG, next + 1)
    }
    if (n - pos < total) {
      this.hintStart = base + pos
      this.hintSearched = base + n
      return -1
    }
    this.hintStart = -1
    out.push({
      type: 'frame',
      kind: 'dlms',
      bytes: copyOf(view, pos, pos + total),
      offset: base + pos,
      receivedAt: this.timeAt(base + pos),
      dlms: h.header
    })
    return pos + total
  }

  /** @returns next scan position, or -1 if more bytes are needed. */
  private tryPlain(out: DeframerEvent[], view: Buffer, base: number, pos: number, final: boolean): number {
    const n = view.length
    const st = plainStart(view, pos, n)
    if (st === NO) {
      this.skipped(out, base + pos, 1)
      return pos + 1
    }
    if (st === MAYBE) return -1
    let from = pos + 5
    if (this.hintStart === base + pos) from = Math.max(from, this.hintSearched - base - MAX_IDENT)
    const bang = view.indexOf(BANG, from)
    const limit = bang < 0 ? n : bang
    // a new telegram (or a DLMS frame) starting inside this one: this one was cut
    let next = view.indexOf(SLASH, from)
    while (next >= 0 && next < limit) {
      if (plainStart(view, next, n) === YES) {
        const msg = `Telegram cut short after ${next - pos} bytes: the next telegram starts inside it.`
        this.error(out, 'truncated_frame', msg, view, base, pos, next, 'plain')
        this.hintStart = -1
        return next
      }
      next = view.indexOf(SLASH, next + 1)
    }
    next = view.indexOf(GLO_TAG, from)
    while (next >= 0 && next < limit) {
      if (this.newHeaderAt(view, pos, next)) {
        const msg = `Telegram cut short after ${next - pos} bytes: an encrypted frame starts inside it.`
        this.error(out, 'truncated_frame', msg, view, base, pos, next, 'plain')
        this.hintStart = -1
        return next
      }
      next = view.indexOf(GLO_TAG, next + 1)
    }
    if (bang < 0) {
      if (n - pos > this.maxFrameBytes) {
        const msg = `Telegram runs past ${this.maxFrameBytes} bytes without its end mark "!".`
        this.error(out, 'overlong_frame', msg, view, base, pos, n, 'plain')
        this.hintStart = -1
        return pos + 1
      }
      this.hintStart = base + pos
      this.hintSearched = base + n
      return -1
    }
    // "!" then 0–4 hex CRC digits then CR LF
    let i = bang + 1
    while (i < n && i - bang <= 4 && isHexDigit(view[i])) i++
    if (i >= n && i - bang - 1 < 4 && !final) return this.waitAt(base, pos, bang)
    let end = i
    if (end < n && view[end] === CR) {
      end++
      if (end < n && view[end] === LF) end++
      else if (end >= n && !final) return this.waitAt(base, pos, bang)
    } else if (end < n && view[end] === LF) {
      end++
    } else if (end >= n && !final) {
      return this.waitAt(base, pos, bang)
    }
    this.hintStart = -1
    out.push({
      type: 'frame',
      kind: 'plain',
      bytes: copyOf(view, pos, end),
      offset: base + pos,
      receivedAt: this.timeAt(base + pos)
    })
    return end
  }

  private waitAt(base: number, pos: number, bang: number): number {
    this.hintStart = base + pos
    this.hintSearched = base + bang
    return -1
  }
}
