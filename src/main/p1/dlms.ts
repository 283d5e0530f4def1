/**
 * DLMS general-glo-ciphering APDU header (tag 0xDB), as sent by the Smarty P1 port.
 * Luxmetering E-Meter P1 spec v1.1.3 §3.2.5; DLMS Green Book (general-glo-ciphering), IDIS package 2.
 *
 * `DB` · `08` · system title (8) · length (short < 0x80 | `81` LL | `82` LL LL) ·
 * security control byte · frame counter (4, BE) · ciphertext · GCM tag (12, if authenticated).
 * The length counts security control byte + frame counter + ciphertext + tag.
 */
import type { DecodeErrorCode, DlmsHeader } from '../../shared/types'

/** APDU tag of general-glo-ciphering. */
export const GLO_TAG = 0xdb
/** Length of the GCM tag Smarty meters send (bytes). */
export const GCM_TAG_LENGTH = 12
/** Security control bytes we understand: bit 4 = authenticated, bit 5 = encrypted, suite 0. */
export const SC_AUTHENTICATED = 0x10
export const SC_ENCRYPTED = 0x20

let lastTitle: { bytes: Buffer; hex: string; text: string } | null = null

/** Hex and printable prefix of the 8-byte system title at `buf[at]` (one meter per stream: cached). */
function systemTitleStrings(buf: Uint8Array, at: number): { hex: string; text: string } {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset + at, 8)
  if (lastTitle && lastTitle.bytes.equals(bytes)) return lastTitle
  let text = ''
  for (let i = 0; i < 8; i++) {
    const c = bytes[i]
    if (c < 0x20 || c > 0x7e) break
    text += String.fromCharCode(c)
  }
  lastTitle = { bytes: Buffer.from(bytes), hex: bytes.toString('hex').toUpperCase(), text }
  return lastTitle
}

/** Result of {@link parseGloHeader}. */
export type GloHeaderResult =
  | { status: 'ok'; header: DlmsHeader; headerLength: number; totalLength: number }
  | { status: 'incomplete' }
  | { status: 'invalid'; code: DecodeErrorCode; message: string }

/**
 * Parse the header of a glo-ciphering APDU starting at `buf[start]` (which must be 0xDB).
 * Never throws. `incomplete` when more bytes are needed to decide.
 * `totalLength` = bytes of the whole APDU (header + length-field value).
 */
export function parseGloHeader(buf: Uint8Array, start: number): GloHeaderResult {
  const avail = buf.length - start
  if (avail < 11) return { status: 'incomplete' }
  if (buf[start] !== GLO_TAG || buf[start + 1] !== 0x08) {
    return { status: 'invalid', code: 'malformed_frame', message: 'Not a general-glo-ciphering APDU with an 8-byte system title.' }
  }
  const lf = buf[start + 10]
  let length: number
  let lenBytes: number
  if (lf < 0x80) {
    length = lf
    lenBytes = 1
  } else if (lf === 0x81) {
    if (avail < 12) return { status: 'incomplete' }
    length = buf[start + 11]
    lenBytes = 2
  } else if (lf === 0x82) {
    if (avail < 13) return { status: 'incomplete' }
    length = (buf[start + 11] << 8) | buf[start + 12]
    lenBytes = 3
  } else {
    return {
      status: 'invalid',
      code: 'unsupported_length_form',
      message: `Length field form 0x${lf.toString(16).toUpperCase().padStart(2, '0')} is not supported (expected a short length, 0x81 or 0x82).`
    }
  }
  const headerLength = 10 + lenBytes
  if (avail < headerLength + 5) return { status: 'incomplete' }
  const sc = buf[start + headerLength]
  const authenticated = (sc & SC_AUTHENTICATED) !== 0
  if ((sc & 0x0f) !== 0 || (sc & 0xc0) !== 0 || (sc & (SC_AUTHENTICATED | SC_ENCRYPTED)) === 0) {
    return {
      status: 'invalid',
      code: 'malformed_frame',
      message: `Security control byte 0x${sc.toString(16).toUpperCase().padStart(2, '0')} is not one a P1 port sends (0x30 expected).`
    }
  }
  const minLength = 5 + (authenticated ? GCM_TAG_LENGTH : 0)
  if (length < minLength) {
    return { status: 'invalid', code: 'malformed_frame', message: `Length ${length} is too short for a ciphered telegram.` }
  }
  const totalLength = headerLength + length
  const fcStart = headerLength + 1
  const ctStart = fcStart + 4
  const tagStart = authenticated ? totalLength - GCM_TAG_LENGTH : totalLength
  const b = buf
  const title = systemTitleStrings(b, start + 2)
  const header: DlmsHeader = {
    systemTitle: title.hex,
    systemTitleText: title.text,
    securityControl: sc,
    frameCounter: ((b[start + fcStart] << 24) >>> 0) + ((b[start + fcStart + 1] << 16) | (b[start + fcStart + 2] << 8) | b[start + fcStart + 3]),
    length,
    layout: {
      tag: [0, 1],
      systemTitle: [1, 10],
      length: [10, headerLength],
      securityControl: [headerLength, headerLength + 1],
      frameCounter: [fcStart, ctStart],
      ciphertext: [ctStart, tagStart],
      gcmTag: [tagStart, totalLength]
    }
  }
  return { status: 'ok', header, headerLength, totalLength }
}
