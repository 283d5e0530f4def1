/**
 * The decoding pipeline: bytes → deframer → decryptor → telegram parser → events.
 * Pure Node (node:crypto), no Electron. Never throws on bad input: every problem becomes a
 * {@link DecodeFailure} with a stable code (docs/verdict-codes.md) and its stream offset.
 *
 * Verdicts (DLMS frames): no key → `missing_key` (header still reported); tag verifies →
 * telegram; tag fails but the frame opens without it (AES-CTR) into a telegram starting with
 * `/` whose CRC is right → telegram with warning `auth_key_mismatch` (right P1 key, other
 * authentication key); otherwise `gcm_tag_mismatch`. Telegrams (decrypted or plain): CRC wrong
 * → `crc_mismatch` (text kept); no CRC (DSMR 2.2/3) → warning `no_crc`; lines that do not
 * parse → warning `malformed_line`. A DLMS telegram whose frame counter is not above the
 * previous one decoded for its system title → warning `frame_counter_rewind` (a replayed or
 * re-sent frame; each step back once), except a counter of 0 (reset at key renewal,
 * Luxmetering E-Meter P1 spec v1.1.3 §3.2.5).
 *
 * Failures carry evidence, not arbitrary input (`DecodeFailure.frameHex`): a frame's own bytes
 * (at most {@link MAX_EVIDENCE_BYTES}) when the bytes are a frame, only the header bytes when
 * they are not; `length` gives how many stream bytes the failure covers.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import type { DecodedTelegram, DecodeFailure, DecodeWarningCode, DlmsHeader, Telegram } from '../../shared/types'
import { LUX_AUTH_KEY_HEX } from '../../shared/types'
import { decryptGlo } from './decrypt'
import { Deframer, MAX_EVIDENCE_BYTES, type DeframerEvent } from './deframer'
import { parseGloHeader } from './dlms'
import { parseTelegramText } from './telegram'

/** Options of {@link P1Decoder}. Keys as 16-byte Buffers or 32 hex digits. */
export interface DecoderOptions {
  /** P1 key (encryption key) of the meter; null/absent → encrypted frames fail with `missing_key`. */
  key?: Buffer | string | null
  /** Authentication key; default Luxembourg's 00112233445566778899AABBCCDDEEFF (LUX_AUTH_KEY_HEX). */
  authKey?: Buffer | string
  /** Largest frame accepted, bytes (default 8192). */
  maxFrameBytes?: number
  /** A partial frame followed by silence longer than this (ms) is truncated (default 2000). */
  idleGapMs?: number
  /**
   * Fill `DecodedTelegram.frameHex` (default true). Bulk readers that never show the raw
   * frame (export, decode, statistics, history import, benchmarks) turn it off: the hex of a
   * 1.1 kB frame (Buffer#toString('hex') + toUpperCase, ≈ 1.5 µs and a 2.2 kB string) is
   * ~15 % of a frame's decoding. It is then ''. Failures always carry their (capped) evidence.
   */
  frameHex?: boolean
  /**
   * The meter's time zone (IANA name, default Europe/Luxembourg): its `YYMMDDhhmmssW|S`
   * timestamps are local time there (see parseTelegram). An unknown name falls back to the
   * default; validate settings with isTimeZone (src/shared/meter-time.ts).
   */
  zone?: string
}

/** What {@link P1Decoder.push} returns, in stream order. */
export type DecodeEvent =
  | { type: 'telegram'; telegram: DecodedTelegram }
  | { type: 'failure'; failure: DecodeFailure }
  | { type: 'skipped'; offset: number; length: number; receivedAt: number }

/**
 * Parse a key given as 32 hex digits (case-insensitive; surrounding whitespace trimmed, nothing
 * else accepted: no inner spaces or colons).
 * @param what how the key is named in the error, default "P1 key".
 * @throws TypeError(`${what} must be 32 hex digits`) otherwise.
 */
export function parseKeyHex(hex: string, what = 'P1 key'): Buffer {
  const clean = typeof hex === 'string' ? hex.trim() : ''
  if (!/^[0-9A-Fa-f]{32}$/.test(clean)) throw new TypeError(`${what} must be 32 hex digits`)
  return Buffer.from(clean, 'hex')
}

function toKey(k: Buffer | string, what: string): Buffer {
  if (Buffer.isBuffer(k)) {
    if (k.length !== 16) throw new TypeError(`${what} must be 32 hex digits`)
    return Buffer.from(k)
  }
  return parseKeyHex(k, what)
}

const LUX_AUTH_KEY = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')

/** Upper-case hex of a frame (DecodedTelegram.frameHex). */
function hexOf(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase()
}

