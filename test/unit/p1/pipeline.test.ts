/**
 * The public decoder API (src/main/p1/pipeline.ts): keys, event shapes, verdict codes,
 * warnings, offsets and times.
 */
import { describe, expect, it } from 'vitest'
import { P1Decoder, decodeBuffer, parseKeyHex } from '../../../src/main/p1/pipeline'
import * as api from '../../../src/main/p1/index'
import { encryptGlo } from '../../../src/main/p1/encrypt'
import { codes, counters, failed, failures, hexFile, KEY, LUX_AK, NEXXTLAB_KEY, ok, p5Telegram, smartyFrames, TITLE, txtFile } from './helpers'

describe('parseKeyHex', () => {
  it('32 hex digits, any case, surrounding whitespace trimmed', () => {
    expect(parseKeyHex('d491470f47126332b07d1923b3504188').toString('hex').toUpperCase()).toBe(NEXXTLAB_KEY)
    expect(parseKeyHex(`  ${NEXXTLAB_KEY}\n`).toString('hex').toUpperCase()).toBe(NEXXTLAB_KEY)
  })

  it('anything else is a TypeError naming the key', () => {
    for (const bad of [
      '',
      '1234',
      `${NEXXTLAB_KEY}00`,
      'D4 91 47 0F 47 12 63 32 B0 7D 19 23 B3 50 41 88',
      'D4:91:47:0F:47:12:63:32:B0:7D:19:23:B3:50:41:88',
      'G491470F47126332B07D1923B3504188',
      42
    ]) {
      expect(() => parseKeyHex(bad as string), String(bad)).toThrow(new TypeError('P1 key must be 32 hex digits'))
    }
    expect(() => parseKeyHex('x', 'Authentication key')).toThrow('Authentication key must be 32 hex digits')
  })
})

describe('P1Decoder keys', () => {
  it('constructor and setKeys take hex or 16-byte Buffers; bad keys throw and leave the old ones', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    expect(() => new P1Decoder({ key: 'nothex' })).toThrow(new TypeError('P1 key must be 32 hex digits'))
    expect(() => new P1Decoder({ key: Buffer.alloc(15) })).toThrow(TypeError)
    expect(() => new P1Decoder({ key: KEY, authKey: 'short' })).toThrow(new TypeError('Authentication key must be 32 hex digits'))
    const d = new P1Decoder({ key: Buffer.from(NEXXTLAB_KEY, 'hex') })
    expect(() => d.setKeys('D491')).toThrow('P1 key must be 32 hex digits')
    expect(ok(d.push(e1, 0)).tagVerified).toBe(true) // old key kept
    d.setKeys(null)
    expect(failed(d.push(e1, 0)).code).toBe('missing_key')
    d.setKeys(NEXXTLAB_KEY.toLowerCase())
    expect(ok(d.push(e1, 0)).telegram.crcOk).toBe(true)
  })

  it('the authentication key is configurable: tag verifies with the right one, auth_key_mismatch without', () => {
    const ak = Buffer.from('F6089912E1CC910884DFC86E9F028201', 'hex')
    const frame = encryptGlo({ plaintext: p5Telegram(1), key: KEY, authKey: ak, systemTitle: TITLE, frameCounter: 5 })
    const right = ok(decodeBuffer(frame, { key: KEY, authKey: ak.toString('hex') }))
    expect([right.tagVerified, right.warnings]).toEqual([true, []])
    const lux = ok(decodeBuffer(frame, { key: KEY }))
    expect([lux.tagVerified, lux.warnings]).toEqual([false, ['auth_key_mismatch']])
    expect(lux.text).toBe(p5Telegram(1).toString('latin1'))
    const d = new P1Decoder({ key: KEY })
    d.setKeys(KEY, ak)
    expect(ok(d.push(frame, 0)).tagVerified).toBe(true)
  })

  it('a corrupted frame whose tag-less decryption fails its CRC is gcm_tag_mismatch, not auth_key_mismatch', () => {
    const [f] = smartyFrames(1)
    const bad = Buffer.from(f)
    bad[600] ^= 0x20
    const fail = failed(decodeBuffer(bad, { key: KEY }))
    expect(fail.code).toBe('gcm_tag_mismatch')
    expect(fail.message).not.toContain(KEY.toString('hex'))
    expect(fail.message.toUpperCase()).not.toContain(KEY.toString('hex').toUpperCase())
  })
})

