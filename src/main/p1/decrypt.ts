/**
 * Decryption of general-glo-ciphering APDUs with node:crypto.
 * AES-128-GCM, IV = system title ‖ frame counter (12 bytes), AAD = security control byte ‖
 * authentication key, 12-byte tag (Luxmetering E-Meter P1 spec v1.1.3 §3.2.5;
 * NIST SP 800-38D for GCM).
 */
import { createDecipheriv, type KeyObject } from 'node:crypto'
import type { DlmsHeader } from '../../shared/types'
import { GCM_TAG_LENGTH, SC_AUTHENTICATED, SC_ENCRYPTED } from './dlms'

/** A 16-byte AES key as bytes, or a node:crypto secret KeyObject made from them (faster per frame). */
export type AesKey = Buffer | KeyObject

/** Outcome of {@link decryptGlo}. */
export type DecryptResult =
  /** `tagVerified`: true = GCM tag checked and right; null = the frame carries no tag (SC 0x20). */
  | { status: 'ok'; plaintext: Buffer; tagVerified: boolean | null }
  /** Tag failed; `unverified` is the data decrypted without the tag, for the caller's CRC check. */
  | { status: 'tag_mismatch'; unverified: Buffer }

/** AAD per security control byte for the last authentication key seen. */
let aadKey: Buffer | null = null
const aadBySc = new Map<number, Buffer>()

function aadFor(sc: number, authKey: Buffer): Buffer {
  if (aadKey === null || !aadKey.equals(authKey)) {
    aadKey = Buffer.from(authKey)
    aadBySc.clear()
  }
  let aad = aadBySc.get(sc)
  if (!aad) {
    aad = Buffer.concat([Buffer.from([sc]), authKey])
    aadBySc.set(sc, aad)
  }
  return aad
}

/** createDecipheriv copies the IV, so one scratch buffer serves every call. */
const IV = Buffer.alloc(12)

/**
 * Decrypt the APDU `frame` (the whole frame, its header parsed into `header`) with the
 * 16-byte P1 key and the authentication key. Never throws (a key of the wrong size gives
 * `tag_mismatch` with an empty `unverified`).
 * - SC 0x30 (authenticated + encrypted, what a Smarty sends): GCM with tag check; when the tag
 *   fails, the AES-CTR decryption (counter block IV‖00000002, GCM's first data block) is
 *   returned as `unverified`, so the caller can accept it if it is a telegram with a valid CRC
 *   (right P1 key, other authentication key).
 * - SC 0x20 (encrypted only): AES-CTR as above, `tagVerified` null.
 * - SC 0x10 (authenticated only): the data is plain text; the tag is checked as GMAC over
 *   SC ‖ AK ‖ data.
 */
export function decryptGlo(frame: Buffer, header: DlmsHeader, key: AesKey, authKey: Buffer): DecryptResult {
  const L = header.layout
  // system title ‖ frame counter, byte by byte (Buffer#copy's checks cost more than 12 bytes)
  for (let i = 0; i < 8; i++) IV[i] = frame[2 + i]
  const fc = L.frameCounter[0]
  for (let i = 0; i < 4; i++) IV[8 + i] = frame[fc + i]
  const data = frame.subarray(L.ciphertext[0], L.ciphertext[1])
  const sc = header.securityControl
  const encrypted = (sc & SC_ENCRYPTED) !== 0
  const authenticated = (sc & SC_AUTHENTICATED) !== 0 && L.gcmTag[1] - L.gcmTag[0] === GCM_TAG_LENGTH
  if (!encrypted) {
    try {
      const d = createDecipheriv('aes-128-gcm', key, IV, { authTagLength: GCM_TAG_LENGTH })
      d.setAAD(Buffer.concat([aadFor(sc, authKey), data]))
      d.setAuthTag(frame.subarray(L.gcmTag[0], L.gcmTag[1]))
      d.final()
      return { status: 'ok', plaintext: Buffer.from(data), tagVerified: true }
    } catch {
      return { status: 'tag_mismatch', unverified: Buffer.from(data) }
    }
  }
  if (!authenticated) return { status: 'ok', plaintext: ctrDecrypt(key, IV, data), tagVerified: null }
  try {
    const d = createDecipheriv('aes-128-gcm', key, IV, { authTagLength: GCM_TAG_LENGTH })
    d.setAAD(aadFor(sc, authKey))
    d.setAuthTag(frame.subarray(L.gcmTag[0], L.gcmTag[1]))
    const plaintext = d.update(data)
    d.final()
    return { status: 'ok', plaintext, tagVerified: true }
  } catch {
    return { status: 'tag_mismatch', unverified: ctrDecrypt(key, IV, data) }
  }
}

/**
 * GCM's keystream without the tag: AES-128-CTR from IV ‖ 00000002 (NIST SP 800-38D §7.1:
 * counter block 1 encrypts the tag, data starts at block 2). Never throws (empty on a bad key).
 */
export function ctrDecrypt(key: AesKey, iv: Buffer, data: Buffer): Buffer {
  try {
    const counter = Buffer.alloc(16)
    iv.copy(counter, 0, 0, 12)
    counter[15] = 2
    const d = createDecipheriv('aes-128-ctr', key, counter)
    const head = d.update(data)
    const tail = d.final()
    return tail.length === 0 ? head : Buffer.concat([head, tail])
  } catch {
    return Buffer.alloc(0)
  }
}
