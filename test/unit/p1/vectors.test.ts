/**
 * Every published vector (test/fixtures/vectors, see INDEX.md there) gives the verdict and
 * the values its index states — negative ones included.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeBuffer, type DecodeEvent } from '../../../src/main/p1/pipeline'
import type { CosemObject, DecodedTelegram, DecodeFailure } from '../../../src/shared/types'

const DIR = resolve(__dirname, '../../fixtures/vectors')
const hexFile = (f: string): Buffer => Buffer.from(readFileSync(resolve(DIR, f), 'utf8').trim(), 'hex')
const txtFile = (f: string): Buffer => readFileSync(resolve(DIR, f))
const NEXXTLAB_KEY = 'D491470F47126332B07D1923B3504188'

function only(events: DecodeEvent[]): DecodeEvent {
  const real = events.filter((e) => e.type !== 'skipped')
  expect(real).toHaveLength(1)
  return real[0]
}
function ok(events: DecodeEvent[]): DecodedTelegram {
  const e = only(events)
  if (e.type !== 'telegram') throw new Error(`expected a telegram, got ${JSON.stringify(e)}`)
  return e.telegram
}
function failed(events: DecodeEvent[]): DecodeFailure {
  const e = only(events)
  if (e.type !== 'failure') throw new Error(`expected a failure, got ${e.type}`)
  return e.failure
}
function obj(t: DecodedTelegram, code: string): CosemObject {
  const o = t.telegram.objects.find((x) => x.obis === code)
  if (!o) throw new Error(`no ${code}`)
  return o
}
const val = (t: DecodedTelegram, code: string): unknown => obj(t, code).value
const unit = (t: DecodedTelegram, code: string): unknown => obj(t, code).unit

describe('A. encrypted frames', () => {
  it('E1 NEXXTLAB: real Luxembourg frame, tag and CRC verify, values as published', () => {
    const t = ok(decodeBuffer(hexFile('lu_nexxtlab_go-smarty-reader_frame.hex'), { key: NEXXTLAB_KEY }))
    expect(t.tagVerified).toBe(true)
    expect(t.warnings).toEqual([])
    expect(t.dlms!.systemTitle).toBe('53414767700 1BD54'.replace(' ', ''))
    expect(t.dlms!.systemTitleText).toBe('SAGgp')
    expect(t.dlms!.frameCounter).toBe(0x0005a8e3)
    expect(t.dlms!.length).toBe(634)
    expect(t.dlms!.layout.gcmTag).toEqual([635, 647])
    expect(t.text).toBe(txtFile('lu_nexxtlab_go-smarty-reader_plaintext.txt').toString('latin1'))
    expect(t.telegram.crcSent).toBe(0xcfde)
    expect(t.telegram.crcOk).toBe(true)
    expect(t.telegram.identification).toBe('Lux5\\253663629_D')
    expect(t.telegram.objects).toHaveLength(28)
    expect(val(t, '1-3:0.2.8')).toBe(42)
    expect(val(t, '0-0:1.0.0')).toBe('2018-01-30T10:21:22+01:00')
    expect(new Date(t.telegram.meterTime!).toISOString()).toBe('2018-01-30T09:21:22.000Z')
    expect(val(t, '0-0:42.0.0')).toBe('SAG1030700114004')
    expect([val(t, '1-0:1.8.0'), unit(t, '1-0:1.8.0')]).toEqual([6.695, 'kWh'])
    expect([val(t, '1-0:2.8.0'), unit(t, '1-0:2.8.0')]).toEqual([0.025, 'kWh'])
    expect([val(t, '1-0:3.8.0'), unit(t, '1-0:3.8.0')]).toEqual([0.818, 'kvarh'])
    expect([val(t, '1-0:4.8.0'), unit(t, '1-0:4.8.0')]).toEqual([2.745, 'kvarh'])
    expect([val(t, '1-0:1.7.0'), unit(t, '1-0:1.7.0')]).toEqual([0, 'kW'])
    // the 2018 firmware sends no unit on reactive power and SMAX
    expect([val(t, '1-0:3.7.0'), unit(t, '1-0:3.7.0')]).toEqual([0, null])
    expect(obj(t, '1-0:3.7.0').values[0].raw).toBe('00.000')
    expect([val(t, '1-0:4.7.0'), unit(t, '1-0:4.7.0')]).toEqual([0.007, null])
    expect([val(t, '0-0:17.0.0'), unit(t, '0-0:17.0.0')]).toEqual([77.376, null])
    expect(val(t, '0-0:96.7.21')).toBe(69)
    expect(val(t, '1-0:32.32.0')).toBe(44)
    expect([val(t, '1-0:31.7.0'), unit(t, '1-0:31.7.0')]).toEqual([0, 'A'])
    expect(val(t, '0-0:96.13.0')).toBeNull()
  })

  it('E1 with a wrong key (meterlogger variant …3504100): gcm_tag_mismatch, no telegram', () => {
    const f = failed(decodeBuffer(hexFile('lu_nexxtlab_go-smarty-reader_frame.hex'), { key: 'D491470F47126332B07D1923B3504100' }))
    expect(f.code).toBe('gcm_tag_mismatch')
    expect(f.dlms!.systemTitle).toBe('5341476770 01BD54'.replace(' ', ''))
    expect(f.offset).toBe(0)
  })

  it('E2 openHAB: tag verifies but the edited telegram fails its CRC → crc_mismatch with text', () => {
    const f = failed(decodeBuffer(hexFile('lu_openhab_SmartyDecrypterTest_frame.hex'), { key: NEXXTLAB_KEY }))
    expect(f.code).toBe('crc_mismatch')
    expect(f.text).toBe(txtFile('lu_openhab_SmartyDecrypterTest_plaintext.txt').toString('latin1'))
    expect(f.message).toContain('CFDE')
    expect(f.message).toContain('99BD')
  })

  it('E3 sgrimee (no key published): framing ok; missing_key without a key, gcm_tag_mismatch with a wrong one', () => {
    const bytes = hexFile('lu_sgrimee_smarty-reader_fake_vector_frame.hex')
    const none = failed(decodeBuffer(bytes, {}))
    expect(none.code).toBe('missing_key')
    expect(none.dlms!.frameCounter).toBe(0x97)
    expect(none.dlms!.systemTitle).toBe('5341476770050E9D')
    expect(13 + none.dlms!.length).toBe(bytes.length)
    expect(failed(decodeBuffer(bytes, { key: NEXXTLAB_KEY })).code).toBe('gcm_tag_mismatch')
  })

  it('E4 esphome-libs synthetic: tag and CRC ok, decrypted text starts and ends as asserted upstream', () => {
    const t = ok(decodeBuffer(hexFile('synthetic_esphome-libs_dsmr_parser_encrypted_packet.hex'), { key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))
    expect(t.tagVerified).toBe(true)
    expect(t.dlms!.systemTitleText).toBe('SYSTEMID')
    expect(t.dlms!.frameCounter).toBe(0x10000001)
    expect(t.text.startsWith('/EST5\\253710000_A\r\n')).toBe(true)
    expect(t.text).toContain('1-0:4.7.0(000000166*var)\r\n!')
    expect(t.telegram.crcSent).toBe(0x7ef9)
    expect(t.text).toBe(txtFile('other_dsmr_parser_TELEGRAM_SAGEMCOM_T210_D_R.txt').toString('latin1'))
  })

  it('E4 with byte 50 flipped or byte 0 zeroed fails (as upstream asserts)', () => {
    const good = hexFile('synthetic_esphome-libs_dsmr_parser_encrypted_packet.hex')
    const flipped = Buffer.from(good)
    flipped[50] ^= 0xff
    expect(failed(decodeBuffer(flipped, { key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).code).toBe('gcm_tag_mismatch')
    const zeroed = Buffer.from(good)
    zeroed[0] = 0
    const evs = decodeBuffer(zeroed, { key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })
    expect(evs.some((e) => e.type === 'telegram')).toBe(false)
  })

  it('A1 debug-richard (no key): framing of a real Austrian frame, missing_key', () => {
    const bytes = hexFile('at_debug-richard_sagemcom-dsmr_README_frame.hex')
    const f = failed(decodeBuffer(bytes, {}))
    expect(f.code).toBe('missing_key')
    expect(f.dlms!.systemTitleText).toBe('SAG5')
    expect(f.dlms!.frameCounter).toBe(0x49)
    expect(f.dlms!.length).toBe(0x1f2)
    expect(failed(decodeBuffer(bytes, { key: NEXXTLAB_KEY })).code).toBe('gcm_tag_mismatch')
  })

  it('A2 Austrian frame: tag fails with both AKs, opens without the tag → auth_key_mismatch warning and the asserted values', () => {
    const bytes = hexFile('at_unidentified-repo_test_decode_packet_sc_1_frame.hex')
    for (const authKey of ['F6089912E1CC910884DFC86E9F028201', undefined]) {
      const t = ok(decodeBuffer(bytes, { key: 'A8C74F67ECA8EF9C55C4743FF6F4F031', authKey }))
      expect(t.warnings).toEqual(['auth_key_mismatch'])
      expect(t.tagVerified).toBe(false)
      expect(t.text).toBe(txtFile('at_unidentified-repo_test_decode_packet_sc_1_plaintext_ctr.txt').toString('latin1'))
      expect(t.telegram.crcSent).toBe(0xed42)
      expect(t.telegram.identification).toBe('EST5\\253717584_A')
      expect(val(t, '0-0:1.0.0')).toBe('2023-08-17T15:24:25+02:00')
      expect([val(t, '1-0:1.8.0'), unit(t, '1-0:1.8.0')]).toEqual([7112944, 'Wh'])
      expect([val(t, '1-0:2.8.0'), unit(t, '1-0:2.8.0')]).toEqual([33153972, 'Wh'])
      expect([val(t, '1-0:1.7.0'), unit(t, '1-0:1.7.0')]).toEqual([1068, 'W'])
      expect([val(t, '1-0:2.7.0'), unit(t, '1-0:2.7.0')]).toEqual([1060, 'W'])
    }
    // a wrong P1 key is not an auth key mismatch
    expect(failed(decodeBuffer(bytes, { key: NEXXTLAB_KEY })).code).toBe('gcm_tag_mismatch')
  })
})

describe('B. plaintext Luxembourg telegrams', () => {
  it('P1 Luxmetering spec appendix A: CRC 8B52, 2020+ values, four M-Bus channels with placeholders', () => {
    const t = ok(decodeBuffer(txtFile('lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt')))
    expect(t.kind).toBe('plain')
    expect(t.telegram.crcSent).toBe(0x8b52)
    expect(t.telegram.identification).toBe('Lux5\\253694471_M')
    expect(val(t, '0-0:1.0.0')).toBe('2020-07-06T10:41:57+02:00')
    expect(val(t, '0-0:42.0.0')).toBe('SAG1030790002574')
    expect(val(t, '1-0:1.8.0')).toBe(25.653)
    expect(val(t, '1-0:2.8.0')).toBe(0.04)
    expect(val(t, '1-0:3.8.0')).toBe(0.835)
    expect(val(t, '1-0:4.8.0')).toBe(63.781)
    expect(val(t, '1-0:1.7.0')).toBe(0.005)
    expect([val(t, '0-0:17.0.0'), unit(t, '0-0:17.0.0')]).toEqual([69, 'kVA'])
    expect([val(t, '1-0:9.7.0'), unit(t, '1-0:9.7.0')]).toEqual([0.021, 'kVA'])
    const lim = obj(t, '1-1:31.4.0')
    expect([lim.value, lim.unit]).toEqual([100, 'A'])
    expect(lim.values.map((v) => [v.value, v.unit])).toEqual([
      [100, 'A'],
      [-63, 'A']
    ])
    expect(val(t, '0-0:96.7.21')).toBe(99)
    expect(val(t, '1-0:32.32.0')).toBe(40)
    expect([val(t, '1-0:32.7.0'), unit(t, '1-0:32.7.0')]).toEqual([233, 'V'])
    expect(val(t, '1-0:52.7.0')).toBe(0)
    expect(val(t, '1-0:72.7.0')).toBe(1)
    expect(val(t, '0-1:24.1.0')).toBe(3)
    expect(val(t, '0-1:96.1.0')).toBe('FLO189900060355')
    const g1 = obj(t, '0-1:24.2.1')
    expect([g1.value, g1.unit, g1.time]).toEqual([0.006, 'm3', '2020-07-06T10:31:40+02:00'])
    expect(val(t, '0-1:24.4.0')).toBe(0)
    for (const ch of ['0-2', '0-3']) {
      expect(val(t, `${ch}:24.1.0`)).toBe(7)
      expect(val(t, `${ch}:96.1.0`)).toBeNull()
      const g = obj(t, `${ch}:24.2.1`)
      expect([g.value, g.unit, g.time]).toEqual([0, null, null]) // placeholder 632525252525S, no unit
      expect(val(t, `${ch}:24.4.0`)).toBe(1)
    }
    expect(val(t, '0-4:96.1.0')).toBe('ELS353589980300')
    const g4 = obj(t, '0-4:24.2.1')
    expect([g4.value, g4.unit, g4.time]).toEqual([28.103, 'm3', '2020-07-06T10:29:00+02:00'])
  })

  it('P2 meterlogger Luxembourg telegram: CRC 80F6 and values', () => {
    const t = ok(decodeBuffer(txtFile('lu_meterlogger_luxembourgTelegram.txt')))
    expect(t.telegram.crcSent).toBe(0x80f6)
    expect(val(t, '0-0:1.0.0')).toBe('2026-04-03T17:54:31+02:00')
    expect(val(t, '0-0:42.0.0')).toBe('SAG1030700012701')
    expect(val(t, '1-0:1.8.0')).toBe(273.764)
    expect(val(t, '1-0:2.8.0')).toBe(112743.03)
    expect(val(t, '1-0:3.8.0')).toBe(462.59)
    expect(val(t, '1-0:4.8.0')).toBe(7109.23)
    expect(val(t, '1-0:2.7.0')).toBe(0.897)
    expect([val(t, '0-0:17.0.0'), unit(t, '0-0:17.0.0')]).toEqual([27.6, 'kVA'])
    expect(val(t, '1-0:10.7.0')).toBe(0.913)
    expect(obj(t, '1-1:31.4.0').values.map((v) => v.value)).toEqual([40, -40])
    expect(val(t, '0-0:96.7.21')).toBe(1067)
    expect(val(t, '0-1:24.1.0')).toBe(3)
    expect(val(t, '0-1:96.1.0')).toBe('FLO182370120350')
    const gas = obj(t, '0-1:24.2.1')
    expect([gas.value, gas.unit, gas.time]).toEqual([14239.771, 'm3', '2026-04-03T17:45:42+02:00'])
    expect(val(t, '0-1:24.4.0')).toBe(1)
  })

  it('P3 openHAB smarty.telegram: 28 objects, CRC ok; P4 with units: 23 COSEM values incl. gas', () => {
    const p3 = ok(decodeBuffer(txtFile('lu_openhab_smarty.telegram.txt')))
    expect(p3.telegram.objects).toHaveLength(28)
    expect(p3.telegram.malformedLines).toEqual([])
    const p4 = ok(decodeBuffer(txtFile('lu_openhab_smarty_with_units.telegram.txt')))
    expect(p4.telegram.crcSent).toBe(0x3076)
    expect([val(p4, '1-0:3.7.0'), unit(p4, '1-0:3.7.0')]).toEqual([obj(p4, '1-0:3.7.0').value, 'kvar'])
    expect([val(p4, '0-0:17.0.0'), unit(p4, '0-0:17.0.0')]).toEqual([12.3, 'kVA'])
    const gas = obj(p4, '0-1:24.2.1')
    expect([gas.value, gas.unit, gas.time]).toEqual([1234.567, 'm3', '2020-06-06T20:15:30+02:00'])
  })

  it('P5 RELIP simulator: CRC 6B4A, values, per-phase export', () => {
    const t = ok(decodeBuffer(txtFile('lu_relip_simulator_telegram.txt')))
    expect(t.telegram.crcSent).toBe(0x6b4a)
    expect(t.telegram.identification).toBe('Lux5\\253663653_B')
    expect(val(t, '0-0:1.0.0')).toBe('2023-03-15T15:53:42+01:00')
    expect(val(t, '0-0:42.0.0')).toBe('SAG1030700026568')
    expect(val(t, '1-0:1.8.0')).toBe(17.901)
    expect(val(t, '1-0:2.8.0')).toBe(55437.011)
    expect(val(t, '1-0:2.7.0')).toBe(3.454)
    expect(val(t, '1-0:10.7.0')).toBe(3.45)
    expect(obj(t, '1-1:31.4.0').values.map((v) => v.value)).toEqual([100, -100])
    expect([val(t, '1-0:32.36.0'), val(t, '1-0:52.36.0'), val(t, '1-0:72.36.0')]).toEqual([1, 1, 1])
    expect([val(t, '1-0:22.7.0'), val(t, '1-0:42.7.0'), val(t, '1-0:62.7.0')]).toEqual([1.16, 1.146, 1.147])
  })

  it('P6 edited RELIP telegram: crc_mismatch (computed 31ED)', () => {
    const f = failed(decodeBuffer(txtFile('lu_relip_simulator_telegram_edited_badcrc.txt')))
    expect(f.code).toBe('crc_mismatch')
    expect(f.message).toContain('31ED')
    expect(f.text).toContain('1-0:1.8.0(')
  })
})

describe('C. other DSMR variants (dsmr_parser)', () => {
  it('DSMR 2.2 and 3 carry no CRC: decoded with no_crc; V3 two-line M-Bus gas', () => {
    const v22 = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V2_2.txt')))
    expect(v22.telegram.crcOk).toBeNull()
    expect(v22.warnings).toContain('no_crc')
    expect([val(v22, '1-0:1.8.1'), unit(v22, '1-0:1.8.1')]).toEqual([1.001, 'kWh'])
    const v3 = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V3.txt')))
    expect(v3.warnings).toContain('no_crc')
    expect(val(v3, '0-0:96.1.1')).toBe('K8EG004046395507')
    expect(val(v3, '1-0:1.8.1')).toBe(12345.678)
    expect([val(v3, '1-0:1.7.0'), unit(v3, '1-0:1.7.0')]).toEqual([1.19, 'kW'])
    const gas = obj(v3, '0-1:24.3.0')
    expect([gas.value, gas.unit, gas.time]).toEqual([1.001, 'm3', '2009-02-12T16:00:00+01:00'])
    expect(val(v3, '0-0:96.13.1')).toBe('012345678')
    expect(v3.telegram.malformedLines).toEqual([])
  })

  it('DSMR 4.2 and 5 with CRC; V5 values as asserted in dsmr_parser test_parse_v5.py', () => {
    const v42 = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V4_2.txt')))
    expect(v42.telegram.crcSent).toBe(0x6796)
    expect(val(v42, '1-0:1.8.1')).toBe(1581.123)
    const log42 = obj(v42, '1-0:99.97.0')
    expect(log42.value).toBe(3)
    expect(log42.values).toHaveLength(8)
    const v5 = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V5.txt')))
    expect(v5.telegram.crcSent).toBe(0x6eee)
    expect(v5.warnings).toEqual([])
    expect(val(v5, '1-3:0.2.8')).toBe(50)
    expect(val(v5, '0-0:1.0.0')).toBe('2017-01-02T19:20:02+01:00')
    expect(new Date(v5.telegram.meterTime!).toISOString()).toBe('2017-01-02T18:20:02.000Z') // upstream: 18:20:02 UTC
    expect([val(v5, '1-0:1.8.1'), val(v5, '1-0:1.8.2'), val(v5, '1-0:2.8.1'), val(v5, '1-0:2.8.2')]).toEqual([4.426, 2.399, 2.444, 0])
    expect(val(v5, '0-0:96.14.0')).toBe(2)
    expect(obj(v5, '0-0:96.14.0').values[0].raw).toBe('0002')
    expect(val(v5, '0-0:96.1.1')).toBe('K8EG004046395507')
    expect(obj(v5, '0-0:96.1.1').values[0].raw).toBe('4B384547303034303436333935353037')
    expect([val(v5, '1-0:1.7.0'), unit(v5, '1-0:1.7.0')]).toEqual([0.244, 'kW'])
    expect([val(v5, '0-0:96.7.9'), val(v5, '0-0:96.7.21')]).toEqual([0, 13])
    const log = obj(v5, '1-0:99.97.0')
    expect([log.value, log.values.map((v) => v.raw)]).toEqual([0, ['0', '0-0:96.7.19']])
    expect([val(v5, '1-0:32.7.0'), val(v5, '1-0:52.7.0'), val(v5, '1-0:72.7.0')]).toEqual([230, 230, 229])
    expect([val(v5, '1-0:31.7.0'), val(v5, '1-0:51.7.0'), val(v5, '1-0:71.7.0')]).toEqual([0.48, 0.44, 0.86])
    expect([val(v5, '1-0:21.7.0'), val(v5, '1-0:41.7.0'), val(v5, '1-0:61.7.0')]).toEqual([0.07, 0.032, 0.142])
    expect(val(v5, '0-0:96.13.0')).toBeNull()
    expect(val(v5, '0-1:24.1.0')).toBe(3)
    const gas = obj(v5, '0-1:24.2.1')
    expect([gas.value, gas.unit, gas.time]).toEqual([0.107, 'm3', '2017-01-02T16:10:05+01:00'])
    expect(val(v5, '0-2:96.1.0')).toBeNull()
  })

  it('two M-Bus channels, unpadded 3-digit CRC, Fluvius with max-demand history, Austria, Ireland, Hungary', () => {
    const two = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V5_TWO_MBUS.txt')))
    expect(two.telegram.crcSent).toBe(0x56dd)
    const unpadded = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_UNPADDED_CRC.txt')))
    expect(unpadded.telegram.crcSent).toBe(0x0b9f)
    const heat = obj(unpadded, '0-1:24.2.1')
    expect([heat.value, heat.unit, heat.time]).toEqual([240.86, 'GJ', '2026-02-15T20:05:23+01:00'])
    const flu = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_FLUVIUS_V171.txt')))
    expect(flu.telegram.crcSent).toBe(0x3ad7)
    const alt = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_FLUVIUS_V171_ALT.txt')))
    expect(alt.telegram.crcSent).toBe(0xc4b0)
    const md = obj(alt, '1-0:1.6.0')
    expect([md.value, md.unit, md.time]).toEqual([3.064, 'kW', '2023-11-02T11:45:00+01:00'])
    expect(obj(alt, '0-0:98.1.0').values.length).toBe(15)
    expect(obj(alt, '0-2:24.2.1').value).toBe(8.579)
    expect(ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_SAGEMCOM_T210_D_R.txt'))).telegram.objects).toHaveLength(18)
    const ie = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_ISKRA_IE.txt')))
    expect(ie.telegram.crcSent).toBe(0xad3b)
    expect(ie.telegram.identification).toBe('ISk5\x02MIE5T-200') // the Python literal's \\2 became byte 0x02
    expect(val(ie, '0-0:96.1.0')).toBe('09610')
    expect(val(ie, '1-0:0.0.0')).toBe('00000000')
    expect([val(ie, '1-0:1.8.1'), val(ie, '1-0:2.8.2'), val(ie, '1-0:62.7.0'), val(ie, '1-0:72.7.0')]).toEqual([10.181, 10.282, 0.627, 243.3])
    expect(val(ie, '0-1:96.1.1')).toBeNull()
    const hu = ok(decodeBuffer(txtFile('other_dsmr_parser_TELEGRAM_V5_EON_HU.txt')))
    expect(hu.telegram.crcSent).toBe(0x99da)
    expect(hu.telegram.identification).toBe('SAG5SAG-METER')
    expect(val(hu, '0-0:42.0.0')).toBe('SAG3082200002160')
    expect(val(hu, '0-0:96.1.0')).toBe('890082200002160')
    expect([val(hu, '1-0:1.8.0'), val(hu, '1-0:15.8.0'), val(hu, '1-0:13.7.0')]).toEqual([173.64, 800.817, 4.556])
    expect([val(hu, '1-0:14.7.0'), unit(hu, '1-0:14.7.0')]).toEqual([50, 'Hz'])
    expect([val(hu, '1-0:31.4.0'), unit(hu, '1-0:31.4.0')]).toEqual([200, 'A'])
    const hist = obj(hu, '0-0:98.1.0')
    expect([hist.time, hist.value, hist.unit, hist.values.length]).toEqual(['2023-07-01T00:00:00+02:00', 40.777, 'kWh', 20])
    const two2 = obj(two, '0-1:24.2.1') // Unix-epoch placeholder time, no unit
    expect([two2.value, two2.unit, two2.time]).toEqual([0, null, null])
    expect(obj(two, '0-2:24.2.1').value).toBe(246.138)
    expect(obj(two, '1-0:99.97.0').values.map((v) => v.value)).toEqual([1, '0-0:96.7.19', '2019-03-26T09:50:15+01:00', 2014])
  })

  it('EasyMeter Q3D (OBIS with *255, no CRC, trailing junk): telegram decoded, junk skipped', () => {
    for (const f of ['other_dsmr_parser_TELEGRAM_ESY5Q3DB1024_V304.txt', 'other_dsmr_parser_TELEGRAM_ESY5Q3DA1004_V304.txt']) {
      const evs = decodeBuffer(txtFile(f))
      const tels = evs.filter((e) => e.type === 'telegram')
      expect(tels).toHaveLength(1)
      expect(evs.filter((e) => e.type === 'failure')).toHaveLength(0)
      const t = (tels[0] as { telegram: DecodedTelegram }).telegram
      expect(t.telegram.objects.find((o) => o.obis === '1-0:1.8.0*255')!.unit).toBe('kWh')
    }
  })
})

// ---- D. the public corpus (test/fixtures/corpus, sources and licences in test/fixtures/README.md) ----

const CORPUS = resolve(__dirname, '../../fixtures/corpus')
const corpusFile = (f: string): Buffer => readFileSync(resolve(CORPUS, f))

/** [OBIS code, value, unit, time] as the meter's text says, read by hand (time only where the object carries one). */
type Row = [string, number | string | null, string | null, string?]