describe('P1Decoder events', () => {
  it('a decoded telegram carries kind, offset, receivedAt, frameHex (upper case), header, text and telegram', () => {
    const [a, b] = smartyFrames(2)
    const d = new P1Decoder({ key: KEY })
    const evs = [...d.push(Buffer.concat([Buffer.from('xx'), a]), 1_700_000_000_000), ...d.push(b, 1_700_000_010_000)]
    const [t1, t2] = evs.filter((e) => e.type === 'telegram').map((e) => (e.type === 'telegram' ? e.telegram : null)!)
    expect(t1).toMatchObject({ kind: 'dlms', offset: 2, receivedAt: 1_700_000_000_000, tagVerified: true, warnings: [] })
    expect(t2).toMatchObject({ offset: 2 + a.length, receivedAt: 1_700_000_010_000 })
    expect(t1.frameHex).toBe(a.toString('hex').toUpperCase())
    expect(t1.text).toBe(p5Telegram(100).toString('latin1'))
    expect(t1.dlms).toMatchObject({ systemTitle: TITLE.toString('hex').toUpperCase(), frameCounter: 100, securityControl: 0x30 })
    expect(t1.telegram.objects.find((o) => o.obis === '1-0:1.8.0')?.value).toBe(117.901)
    expect(evs[0]).toEqual({ type: 'skipped', offset: 0, length: 2, receivedAt: 1_700_000_000_000 })
    // JSON-serialisable as promised by src/shared/types.ts
    expect(JSON.parse(JSON.stringify(t1))).toEqual(t1)
  })

  it('plain telegrams: no CRC → warning no_crc; malformed lines → warning malformed_line', () => {
    expect(ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V2_2.txt'))).warnings).toEqual(['no_crc'])
    const t = txtFile('other_dsmr_parser_TELEGRAM_V2_2.txt').toString('latin1').replace('0-0:96.14.0(0001)', '0-0:96.14.0(0001')
    const d = ok(decodeBuffer(Buffer.from(t, 'latin1')))
    expect(d.warnings).toEqual(['no_crc', 'malformed_line'])
    expect(d.telegram.malformedLines).toEqual(['0-0:96.14.0(0001'])
    expect([d.kind, d.dlms, d.tagVerified]).toEqual(['plain', null, null])
  })

  it('missing_key reports the DLMS header; crc_mismatch keeps the decrypted text', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    const m = failed(decodeBuffer(e1, { key: null }, 5))
    expect(m).toMatchObject({ code: 'missing_key', kind: 'dlms', offset: 0, receivedAt: 5, text: null })
    expect(m.dlms?.frameCounter).toBe(0x5a8e3)
    expect(m.frameHex).toBe(e1.toString('hex').toUpperCase())
    const e2 = failed(decodeBuffer(hexFile('lu_openhab_SmartyDecrypterTest_frame.hex'), { key: NEXXTLAB_KEY }))
    expect(e2.code).toBe('crc_mismatch')
    expect(e2.text).toBe(txtFile('lu_openhab_SmartyDecrypterTest_plaintext.txt').toString('latin1'))
  })

  it('decrypted data that is not a telegram is malformed_telegram', () => {
    const f = encryptGlo({ plaintext: Buffer.from('hello, no telegram here'), key: KEY, authKey: LUX_AK, systemTitle: TITLE, frameCounter: 1 })
    expect(failed(decodeBuffer(f, { key: KEY })).code).toBe('malformed_telegram')
  })

  it('end() turns a pending partial frame into truncated_frame with its offset', () => {
    const [a, b] = smartyFrames(2)
    const d = new P1Decoder({ key: KEY })
    const evs = [...d.push(Buffer.concat([a, b.subarray(0, 300)]), 1), ...d.end(2)]
    expect(counters(evs)).toEqual([100])
    expect(codes(evs)).toEqual(['truncated_frame'])
    const f = evs.find((e) => e.type === 'failure')
    expect(f?.type === 'failure' && [f.failure.offset, f.failure.kind, f.failure.dlms?.frameCounter]).toEqual([a.length, 'dlms', 101])
  })

  it('index.ts re-exports the public API', () => {
    expect(api.P1Decoder).toBe(P1Decoder)
    expect(typeof api.decodeBuffer).toBe('function')
    expect(typeof api.parseKeyHex).toBe('function')
    expect(typeof api.Deframer).toBe('function')
    expect(typeof api.parseTelegram).toBe('function')
    expect(typeof api.parseTimestamp).toBe('function')
    expect(typeof api.parseGloHeader).toBe('function')
    expect(typeof api.decryptGlo).toBe('function')
  })
})

