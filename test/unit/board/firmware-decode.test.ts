/**
 * Firmware detection and decoding on payloads written out by hand as each firmware prints
 * them (format strings of SmartyReader_v1_5.ino `mqtt_publish_energy_and_power()` /
 * `mqtt_publish_all()`, SmartyReader_v1_6.ino / _v1_7.ino `mqtt_publish_all()` /
 * `mqtt_publish_cooked()`, ESPHome dsmr `publish_sensors()` with the MQTT state topics).
 */
import { describe, expect, it } from 'vitest'
import {
  decodePublication,
  detectFirmware,
  dsmrTimeText,
  idText,
  parseLenientJson,
  tolerance,
  ulp32,
  type MqttMessage
} from '../../../src/main/board/firmware-decode'
import { esphomeObjectId } from '../../../src/main/board/esphome-fields'
import { publicationToObjects } from '../../../src/main/board/mqtt-source'

const T = 1_772_449_200_000
const msg = (topic: string, payload: string, t = T): MqttMessage => ({ topic, payload, t })
const V15_JSON =
  '{"timestamp":"2026-03-02T12:00:00","equipment_id":"SAG1030700089067","energy_consumption [kWh]":4821.34,"energy_consumption_cumul_day [kWh]":3.21,"energy_production [kWh]":1290.10,"energy_production_cumul_day [kWh]":0.00,"power_consumption [kW]":nan,"power_production [kW]":nan}'

describe('firmware detection', () => {
  it('SmartyReader v1.5 default: the JSON with "energy_consumption [kWh]" (nan is read as null)', () => {
    const fw = detectFirmware([msg('lamsmarty', V15_JSON)], 'lamsmarty')
    expect(fw).toMatchObject({ generation: 'smartyreader-v1.5', format: 'v15-json', ambiguous: false })
    expect(fw!.label).toBe('SmartyReader v1.5 (default: one JSON object with energy and power)')
    expect(parseLenientJson(V15_JSON)).toMatchObject({ nanKeys: ['power_consumption [kW]', 'power_production [kW]'] })
  })

  it('SmartyReader v1.5 PUBLISH_ALL 0 and 1', () => {
    const text = detectFirmware([msg('lamsmarty/act_energy_imported_p_plus', 'act_energy_imported_p_plus = 004821.337 kWh')], 'lamsmarty')
    expect(text).toMatchObject({ generation: 'smartyreader-v1.5', format: 'v15-text' })
    const json = detectFirmware([msg('lamsmarty/volt_l1', '{"volt_l1_value":232.10,"volt_l1_unit":"V"}')], 'lamsmarty')
    expect(json).toMatchObject({ generation: 'smartyreader-v1.5', format: 'v15-json-fields' })
  })

  it('v1.6 and v1.7 told apart by their calculated names; ambiguous without one', () => {
    const common = [msg('lamsmarty/act_pwr_imported_p_plus_kW', '0.25'), msg('lamsmarty/timestamp', '2026-03-02T12:00:00')]
    expect(detectFirmware([...common, msg('lamsmarty/energy_consumption_calc_cumul_day_kWh', '1234.00')], 'lamsmarty')).toMatchObject({
      generation: 'smartyreader-v1.6',
      format: 'fields',
      ambiguous: false
    })
    expect(detectFirmware([...common, msg('lamsmarty/energy_consumption_calc_cumul_day_Wh', '1234.00')], 'lamsmarty')).toMatchObject({
      generation: 'smartyreader-v1.7',
      format: 'fields',
      ambiguous: false
    })
    expect(detectFirmware(common, 'lamsmarty')).toMatchObject({ generation: 'smartyreader-v1.7', ambiguous: true })
    expect(detectFirmware(common, 'lamsmarty', 'smartyreader-v1.6')).toMatchObject({ generation: 'smartyreader-v1.6', ambiguous: true })
    const cooked =
      '{"ntp_datetime":"2026-03-02T12:00:05","smarty_datetime":"2026-03-02T12:00:00","smarty_id":"SAG1030700089067","gas_consumption_calc_m3":7261.515}'
    expect(detectFirmware([msg('lamsmarty', cooked)], 'lamsmarty')).toMatchObject({ generation: 'smartyreader-v1.7', format: 'cooked', ambiguous: false })
  })

  it('ESPHome: state topics under the prefix', () => {
    const fw = detectFirmware([msg('smartyreader/status', 'online'), msg('smartyreader/sensor/power_consumed/state', '0.254')], 'smartyreader')
    expect(fw).toMatchObject({ generation: 'esphome-dsmr', format: 'esphome', label: 'ESPHome dsmr (one topic per sensor)' })
  })

  it('nothing known: null', () => {
    expect(detectFirmware([msg('tele/tasmota/SENSOR', '{"Time":"2026-03-02T12:00:00"}'), msg('lamsmarty/LWT', 'Online')], 'lamsmarty')).toBeNull()
    expect(detectFirmware([], 'lamsmarty')).toBeNull()
  })
})

