/**
 * Telegram parser: value shapes (DSMR 5.0.2 §6.4–6.5), timestamps, CRC, robustness of
 * line parsing. Real telegrams from test/fixtures/vectors plus small edited ones.
 */
import { describe, expect, it } from 'vitest'
import { parseTelegram, parseTimestamp } from '../../../src/main/p1/telegram'
import { crc16Arc } from '../../../src/main/p1/crc16'
import { crc16ArcSliced } from '../../../src/main/p1/crc16-sliced'
import { obj, randomBytes, rng, txtFile, withCrc } from './helpers'

const tg = (body: string): string => `/ISK5\\2M550T-1012\r\n\r\n${body}!`

describe('parseTimestamp', () => {
  it('W is UTC+1, S is UTC+2 (DSMR 5.0.2 TST)', () => {
    expect(parseTimestamp('180130102122W')).toBe('2018-01-30T10:21:22+01:00')
    expect(parseTimestamp('200706104157S')).toBe('2020-07-06T10:41:57+02:00')
    expect(new Date(parseTimestamp('200706104157S')!).toISOString()).toBe('2020-07-06T08:41:57.000Z')
  })

  it('without S/W (DSMR 2.2/3) applies the EU rule for CET/CEST', () => {
    expect(parseTimestamp('090212160000')).toBe('2009-02-12T16:00:00+01:00')
    expect(parseTimestamp('090712160000')).toBe('2009-07-12T16:00:00+02:00')
    // 2024: summer time from 31 March 02:00 CET to 27 October 03:00 CEST
    expect(parseTimestamp('240331015959')).toBe('2024-03-31T01:59:59+01:00')
    expect(parseTimestamp('240331030000')).toBe('2024-03-31T03:00:00+02:00')
    expect(parseTimestamp('241027015959')).toBe('2024-10-27T01:59:59+02:00')
    expect(parseTimestamp('241027030000')).toBe('2024-10-27T03:00:00+01:00')
  })

  it('placeholders and impossible dates are not dates', () => {
    for (const s of ['632525252525S', '632525252525W', '700101010000W', '230230120000W', '230431120000S', '231301000000W', '230101240000W', '230101126000W', '', '12345', '18013010212W', '180130102122X', 'abcdefghijklW']) {
      expect(parseTimestamp(s), s).toBeNull()
    }
    expect(parseTimestamp('240229120000W')).toBe('2024-02-29T12:00:00+01:00')
    expect(parseTimestamp('230229120000W')).toBeNull()
    expect(parseTimestamp(42 as unknown as string)).toBeNull()
  })
})