describe('failure evidence: never arbitrary input', () => {
  // a passwd-like text file (Debian's first lines): "/nologin\n" spells a telegram start
  const passwd = Buffer.from(
    [
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
      'sys:x:3:3:sys:/dev:/usr/sbin/nologin',
      'sync:x:4:65534:sync:/bin:/bin/sync',
      'games:x:5:60:games:/usr/games:/usr/sbin/nologin',
      'man:x:6:12:man:/var/cache/man:/usr/sbin/nologin',
      'lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin',
      'mail:x:8:8:mail:/var/mail:/usr/sbin/nologin',
      'news:x:9:9:news:/var/spool/news:/usr/sbin/nologin',
      'uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin',
      'proxy:x:13:13:proxy:/bin:/usr/sbin/nologin',
      'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
      'backup:x:34:34:backup:/var/backups:/usr/sbin/nologin',
      'list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin',
      'irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      'user:x:1000:1000:Jane Doe,,,:/home/user:/bin/bash',
      ''
    ].join('\n')
  )

  it('a text file that is not P1 data: failures show at most a header line, not the file', () => {
    for (const stream of [passwd, Buffer.concat([passwd, passwd, passwd])]) {
      const fails = failures(decodeBuffer(stream, { key: KEY }))
      expect(fails.length).toBeGreaterThan(0)
      let shown = 0
      for (const f of fails) {
        const ev = Buffer.from(f.frameHex, 'hex')
        shown += ev.length
        // the evidence is one identification line ("/nologin\n", "/bash\n"): a header
        expect(ev.length, f.frameHex).toBeLessThanOrEqual(130)
        expect(ev.indexOf(0x0a), f.frameHex).toBe(ev.length - 1)
        expect(f.length).toBeGreaterThanOrEqual(ev.length)
      }
      // the file itself is not in the failures (before: 1,330 of 1,352 bytes were)
      expect(shown).toBeLessThan(stream.length / 5)
      expect(fails.map((f) => Buffer.from(f.frameHex, 'hex').toString('latin1')).join('')).not.toContain('root:x:0:0')
    }
  })

  it('binary junk and bad DLMS headers: at most the 18 header bytes', () => {
    const [a] = smartyFrames(1)
    const lf = Buffer.from(a)
    lf[10] = 0x84 // unsupported length form
    const evs = decodeBuffer(Buffer.concat([lf, Buffer.alloc(3000, 0xdb)]), { key: KEY })
    const f = failures(evs)
    expect(f.map((x) => x.code)).toContain('unsupported_length_form')
    for (const x of f) expect(x.frameHex.length / 2, x.code).toBeLessThanOrEqual(18)
  })

  it('a frame’s own bytes when they are a frame: a cut DLMS frame, a wrong key; capped at 4 kB + header', () => {
    const [a, b] = smartyFrames(2)
    const cut = failures(decodeBuffer(Buffer.concat([a.subarray(0, 1024), b]), { key: KEY }))[0]
    expect([cut.code, cut.length, cut.frameHex]).toEqual(['truncated_frame', 1024, a.subarray(0, 1024).toString('hex').toUpperCase()])
    const wrong = failures(decodeBuffer(a, { key: Buffer.alloc(16, 7) }))[0]
    expect([wrong.code, wrong.length, wrong.frameHex.length / 2]).toEqual(['gcm_tag_mismatch', a.length, a.length])
    // a 6 kB telegram with a wrong CRC: 4,114 bytes of evidence, the whole length
    const p = p5Telegram(1).toString('latin1')
    const big = Buffer.from(p.replace('\r\n!', '\r\n' + '0-0:96.13.0(41424344)\r\n'.repeat(220) + '!'), 'latin1')
    expect(big.length).toBeGreaterThan(6000)
    const crc = failures(decodeBuffer(big, { maxFrameBytes: 16384 }))[0]
    expect([crc.code, crc.length, crc.frameHex.length / 2]).toEqual(['crc_mismatch', big.length, 4096 + 18])
  })
})

