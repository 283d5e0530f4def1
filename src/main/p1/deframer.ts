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
 * Frames back to back with no idle gap (file decoding, stdin, TCP relays) are found wherever
 * the reads split the stream: the search for a new frame start covers a pending frame from its
 * second byte (a frame cut inside its own header is cut there), a plain telegram start inside a
 * DLMS body counts when its identification line and the blank line after it are complete, and
 * a candidate start that the bytes so far neither confirm nor rule out (an incomplete header)
 * makes the deframer wait for the next read instead of guessing. The same stream therefore gives
 * the same events whatever the read sizes. The price: a frame whose last bytes could begin a
 * header (≈ 0.8 % of Smarty frames end in 0xDB or "/") is emitted with the next read, at the
 * next push after an idle gap, or by {@link Deframer.idle} — never lost, never split wrongly.
 *
 * Error events carry evidence, not arbitrary input: the header bytes when the bytes are not a
 * frame (at most the 18-byte DLMS header, or a telegram's identification line), a frame's own
 * bytes when they are one (a DLMS frame cut short), and never more than
 * {@link MAX_EVIDENCE_BYTES}; `length` gives the stretch of the stream the error covers.
 *
 * Fast and flat: candidates are found with `indexOf`, a pending partial frame is kept in one
 * growable buffer (no per-read `Buffer.concat`), a read that starts with no pending bytes is
 * scanned in place, and scanning of a pending frame resumes where the previous read stopped.
 * Memory is bounded by `maxFrameBytes` plus the largest read. Never throws.
 *
 * Why one file over 400 lines: DLMS and plain-telegram framing share the resync logic (a
 * frame start inside the other kind's body cuts it), so they live in one state machine.
 */
import type { DecodeErrorCode, DlmsHeader, FrameKind } from '../../shared/types'
import { BANG, CR, hexNibble, isDigit, isLetter, LF, LPAREN, RPAREN, SLASH } from './ascii'
import { GLO_TAG, parseGloHeader, SC_ENCRYPTED, SYSTEM_TITLE_LENGTH } from './dlms'

/** What the deframer emits. Offsets are byte offsets in the stream; times are ms since the epoch. */
export type DeframerEvent =
  /**
   * A complete frame; `bytes` is a private copy (safe to keep), `receivedAt` the time of the
   * read holding its first byte, `dlms` the header of a DLMS frame as parsed while deframing.
   */
  | { type: 'frame'; kind: FrameKind; bytes: Buffer; offset: number; receivedAt: number; dlms?: DlmsHeader }
  /**
   * A frame that cannot be used: `truncated_frame`, `unsupported_length_form`,
   * `malformed_frame`, `overlong_frame`. `length` = bytes of the stream from `offset` the error
   * is about; `bytes` = evidence (a copy): the header bytes when they are not a frame (≤ 18 bytes
   * of a DLMS header, or a telegram's identification line), the frame's own bytes for a DLMS
   * frame cut short; never more than {@link MAX_EVIDENCE_BYTES}.
   */
  | {
      type: 'error'
      code: DecodeErrorCode
      message: string
      offset: number
      length: number
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
  /**
   * false: a frame's `bytes` is a view of the read (or of the deframer's own buffer), valid
   * until the next call of push, end or idle — for callers that use the bytes at once and keep
   * none of them (the decoder, cutting a dump into records, counting frames). Default true: a
   * private copy.
   */
  copyFrames?: boolean
}

/** Longest identification line accepted (DSMR 5.0.2 allows 96 characters after the baud char). */
const MAX_IDENT = 128
/** Bytes of a general-glo-ciphering header up to the end of the frame counter (`82 LL LL` form). */
const DLMS_HEADER_BYTES = 18
/**
 * Most bytes an error event (and so a `DecodeFailure.frameHex`) ever carries: a 4 kB frame —
 * the buffer size a Smarty with M-Bus devices needs (DESIGN.md: frames reach 1.5 kB; firmware
 * with 1 kB buffers cuts them) — plus its 18-byte DLMS header.
 */
export const MAX_EVIDENCE_BYTES = 4096 + DLMS_HEADER_BYTES

const YES = 1
const NO = 0
const MAYBE = -1

/**
 * Where does the identification line of a plain telegram starting at `b[i]` (a `/`) end?
 * `/` + 3 letters (manufacturer FLAG id) + a printable character other than `/` (baud rate /
 * version), then the rest of the line up to LF within {@link MAX_IDENT} bytes, without NUL, `/`,
 * `!`, parentheses or a CR not followed by LF (DSMR 5.0.2 §6.2).
 * @returns the index of the LF, NO (-1) or MAYBE (-2) when `b` ends (at `end`) too early to tell.
 */
function identEnd(b: Uint8Array, i: number, end: number, asciiOnly = false): number {
  for (let k = 1; k <= 4; k++) {
    if (i + k >= end) return IDENT_MAYBE
    const c = b[i + k]
    if (k < 4 ? !isLetter(c) : c < 0x21 || c > 0x7e || c === SLASH) return IDENT_NO
  }
  const limit = Math.min(end, i + MAX_IDENT)
  for (let k = i + 5; k < limit; k++) {
    const c = b[k]
    if (c === LF) return k
    if (c === 0 || c === SLASH || c === BANG || c === LPAREN || c === RPAREN) return IDENT_NO
    if (c === CR && k + 1 < end && b[k + 1] !== LF) return IDENT_NO
    if (asciiOnly && c !== CR && (c < 0x20 || c > 0x7e)) return IDENT_NO
  }
  return limit === end && end < i + MAX_IDENT ? IDENT_MAYBE : IDENT_NO
}
const IDENT_NO = -1
const IDENT_MAYBE = -2

/** Is `b[i]` (a `/`) the start of a plain telegram (its identification line)? YES, NO or MAYBE. */
function plainStart(b: Uint8Array, i: number, end: number): number {
  const k = identEnd(b, i, end)
  return k >= 0 ? YES : k === IDENT_MAYBE ? MAYBE : NO
}

/**
 * A plain telegram start strict enough to cut a DLMS frame, whose ciphertext is random bytes:
 * an identification line of printable ASCII, the blank line after it (`\r\n` or `\n`) and
 * the start of the first COSEM line, an OBIS code's `A-B:` (1–3 digits each), DSMR 5.0.2 §6.2,
 * §6.4. By chance in random bytes: about 10⁻¹⁸ per byte (the identification line and blank
 * line alone: ~10⁻⁸, which cut one frame in 5,000 of the pipeline benchmark).
 */
function plainHeaderAt(b: Uint8Array, i: number, end: number): number {
  const k = identEnd(b, i, end, true)
  if (k === IDENT_NO) return NO
  if (k === IDENT_MAYBE || k + 1 >= end) return MAYBE
  let q = k + 1
  if (b[q] === CR) q++
  if (q >= end) return MAYBE
  if (b[q] !== LF) return NO
  return obisStartAt(b, q + 1, end)
}

/** Does `A-B:` (1–3 digits each, an OBIS code's medium and channel) start at `b[q]`? */
function obisStartAt(b: Uint8Array, q: number, end: number): number {
  for (const sep of [0x2d, 0x3a]) {
    let digits = 0
    for (;;) {
      if (q >= end) return MAYBE
      const c = b[q]
      if (isDigit(c) && digits < 3) {
        digits++
        q++
        continue
      }
      if (c !== sep || digits === 0) return NO
      q++
      break
    }
  }
  return YES
}

/** No plain telegram start is looked for (the body of a DLMS frame that is not encrypted). */
function noPlainStart(): number {
  return NO
}

/** End of the evidence kept for a plain telegram start at `b[i]`: its identification line. */
function identEvidenceEnd(b: Uint8Array, i: number, end: number): number {
  const k = identEnd(b, i, end)
  return k >= 0 ? k + 1 : Math.min(end, i + MAX_IDENT)
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

/** Is a frame start at `b[i]` (inside the pending frame at `pos`, bytes up to `end`)? YES, NO or MAYBE. */
type StartCheck = (b: Uint8Array, i: number, end: number, pos: number) => number

/** {@link firstStart} found nothing. */
const NONE = -1

/** Index of a start {@link firstStart} found: a confirmed one as is, an undecided one as `-(i + 2)`. */
function startAt(found: number): number {
  return found >= 0 ? found : -found - 2
}

/**
 * The first `byte` in `view[from, limit)` that `check` confirms (YES: its index) or, unless
 * `final`, cannot decide with the bytes at hand (MAYBE: `-(index + 2)`, see {@link startAt});
 * {@link NONE} when every candidate is ruled out.
 */
function firstStart(view: Buffer, byte: number, pos: number, from: number, limit: number, final: boolean, check: StartCheck): number {
  const n = view.length
  for (let i = view.indexOf(byte, from); i >= 0 && i < limit; i = view.indexOf(byte, i + 1)) {
    const r = check(view, i, n, pos)
    if (r === YES) return i
    if (r === MAYBE && !final) return -i - 2
  }
  return NONE
}

/** Incremental frame finder. */
export class Deframer {
  private readonly maxFrameBytes: number
  private readonly idleGapMs: number
  private readonly copyFrames: boolean
  /**
   * Pending bytes `buf[head, head + len)`: stream bytes `[streamPos - len, streamPos)`. Bytes
   * before `head` belong to frames already emitted (views when `copyFrames` is false), so they
   * are only overwritten at the start of the next push, end or idle ({@link compact}).
   */
  private buf: Buffer
  private head = 0
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
  /** {@link newHeaderAt} as a {@link StartCheck}. */
  private readonly headerCheck: StartCheck = (b, i, _end, pos) => this.newHeaderAt(b as Buffer, pos, i)

  constructor(opts: DeframerOptions = {}) {
    const max = opts.maxFrameBytes
    this.maxFrameBytes = typeof max === 'number' && max >= 64 ? Math.floor(max) : 8192
    const gap = opts.idleGapMs
    this.idleGapMs = typeof gap === 'number' && gap >= 0 ? gap : 2000
    this.copyFrames = opts.copyFrames !== false
    this.buf = Buffer.allocUnsafe(Math.max(16384, this.maxFrameBytes * 2))
  }

  /** Feed a chunk as read, with its receive time (ms). @returns the events it completes, in stream order. */
  push(chunk: Buffer, receivedAt: number = Date.now()): DeframerEvent[] {
    const out: DeframerEvent[] = []
    const raw = chunk as unknown
    if (!(raw instanceof Uint8Array)) return out
    this.compact()
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
    this.compact()
    this.scanPending(out, true)
    this.flushPending(out, 'end of input')
    return out
  }

  /**
   * Time passes without bytes (`now`, ms since the epoch): once the line has been silent for
   * longer than `idleGapMs` since the last read, the pending bytes are settled now — a complete
   * frame still waiting for a possible next start is emitted, an incomplete one is truncated —
   * as the next read after the gap would do. Live sources call it from their clock; it keeps a
   * frame from waiting for the next burst 10 s later. Never throws.
   */
  idle(now: number): DeframerEvent[] {
    const out: DeframerEvent[] = []
    if (this.len === 0 || !Number.isFinite(now) || now - this.lastReceivedAt <= this.idleGapMs) return out
    this.compact()
    this.scanPending(out, true)
    this.flushPending(out, 'silence')
    return out
  }

  /** Bytes held for an unfinished frame (for tests and the line monitor). */
  get pendingBytes(): number {
    return this.len
  }

  /** Move the pending bytes to the start of the buffer (frames emitted before are done with). */
  private compact(): void {
    const h = this.head
    if (h === 0) return
    if (this.len > 0) this.buf.copyWithin(0, h, h + this.len)
    this.head = 0
  }

  /**
   * Room for `extra` more bytes after the pending ones: a larger buffer when they do not fit
   * (the bytes before `head` may still be viewed by emitted frames, so they are not reused).
   */
  private room(extra: number): void {
    const need = this.head + this.len + extra
    if (need <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.len + extra, this.buf.length * 2))
    this.buf.copy(grown, 0, this.head, this.head + this.len)
    this.buf = grown
    this.head = 0
  }

  private append(chunk: Uint8Array): void {
    this.room(chunk.length)
    this.buf.set(chunk, this.head + this.len)
    this.len += chunk.length
  }

  /** Keep `src[from, to)` (a read; nothing is pending) as the pending bytes. */
  private keep(src: Buffer, from: number, to: number): void {
    this.len = 0
    this.room(to - from)
    src.copy(this.buf, this.head, from, to)
    this.len = to - from
    this.settle()
  }

  /** The first `used` pending bytes are done with. */
  private consume(used: number): void {
    this.head += used
    this.len -= used
    this.settle()
  }

  /** After the pending bytes changed: give back a grown buffer, forget old receive times. */
  private settle(): void {
    // a read larger than usual grew the buffer: give the memory back once it is drained
    const small = Math.max(16384, this.maxFrameBytes * 2)
    const n = this.len
    if (this.buf.length > small * 4 && n <= small) {
      const b = Buffer.allocUnsafe(small)
      this.buf.copy(b, 0, this.head, this.head + n)
      this.buf = b
      this.head = 0
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
    const view = this.buf.subarray(this.head, this.head + this.len)
    const used = this.scan(out, view, this.streamPos - this.len, final)
    this.consume(used)
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

  /**
   * Report an error about the `length` stream bytes at `view[start]` (the scan goes on after
   * them); the event carries `view[start, evidenceEnd)` as evidence, capped at
   * {@link MAX_EVIDENCE_BYTES} and at the bytes at hand.
   */
  private error(
    out: DeframerEvent[],
    code: DecodeErrorCode,
    message: string,
    view: Buffer,
    base: number,
    start: number,
    length: number,
    kind: FrameKind | null,
    evidenceEnd: number = start + length
  ): void {
    const offset = base + start
    const stop = Math.max(start, Math.min(evidenceEnd, start + MAX_EVIDENCE_BYTES, view.length))
    out.push({ type: 'error', code, message, offset, length, bytes: copyOf(view, start, stop), receivedAt: this.timeAt(offset), kind })
  }

  /** The pending bytes can never complete (silence or end of input). */
  private flushPending(out: DeframerEvent[], why: string): void {
    const n = this.len
    if (n === 0) return
    const view = this.buf.subarray(this.head, this.head + n)
    const base = this.streamPos - n
    const c = view[0]
    let kind: FrameKind | null = null
    if (c === GLO_TAG && (n < 2 || view[1] === SYSTEM_TITLE_LENGTH) && (n < 5 || titleLooksReal(view, 2, n))) kind = 'dlms'
    else if (c === SLASH && plainStart(view, 0, n) !== NO) kind = 'plain'
    if (kind !== null && n >= 5) {
      // a DLMS frame with a complete header is a frame (cut short): its own bytes; otherwise
      // only what could be a header
      let evidence = Math.min(n, DLMS_HEADER_BYTES)
      if (kind === 'plain') evidence = identEvidenceEnd(view, 0, n)
      else if (parseGloHeader(view, 0).status === 'ok') evidence = n
      this.error(out, 'truncated_frame', `Frame cut short after ${n} bytes (${why} before its end).`, view, base, 0, n, kind, evidence)
    } else {
      this.skipped(out, base, n)
    }
    this.len = 0
    this.hintStart = -1
    this.dropTimes()
  }

  /**
   * Scan `view` (stream offset of view[0] = `base`) for frames. @returns how many bytes are
   * done with; the rest (an unfinished frame, or a possible start) stays pending. `final`: no
   * byte will follow (end of input, idle gap), so a start the bytes cannot confirm is none.
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
      const r = view[pos] === GLO_TAG ? this.tryDlms(out, view, base, pos, final) : this.tryPlain(out, view, base, pos, final)
      if (r < 0) return pos // need more bytes
      pos = r
    }
    return pos
  }

  /**
   * Does a DLMS header at `view[i]` start a new frame inside the pending frame at `pos`? YES for
   * `DB 08` + the pending frame's system title, or a title starting with three letters and a
   * complete valid header with security control byte 0x30, a long-form length (`81 LL` /
   * `82 LL LL`: a telegram is more than 110 bytes) and a length within limits; NO when the
   * bytes rule it out; MAYBE when they are consistent so far but end too early to tell.
   * Another meter's header by chance in ciphertext: about 4·10⁻¹² per byte.
   */
  private newHeaderAt(view: Buffer, pos: number, i: number): number {
    const n = view.length
    if (i + 1 >= n) return MAYBE
    if (view[i + 1] !== SYSTEM_TITLE_LENGTH) return NO
    let k = 2
    while (k < 10 && i + k < n && view[i + k] === view[pos + k]) k++
    if (k === 10) return YES
    if (i + k >= n) return MAYBE // the same title so far
    for (let j = 2; j < 5; j++) {
      if (i + j >= n) return MAYBE
      if (!isLetter(view[i + j])) return NO
    }
    if (i + 10 < n && view[i + 10] !== 0x81 && view[i + 10] !== 0x82) return NO
    const h = parseGloHeader(view, i)
    if (h.status === 'incomplete') return MAYBE
    return h.status === 'ok' && h.header.securityControl === 0x30 && h.totalLength <= this.maxFrameBytes ? YES : NO
  }

  /**
   * The earliest new frame start inside the pending frame at `pos`, searched in `[from, limit)`:
   * DLMS headers ({@link newHeaderAt}), plain telegram starts (`plainCheck`: identification line
   * only inside a plain telegram, with the blank line after it inside a DLMS frame).
   * @returns `{ cut }` for the first confirmed start, else `{ wait }` for the first start the
   * bytes at hand cannot decide (-1 if none, or when `final`).
   */
  private findCut(view: Buffer, pos: number, from: number, limit: number, final: boolean, plainCheck: StartCheck): { cut: number; wait: number } {
    const dlms = firstStart(view, GLO_TAG, pos, from, limit, final, this.headerCheck)
    // a plain start counts only before the DLMS one found (confirmed or undecided)
    const plain = firstStart(view, SLASH, pos, from, dlms === NONE ? limit : Math.min(limit, startAt(dlms)), final, plainCheck)
    const r = plain !== NONE ? plain : dlms
    if (r === NONE) return { cut: -1, wait: -1 }
    return r >= 0 ? { cut: r, wait: -1 } : { cut: -1, wait: startAt(r) }
  }

  /** @returns next scan position, or -1 if more bytes are needed. */
  private tryDlms(out: DeframerEvent[], view: Buffer, base: number, pos: number, final: boolean): number {
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
      this.error(out, h.code, h.message, view, base, pos, 2, 'dlms', pos + DLMS_HEADER_BYTES)
      return pos + 2
    }
    if (h.totalLength > this.maxFrameBytes) {
      const msg = `Length field announces ${h.totalLength} bytes, more than the ${this.maxFrameBytes}-byte limit.`
      this.error(out, 'malformed_frame', msg, view, base, pos, 2, 'dlms', pos + DLMS_HEADER_BYTES)
      return pos + 2
    }
    const total = h.totalLength
    const stop = Math.min(n, pos + total)
    // a new frame starting inside this one (its header included): this one was cut (firmware
    // limit, lost bytes)
    let from = pos + 1
    if (this.hintStart === base + pos) from = Math.max(from, this.hintSearched - base)
    // (a frame that is authenticated only, SC 0x10, carries a plain telegram as its body)
    const encrypted = (h.header.securityControl & SC_ENCRYPTED) !== 0
    const { cut, wait } = this.findCut(view, pos, from, stop, final, encrypted ? plainHeaderAt : noPlainStart)
    if (cut >= 0) {
      const msg = `Frame cut short after ${cut - pos} of ${total} bytes: the next frame starts inside it.`
      this.error(out, 'truncated_frame', msg, view, base, pos, cut - pos, 'dlms')
      this.hintStart = -1
      return cut
    }
    if (wait >= 0 || n - pos < total) {
      this.hintStart = base + pos
      this.hintSearched = base + (wait >= 0 ? wait : n)
      return -1
    }
    this.hintStart = -1
    out.push({
      type: 'frame',
      kind: 'dlms',
      bytes: this.copyFrames ? copyOf(view, pos, pos + total) : view.subarray(pos, pos + total),
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
    let from = pos + 1
    if (this.hintStart === base + pos) from = Math.max(from, this.hintSearched - base)
    const bang = view.indexOf(BANG, from)
    const limit = bang < 0 ? n : bang
    // a new telegram (or a DLMS frame) starting inside this one: this one was cut
    const { cut, wait } = this.findCut(view, pos, from, limit, final, plainStart)
    if (cut >= 0) {
      const msg =
        view[cut] === SLASH
          ? `Telegram cut short after ${cut - pos} bytes: the next telegram starts inside it.`
          : `Telegram cut short after ${cut - pos} bytes: an encrypted frame starts inside it.`
      this.error(out, 'truncated_frame', msg, view, base, pos, cut - pos, 'plain', identEvidenceEnd(view, pos, n))
      this.hintStart = -1
      return cut
    }
    if (wait >= 0) return this.waitAt(base, pos, wait)
    if (bang < 0) {
      if (n - pos > this.maxFrameBytes) {
        const msg = `Telegram runs past ${this.maxFrameBytes} bytes without its end mark "!".`
        // every start inside was ruled out (none confirmed, none undecided): all of it goes
        this.error(out, 'overlong_frame', msg, view, base, pos, n - pos, 'plain', identEvidenceEnd(view, pos, n))
        this.hintStart = -1
        return n
      }
      return this.waitAt(base, pos, n)
    }
    // "!" then 0–4 hex CRC digits then CR LF
    let i = bang + 1
    while (i < n && i - bang <= 4 && hexNibble(view[i]) >= 0) i++
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
      bytes: this.copyFrames ? copyOf(view, pos, end) : view.subarray(pos, end),
      offset: base + pos,
      receivedAt: this.timeAt(base + pos)
    })
    return end
  }

  /** Wait for more bytes for the telegram at `pos`; every start before `resumeAt` is ruled out. */
  private waitAt(base: number, pos: number, resumeAt: number): number {
    this.hintStart = base + pos
    this.hintSearched = base + resumeAt
    return -1
  }
}
