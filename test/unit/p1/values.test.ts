/** Shared value helpers (src/shared/values.ts) on real telegrams. */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { findObject, quantity, toDisplayUnit } from '../../../src/shared/values'
import { maximumDemandHistory, powerFailureLog, profileBuffer } from '../../../src/shared/cosem-profile'
import { parseTelegram } from '../../../src/main/p1/telegram'
import { txtFile } from './helpers'

const corpus = (f: string): Buffer => readFileSync(resolve(__dirname, '../../fixtures/corpus', f))

describe('values helpers', () => {
  it('Austrian Wh/W/varh readings in kWh/kW/kvarh, Luxembourg values unchanged', () => {
    const at = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_SAGEMCOM_T210_D_R.txt'))
    expect(quantity(at, '1-0:1.8.0')).toEqual({ value: 6545.766, unit: 'kWh' })
    expect(quantity(at, '1-0:1.7.0')).toEqual({ value: 0.286, unit: 'kW' })
    expect(quantity(at, '1-0:4.8.0')).toEqual({ value: 3897.726, unit: 'kvarh' })
    expect(quantity(at, '1-0:4.7.0')).toEqual({ value: 0.166, unit: 'kvar' })
    const lu = parseTelegram(txtFile('lu_relip_simulator_telegram.txt'))
    expect(quantity(lu, '1-0:2.8.0')).toEqual({ value: 55437.011, unit: 'kWh' })
    expect(quantity(lu, '1-0:3.7.0')).toEqual({ value: 0.025, unit: 'kvar' })
    expect(quantity(lu, '0-0:42.0.0')).toBeNull() // text
    expect(quantity(lu, '9-9:9.9.9')).toBeNull()
  })

  it('finds codes with or without *255', () => {
    const esy = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_ESY5Q3DB1024_V304.txt'))
    expect(findObject(esy, '1-0:1.8.0')?.obis).toBe('1-0:1.8.0*255')
    expect(quantity(esy, '1-0:1.7.0')).toEqual({ value: 2.12486, unit: 'kW' })
  })

  it('toDisplayUnit leaves other units and rejects non-numbers', () => {
    expect(toDisplayUnit(230.1, 'V')).toEqual({ value: 230.1, unit: 'V' })
    expect(toDisplayUnit(1.5, null)).toEqual({ value: 1.5, unit: null })
    expect(toDisplayUnit(0.007, 'Kvar')).toEqual({ value: 0.007, unit: 'kvar' })
    // Swedish Kaifa/Aidon spell them kVAr and kVArh
    const se = parseTelegram(corpus('se_aidon_6534_arduino-dsmr-47.txt'))
    expect(quantity(se, '1-0:3.7.0')).toEqual({ value: 0.314, unit: 'kvar' })
    expect(quantity(se, '1-0:3.8.0')).toEqual({ value: 857.557, unit: 'kvarh' })
    expect(toDisplayUnit('12', 'kWh')).toBeNull()
    // gas in dm3, lower-case units; a unit named like an Object property is just a unit
    expect(toDisplayUnit(12, 'dm3')).toEqual({ value: 0.012, unit: 'm3' })
    expect(toDisplayUnit(1, 'kwh')).toEqual({ value: 1, unit: 'kWh' })
    expect(toDisplayUnit(2, 'constructor')).toEqual({ value: 2, unit: 'constructor' })
    expect(toDisplayUnit(2, '__proto__')).toEqual({ value: 2, unit: '__proto__' })
    expect(toDisplayUnit(Number.NaN, 'kWh')).toBeNull()
  })
})

describe('profile buffers (src/shared/cosem-profile.ts)', () => {
  it('the power failure event log as (end, duration s) pairs (DSMR 5.0.2 1-0:99.97.0)', () => {
    const v42 = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V4_2.txt'))
    const log = findObject(v42, '1-0:99.97.0')!
    expect(profileBuffer(log)).toMatchObject({ count: 3, columns: ['0-0:96.7.19'] })
    expect(powerFailureLog(log)).toEqual([
      { end: '2000-01-04T18:03:20+01:00', endRaw: '000104180320W', durationS: 237126 },
      { end: '2000-01-01T00:00:01+01:00', endRaw: '000101000001W', durationS: 2147583646 },
      { end: '2000-01-02T00:00:03+01:00', endRaw: '000102000003W', durationS: 2317482647 }
    ])
    const two = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5_TWO_MBUS.txt'))
    expect(powerFailureLog(findObject(two, '1-0:99.97.0')!)).toEqual([{ end: '2019-03-26T09:50:15+01:00', endRaw: '190326095015W', durationS: 2014 }])
    // an empty log, and the Iskra AM550's empty brackets
    const v5 = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5.txt'))
    expect(powerFailureLog(findObject(v5, '1-0:99.97.0')!)).toEqual([])
    expect(powerFailureLog(findObject(parseTelegram('/ISK5\\2M550T-1012\r\n\r\n1-0:99.97.0()\r\n!'), '1-0:99.97.0')!)).toEqual([])
  })

  it('the e-MUCS maximum demand history (0-0:98.1.0) per closed month: when, the time of the maximum, kW', () => {
    const be = parseTelegram(corpus('be_fluvius_FLU5_ha-core-107813.txt'))
    expect(maximumDemandHistory(findObject(be, '0-0:98.1.0')!)).toEqual([
      { closed: '2023-11-01T00:00:00+01:00', time: '2023-10-31T12:00:00+01:00', value: 1.747, unit: 'kW' },
      { closed: '2023-12-01T00:00:00+01:00', time: '2023-11-09T16:45:00+01:00', value: 3.26, unit: 'kW' },
      { closed: '2024-01-01T00:00:00+01:00', time: '2023-12-24T13:45:00+01:00', value: 1.981, unit: 'kW' }
    ])
    // a month without a maximum: placeholder time, no date
    const alt = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_FLUVIUS_V171_ALT.txt'))
    const hist = maximumDemandHistory(findObject(alt, '0-0:98.1.0')!)
    expect(hist).toHaveLength(4)
    expect(hist[0]).toEqual({ closed: '2023-08-01T00:00:00+02:00', time: null, value: 0, unit: 'kW' })
    // E.ON Hungary's 0-0:98.1.0 is a billing snapshot without column codes: one entry, no monthly maxima
    const hu = parseTelegram(txtFile('other_dsmr_parser_TELEGRAM_V5_EON_HU.txt'))
    const snap = profileBuffer(findObject(hu, '0-0:98.1.0')!)!
    expect([snap.count, snap.columns, snap.entries.length, snap.entries[0].time, snap.entries[0].values.length]).toEqual([
      null,
      [],
      1,
      '2023-07-01T00:00:00+02:00',
      19
    ])
    expect(maximumDemandHistory(findObject(hu, '0-0:98.1.0')!)).toEqual([])
  })
})