describe('frame counters that go backwards', () => {
  const frame = (fc: number, title = TITLE): Buffer =>
    encryptGlo({ plaintext: p5Telegram(fc), key: KEY, authKey: LUX_AK, systemTitle: title, frameCounter: fc })
  const warned = (evs: ReturnType<typeof decodeBuffer>): [number, boolean][] =>
    evs.flatMap((e) =>
      e.type === 'telegram' ? [[e.telegram.dlms!.frameCounter, e.telegram.warnings.includes('frame_counter_rewind')] as [number, boolean]] : []
    )

  it('a replayed or re-sent frame is reported (frame_counter_rewind); a reset to 0 (key renewal) is not', () => {
    const other = Buffer.from('5341473132333435', 'hex') // another meter, lower counters
    const stream = Buffer.concat([
      frame(100),
      frame(101),
      frame(102),
      frame(50),
      frame(51),
      frame(103),
      frame(103),
      frame(7, other),
      frame(0),
      frame(1),
      frame(2)
    ])
    expect(warned(decodeBuffer(stream, { key: KEY }))).toEqual([
      [100, false],
      [101, false],
      [102, false],
      [50, true],
      [51, false],
      [103, false],
      [103, true],
      [7, false],
      [0, false],
      [1, false],
      [2, false]
    ])
  })

  it('frames that fail do not move the counter', () => {
    const bad = Buffer.from(frame(500))
    bad[200] ^= 1
    expect(warned(decodeBuffer(Buffer.concat([frame(100), bad, frame(101)]), { key: KEY }))).toEqual([
      [100, false],
      [101, false]
    ])
  })
})

describe('P1Decoder.idle', () => {
  it('a complete frame whose last byte could start a header waits for the next byte, or for idle()', () => {
    let fc = 1
    let f = smartyFrames(1, fc)[0]
    while (f[f.length - 1] !== 0xdb) f = smartyFrames(1, ++fc)[0]
    const d = new P1Decoder({ key: KEY, idleGapMs: 2000 })
    expect(d.push(f, 10_000)).toEqual([])
    expect(d.idle(11_000)).toEqual([])
    const t = ok(d.idle(12_500))
    expect([t.dlms?.frameCounter, t.receivedAt]).toEqual([fc, 10_000])
    // back to back, the next frame settles it at once
    const d2 = new P1Decoder({ key: KEY })
    expect(counters([...d2.push(f, 0), ...d2.push(smartyFrames(1, fc + 1)[0], 0)])).toEqual([fc, fc + 1])
  })
})