/** Every object of the telegram, in order, with exactly these values; no malformed line. */
function expectObjects(t: DecodedTelegram, rows: Row[]): void {
  expect(t.telegram.malformedLines).toEqual([])
  expect(t.telegram.objects.map((o) => o.obis)).toEqual(rows.map((r) => r[0]))
  t.telegram.objects.forEach((o, k) => {
    const [code, value, unit, time] = rows[k]
    expect([o.value, o.unit], code).toEqual([value, unit])
    expect(o.time, code).toBe(time ?? null)
  })
}

describe('D. public corpus: real meters, object by object', () => {
  it('BE Fluvius e-MUCS (FLU5\\253769484_A, Sagemcom, home-assistant/core#107813): CRC 4921, EAN-style ids, demand registers, maximum demand history, gas 24.2.3', () => {
    const t = ok(decodeBuffer(corpusFile('be_fluvius_FLU5_ha-core-107813.txt')))
    expect(t.telegram.crcSent).toBe(0x4921)
    expect(t.warnings).toEqual([])
    expectObjects(t, [
      ['0-0:96.1.4', '50217', null],
      ['0-0:96.1.1', '1SAG3105056625', null],
      ['0-0:1.0.0', '2024-01-12T23:18:15+01:00', null, '2024-01-12T23:18:15+01:00'],
      ['1-0:1.8.1', 116.372, 'kWh'],
      ['1-0:1.8.2', 62.193, 'kWh'],
      ['1-0:2.8.1', 112.716, 'kWh'],
      ['1-0:2.8.2', 42.757, 'kWh'],
      ['0-0:96.14.0', 2, null],
      ['1-0:1.4.0', 0.028, 'kW'],
      ['1-0:1.6.0', 2.485, 'kW', '2024-01-07T19:00:00+01:00'],
      ['0-0:98.1.0', 3, null],
      ['1-0:1.7.0', 0.099, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['1-0:21.7.0', 0.027, 'kW'],
      ['1-0:41.7.0', 0.061, 'kW'],
      ['1-0:61.7.0', 0.01, 'kW'],
      ['1-0:22.7.0', 0, 'kW'],
      ['1-0:42.7.0', 0, 'kW'],
      ['1-0:62.7.0', 0, 'kW'],
      ['1-0:32.7.0', 230.7, 'V'],
      ['1-0:52.7.0', 230.7, 'V'],
      ['1-0:72.7.0', 229.2, 'V'],
      ['1-0:31.7.0', 0.17, 'A'],
      ['1-0:51.7.0', 0.49, 'A'],
      ['1-0:71.7.0', 0.12, 'A'],
      ['0-0:96.3.10', 1, null],
      ['0-0:17.0.0', 999.9, 'kW'],
      ['1-0:31.4.0', 999, 'A'],
      ['0-0:96.13.0', null, null],
      ['0-1:24.1.0', 3, null],
      ['0-1:96.1.1', '7FLO2123006385', null],
      ['0-1:24.4.0', 1, null],
      ['0-1:24.2.3', 338.711, 'm3', '2024-01-12T23:16:46+01:00']
    ])
    expect(t.telegram.meterTime).toBe('2024-01-12T23:18:15+01:00')
    expect(obj(t, '0-0:96.1.1').values[0].raw).toBe('3153414733313035303536363235')
    expect(obj(t, '0-0:98.1.0').values).toHaveLength(12)
  })

  it('SE Kaifa MA304H4E (KFM5KAIFA-METER, dsmr-reader#1394): CRC 7D16, 1-0:x.8.0 totals, kVArh/kVAr units, reactive power per phase', () => {
    const t = ok(decodeBuffer(corpusFile('se_kaifa_MA304H4E_dsmr-reader-1394.txt')))
    expect(t.telegram.crcSent).toBe(0x7d16)
    expectObjects(t, [
      ['0-0:1.0.0', '2021-05-24T09:42:10+01:00', null, '2021-05-24T09:42:10+01:00'],
      ['1-0:1.8.0', 424.413, 'kWh'],
      ['1-0:2.8.0', 0, 'kWh'],
      ['1-0:3.8.0', 2.116, 'kVArh'],
      ['1-0:4.8.0', 170.745, 'kVArh'],
      ['1-0:1.7.0', 0.182, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['1-0:3.7.0', 0, 'kVAr'],
      ['1-0:4.7.0', 0.069, 'kVAr'],
      ['1-0:21.7.0', 0.053, 'kW'],
      ['1-0:22.7.0', 0, 'kW'],
      ['1-0:41.7.0', 0.107, 'kW'],
      ['1-0:42.7.0', 0, 'kW'],
      ['1-0:61.7.0', 0.02, 'kW'],
      ['1-0:62.7.0', 0, 'kW'],
      ['1-0:23.7.0', 0, 'kVAr'],
      ['1-0:24.7.0', 0.016, 'kVAr'],
      ['1-0:43.7.0', 0, 'kVAr'],
      ['1-0:44.7.0', 0.023, 'kVAr'],
      ['1-0:63.7.0', 0, 'kVAr'],
      ['1-0:64.7.0', 0.029, 'kVAr'],
      ['1-0:32.7.0', 230.7, 'V'],
      ['1-0:52.7.0', 227.8, 'V'],
      ['1-0:72.7.0', 232.3, 'V'],
      ['1-0:31.7.0', 0.4, 'A'],
      ['1-0:51.7.0', 0.5, 'A'],
      ['1-0:71.7.0', 0.1, 'A']
    ])
    // W in May: the meter's clock is in standard time whatever the season (it is sent as such)
    expect(new Date(t.telegram.meterTime!).toISOString()).toBe('2021-05-24T08:42:10.000Z')
  })

  it('SE Aidon 6534 (ADN9 6534, arduino-dsmr#47): CRC 7D79, values', () => {
    const t = ok(decodeBuffer(corpusFile('se_aidon_6534_arduino-dsmr-47.txt')))
    expect(t.telegram.crcSent).toBe(0x7d79)
    expect(t.telegram.identification).toBe('ADN9 6534')
    expectObjects(t, [
      ['0-0:1.0.0', '2023-03-02T09:38:10+01:00', null, '2023-03-02T09:38:10+01:00'],
      ['1-0:1.8.0', 31157.405, 'kWh'],
      ['1-0:2.8.0', 0, 'kWh'],
      ['1-0:3.8.0', 857.557, 'kVArh'],
      ['1-0:4.8.0', 918.106, 'kVArh'],
      ['1-0:1.7.0', 4.344, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['1-0:3.7.0', 0.314, 'kVAr'],
      ['1-0:4.7.0', 0, 'kVAr'],
      ['1-0:21.7.0', 1.083, 'kW'],
      ['1-0:22.7.0', 0, 'kW'],
      ['1-0:41.7.0', 1.855, 'kW'],
      ['1-0:42.7.0', 0, 'kW'],
      ['1-0:61.7.0', 1.408, 'kW'],
      ['1-0:62.7.0', 0, 'kW'],
      ['1-0:23.7.0', 0.351, 'kVAr'],
      ['1-0:24.7.0', 0, 'kVAr'],
      ['1-0:43.7.0', 0, 'kVAr'],
      ['1-0:44.7.0', 0.545, 'kVAr'],
      ['1-0:63.7.0', 0.507, 'kVAr'],
      ['1-0:64.7.0', 0, 'kVAr'],
      ['1-0:32.7.0', 231.9, 'V'],
      ['1-0:52.7.0', 232.6, 'V'],
      ['1-0:72.7.0', 232.7, 'V'],
      ['1-0:31.7.0', 4.9, 'A'],
      ['1-0:51.7.0', 8.3, 'A'],
      ['1-0:71.7.0', 6.4, 'A']
    ])
  })

  it('SE Iskra AM550 (ISk5\\2M550T-2006, esphome#13751): (ER11) kept as text, decimal serial kept, clock from 0.9.2 + 0.9.1', () => {
    const t = ok(decodeBuffer(corpusFile('se_iskra_AM550_esphome-13751.txt')))
    expect(t.warnings).toEqual(['no_crc']) // the log was cut before the CRC (see README)
    expectObjects(t, [
      ['1-0:0.9.1', '074212', null],
      ['1-0:0.9.2', '260204', null],
      ['0-0:96.1.0', '77516706', null],
      ['0-2:25.6.0', 'ER23', null],
      ['0-0:25.1.0', 'ER23', null],
      ['1-0:1.8.0', 69319.763, 'kWh'],
      ['1-0:2.8.0', 0, 'kWh'],
      ['1-0:3.8.0', 101.544, 'kvarh'],
      ['1-0:4.8.0', 10630.581, 'kvarh'],
      ['1-0:1.7.0', 4.392, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['1-0:3.7.0', 0, 'kvar'],
      ['1-0:4.7.0', 0.178, 'kvar'],
      ['1-0:21.7.0', 3.758, 'kW'],
      ['1-0:22.7.0', 0, 'kW'],
      ['1-0:41.7.0', 0.58, 'kW'],
      ['1-0:42.7.0', 0, 'kW'],
      ['1-0:61.7.0', 0.055, 'kW'],
      ['1-0:62.7.0', 0, 'kW'],
      ['1-0:31.7.0', 17, 'A'],
      ['1-0:32.7.0', 218, 'V'],
      ['1-0:51.7.0', 2, 'A'],
      ['1-0:52.7.0', 234.5, 'V'],
      ['1-0:71.7.0', 0, 'A'],
      ['1-0:72.7.0', 234.8, 'V'],
      ['1-0:0.2.0', '(ER11)', null],
      ['1-0:0.2.8', '(ER11)', null]
    ])
    expect(obj(t, '1-0:0.2.0')).toMatchObject({ raw: '1-0:0.2.0((ER11))', values: [{ value: '(ER11)', unit: null, raw: '(ER11)' }] })
    expect(t.telegram.meterTime).toBe('2026-02-04T07:42:12+01:00')
  })

  it('NL Iskra MT382 DSMR 2.2 (ISk5\\2MT382-1003, dsmr-tools#54): no CRC, gas on M-Bus channel 2 in the two-line form', () => {
    const t = ok(decodeBuffer(corpusFile('nl_iskra_MT382-1003_dsmr-tools-54.txt')))
    expect(t.warnings).toEqual(['no_crc'])
    expectObjects(t, [
      ['0-0:96.1.1', 'ZBEV005106844912', null],
      ['1-0:1.8.1', 16722.627, 'kWh'],
      ['1-0:1.8.2', 19412.712, 'kWh'],
      ['1-0:2.8.1', 859.681, 'kWh'],
      ['1-0:2.8.2', 1817.11, 'kWh'],
      ['0-0:96.14.0', 2, null],
      ['1-0:1.7.0', 0.59, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['0-0:17.0.0', 999, 'kW'],
      ['0-0:96.3.10', 1, null],
      ['0-0:96.13.1', null, null],
      ['0-0:96.13.0', null, null],
      ['0-2:24.1.0', 3, null],
      ['0-2:96.1.0', '28011008306429013', null],
      ['0-2:24.3.0', 13376.292, 'm3', '2021-11-23T20:00:00+01:00'],
      ['0-2:24.4.0', 1, null]
    ])
  })

  it('NL Kamstrup DSMR 3 (KMP5, smeterd#19): ids as the user redacted them stay text; gas two-line form', () => {
    const t = ok(decodeBuffer(corpusFile('nl_kamstrup_KMP5_smeterd-19.txt')))
    expect(t.telegram.identification).toBe('KMP5 ZABFxxx')
    expectObjects(t, [
      ['0-0:96.1.1', 'xxx', null],
      ['1-0:1.8.1', 6007.111, 'kWh'],
      ['1-0:1.8.2', 3918.394, 'kWh'],
      ['1-0:2.8.1', 3127.41, 'kWh'],
      ['1-0:2.8.2', 7082.845, 'kWh'],
      ['0-0:96.14.0', 2, null],
      ['1-0:1.7.0', 0.04, 'kW'],
      ['1-0:2.7.0', 0, 'kW'],
      ['0-0:96.13.1', null, null],
      ['0-0:96.13.0', null, null],
      ['0-1:24.1.0', 3, null],
      ['0-1:96.1.0', 'yyy', null],
      ['0-1:24.3.0', 5676.653, 'm3', '2018-01-19T10:00:00+01:00']
    ])
  })

  it('NL Kamstrup DSMR 2.2 (KMP5, esphome-libs/dsmr_parser test): a text message wrapped over three lines is joined', () => {
    const t = ok(decodeBuffer(corpusFile('nl_kamstrup_KMP5_wrapped_esphome-libs-dsmr_parser.txt')))
    expectObjects(t, [
      ['0-1:24.3.0', 124.477, 'm3', '2012-05-17T02:00:00+02:00'],
      ['0-0:96.13.0', '0123456789:;<=>?'.repeat(5), null]
    ])
    const msg = obj(t, '0-0:96.13.0')
    const hex = '303132333435363738393A3B3C3D3E3F'
    expect(msg.values[0].raw).toBe(`${hex}${hex}\r\n${hex}${hex}\r\n${hex}`)
    expect(msg.raw).toBe(`0-0:96.13.0(${hex}${hex}\r\n${hex}${hex}\r\n${hex})`)
  })
})
