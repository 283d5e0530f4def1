/**
 * DLMS general-glo-ciphering APDU header (tag 0xDB), as sent by the Smarty P1 port.
 * Luxmetering E-Meter P1 spec v1.1.3 §3.2.5; DLMS Green Book (general-glo-ciphering), IDIS package 2.
 *
 * `DB` · `08` · system title (8) · length (short < 0x80 | `81` LL | `82` LL LL) ·
 * security control byte · frame counter (4, BE) · ciphertext · GCM tag (12, if authenticated).
 * The length counts security control byte + frame counter + ciphertext + tag.
 */
import type { DecodeErrorCode, DlmsHeader, DlmsLayout } from '../../shared/types'

/** APDU tag of general-glo-ciphering. */
export const GLO_TAG = 0xdb
/** Length byte of the system title that follows the tag (always 8). */
export const SYSTEM_TITLE_LENGTH = 8
/** Length of the GCM tag Smarty meters send (bytes). */
export const GCM_TAG_LENGTH = 12
/** Security control byte bits (suite 0): 0x10 = authenticated, 0x20 = encrypted; Smarty sends 0x30. */
export const SC_AUTHENTICATED = 0x10
export const SC_ENCRYPTED = 0x20

/** Result of {@link parseGloHeader}. */
export type GloHeaderResult =
  | { status: 'ok'; header: DlmsHeader; headerLength: number; totalLength: number }
  | { status: 'incomplete' }
  | { status: 'invalid'; code: DecodeErrorCode; message: string }

const INCOMPLETE: GloHeaderResult = Object.freeze({ status: 'incomplete' })

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0')
}

/** Last system title seen: meters send the same one every frame, so its hex/text is reused. */
let lastTitle = Buffer.alloc(8)
let lastTitleHex = ''
let lastTitleText = ''

function titleStrings(buf: Uint8Array, at: number): void {
  let same = lastTitleHex !== ''
  for (let i = 0; same && i < 8; i++) if (lastTitle[i] !== buf[at + i]) same = false
  if (same) return
  const t = Buffer.from(buf.subarray(at, at + 8))
  let text = ''
  for (let i = 0; i < 8; i++) {
    const c = t[i]
    if (c < 0x20 || c > 0x7e) break
    text += String.fromCharCode(c)
  }
  lastTitle = t
  lastTitleHex = t.toString('hex').toUpperCase()
  lastTitleText = text
}

/** Layouts are immutable and depend only on (length-field size, total length, tag present). */
const layoutCache = new Map<number, DlmsLayout>()

function layoutFor(headerLength: number, totalLength: number, authenticated: boolean): DlmsLayout {
  const key = totalLength * 8 + headerLength * 2 + (authenticated ? 1 : 0)
  let l = layoutCache.get(key)
  if (l) return l
  const fcStart = headerLength + 1
  const ctStart = fcStart + 4
  const tagStart = authenticated ? totalLength - GCM_TAG_LENGTH : totalLength
  const pair = (a: number, b: number): [number, number] => Object.freeze([a, b]) as unknown as [number, number]
  l = Object.freeze({
    tag: pair(0, 1),
    systemTitle: pair(1, 10),
    length: pair(10, headerLength),
    securityControl: pair(headerLength, headerLength + 1),
    frameCounter: pair(fcStart, ctStart),
    ciphertext: pair(ctStart, tagStart),
    gcmTag: pair(tagStart, totalLength)
  }) as DlmsLayout
  if (layoutCache.size > 4096) layoutCache.clear()
  layoutCache.set(key, l)
  return l
}

/**
 * Parse the header of a glo-ciphering APDU starting at `buf[start]`. Never throws.
 * - `incomplete`: more bytes are needed to decide (at most 18 bytes of header are read).
 * - `invalid`: `unsupported_length_form` for a length byte 0x80 or ≥ 0x83; `malformed_frame`
 *   when the tag is not `DB 08`, the security control byte is not 0x10/0x20/0x30 (suite 0)
 *   or the length is too short for SC + frame counter (+ 12-byte tag when authenticated).
 * - `ok`: the header (layout offsets relative to `start`), `headerLength` (bytes before the
 *   security control byte) and `totalLength` (bytes of the whole APDU).
 * The returned layout is frozen and shared between frames of the same shape.
 */
export function parseGloHeader(buf: Uint8Array, start: number): GloHeaderResult {
  const avail = buf.length - start
  if (avail < 2) {
    if (avail === 1 && buf[start] !== GLO_TAG) return notGlo()
    return INCOMPLETE
  }
  if (buf[start] !== GLO_TAG || buf[start + 1] !== SYSTEM_TITLE_LENGTH) return notGlo()
  if (avail < 11) return INCOMPLETE
  const lf = buf[start + 10]
  let length: number
  let lenBytes: number
  if (lf < 0x80) {
    length = lf
    lenBytes = 1
  } else if (lf === 0x81) {
    if (avail < 12) return INCOMPLETE
    length = buf[start + 11]
    lenBytes = 2
  } else if (lf === 0x82) {
    if (avail < 13) return INCOMPLETE
    length = (buf[start + 11] << 8) | buf[start + 12]
    lenBytes = 3
  } else {
    return {
      status: 'invalid',
      code: 'unsupported_length_form',
      message: `Length field form 0x${hex2(lf)} is not supported (expected a short length, 0x81 or 0x82).`
    }
  }
  const headerLength = 10 + lenBytes
  if (avail < headerLength + 5) return INCOMPLETE
  const sc = buf[start + headerLength]
  const authenticated = (sc & SC_AUTHENTICATED) !== 0
  if ((sc & 0xcf) !== 0 || (sc & (SC_AUTHENTICATED | SC_ENCRYPTED)) === 0) {
    return {
      status: 'invalid',
      code: 'malformed_frame',
      message: `Security control byte 0x${hex2(sc)} is not one a P1 port sends (0x30 expected).`
    }
  }
  const minLength = 5 + (authenticated ? GCM_TAG_LENGTH : 0)
  if (length < minLength) {
    return { status: 'invalid', code: 'malformed_frame', message: `Length ${length} is too short for a ciphered telegram.` }
  }
  const totalLength = headerLength + length
  const fc = start + headerLength + 1
  titleStrings(buf, start + 2)
  const header: DlmsHeader = {
    systemTitle: lastTitleHex,
    systemTitleText: lastTitleText,
    securityControl: sc,
    frameCounter: buf[fc] * 0x1000000 + ((buf[fc + 1] << 16) | (buf[fc + 2] << 8) | buf[fc + 3]),
    length,
    layout: layoutFor(headerLength, totalLength, authenticated)
  }
  return { status: 'ok', header, headerLength, totalLength }
}

function notGlo(): GloHeaderResult {
  return { status: 'invalid', code: 'malformed_frame', message: 'Not a general-glo-ciphering APDU with an 8-byte system title.' }
}