describe('parseTelegram value shapes', () => {
  it('numbers with and without unit keep the raw text; exact decimals', () => {
    const t = parseTelegram(tg('1-0:1.8.0(000006.695*kWh)\r\n1-0:3.7.0(00.000)\r\n1-0:4.7.0(00.007)\r\n1-0:31.7.0(000*A)\r\n'))
    expect(obj(t, '1-0:1.8.0')).toMatchObject({ value: 6.695, unit: 'kWh', time: null, raw: '1-0:1.8.0(000006.695*kWh)' })
    expect(obj(t, '1-0:1.8.0').values).toEqual([{ value: 6.695, unit: 'kWh', raw: '000006.695*kWh' }])
    expect(obj(t, '1-0:3.7.0')).toMatchObject({ value: 0, unit: null })
    expect(obj(t, '1-0:4.7.0').value).toBe(0.007)
    expect(obj(t, '1-0:31.7.0')).toMatchObject({ value: 0, unit: 'A' })
  })

  it('decimal parsing gives the same double as Number() for random readings', () => {
    const r = rng(5)
    const lines: string[] = []
    const expected: number[] = []
    for (let i = 0; i < 400; i++) {
      const ints = Math.floor(r() * 9) + 1
      const decs = Math.floor(r() * 7)
      let s = ''
      for (let k = 0; k < ints; k++) s += Math.floor(r() * 10)
      if (decs > 0) s += '.' + Array.from({ length: decs }, () => Math.floor(r() * 10)).join('')
      if (r() < 0.2) s = '-' + s
      lines.push(`1-0:${i}.7.0(${s}*kW)\r\n`)
      expected.push(Number(s))
    }
    const t = parseTelegram(tg(lines.join('')))
    expect(t.objects.map((o) => o.value)).toEqual(expected)
  })

  it('hex text is decoded only for catalogue codes and only when printable', () => {
    const t = parseTelegram(
      tg(
        '0-0:42.0.0(53414731303330373030313134303034)\r\n' +
          '0-0:96.1.1(ADC3100000158491)\r\n' + // hex, but not printable: kept raw
          '0-1:96.1.0(09610)\r\n' + // odd length: kept raw, not a number
          '0-0:96.13.0()\r\n' +
          '0-0:96.13.1(303132333435363738)\r\n' +
          '1-0:99.1.0(4142)\r\n' // unknown code: a number, not text
      )
    )
    expect(obj(t, '0-0:42.0.0').value).toBe('SAG1030700114004')
    expect(obj(t, '0-0:42.0.0').values[0].raw).toBe('53414731303330373030313134303034')
    expect(obj(t, '0-0:96.1.1').value).toBe('ADC3100000158491')
    expect(obj(t, '0-1:96.1.0').value).toBe('09610')
    expect(obj(t, '0-0:96.13.0').value).toBeNull()
    expect(obj(t, '0-0:96.13.1').value).toBe('012345678')
    expect(obj(t, '1-0:99.1.0').value).toBe(4142)
  })

  it('timestamp objects, M-Bus readings with capture time, placeholders without a date', () => {
    const t = parseTelegram(
      tg(
        '0-0:1.0.0(200706104157S)\r\n' +
          '0-1:24.2.1(200706103140S)(00000.006*m3)\r\n' +
          '0-2:24.2.1(632525252525S)(00000.000)\r\n' +
          '0-3:24.2.1(700101010000W)(00000000)\r\n' +
          '0-4:24.2.1(260215200523W)(240.860*GJ)\r\n'
      )
    )
    expect(obj(t, '0-0:1.0.0')).toMatchObject({ value: '2020-07-06T10:41:57+02:00', time: '2020-07-06T10:41:57+02:00' })
    expect(t.meterTime).toBe('2020-07-06T10:41:57+02:00')
    expect(obj(t, '0-1:24.2.1')).toMatchObject({ value: 0.006, unit: 'm3', time: '2020-07-06T10:31:40+02:00' })
    expect(obj(t, '0-2:24.2.1')).toMatchObject({ value: 0, unit: null, time: null })
    expect(obj(t, '0-2:24.2.1').values.map((v) => v.raw)).toEqual(['632525252525S', '00000.000'])
    expect(obj(t, '0-3:24.2.1')).toMatchObject({ value: 0, unit: null, time: null })
    expect(obj(t, '0-4:24.2.1')).toMatchObject({ value: 240.86, unit: 'GJ', time: '2026-02-15T20:05:23+01:00' })
  })

  it('multi-value lines, profile buffers and the DSMR 2.2/3 two-line M-Bus form', () => {
    const t = parseTelegram(
      tg(
        '1-1:31.4.0(100*A)(-063*A)\r\n' +
          '1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)\r\n' +
          '0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)\r\n' +
          '0-1:24.4.0(1)\r\n'
      )
    )
    expect(obj(t, '1-1:31.4.0')).toMatchObject({ value: 100, unit: 'A' })
    expect(obj(t, '1-1:31.4.0').values.map((v) => [v.value, v.unit])).toEqual([
      [100, 'A'],
      [-63, 'A']
    ])
    const log = obj(t, '1-0:99.97.0')
    expect(log.value).toBe(2)
    expect(log.values.map((v) => v.value)).toEqual([2, '0-0:96.7.19', '2010-12-08T15:24:15+01:00', 240, '2010-12-08T15:10:04+01:00', 301])
    expect(log.values[3].unit).toBe('s')
    const gas = obj(t, '0-1:24.3.0')
    expect(gas).toMatchObject({ value: 1.001, unit: 'm3', time: '2009-02-12T16:00:00+01:00' })
    expect(gas.raw).toBe('0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(00001.001)')
    expect(gas.values).toHaveLength(7)
    expect(obj(t, '0-1:24.4.0').value).toBe(1)
    expect(t.malformedLines).toEqual([])
  })

  it('OBIS codes with *255 / .255 (EasyMeter) and unknown codes are kept', () => {
    const t = parseTelegram(tg('1-0:1.8.0*255(00052185.7825309*kWh)\r\n1-0:1.8.0.255(1*kWh)\r\n9-9:99.99.99(abc)\r\n'))
    expect(t.objects.map((o) => o.obis)).toEqual(['1-0:1.8.0*255', '1-0:1.8.0.255', '9-9:99.99.99'])
    expect(obj(t, '1-0:1.8.0*255')).toMatchObject({ value: 52185.7825309, unit: 'kWh' })
    expect(obj(t, '9-9:99.99.99').value).toBe('abc')
  })

  it('a line that does not parse is kept in malformedLines and parsing goes on', () => {
    const bad = ['1-0:1.7.0(00.000*kW', 'garbage line', '1-0:1.7.0(1)x', '1-0:1.7(1)', '(lonely)', '1-0:1.8.0(1)(2']
    const t = parseTelegram(tg(`${bad.join('\r\n')}\r\n1-0:2.7.0(00.123*kW)\r\n`))
    expect(t.malformedLines).toEqual(bad)
    expect(t.objects.map((o) => [o.obis, o.value])).toEqual([['1-0:2.7.0', 0.123]])
  })

  it('CRC: computed over / … ! and compared with the 4 hex digits; none for DSMR 2.2/3; 3-digit CRC', () => {
    const v5 = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5.txt'))
    expect([v5.crcSent, v5.crcComputed, v5.crcOk]).toEqual([0x6eee, 0x6eee, true])
    const unpadded = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_UNPADDED_CRC.txt'))
    expect([unpadded.crcSent, unpadded.crcOk]).toEqual([0x0b9f, true])
    const v22 = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V2_2.txt'))
    expect([v22.crcSent, v22.crcOk]).toEqual([null, null])
    const edited = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5.txt').toString('latin1').replace('000004.426', '000004.427'))
    expect(edited.crcOk).toBe(false)
    expect(edited.crcSent).toBe(0x6eee)
  })

  it('string input, LF-only line ends and a Buffer give the same objects', () => {
    const buf = txtFile('lu_relip_simulator_telegram.txt')
    const a = parseTelegram(buf)
    const b = parseTelegram(buf.toString('latin1'))
    const lf = parseTelegram(buf.toString('latin1').replace(/\r\n/g, '\n'))
    expect(b).toEqual(a)
    expect(lf.objects.map((o) => [o.obis, o.value, o.unit])).toEqual(a.objects.map((o) => [o.obis, o.value, o.unit]))
    expect(lf.crcOk).toBe(false) // the CRC covers the CR bytes
    expect(a.objects).toHaveLength(48)
    expect(a.identification).toBe('Lux5\\253663653_B')
  })

  it('the parser recognises the readout order of a meter but never trusts it blindly', () => {
    const a = parseTelegram(tg('1-0:1.8.0(1*kWh)\r\n0-0:42.0.0(5341)\r\n'))
    // same positions, other codes: still named by their own bytes
    const b = parseTelegram(tg('1-0:1.8.1(2*kWh)\r\n0-0:42.0.00(5341)\r\n0-0:42.0.0(5341)\r\n'))
    expect(a.objects.map((o) => [o.obis, o.value])).toEqual([
      ['1-0:1.8.0', 1],
      ['0-0:42.0.0', 'SA']
    ])
    expect(b.objects.map((o) => [o.obis, o.value])).toEqual([
      ['1-0:1.8.1', 2],
      ['0-0:42.0.00', 5341],
      ['0-0:42.0.0', 'SA']
    ])
  })

  it('never throws on random bytes or odd input', () => {
    const r = rng(99)
    for (let i = 0; i < 300; i++) {
      const junk = randomBytes(Math.floor(r() * 600), r)
      if (i % 3 === 0) junk[0] = 0x2f
      expect(() => parseTelegram(junk)).not.toThrow()
      expect(() => parseTelegram(Buffer.concat([Buffer.from('/ABC5x\r\n\r\n1-0:1.8.0('), junk, Buffer.from('!')]))).not.toThrow()
    }
    expect(parseTelegram(Buffer.alloc(0)).objects).toEqual([])
    expect(parseTelegram(new Uint8Array([0x2f, 0x21]) as Buffer).crcOk).toBeNull()
    expect(parseTelegram(null as unknown as string).objects).toEqual([])
  })
})

describe('CRC-16/ARC slicing-by-16', () => {
  it('equals the byte-at-a-time reference for every length and offset', () => {
    const r = rng(3)
    const data = randomBytes(300, r)
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end += 7) expect(crc16ArcSliced(data, start, end)).toBe(crc16Arc(data, start, end))
    }
    const t = txtFile('lu_nexxtlab_go-smarty-reader_plaintext.txt')
    expect(crc16ArcSliced(t, 0, t.indexOf(0x21) + 1)).toBe(0xcfde)
    expect(crc16ArcSliced(withCrc('/x!'), 0, 3)).toBe(crc16Arc(Buffer.from('/x!')))
  })
})
