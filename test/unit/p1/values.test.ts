/** Shared value helpers (src/shared/values.ts) on real telegrams. */
import { describe, expect, it } from 'vitest'
import { findObject, quantity, toDisplayUnit } from '../../../src/shared/values'
import { parseTelegram } from '../../../src/main/p1/telegram'
import { txtFile } from './helpers'

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
    expect(toDisplayUnit('12', 'kWh')).toBeNull()
    expect(toDisplayUnit(Number.NaN, 'kWh')).toBeNull()
  })
})
