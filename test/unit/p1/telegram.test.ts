/**
 * Telegram parser: value shapes (DSMR 5.0.2 §6.4–6.5), timestamps, CRC, robustness of
 * line parsing. Real telegrams from test/fixtures/vectors plus small edited ones.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseTelegram, parseTimestamp } from '../../../src/main/p1/telegram'
import { parseCosemDateTime } from '../../../src/main/p1/cosem-datetime'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { isTimeZone, wallTimeToIso, zoneOffsetMinutes } from '../../../src/shared/meter-time'
import { findObject, quantity } from '../../../src/shared/values'
import { crc16Arc } from '../../../src/main/p1/crc16'
import { crc16ArcSliced } from '../../../src/main/p1/crc16-sliced'
import { obj, randomBytes, rng, txtFile, withCrc } from './helpers'

const tg = (body: string): string => `/ISK5\\2M550T-1012\r\n\r\n${body}!`
const corpus = (f: string): Buffer => readFileSync(resolve(__dirname, '../../fixtures/corpus', f))

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
    for (const s of [
      '632525252525S',
      '632525252525W',
      '700101010000W',
      '230230120000W',
      '230431120000S',
      '231301000000W',
      '230101240000W',
      '230101126000W',
      '',
      '12345',
      '18013010212W',
      '180130102122X',
      'abcdefghijklW'
    ]) {
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

  it('spaces or tabs after the last value are padding (kept in the raw line); a space before the first bracket is not an object', () => {
    const t = parseTelegram(tg('1-0:1.8.0(000001.000*kWh)  \r\n1-0:2.8.0(000002.000*kWh)\t\r\n0-1:24.2.1 (000101000000W)(00000000.0000)\r\n'))
    expect(t.objects.map((o) => [o.obis, o.value, o.raw])).toEqual([
      ['1-0:1.8.0', 1, '1-0:1.8.0(000001.000*kWh)  '],
      ['1-0:2.8.0', 2, '1-0:2.8.0(000002.000*kWh)\t']
    ])
    expect(t.malformedLines).toEqual(['0-1:24.2.1 (000101000000W)(00000000.0000)'])
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
    // views at every alignment of their underlying memory
    for (let shift = 1; shift < 5; shift++) {
      const view = data.subarray(shift)
      expect(crc16ArcSliced(view, 0, view.length)).toBe(crc16Arc(data, shift, data.length))
      expect(crc16ArcSliced(new Uint8Array(view), 2, 250)).toBe(crc16Arc(data, shift + 2, shift + 250))
    }
    const t = txtFile('lu_nexxtlab_go-smarty-reader_plaintext.txt')
    expect(crc16ArcSliced(t, 0, t.indexOf(0x21) + 1)).toBe(0xcfde)
    expect(crc16ArcSliced(withCrc('/x!'), 0, 3)).toBe(crc16Arc(Buffer.from('/x!')))
  })
})

describe('quirks of real meters (issue 14), each on the text the meter sends', () => {
  it('Iskra AM550: 1-0:0.2.0((ER11)) keeps its value as text "(ER11)" instead of dropping the line', () => {
    const t = parseTelegram(corpus('se_iskra_AM550_esphome-13751.txt'))
    expect(t.malformedLines).toEqual([])
    expect(obj(t, '1-0:0.2.0')).toMatchObject({ value: '(ER11)', unit: null, raw: '1-0:0.2.0((ER11))' })
    expect(obj(t, '1-0:0.2.0').values).toEqual([{ value: '(ER11)', unit: null, raw: '(ER11)' }])
    // an unknown code with nested brackets too, and brackets inside a value with a unit
    const u = parseTelegram(tg('9-9:9.9.9((A)(B))\r\n1-0:1.8.0(000001.000*kWh)\r\n'))
    expect(u.objects.map((o) => o.value)).toEqual(['(A)(B)', 1])
    // brackets that do not pair up (esphome-libs/dsmr_parser test): the text between the first ( and the last )
    const v = parseTelegram(tg('1-1:0.2.0((ER12)\r\n1-1:0.2.8(ER13))\r\n'))
    expect(v.objects.map((o) => o.value)).toEqual(['(ER12', 'ER13)'])
    expect(v.malformedLines).toEqual([])
  })

  it('Kamstrup DSMR 2.2: a text message wrapped over three lines is one value; a torn line is still malformed', () => {
    const t = parseTelegram(corpus('nl_kamstrup_KMP5_wrapped_esphome-libs-dsmr_parser.txt'))
    expect(t.malformedLines).toEqual([])
    expect(t.objects.map((o) => o.obis)).toEqual(['0-1:24.3.0', '0-0:96.13.0'])
    expect(obj(t, '0-0:96.13.0').value).toBe('0123456789:;<=>?'.repeat(5))
    expect(obj(t, '0-0:96.13.0').values[0].raw.split('\r\n')).toHaveLength(3)
    // not a wrap: the next line opens a value of its own, or the wrap never closes
    const bad = parseTelegram(tg('0-0:96.13.0(3031\r\n1-0:1.8.0(000001.000*kWh)\r\n0-0:96.13.1(3031\r\n3233\r\n'))
    expect(bad.malformedLines).toEqual(['0-0:96.13.0(3031', '0-0:96.13.1(3031', '3233'])
    expect(bad.objects.map((o) => [o.obis, o.value])).toEqual([['1-0:1.8.0', 1]])
  })

  it('plain decimal serials stay digits; hex is decoded only for octet strings and only into a plausible identifier', () => {
    const t = parseTelegram(
      tg(
        '0-0:96.1.0(23456745)\r\n' + // decimal serial: bytes 23 45 67 45 would read "#EgE"
          '0-1:96.1.0(41424344)\r\n' + // an M-Bus id (octet string, DSMR 5.0.2 §6.5): "ABCD"
          '0-0:96.1.1(2020202020202020)\r\n' + // only spaces: no identifier
          '0-0:42.0.0(WSE1012403352978)\r\n' + // E.ON Hungary Wasion: the name in plain text (esphome-libs/dsmr_parser#53)
          '0-0:96.14.0(TARIFF 1)\r\n' +
          '0-0:96.3.10(ON)\r\n' +
          '0-0:17.0.0(24000*W)\r\n' +
          '1-3:0.2.8(50)\r\n' // S2 octet string, read as the version number it is
      )
    )
    expect(t.objects.map((o) => o.value)).toEqual(['23456745', 'ABCD', '2020202020202020', 'WSE1012403352978', 'TARIFF 1', 'ON', 24000, 50])
    expect(obj(t, '0-0:96.1.0').values[0].raw).toBe('23456745')
    expect(obj(t, '0-1:96.1.0').values[0].raw).toBe('41424344')
    // the Iskra AM550's serial and E.ON Hungary's hex one
    expect(obj(parseTelegram(corpus('se_iskra_AM550_esphome-13751.txt')), '0-0:96.1.0').value).toBe('77516706')
    expect(obj(parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5_EON_HU.txt')), '0-0:96.1.0').value).toBe('890082200002160')
  })

  it('ESR5: a COSEM date-time octet string as the meter clock (dsmr_parser#160) is 2024-06-28 10:43:43, deviation −120 min, DST', () => {
    const t = parseTelegram(tg('0-0:1.0.0(07E8061C050A2B2B00FF8880)\r\n1-0:1.8.0(000001.000*kWh)\r\n'))
    expect(obj(t, '0-0:1.0.0')).toMatchObject({ value: '2024-06-28T10:43:43+02:00', time: '2024-06-28T10:43:43+02:00' })
    expect(obj(t, '0-0:1.0.0').values[0].raw).toBe('07E8061C050A2B2B00FF8880')
    expect(t.meterTime).toBe('2024-06-28T10:43:43+02:00')
    expect(new Date(t.meterTime!).toISOString()).toBe('2024-06-28T08:43:43.000Z')
    expect(parseCosemDateTime('07E8061C050A2B2B00FF8880')).toEqual({
      year: 2024,
      month: 6,
      day: 28,
      hour: 10,
      minute: 43,
      second: 43,
      hundredths: 0,
      weekday: 5,
      deviation: -120,
      status: 0x80,
      dst: true,
      iso: '2024-06-28T10:43:43+02:00'
    })
    // deviation not specified (0x8000): the meter's zone decides, the DST bit settles the autumn hour
    expect(parseCosemDateTime('07E80A1B07021E0000800080')?.iso).toBe('2024-10-27T02:30:00+02:00')
    expect(parseCosemDateTime('07E80A1B07021E0000800000')?.iso).toBe('2024-10-27T02:30:00+01:00')
    expect(parseCosemDateTime('07E8011E020A000000800000', 'Europe/Dublin')?.iso).toBe('2024-01-30T10:00:00+00:00')
    // hundredths, and a positive deviation (UTC−5 h: deviation +300)
    expect(parseCosemDateTime('07E8011E020A00003201 2C00'.replace(' ', ''))?.iso).toBe('2024-01-30T10:00:00.50-05:00')
    // not date-times: month 13, 31 April, unspecified date, not hex, wrong length
    for (const s of [
      '07E80D1C050A2B2B00FF8880',
      '07E8041F050A2B2B00FF8880',
      'FFFFFFFFFF0A2B2B00FF8880',
      '07E8061C050A2B2B00FF888G',
      '07E8061C050A2B2B00FF88',
      'FFFE061C050A2B2B00FF8880'
    ]) {
      expect(parseCosemDateTime(s), s).toBeNull()
    }
    // on an identifier object the same 24 hex digits are not a clock
    const id = parseTelegram(tg('0-0:96.1.1(07E8061C050A2B2B00FF8880)\r\n'))
    expect(obj(id, '0-0:96.1.1').value).toBe('07E8061C050A2B2B00FF8880')
  })

  it('Iskra IE.5 (Belgium): the month maximum 1-0:1.6.0 sent reading first, time after (P1-Dongel-ESP32#87)', () => {
    const t = parseTelegram(tg('0-0:96.1.4(3231313130)\r\n0-0:1.0.0(260104162515W)\r\n1-0:1.4.0(03.336*kW)\r\n1-0:1.6.0(08.796*kW)(260102010000)\r\n'))
    expect(obj(t, '1-0:1.6.0')).toMatchObject({ value: 8.796, unit: 'kW', time: '2026-01-02T01:00:00+01:00' })
    expect(obj(t, '1-0:1.4.0')).toMatchObject({ value: 3.336, unit: 'kW' })
    expect(obj(t, '0-0:96.1.4').value).toBe('3231313130')
    expect(t.malformedLines).toEqual([])
  })
})

describe("the meter's zone", () => {
  it('W/S give the standard/daylight offset of the meter zone: a Luxembourg W is UTC+1, an Irish W is UTC+0', () => {
    expect(parseTimestamp('240130102122W')).toBe('2024-01-30T10:21:22+01:00')
    expect(parseTimestamp('240130102122W', 'Europe/Dublin')).toBe('2024-01-30T10:21:22+00:00')
    expect(parseTimestamp('240706104157S', 'Europe/Dublin')).toBe('2024-07-06T10:41:57+01:00')
    expect(parseTimestamp('240706104157S', 'Europe/London')).toBe('2024-07-06T10:41:57+01:00')
    expect(parseTimestamp('240130102122W', 'Europe/Helsinki')).toBe('2024-01-30T10:21:22+02:00')
    expect(parseTimestamp('240130102122W', 'UTC')).toBe('2024-01-30T10:21:22+00:00')
    expect(parseTimestamp('240130102122W', 'Mars/Olympus')).toBeNull()
  })

  it('the flag settles the autumn hour that occurs twice; without a flag the zone rules decide', () => {
    const first = parseTimestamp('241027023000S')!
    const second = parseTimestamp('241027023000W')!
    expect([first, second]).toEqual(['2024-10-27T02:30:00+02:00', '2024-10-27T02:30:00+01:00'])
    expect(Date.parse(second) - Date.parse(first)).toBe(3_600_000)
    expect(parseTimestamp('241027013000S', 'Europe/Dublin')).toBe('2024-10-27T01:30:00+01:00')
    expect(parseTimestamp('241027013000W', 'Europe/Dublin')).toBe('2024-10-27T01:30:00+00:00')
    // DSMR 2.2/3 (no flag) in Dublin: summer and winter by the zone's rules
    expect(parseTimestamp('240712160000', 'Europe/Dublin')).toBe('2024-07-12T16:00:00+01:00')
    expect(parseTimestamp('240212160000', 'Europe/Dublin')).toBe('2024-02-12T16:00:00+00:00')
    expect(wallTimeToIso({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, second: 0 }, 'Europe/Luxembourg', null)).toBe('2024-03-31T02:30:00+02:00')
    expect(zoneOffsetMinutes('Europe/Luxembourg', Date.UTC(2024, 6, 1))).toBe(120)
    expect(zoneOffsetMinutes('Europe/Luxembourg', Date.UTC(2024, 9, 27, 0, 59, 59))).toBe(120)
    expect(zoneOffsetMinutes('Europe/Luxembourg', Date.UTC(2024, 9, 27, 1, 0, 0))).toBe(60)
    expect([isTimeZone('Europe/Dublin'), isTimeZone('Nowhere/Atlantis'), isTimeZone(''), isTimeZone(42)]).toEqual([true, false, false, false])
  })

  it('parseTelegram and P1Decoder take the zone; an unknown zone falls back to Europe/Luxembourg; same bytes, new zone, new times', () => {
    const text = tg('0-0:1.0.0(240130102122W)\r\n0-1:24.2.1(240130100000W)(00012.345*m3)\r\n')
    const lu = parseTelegram(text)
    const ie = parseTelegram(text, { zone: 'Europe/Dublin' })
    expect(lu.meterTime).toBe('2024-01-30T10:21:22+01:00')
    expect(ie.meterTime).toBe('2024-01-30T10:21:22+00:00')
    expect(obj(ie, '0-1:24.2.1').time).toBe('2024-01-30T10:00:00+00:00')
    expect(parseTelegram(text, { zone: 'Mars/Olympus' }).meterTime).toBe('2024-01-30T10:21:22+01:00')
    const plain = withCrc(`${text}`)
    const ev = decodeBuffer(plain, { zone: 'Europe/Dublin' }).find((e) => e.type === 'telegram')
    expect(ev?.type === 'telegram' && ev.telegram.telegram.meterTime).toBe('2024-01-30T10:21:22+00:00')
  })
})

describe('repeated lines', () => {
  it('every telegram gets its own objects, equal to a parse from scratch, even when the meter repeats its lines', () => {
    const parse = (): ReturnType<typeof parseTelegram> => parseTelegram(txtFile('lu_relip_simulator_telegram.txt'))
    const [a, b, c, d] = [parse(), parse(), parse(), parse()]
    for (const t of [b, c, d]) expect(t).toEqual(a)
    expect(d.objects[5]).not.toBe(c.objects[5])
    expect(d.objects[5].values).not.toBe(c.objects[5].values)
    expect(d.objects[5].values[0]).not.toBe(c.objects[5].values[0])
    // a consumer that changes its copy changes nothing for the next telegram
    for (const t of [b, c, d]) {
      t.objects[5].value = -1
      t.objects[5].values[0].value = -1
      t.objects[5].values.push({ value: 1, unit: null, raw: '1' })
    }
    expect(parse()).toEqual(a)
  })

  it('telegrams of two meters parsed in turn, and two telegrams of one meter under the same identification, read right', () => {
    const lu = txtFile('lu_relip_simulator_telegram.txt')
    const be = corpus('be_fluvius_FLU5_ha-core-107813.txt')
    const [luRef, beRef] = [parseTelegram(lu), parseTelegram(be)]
    for (let k = 0; k < 4; k++) {
      expect(parseTelegram(lu)).toEqual(luRef)
      expect(parseTelegram(be)).toEqual(beRef)
    }
    // same identification, other object list (a DSO update adds per-phase values)
    const short = `/Lux5\\253663653_B\r\n\r\n0-0:1.0.0(230315155342W)\r\n1-0:1.8.0(000017.901*kWh)\r\n!`
    for (let k = 0; k < 3; k++) {
      expect(parseTelegram(short).objects.map((o) => [o.obis, o.value])).toEqual([
        ['0-0:1.0.0', '2023-03-15T15:53:42+01:00'],
        ['1-0:1.8.0', 17.901]
      ])
      expect(parseTelegram(lu)).toEqual(luRef)
    }
  })

  it('a changed line, an inserted line or a changed CR LF is read from its own bytes', () => {
    const base = txtFile('lu_relip_simulator_telegram.txt').toString('latin1')
    parseTelegram(base)
    parseTelegram(base)
    const changed = parseTelegram(base.replace('1-0:2.8.0(055437.011*kWh)', '1-0:2.8.0(055437.012*kWh)'))
    expect(obj(changed, '1-0:2.8.0').value).toBe(55437.012)
    const inserted = parseTelegram(base.replace('1-0:1.8.0(', '1-0:1.8.1(000001.000*kWh)\r\n1-0:1.8.0('))
    expect(inserted.objects).toHaveLength(49)
    expect(inserted.objects.map((o) => o.raw)).toEqual(
      [...parseTelegram(base).objects.map((o) => o.raw)].flatMap((r) => (r.startsWith('1-0:1.8.0(') ? ['1-0:1.8.1(000001.000*kWh)', r] : [r]))
    )
    // the same line continued by a longer one is not the same line
    const longer = parseTelegram(base.replace('1-0:2.8.0(055437.011*kWh)', '1-0:2.8.0(055437.011*kWh)(1)'))
    expect(obj(longer, '1-0:2.8.0').values).toHaveLength(2)
  })
})

describe('the grammar, on telegrams no meter in the corpus sends (fast-check)', () => {
  /** One generated COSEM line: its text and what the parser must read from it. */
  interface Line {
    text: string
    obis: string
    value: number | string | null
    unit: string | null
    time: string | null
  }
  const pad = (n: number, w: number): string => String(n).padStart(w, '0')
  const decimal = fc
    .tuple(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 6, max: 10 }), fc.boolean())
    .map(([int, decimals, width, negative]) => {
      const digits = pad(int, width)
      const text = decimals === 0 ? digits : `${digits.slice(0, width - decimals)}.${digits.slice(width - decimals)}`
      return { text: negative ? `-${text}` : text, value: (negative ? -1 : 1) * Number(text) }
    })
  const unit = fc.constantFrom('kWh', 'kW', 'kvar', 'kvarh', 'V', 'A', 'm3', 'GJ', 'Wh', 'W', 's', 'kVA')
  /** Whole numbers, one per [min, max] range. */
  const ints = (...ranges: [min: number, max: number][]): fc.Arbitrary<number[]> => fc.tuple(...ranges.map(([min, max]) => fc.integer({ min, max })))
  // unknown codes (A-B:C.D.E beyond the catalogue): read by the shape of their values
  const code = ints([2, 9], [0, 9], [100, 255], [0, 99], [0, 99]).map(([a, b, c, d, e]) => `${a}-${b}:${c}.${d}.${e}`)
  // a clock the meter could send (2001–2037, the two-digit year of YYMMDDhhmmssX), in winter or summer time
  const stamp = fc
    .tuple(fc.date({ min: new Date(Date.UTC(2001, 0, 1)), max: new Date(Date.UTC(2037, 11, 31, 23, 59, 59)), noInvalidDate: true }), fc.boolean())
    .map(([t, summer]) => {
      const [y, mo, d, h, mi, s] = [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()]
      return {
        text: `${pad(y % 100, 2)}${pad(mo, 2)}${pad(d, 2)}${pad(h, 2)}${pad(mi, 2)}${pad(s, 2)}${summer ? 'S' : 'W'}`,
        iso: `${y}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${summer ? '+02:00' : '+01:00'}`
      }
    })
  const idText = fc.stringMatching(/^[A-Z][A-Z0-9]{3,15}$/)
  const line: fc.Arbitrary<Line> = fc.oneof(
    fc.tuple(code, decimal, unit).map(([c, d, u]) => ({ text: `${c}(${d.text}*${u})`, obis: c, value: d.value, unit: u, time: null })),
    fc.tuple(code, decimal).map(([c, d]) => ({ text: `${c}(${d.text})`, obis: c, value: d.value, unit: null, time: null })),
    fc
      .tuple(fc.integer({ min: 1, max: 4 }), stamp, decimal)
      .map(([n, s, d]) => ({ text: `0-${n}:24.2.1(${s.text})(${d.text}*m3)`, obis: `0-${n}:24.2.1`, value: d.value, unit: 'm3', time: s.iso })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), idText).map(([n, id]) => ({
      text: `0-${n}:96.1.0(${Buffer.from(id).toString('hex').toUpperCase()})`,
      obis: `0-${n}:96.1.0`,
      value: id,
      unit: null,
      time: null
    })),
    fc.tuple(code, fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,10}[a-z]$/)).map(([c, t]) => ({ text: `${c}(${t})`, obis: c, value: t, unit: null, time: null })),
    fc.tuple(code, fc.stringMatching(/^[A-Z]{2}[0-9]{2}$/)).map(([c, t]) => ({ text: `${c}((${t}))`, obis: c, value: `(${t})`, unit: null, time: null })),
    code.map((c) => ({ text: `${c}()`, obis: c, value: null, unit: null, time: null }))
  )

  it('every generated line reads back as generated, with and without a meter clock, parsed once and again from its templates', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), stamp, (lines, clock) => {
        const body = [`0-0:1.0.0(${clock.text})`, ...lines.map((l) => l.text)].join('\r\n')
        const telegram = withCrc(`/XYZ5\\generated\r\n\r\n${body}\r\n!`)
        for (let pass = 0; pass < 3; pass++) {
          const t = parseTelegram(telegram)
          expect(t.crcOk).toBe(true)
          expect(t.malformedLines).toEqual([])
          expect(t.meterTime).toBe(clock.iso)
          expect(t.objects.slice(1).map((o) => [o.obis, o.value, o.unit, o.time])).toEqual(lines.map((l) => [l.obis, l.value, l.unit, l.time]))
          expect(t.objects.slice(1).map((o) => o.raw)).toEqual(lines.map((l) => l.text))
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe('IEC 62056-21 data sets (meters read in mode C/D: reduced addresses, letter codes, STX)', () => {
  it('reads `1.8.0`, `F.F`, `C.1`, `1-1:F.F`, `1.8.0*18` and an STX before the first data set; `1-0:1.7` stays malformed', () => {
    const t = parseTelegram(
      '/ITR5EM214\r\n\u0002F.F(00000000)\r\n0.0.0(1240007670003202)\r\n0.2.0(V01.69#EEA3546C)\r\n1.7.0(00.49*kW)\r\n1.8.1(022108.7*kWh)\r\n' +
        '31.7.0(+000.8*A)\r\nC.1(53965555)\r\nC.5.0(L1-L2-L3)\r\n1.8.0*18(00049555)\r\n0.9.1(185532)\r\n0.9.2(210410)\r\n1-1:F.F(00000000)\r\n' +
        '1-1:1.6.1(27.19*kW)(1702090945)\r\n1-0:1.7(1)\r\nAB.1(2)\r\n!\r\n'
    )
    expect(t.malformedLines).toEqual(['1-0:1.7(1)', 'AB.1(2)'])
    expect(t.objects.map((o) => [o.obis, o.value, o.unit])).toEqual([
      ['F.F', 0, null],
      ['0.0.0', '1240007670003202', null],
      ['0.2.0', 'V01.69#EEA3546C', null],
      ['1.7.0', 0.49, 'kW'],
      ['1.8.1', 22108.7, 'kWh'],
      ['31.7.0', 0.8, 'A'],
      ['C.1', 53965555, null],
      ['C.5.0', 'L1-L2-L3', null],
      ['1.8.0*18', 49555, null],
      ['0.9.1', '185532', null],
      ['0.9.2', '210410', null],
      ['1-1:F.F', 0, null],
      ['1-1:1.6.1', 27.19, 'kW']
    ])
    // the clock from 0.9.2 + 0.9.1; reduced codes find their catalogue entry and history slot
    expect(t.meterTime).toBe('2021-04-10T18:55:32+02:00')
    expect(quantity(t, '1-0:1.8.1')).toEqual({ value: 22108.7, unit: 'kWh' })
    expect(quantity(t, '1-0:1.7.0')).toEqual({ value: 0.49, unit: 'kW' })
    // a billing period (F = 18) is not the current value
    expect(findObject(t, '1-0:1.8.0')).toBeUndefined()
  })
})