describe('decoding', () => {
  it("v1.5 default JSON: meter values with their float rounding, the firmware's own numbers, nan as null", () => {
    const fw = detectFirmware([msg('lamsmarty', V15_JSON)], 'lamsmarty')!
    const d = decodePublication([msg('lamsmarty', V15_JSON)], 'lamsmarty', fw)
    expect(d.meterTime).toBe('2026-03-02T12:00:00')
    expect(d.values.find((v) => v.obis === '1-0:1.8.0')).toMatchObject({ value: 4821.34, precision: { decimals: 2, float32: true, scale: 1 } })
    expect(d.values.find((v) => v.obis === '0-0:42.0.0')?.value).toBe('SAG1030700089067')
    expect(d.computed).toEqual({
      'energy_consumption_cumul_day [kWh]': 3.21,
      'energy_production_cumul_day [kWh]': 0,
      'power_consumption [kW]': null,
      'power_production [kW]': null
    })
  })

  it("v1.5 text keeps the meter's text; a wrong unit is a problem", () => {
    const msgs = [
      msg('lamsmarty/timestamp', 'timestamp = 2026-03-02T12:00:00 '),
      msg('lamsmarty/act_energy_imported_p_plus', 'act_energy_imported_p_plus = 004821.337 kWh'),
      msg('lamsmarty/num_pwr_failures', 'num_pwr_failures = 00003 '),
      msg('lamsmarty/volt_l1', 'volt_l1 = 232.1 kV')
    ]
    const d = decodePublication(msgs, 'lamsmarty', detectFirmware(msgs, 'lamsmarty')!)
    expect(d.meterTime).toBe('2026-03-02T12:00:00')
    expect(d.values.find((v) => v.obis === '1-0:1.8.0')).toMatchObject({ value: 4821.337, text: '004821.337', precision: { decimals: null } })
    expect(d.values.find((v) => v.obis === '0-0:96.7.21')).toMatchObject({ value: 3, text: '00003' })
    expect(d.problems).toEqual(['volt_l1: unit "kV" where the sketch writes "V".'])
  })

  it('v1.5 JSON per field: value and unit keys', () => {
    const msgs = [
      msg('lamsmarty/act_pwr_imported_p_plus', '{"act_pwr_imported_p_plus_value":0.25,"act_pwr_imported_p_plus_unit":"kW"}'),
      msg('lamsmarty/breaker_ctrl_state_0', '{"breaker_ctrl_state_0_value":1}'),
      msg('lamsmarty/equipment_id', '{"equipment_id_value":"SAG1030700089067"}'),
      msg('lamsmarty/curr_l1', '{"curr_l1_value":1.00}')
    ]
    const d = decodePublication(msgs, 'lamsmarty', detectFirmware(msgs, 'lamsmarty')!)
    expect(d.values.map((v) => [v.obis, v.value])).toEqual([
      ['1-0:1.7.0', 0.25],
      ['0-0:96.3.10', 1],
      ['0-0:42.0.0', 'SAG1030700089067'],
      ['1-0:31.7.0', 1]
    ])
    expect(d.problems).toEqual(['curr_l1: unit missing where the sketch writes "A".'])
  })

  it('v1.7 per-field topics: copies and calculated values; the gas id published in hex is compared decoded', () => {
    const msgs = [
      msg('lamsmarty/ntp_datetime', '2026-03-02T12:00:05'),
      msg('lamsmarty/timestamp', '2026-03-02T12:00:00'),
      msg('lamsmarty/act_pwr_imported_p_plus_kW', '0.25'),
      msg('lamsmarty/gas_meter_id_hex', '464C4F313832333730313839303637'),
      msg('lamsmarty/power_consumption_calc_W', '254.00'),
      msg('lamsmarty/energy_consumption_calc_cumul_day_Wh', '3210.00')
    ]
    const fw = detectFirmware(msgs, 'lamsmarty')!
    const d = decodePublication(msgs, 'lamsmarty', fw)
    expect(d.values.find((v) => v.name === 'gas_meter_id_hex')?.value).toBe('FLO182370189067')
    expect(d.values.find((v) => v.name === 'power_consumption_calc_W')).toMatchObject({ obis: '1-0:1.7.0', value: 0.254, precision: { scale: 1000 } })
    expect(d.computed).toMatchObject({ power_consumption_calc_W: 254, energy_consumption_calc_cumul_day_Wh: 3210 })
    // the live view keeps the more exact of the two 1-0:1.7.0 values: 254.00 W (±0.005 W) beats 0.25 kW (±0.005 kW)
    expect(publicationToObjects(d).filter((o) => o.obis === '1-0:1.7.0')).toEqual([{ obis: '1-0:1.7.0', value: 0.254, unit: 'kW' }])
  })

  it('ESPHome: states by object id, the timestamp text raw, unknown names left out', () => {
    const msgs = [
      msg('smartyreader/sensor/energy_consumed_luxembourg/state', '4821.337'),
      msg('smartyreader/sensor/voltage_phase_1/state', '232.1'),
      msg('smartyreader/sensor/energy_delivered_lux/state', '4821.337'),
      msg('smartyreader/text_sensor/timestamp/state', '260302120000W'),
      msg('smartyreader/sensor/my_own_name/state', '1.0'),
      msg('smartyreader/debug', "[D][sensor:094]: 'Power Consumed': Sending state 0.25400 kW")
    ]
    const d = decodePublication(msgs, 'smartyreader', detectFirmware(msgs, 'smartyreader')!)
    expect(d.meterTime).toBe('2026-03-02T12:00:00')
    expect(d.values.map((v) => [v.obis, v.value, v.precision.decimals])).toEqual([
      ['1-0:1.8.0', 4821.337, 3],
      ['1-0:32.7.0', 232.1, 1],
      ['1-0:1.8.0', 4821.337, 3],
      ['0-0:1.0.0', '2026-03-02T12:00:00', null]
    ])
    expect(esphomeObjectId('Number of voltage sags in phase L1')).toBe('number_of_voltage_sags_in_phase_l1')
  })
})

