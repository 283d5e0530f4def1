/**
 * Named values and Home Assistant discovery documents on published telegrams: openHAB's
 * Smarty telegram with units and an M-Bus gas meter (test/fixtures/vectors P4), an Austrian
 * Sagemcom frame in Wh/W (A2: right key, another authentication key), and a Dutch DSMR 5
 * telegram with tariff registers and a profile buffer (dsmr_parser V5): values in kWh/kW,
 * gas in m³ with its device class, unknown codes kept under their OBIS code.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { haDiscoveryConfigs, manufacturerOf } from '../../../src/main/output/ha-discovery'
import { identityOf, telegramValues } from '../../../src/main/output/telegram-values'
import { P1Decoder } from '../../../src/main/p1/pipeline'
import type { DecodedTelegram } from '../../../src/shared/types'

const V = resolve(__dirname, '../../fixtures/vectors')
function decode(bytes: Buffer, key?: string): DecodedTelegram {
  const d = new P1Decoder({ key })
  const t = [...d.push(bytes, 0), ...d.end(0)].find((e) => e.type === 'telegram')
  if (!t || t.type !== 'telegram') throw new Error('no telegram')
  return t.telegram
}
const ctx = { discoveryPrefix: 'homeassistant', prefix: 'p1studio', appVersion: 't' }

describe('telegram values', () => {
  it('names a Smarty telegram with units and its gas meter', () => {
    const t = decode(readFileSync(resolve(V, 'lu_openhab_smarty_with_units.telegram.txt')))
    const v = Object.fromEntries(telegramValues(t.telegram).map((x) => [x.name, x]))
    expect(v.energy_import).toMatchObject({ obis: '1-0:1.8.0', value: 12345, unit: 'kWh', kind: 'energy' })
    expect(v.reactive_energy_export).toMatchObject({ value: 1234.567, unit: 'kvarh', kind: 'reactive_energy' })
    expect(v.power_limit).toMatchObject({ value: 12.3, unit: 'kVA' })
    expect(v.mbus1_reading).toMatchObject({ obis: '0-1:24.2.1', value: 1234.567, unit: 'm3', kind: 'mbus_reading', channel: 1 })
    expect(v.meter_id.value).toBe('SAG1030700114004')
    expect(v.message).toBeUndefined() // 0-0:96.13.0() is empty
    const docs = Object.fromEntries(haDiscoveryConfigs(identityOf(t, 'SAG1030700114004'), telegramValues(t.telegram), ctx).map((d) => [d.config.unique_id, d]))
    expect(docs.p1studio_SAG1030700114004_mbus1_reading.config).toMatchObject({
      device_class: 'gas',
      unit_of_measurement: 'm³',
      state_class: 'total_increasing',
      state_topic: 'p1studio/mbus1_reading'
    })
    expect(docs.p1studio_SAG1030700114004_mbus1_reading.topic).toBe('homeassistant/sensor/p1studio_SAG1030700114004/mbus1_reading/config')
    // a plain telegram has no system title and a Smarty's identification says "Lux": the meter id's FLAG id tells
    expect(manufacturerOf(identityOf(t, 'SAG1030700114004'))).toBe('Sagemcom')
    expect(manufacturerOf(identityOf(t, '4530303034303031'))).toBeUndefined()
  })

  it('gives Wh/W meters in kWh/kW', () => {
    const hex = readFileSync(resolve(V, 'at_unidentified-repo_test_decode_packet_sc_1_frame.hex'), 'utf8').trim()
    const t = decode(Buffer.from(hex, 'hex'), 'A8C74F67ECA8EF9C55C4743FF6F4F031')
    const v = Object.fromEntries(telegramValues(t.telegram).map((x) => [x.name, x]))
    expect(v.energy_import).toMatchObject({ value: 7112.944, unit: 'kWh' })
    expect(v.power_import).toMatchObject({ value: 1.068, unit: 'kW' })
    // OBIS naming: the codes as topics
    expect(telegramValues(t.telegram, 'obis').find((x) => x.name === '1-0:1.8.0')?.value).toBe(7112.944)
  })

  it('keeps tariffs and unknown codes of a Dutch DSMR 5 telegram', () => {
    const t = decode(readFileSync(resolve(V, 'other_dsmr_parser_TELEGRAM_V5.txt')))
    const vs = telegramValues(t.telegram)
    const v = Object.fromEntries(vs.map((x) => [x.name, x]))
    expect(v.energy_import_t1).toMatchObject({ unit: 'kWh', kind: 'energy' })
    expect(v.energy_import).toBeUndefined() // the meter sends only tariffs
    expect(new Set(vs.map((x) => x.name)).size).toBe(vs.length)
    for (const x of vs) expect(x.name).toMatch(/^[a-z0-9_]+$/)
    const docs = haDiscoveryConfigs(identityOf(t, 'E0000'), vs, ctx)
    for (const d of docs) expect(d.topic).toMatch(/^homeassistant\/sensor\/p1studio_E0000\/[a-z0-9_]+\/config$/)
  })
})
