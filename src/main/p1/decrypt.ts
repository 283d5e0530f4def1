/**
 * Decryption of general-glo-ciphering APDUs with node:crypto.
 * AES-128-GCM, IV = system title ‖ frame counter (12 bytes), AAD = security control byte ‖
 * authentication key, 12-byte tag (Luxmetering E-Meter P1 spec v1.1.3 §3.2.5).
 */
import { createDecipheriv } from 'node:crypto'
import type { DlmsHeader } from '../../shared/types'
import { SC_AUTHENTICATED, SC_ENCRYPTED } from './dlms'

/** Outcome of {@link decryptGlo}. */
export type DecryptResult =
  | { status: 'ok'; plaintext: Buffer; tagVerified: boolean | null }
  /** Tag failed; `unverified` is the AES-CTR decryption without the tag, for the caller's CRC check. */
  | { status: 'tag_mismatch'; unverified: Buffer }

const aadCache = new Map<string, Buffer>()

function aadFor(sc: number, authKey: Buffer): Buffer {
  const k = sc.toString(16) + authKey.toString('hex')
  let aad = aadCache.get(k)
  if (!aad) {
    aad = Buffer.concat([Buffer.from([sc]), authKey])
    if (aadCache.size > 64) aadCache.clear()
    aadCache.set(k, aad)
  }
  return aad
}

/**
 * Decrypt the APDU `frame` (whole frame, header parsed into `header`) with the 16-byte P1
 * key and authentication key. Never throws.
 * - SC 0x30: GCM with tag check; on failure the AES-CTR decryption (counter block IV‖00000002)
 *   is returned as `unverified` so the caller can accept it if it is a telegram with a valid CRC.
 * - SC 0x20: encryption only (CTR), tagVerified null.
 * - SC 0x10: authentication only: the data is plaintext, the tag is checked as GMAC.
 */
export function decryptGlo(frame: Buffer, header: DlmsHeader, key: Buffer, authKey: Buffer): DecryptResult {
  const L = header.layout
  const iv = Buffer.allocUnsafe(12)
  frame.copy(iv, 0, 2, 10)
  frame.copy(iv, 8, L.frameCounter[0], L.frameCounter[1])
  const data = frame.subarray(L.ciphertext[0], L.ciphertext[1])
  const sc = header.securityControl
  const encrypted = (sc & SC_ENCRYPTED) !== 0
  const authenticated = (sc & SC_AUTHENTICATED) !== 0
  if (!encrypted) {
    // authentication only: GMAC over SC ‖ AK ‖ data
    try {
      const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
      d.setAAD(Buffer.concat([aadFor(sc, authKey), data]))
      d.setAuthTag(frame.subarray(L.gcmTag[0], L.gcmTag[1]))
      d.final()
      return { status: 'ok', plaintext: Buffer.from(data), tagVerified: true }
    } catch {
      return { status: 'tag_mismatch', unverified: Buffer.from(data) }
    }
  }
  if (!authenticated) return { status: 'ok', plaintext: ctrDecrypt(key, iv, data), tagVerified: null }
  try {
    const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
    d.setAAD(aadFor(sc, authKey))
    d.setAuthTag(frame.subarray(L.gcmTag[0], L.gcmTag[1]))
    const head = d.update(data)
    d.final()
    return { status: 'ok', plaintext: head, tagVerified: true }
  } catch {
    return { status: 'tag_mismatch', unverified: ctrDecrypt(key, iv, data) }
  }
}

/** GCM's keystream without the tag: AES-128-CTR from IV ‖ 00000002 (NIST SP 800-38D §7.1). */
function ctrDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const counter = Buffer.alloc(16)
  iv.copy(counter, 0)
  counter[15] = 2
  const d = createDecipheriv('aes-128-ctr', key, counter)
  return Buffer.concat([d.update(data), d.final()])
}