/** Upper-case hex of at most {@link MAX_EVIDENCE_BYTES} of `bytes` (DecodeFailure.frameHex). */
function evidenceHex(bytes: Buffer): string {
  return (bytes.length > MAX_EVIDENCE_BYTES ? bytes.subarray(0, MAX_EVIDENCE_BYTES) : bytes).toString('hex').toUpperCase()
}

/** System titles whose last frame counter is remembered (a capture holds one meter; a relay a few). */
const MAX_TITLES = 64

function fmtCrc(crc: number | null): string {
  return crc === null ? 'none' : crc.toString(16).toUpperCase().padStart(4, '0')
}

/**
 * Incremental decoder: feed chunks as read (any size, any split), get telegrams and failures
 * in stream order. Keys can change at any time with {@link P1Decoder.setKeys}.
 */
export class P1Decoder {
  private readonly deframer: Deframer
  /** The P1 key as a node:crypto KeyObject (no per-frame key import), null = none. */
  private key: KeyObject | null = null
  private authKey: Buffer = LUX_AUTH_KEY
  private readonly withHex: boolean
  /** Last frame counter decoded per system title (hex), for `frame_counter_rewind`. */
  private readonly lastCounter = new Map<string, number>()
  private readonly telegramOpts: { zone?: string }

  /** @throws TypeError if a key is given but is not 32 hex digits / 16 bytes. */
  constructor(opts: DecoderOptions = {}) {
    // frames as views (no copy per frame): each is decoded before the deframer is called again
    this.deframer = new Deframer({ maxFrameBytes: opts.maxFrameBytes, idleGapMs: opts.idleGapMs, copyFrames: false })
    this.withHex = opts.frameHex !== false
    this.telegramOpts = { zone: opts.zone }
    this.setKeys(opts.key ?? null, opts.authKey)
  }

  /**
   * Replace the P1 key (null or '' = none) and, if given, the authentication key.
   * Hex strings (32 digits) or 16-byte Buffers. @throws TypeError('P1 key must be 32 hex digits')
   * or TypeError('Authentication key must be 32 hex digits'); the old keys then stay.
   */
  setKeys(key: Buffer | string | null, authKey?: Buffer | string): void {
    const k = key === null || key === undefined || key === '' ? null : toKey(key, 'P1 key')
    const ak = authKey === undefined ? this.authKey : toKey(authKey, 'Authentication key')
    this.key = k === null ? null : createSecretKey(k)
    this.authKey = ak
  }

  /** Feed a chunk (`receivedAt` ms since the epoch, default now). Never throws. */
  push(chunk: Buffer, receivedAt: number = Date.now()): DecodeEvent[] {
    return this.handle(this.deframer.push(chunk, receivedAt))
  }

  /** End of stream: a pending partial frame becomes `truncated_frame`. Never throws. */
  end(receivedAt?: number): DecodeEvent[] {
    return this.handle(this.deframer.end(receivedAt))
  }

  /** Bytes held for an unfinished frame (bounded by `maxFrameBytes` plus the largest read). */
  get pendingBytes(): number {
    return this.deframer.pendingBytes
  }

  /**
   * Time passes without bytes (`now`, ms): once the line has been silent for longer than
   * `idleGapMs`, a pending frame is settled now instead of with the next read (see
   * {@link Deframer.idle}). Live sources call it from their clock. Never throws.
   */
  idle(now: number): DecodeEvent[] {
    return this.handle(this.deframer.idle(now))
  }

