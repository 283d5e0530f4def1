/**
 * The decoding pipeline: bytes → deframer → decryptor → telegram parser → events.
 * Pure Node (node:crypto), no Electron. Never throws on bad input: every problem becomes
 * a {@link DecodeFailure} with a stable code (docs/verdict-codes.md) and the stream offset.
 */
import type { DecodedTelegram, DecodeFailure, DecodeWarningCode, DlmsHeader, FrameKind } from '../../shared/types'
import { LUX_AUTH_KEY_HEX } from '../../shared/types'
import { decryptGlo } from './decrypt'
import { Deframer, type DeframerOptions } from './deframer'
import { parseGloHeader } from './dlms'
import { parseTelegram } from './telegram'

/** Options of {@link P1Decoder}. Keys as 16-byte Buffers or 32 hex digits. */
export interface DecoderOptions extends DeframerOptions {
  /** P1 key (encryption key) of the meter; null/absent → encrypted frames fail with `missing_key`. */
  key?: Buffer | string | null
  /** Authentication key; default Luxembourg's 00112233445566778899AABBCCDDEEFF. */
  authKey?: Buffer | string
}

/** What {@link P1Decoder.push} returns, in stream order. */
export type DecodeEvent =
  | { type: 'telegram'; telegram: DecodedTelegram }
  | { type: 'failure'; failure: DecodeFailure }
  | { type: 'skipped'; offset: number; length: number; receivedAt: number }

/**
 * Parse a key given as 32 hex digits (case-insensitive; surrounding whitespace and inner
 * spaces ignored). @throws TypeError('P1 key must be 32 hex digits') otherwise.
 */
export function parseKeyHex(hex: string, what = 'P1 key'): Buffer {
  const clean = typeof hex === 'string' ? hex.replace(/\s+/g, '') : ''
  if (!/^[0-9A-Fa-f]{32}$/.test(clean)) throw new TypeError(`${what} must be 32 hex digits`)
  return Buffer.from(clean, 'hex')
}

function toKey(k: Buffer | string, what: string): Buffer {
  if (Buffer.isBuffer(k)) {
    if (k.length !== 16) throw new TypeError(`${what} must be 16 bytes (32 hex digits)`)
    return k
  }
  return parseKeyHex(k, what)
}

/** Incremental decoder: feed chunks as read, get telegrams and failures. */
export class P1Decoder {
  private readonly deframer: Deframer
  private key: Buffer | null = null
  private authKey: Buffer = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')

  /** @throws TypeError if a key is given but is not 32 hex digits / 16 bytes. */
  constructor(opts: DecoderOptions = {}) {
    this.deframer = new Deframer(opts)
    this.setKeys(opts.key ?? null, opts.authKey)
  }

  /** Replace the keys. @throws TypeError on a malformed key (the old keys stay). */
  setKeys(key: Buffer | string | null, authKey?: Buffer | string): void {
    const k = key === null || key === undefined || key === '' ? null : toKey(key, 'P1 key')
    const ak = authKey === undefined ? this.authKey : toKey(authKey, 'Authentication key')
    this.key = k
    this.authKey = ak
  }

  /** Feed a chunk (`receivedAt` ms since the epoch, default now). */
  push(chunk: Buffer, receivedAt: number = Date.now()): DecodeEvent[] {
    return this.handle(this.deframer.push(chunk, receivedAt))
  }

  /** End of stream: a pending partial frame becomes `truncated_frame`. */
  end(receivedAt?: number): DecodeEvent[] {
    return this.handle(this.deframer.end(receivedAt))
  }

  private handle(events: ReturnType<Deframer['push']>): DecodeEvent[] {
    const out: DecodeEvent[] = []
    for (const ev of events) {
      if (ev.type === 'skipped') out.push(ev)
      else if (ev.type === 'error') {
        let dlms: DlmsHeader | null = null
        if (ev.kind === 'dlms') {
          const h = parseGloHeader(ev.bytes, 0)
          if (h.status === 'ok') dlms = h.header
        }
        out.push({
          type: 'failure',
          failure: {
            code: ev.code,
            message: ev.message,
            offset: ev.offset,
            receivedAt: ev.receivedAt,
            kind: ev.kind,
            frameHex: ev.bytes.toString('hex').toUpperCase(),
            dlms,
            text: null
          }
        })
      } else out.push(this.decodeFrame(ev.kind, ev.bytes, ev.offset, ev.receivedAt, ev.header))
    }
    return out
  }

