/**
 * DLMS general-glo-ciphering header (length forms, security control byte, layout) and
 * AES-128-GCM decryption (tag check, tag-less CTR fallback, SC 0x20 / 0x10).
 */
import { createSecretKey } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { parseGloHeader } from '../../../src/main/p1/dlms'
import { ctrDecrypt, decryptGlo } from '../../../src/main/p1/decrypt'
import { encryptGlo } from '../../../src/main/p1/encrypt'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import type { DlmsHeader } from '../../../src/shared/types'
import { gloFrame, hexFile, KEY, LUX_AK, NEXXTLAB_KEY, ok, p5Telegram, TITLE } from './helpers'

function header(frame: Buffer): DlmsHeader {
  const h = parseGloHeader(frame, 0)
  if (h.status !== 'ok') throw new Error(JSON.stringify(h))
  return h.header
}

describe('parseGloHeader', () => {
  it('E1: 0x82 length form, layout byte ranges, system title and frame counter', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    const h = parseGloHeader(e1, 0)
    expect(h.status).toBe('ok')
    if (h.status !== 'ok') return
    expect(h.headerLength).toBe(13)
    expect(h.totalLength).toBe(647)
    expect(h.header).toEqual({
      systemTitle: '534147677001BD54',
      systemTitleText: 'SAGgp',
      securityControl: 0x30,
      frameCounter: 0x0005a8e3,
      length: 634,
      layout: {
        tag: [0, 1],
        systemTitle: [1, 10],
        length: [10, 13],
        securityControl: [13, 14],
        frameCounter: [14, 18],
        ciphertext: [18, 635],
        gcmTag: [635, 647]
      }
    })
  })

  it('short and 0x81 length forms; unsupported 0x80/0x83/0x84', () => {
    for (const size of [40, 200]) {
      const f = encryptGlo({ plaintext: Buffer.alloc(size, 0x41), key: KEY, authKey: LUX_AK, systemTitle: TITLE, frameCounter: 0xffffffff })
      const h = parseGloHeader(f, 0)
      expect(h.status === 'ok' && [h.headerLength, h.totalLength, h.header.length, h.header.frameCounter]).toEqual([
        size + 17 < 0x80 ? 11 : 12,
        f.length,
        size + 17,
        0xffffffff
      ])
    }
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    for (const lf of [0x80, 0x83, 0x84, 0xff]) {
      const b = Buffer.from(e1)
      b[10] = lf
      const h = parseGloHeader(b, 0)
      expect(h.status === 'invalid' && h.code).toBe('unsupported_length_form')
    }
  })

  it('security control byte and length are checked; partial headers are incomplete', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    for (const sc of [0x00, 0x31, 0x40, 0x70, 0xb0]) {
      const b = Buffer.from(e1)
      b[13] = sc
      const h = parseGloHeader(b, 0)
      expect(h.status === 'invalid' && h.code, `sc ${sc}`).toBe('malformed_frame')
    }
    const short = Buffer.from(e1)
    short[11] = 0
    short[12] = 16 // SC + FC + 11 bytes < tag
    expect(parseGloHeader(short, 0)).toMatchObject({ status: 'invalid', code: 'malformed_frame' })
    const notGlo = Buffer.from(e1)
    notGlo[1] = 0x10
    expect(parseGloHeader(notGlo, 0)).toMatchObject({ status: 'invalid', code: 'malformed_frame' })
    for (let n = 1; n < 18; n++) expect(parseGloHeader(e1.subarray(0, n), 0).status, `${n} bytes`).toBe('incomplete')
    expect(parseGloHeader(e1.subarray(0, 18), 0).status).toBe('ok')
  })

  it('SC 0x20 has no GCM tag in its layout', () => {
    const f = gloFrame(0x20, p5Telegram(1), KEY, 7)
    const h = header(f)
    expect(h.securityControl).toBe(0x20)
    expect(h.layout.gcmTag).toEqual([f.length, f.length])
    expect(h.layout.ciphertext[1]).toBe(f.length)
  })
})

describe('decryptGlo', () => {
  it('E1 with the published key: tag verifies, plaintext is the published telegram', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    for (const key of [Buffer.from(NEXXTLAB_KEY, 'hex'), createSecretKey(Buffer.from(NEXXTLAB_KEY, 'hex'))]) {
      const r = decryptGlo(e1, header(e1), key, LUX_AK)
      expect(r.status).toBe('ok')
      if (r.status === 'ok') {
        expect(r.tagVerified).toBe(true)
        expect(r.plaintext.toString('latin1').startsWith('/Lux5\\253663629_D\r\n')).toBe(true)
      }
    }
  })

  it('tag failure returns the tag-less CTR decryption (IV‖00000002), right key or not', () => {
    const plain = p5Telegram(3)
    const f = encryptGlo({ plaintext: plain, key: KEY, authKey: Buffer.alloc(16, 0x77), systemTitle: TITLE, frameCounter: 9 })
    const r = decryptGlo(f, header(f), KEY, LUX_AK)
    expect(r.status).toBe('tag_mismatch')
    if (r.status === 'tag_mismatch') expect(r.unverified.equals(plain)).toBe(true)
    const wrong = decryptGlo(f, header(f), Buffer.alloc(16, 1), LUX_AK)
    expect(wrong.status === 'tag_mismatch' && wrong.unverified.equals(plain)).toBe(false)
  })

  it('SC 0x20 (encrypted only) and SC 0x10 (authenticated only) frames', () => {
    const plain = p5Telegram(4)
    const enc = gloFrame(0x20, plain, KEY, 11)
    const r1 = decryptGlo(enc, header(enc), KEY, LUX_AK)
    expect(r1).toMatchObject({ status: 'ok', tagVerified: null })
    expect(r1.status === 'ok' && r1.plaintext.equals(plain)).toBe(true)
    const auth = gloFrame(0x10, plain, KEY, 12)
    const r2 = decryptGlo(auth, header(auth), KEY, LUX_AK)
    expect(r2).toMatchObject({ status: 'ok', tagVerified: true })
    expect(r2.status === 'ok' && r2.plaintext.equals(plain)).toBe(true)
    const forged = Buffer.from(auth)
    forged[100] ^= 1
    expect(decryptGlo(forged, header(forged), KEY, LUX_AK).status).toBe('tag_mismatch')
    // through the pipeline: both decode, with tagVerified null / true
    expect(ok(decodeBuffer(enc, { key: KEY })).tagVerified).toBeNull()
    expect(ok(decodeBuffer(auth, { key: KEY })).tagVerified).toBe(true)
  })

  it('never throws, even with a key of the wrong size', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    const r = decryptGlo(e1, header(e1), Buffer.alloc(15), LUX_AK)
    expect(r).toMatchObject({ status: 'tag_mismatch' })
    expect(ctrDecrypt(Buffer.alloc(3), Buffer.alloc(12), Buffer.alloc(20)).length).toBe(0)
  })
})