describe('tolerances', () => {
  it("follow the firmware's arithmetic", () => {
    expect(ulp32(4821.337)).toBe(2 ** -11)
    // String(float) with 2 decimals of a float near 4821: half a cent plus one float ulp
    expect(tolerance({ decimals: 2, float32: true, scale: 1 }, 4821.337)).toBeCloseTo(0.005 + 2 ** -11, 8)
    // W published for kW with 2 decimals: 0.005 W = 0.000005 kW
    expect(tolerance({ decimals: 2, float32: false, scale: 1000 }, 0.254)).toBeCloseTo(0.000005, 8)
    expect(tolerance({ decimals: null, float32: false, scale: 1 }, 3)).toBeLessThan(1e-8)
  })

  it('DSMR time text and hex ids', () => {
    expect(dsmrTimeText('260302120000W')).toBe('2026-03-02T12:00:00')
    expect(dsmrTimeText('2026-03-02T12:00:00')).toBe('2026-03-02T12:00:00')
    expect(idText('53414731303330373030303839303637')).toBe('SAG1030700089067')
    // issue 14: a decimal serial whose byte pairs happen to be printable stays digits
    expect(idText('23456745')).toBe('23456745')
    expect(idText('464C4F313832333730313839303637')).toBe('FLO182370189067')
  })
})