  private fail(
    code: DecodeFailure['code'],
    message: string,
    kind: FrameKind,
    bytes: Buffer,
    offset: number,
    receivedAt: number,
    dlms: DlmsHeader | null,
    text: string | null
  ): DecodeEvent {
    return {
      type: 'failure',
      failure: { code, message, offset, receivedAt, kind, frameHex: bytes.toString('hex').toUpperCase(), dlms, text }
    }
  }

  private decodeFrame(kind: FrameKind, bytes: Buffer, offset: number, receivedAt: number, header?: DlmsHeader): DecodeEvent {
    const warnings: DecodeWarningCode[] = []
    let dlms: DlmsHeader | null = null
    let plain: Buffer
    let tagVerified: boolean | null = null
    if (kind === 'dlms') {
      if (header) dlms = header
      else {
        const h = parseGloHeader(bytes, 0)
        if (h.status !== 'ok') {
          const msg = h.status === 'invalid' ? h.message : 'Frame header incomplete.'
          return this.fail('malformed_frame', msg, kind, bytes, offset, receivedAt, null, null)
        }
        dlms = h.header
      }
      if (!this.key) {
        return this.fail(
          'missing_key',
          `Encrypted frame from system title ${dlms.systemTitle} but no P1 key is set.`,
          kind, bytes, offset, receivedAt, dlms, null
        )
      }
      const r = decryptGlo(bytes, dlms, this.key, this.authKey)
      if (r.status === 'ok') {
        plain = r.plaintext
        tagVerified = r.tagVerified
      } else {
        // right key, other authentication key? Accept only a real telegram with a valid CRC.
        const u = r.unverified
        if (u.length > 0 && u[0] === 0x2f) {
          const t = parseTelegram(u)
          if (t.crcOk === true) {
            warnings.push('auth_key_mismatch')
            return this.ok(kind, bytes, offset, receivedAt, dlms, false, u.toString('latin1'), t, warnings)
          }
        }
        return this.fail(
          'gcm_tag_mismatch',
          'GCM tag does not verify: wrong P1 key for this meter, or the frame was corrupted.',
          kind, bytes, offset, receivedAt, dlms, null
        )
      }
    } else {
      plain = bytes
    }
    if (plain.length === 0 || plain[0] !== 0x2f || plain.indexOf(0x21) < 0) {
      return this.fail(
        'malformed_telegram',
        'Decrypted data is not a DSMR telegram (no "/" … "!").',
        kind, bytes, offset, receivedAt, dlms, plain.toString('latin1')
      )
    }
    const text = plain.toString('latin1')
    const t = parseTelegram(plain, text)
    if (kind === 'plain' && t.objects.length === 0) {
      // "/XXXn…!" without a single COSEM line: noise that happened to look like a telegram
      return { type: 'skipped', offset, length: bytes.length, receivedAt }
    }
    if (t.crcOk === false) {
      return this.fail(
        'crc_mismatch',
        `Telegram CRC ${fmt(t.crcSent)} does not match the computed ${fmt(t.crcComputed)}.`,
        kind, bytes, offset, receivedAt, dlms, text
      )
    }
    if (t.crcOk === null) warnings.push('no_crc')
    return this.ok(kind, bytes, offset, receivedAt, dlms, tagVerified, text, t, warnings)
  }

  private ok(
    kind: FrameKind,
    bytes: Buffer,
    offset: number,
    receivedAt: number,
    dlms: DlmsHeader | null,
    tagVerified: boolean | null,
    text: string,
    telegram: ReturnType<typeof parseTelegram>,
    warnings: DecodeWarningCode[]
  ): DecodeEvent {
    if (telegram.malformedLines.length > 0) warnings.push('malformed_line')
    return {
      type: 'telegram',
      telegram: {
        kind,
        receivedAt,
        offset,
        frameHex: bytes.toString('hex').toUpperCase(),
        dlms,
        tagVerified,
        text,
        telegram,
        warnings
      }
    }
  }
}

function fmt(crc: number | null): string {
  return crc === null ? 'none' : crc.toString(16).toUpperCase().padStart(4, '0')
}

/** Decode a whole byte stream at once (files, tests). */
export function decodeBuffer(bytes: Buffer, opts: DecoderOptions = {}, receivedAt = Date.now()): DecodeEvent[] {
  const d = new P1Decoder(opts)
  return [...d.push(bytes, receivedAt), ...d.end(receivedAt)]
}
