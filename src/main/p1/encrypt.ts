/**
 * Builds DLMS general-glo-ciphering APDUs the way a Smarty meter does (used by the virtual
 * meter, the demo generator and tests). Luxmetering E-Meter P1 spec v1.1.3 §3.2.5;
 * DLMS Green Book general-glo-ciphering (tag 0xDB).
 */
import { createCipheriv } from 'node:crypto'

/** Inputs of {@link encryptGlo}. */
export interface GloEncryptInput {
  /** Plain telegram bytes (`/`…`!CRC\r\n`). */
  plaintext: Buffer
  /** 16-byte P1 key (encryption key). */
  key: Buffer
  /** 16-byte authentication key (Luxembourg: 00112233445566778899AABBCCDDEEFF). */
  authKey: Buffer
  /** 8-byte system title, e.g. "SAG" + 5 bytes. */
  systemTitle: Buffer
  /** 32-bit invocation (frame) counter. */
  frameCounter: number
  /** Security control byte, default 0x30 (authenticated and encrypted). */
  securityControl?: number
}

/**
 * Encrypt a telegram into a complete APDU:
 * `DB 08 title | length | SC | FC(4) | ciphertext | GCM tag(12)`, length = 17 + plaintext length,
 * written in short form (< 0x80), `81 LL` or `82 LL LL`.
 * AES-128-GCM, IV = system title ‖ frame counter, AAD = SC ‖ authentication key, 12-byte tag.
 * @throws RangeError if a key is not 16 bytes, the title not 8 bytes or the counter out of range.
 */
export function encryptGlo(input: GloEncryptInput): Buffer {
  const { plaintext, key, authKey, systemTitle, frameCounter } = input
  const sc = input.securityControl ?? 0x30
  if (key.length !== 16 || authKey.length !== 16) throw new RangeError('keys must be 16 bytes')
  if (systemTitle.length !== 8) throw new RangeError('system title must be 8 bytes')
  if (!Number.isInteger(frameCounter) || frameCounter < 0 || frameCounter > 0xffffffff) {
    throw new RangeError('frame counter must be a 32-bit unsigned integer')
  }
  const fc = Buffer.alloc(4)
  fc.writeUInt32BE(frameCounter)
  const iv = Buffer.concat([systemTitle, fc])
  const cipher = createCipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
  cipher.setAAD(Buffer.concat([Buffer.from([sc]), authKey]))
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const tag = cipher.getAuthTag()
  const len = 1 + 4 + ct.length + tag.length
  let lenField: Buffer
  if (len < 0x80) lenField = Buffer.from([len])
  else if (len <= 0xff) lenField = Buffer.from([0x81, len])
  else if (len <= 0xffff) lenField = Buffer.from([0x82, len >> 8, len & 0xff])
  else throw new RangeError('telegram too long for a 0x82 length field')
  return Buffer.concat([Buffer.from([0xdb, 0x08]), systemTitle, lenField, Buffer.from([sc]), fc, ct, tag])
}