  private handle(events: DeframerEvent[]): DecodeEvent[] {
    const out: DecodeEvent[] = new Array(events.length)
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]
      if (ev.type === 'frame') out[i] = this.decodeFrame(ev)
      else if (ev.type === 'skipped') out[i] = ev
      else {
        let dlms: DlmsHeader | null = null
        if (ev.kind === 'dlms') {
          const h = parseGloHeader(ev.bytes, 0)
          if (h.status === 'ok') dlms = h.header
        }
        out[i] = failure(ev.code, ev.message, ev, dlms, null)
      }
    }
    return out
  }

  private decodeFrame(f: FrameEvent): DecodeEvent {
    if (f.kind === 'plain') return this.decodeTelegram(f, null, null, f.bytes, [])
    let dlms = f.dlms
    if (dlms === undefined) {
      const h = parseGloHeader(f.bytes, 0)
      if (h.status !== 'ok') return failure('malformed_frame', h.status === 'invalid' ? h.message : 'Frame header incomplete.', f, null, null)
      dlms = h.header
    }
    if (this.key === null) {
      return failure('missing_key', `Encrypted frame from system title ${dlms.systemTitle} but no P1 key is set.`, f, dlms, null)
    }
    const r = decryptGlo(f.bytes, dlms, this.key, this.authKey)
    if (r.status === 'ok') return this.decodeTelegram(f, dlms, r.tagVerified, r.plaintext, [])
    // right P1 key, other authentication key? Accept only a real telegram with a valid CRC.
    const u = r.unverified
    if (u.length > 0 && u[0] === 0x2f) {
      const text = u.toString('latin1')
      const t = parseTelegramText(u, text, this.telegramOpts)
      if (t.crcOk === true) return this.ok(f, dlms, false, text, t, ['auth_key_mismatch'])
    }
    const msg = 'GCM tag does not verify: wrong P1 key for this meter, or the frame was corrupted.'
    return failure('gcm_tag_mismatch', msg, f, dlms, null)
  }

  /** The telegram `plain` (decrypted, or the frame itself) of frame `f`, checked and parsed. */
  private decodeTelegram(f: FrameEvent, dlms: DlmsHeader | null, tagVerified: boolean | null, plain: Buffer, warnings: DecodeWarningCode[]): DecodeEvent {
    const text = plain.toString('latin1')
    // "/" first and a "!" (searched from the end, where it is in a telegram)
    if (plain.length === 0 || plain[0] !== 0x2f || plain.lastIndexOf(0x21) < 0) {
      const msg = f.kind === 'dlms' ? 'Decrypted data is not a DSMR telegram (no "/" … "!").' : 'Data is not a DSMR telegram (no "/" … "!").'
      return failure('malformed_telegram', msg, f, dlms, text)
    }
    const t = parseTelegramText(plain, text, this.telegramOpts)
    if (f.kind === 'plain' && t.objects.length === 0) {
      // "/XXXn…!" without a single COSEM line: noise that happened to look like a telegram
      return { type: 'skipped', offset: f.offset, length: f.bytes.length, receivedAt: f.receivedAt }
    }
    if (t.crcOk === false) {
      const msg = `Telegram CRC ${fmtCrc(t.crcSent)} does not match the computed ${fmtCrc(t.crcComputed)}.`
      return failure('crc_mismatch', msg, f, dlms, text)
    }
    if (t.crcOk === null) warnings.push('no_crc')
    return this.ok(f, dlms, tagVerified, text, t, warnings)
  }

  /** A decoded telegram; a DLMS frame's counter is checked against the last one of its title. */
  private ok(
    f: FrameEvent,
    dlms: DlmsHeader | null,
    tagVerified: boolean | null,
    text: string,
    telegram: Telegram,
    warnings: DecodeWarningCode[]
  ): DecodeEvent {
    if (dlms !== null) {
      const fc = dlms.frameCounter
      const last = this.lastCounter.get(dlms.systemTitle)
      // each step back is reported once: a replayed block warns where it starts
      if (last !== undefined && fc !== 0 && fc <= last) warnings.push('frame_counter_rewind')
      if (last === undefined && this.lastCounter.size >= MAX_TITLES) this.lastCounter.clear()
      this.lastCounter.set(dlms.systemTitle, fc)
    }
    if (telegram.malformedLines.length > 0) warnings.push('malformed_line')
    const { kind, receivedAt, offset } = f
    return {
      type: 'telegram',
      telegram: { kind, receivedAt, offset, frameHex: this.withHex ? hexOf(f.bytes) : '', dlms, tagVerified, text, telegram, warnings }
    }
  }
}

/** A frame as the deframer found it (its bytes, kind, stream offset, receive time, DLMS header). */
type FrameEvent = Extract<DeframerEvent, { type: 'frame' }>

/**
 * A failure at a frame (its own bytes are the evidence, capped, and the stretch covered) or at
 * a deframer error (`bytes` the evidence, `length` the stream bytes covered).
 */
function failure(
  code: DecodeFailure['code'],
  message: string,
  at: FrameEvent | Extract<DeframerEvent, { type: 'error' }>,
  dlms: DlmsHeader | null,
  text: string | null
): DecodeEvent {
  const { offset, receivedAt, kind, bytes } = at
  const length = at.type === 'error' ? at.length : bytes.length
  return { type: 'failure', failure: { code, message, offset, receivedAt, kind, frameHex: evidenceHex(bytes), length, dlms, text } }
}

/**
 * Decode a whole byte stream at once (files, tests): push + end.
 * @param receivedAt time stamped on every event (default now).
 * @throws TypeError only for a malformed key in `opts`.
 */
export function decodeBuffer(bytes: Buffer, opts: DecoderOptions = {}, receivedAt = Date.now()): DecodeEvent[] {
  const d = new P1Decoder(opts)
  const out = d.push(bytes, receivedAt)
  for (const e of d.end(receivedAt)) out.push(e)
  return out
}
