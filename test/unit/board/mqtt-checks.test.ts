/**
 * The MQTT verification's pure checks (mqtt-checks.ts, mqtt-value-checks.ts) on evidence built
 * by hand: messages with receive times, the meter's telegrams as the P1 source decodes them.
 * Payloads are written as the firmware prints them; the v1.5 powers are what
 * SmartyReader_v1_5.ino's float arithmetic gives for these counters (0.70 kW where the exact
 * value is 0.72: 32-bit floats near 4821 kWh step by 0.00049 kWh).
 */
import { describe, expect, it } from 'vitest'
import type { BoardObject, MqttCheckResult } from '../../../src/shared/board'
import { judgeMqtt } from '../../../src/main/board/mqtt-checks'
import { publications, type MqttEvidence, type ReferenceTelegram } from '../../../src/main/board/mqtt-evidence'
import { v15Epoch, v15Power } from '../../../src/main/board/mqtt-value-checks'
import type { MqttMessage } from '../../../src/main/board/firmware-decode'

const T0 = Date.UTC(2026, 2, 2, 11, 0, 0)
const s = (sec: number): number => T0 + sec * 1000

/** A Smarty telegram's objects as the P1 source hands them over (value, unit, raw line). */
function telegram(meterTime: string, imp: number, exp = 1290.102, pImp = 0.254): ReferenceTelegram {
  const yymmdd = meterTime.slice(2, 10).replace(/-/g, '')
  const hhmmss = meterTime.slice(11, 19).replace(/:/g, '')
  const o = (obis: string, value: number | string | null, unit: string | null, raw: string): BoardObject => ({ obis, value, unit, raw: `${obis}(${raw})` })
  const objects = [
    o('1-3:0.2.8', 42, null, '42'),
    o('0-0:1.0.0', `${meterTime}+01:00`, null, `${yymmdd}${hhmmss}W`),
    o('0-0:42.0.0', 'SAG1030700089067', null, '53414731303330373030303839303637'),
    o('1-0:1.8.0', imp, 'kWh', `${imp.toFixed(3).padStart(10, '0')}*kWh`),
    o('1-0:2.8.0', exp, 'kWh', `${exp.toFixed(3).padStart(10, '0')}*kWh`),
    o('1-0:1.7.0', pImp, 'kW', `${pImp.toFixed(3).padStart(6, '0')}*kW`),
    o('1-0:2.7.0', 0, 'kW', '00.000*kW'),
    o('0-0:17.0.0', 69, 'kVA', '069.0*kVA'),
    o('0-0:96.7.21', 3, null, '00003'),
    o('1-0:32.7.0', 232.1, 'V', '232.1*V')
  ]
  return { meterTime, t: 0, objects }
}

function evidence(messages: MqttMessage[], refs: ReferenceTelegram[] = [], over: Partial<MqttEvidence> = {}): MqttEvidence {
  return {
    url: 'mqtt://127.0.0.1:1883',
    topic: 'lamsmarty',
    user: null,
    expect: { intervalS: null, toleranceS: null, mode: 'auto', ntp: true, firmware: null },
    connection: { ok: true },
    subscribedAt: s(0),
    endedAt: messages.length ? messages[messages.length - 1].t + 3000 : s(60),
    messages,
    references: refs,
    referenceSeen: refs.length > 0,
    ...over
  }
}

const check = (checks: MqttCheckResult[], id: string): MqttCheckResult => checks.find((c) => c.id === id)!

/** v1.5's default JSON as mqtt_publish_energy_and_power() concatenates it. */
const v15 = (time: string, imp: string, impDay: string, pImp: string, pExp = '0.00'): string =>
  `{"timestamp":"${time}","equipment_id":"SAG1030700089067","energy_consumption [kWh]":${imp},"energy_consumption_cumul_day [kWh]":${impDay},"energy_production [kWh]":1290.10,"energy_production_cumul_day [kWh]":0.00,"power_consumption [kW]":${pImp},"power_production [kW]":${pExp}}`

const V15_OK = [
  { topic: 'lamsmarty', payload: v15('2026-03-02T12:00:00', '4821.34', '0.04', '0.35'), t: s(5) },
  { topic: 'lamsmarty', payload: v15('2026-03-02T12:00:20', '4821.34', '0.04', '0.70'), t: s(25) },
  { topic: 'lamsmarty', payload: v15('2026-03-02T12:00:40', '4821.35', '0.05', '1.67'), t: s(45) }
]
const V15_REFS = [
  telegram('2026-03-02T11:59:40', 4821.335),
  telegram('2026-03-02T12:00:00', 4821.337),
  telegram('2026-03-02T12:00:20', 4821.341),
  telegram('2026-03-02T12:00:40', 4821.35)
]

describe('broker and messages', () => {
  it('a refused connection: broker_auth_failed, the rest skipped', () => {
    const j = judgeMqtt(
      evidence([], [], {
        connection: { ok: false, code: 'broker_auth_failed', message: 'The broker at mqtt://x refused the user name or password.' },
        subscribedAt: null
      })
    )
    expect(j.verdict).toBe('broker_auth_failed')
    expect(j.checks.map((c) => c.status)).toEqual(['fail', 'skip', 'skip', 'skip', 'skip'])
    expect(j.firmware).toBeNull()
  })

  it('silence, and retained values only, are no_messages', () => {
    expect(judgeMqtt(evidence([])).verdict).toBe('no_messages')
    const j = judgeMqtt(
      evidence([{ topic: 'smartyreader/sensor/power_consumed/state', payload: '0.254', t: s(0), retained: true }], [], {
        topic: 'smartyreader',
        endedAt: s(40)
      })
    )
    expect(j.verdict).toBe('no_messages')
    expect(check(j.checks, 'messages').summary).toBe(
      "Only 1 retained value from before (the broker's copy); nothing new arrived on smartyreader or smartyreader/# in 40 s."
    )
  })

  it('publications are bursts; retained messages are not publications', () => {
    const m = (t: number, retained = false): MqttMessage => ({ topic: 'x/a', payload: '1', t, retained })
    expect(publications([m(0, true), m(10), m(20), m(5000), m(5010)], 2000).map((p) => p.length)).toEqual([2, 2])
  })
})

describe('SmartyReader v1.5 default JSON', () => {
  it("a correct board: ok, generation named, powers and day energies within the sketch's float arithmetic", () => {
    const j = judgeMqtt(evidence(V15_OK, V15_REFS))
    expect(j.verdict, JSON.stringify(j.checks, null, 1)).toBe('ok')
    expect(j.firmware).toMatchObject({ generation: 'smartyreader-v1.5', format: 'v15-json' })
    expect(j.mode).toBe('cooked')
    expect(check(j.checks, 'interval').summary).toBe("Every 20 s (expected 20 s (SmartyReader v1.5's default)).")
    expect(check(j.checks, 'fields').summary).toBe(
      'SmartyReader v1.5 (default: one JSON object with energy and power) found: all 8 expected fields in the JSON on lamsmarty.'
    )
    expect(check(j.checks, 'values').summary).toMatch(/^\d+ values agree with the meter's telegram of 2026-03-02T12:00:40\.$/)
    expect(check(j.checks, 'values').evidence.compared).toBe(8) // time, id, 2 counters, 2 powers, 2 day energies
  })

  it("the sketch's arithmetic, recomputed: float steps, and mktime with tm_mon = month", () => {
    expect(v15Power(4821.337, 4821.341, '2026-03-02T12:00:00', '2026-03-02T12:00:20')).toBe(0.703125)
    // March 31 → "April 31" = May 1, April 1 → May 1: the interval is a day, the power ~ −0
    expect(v15Epoch('2026-04-01T00:00:10') - v15Epoch('2026-03-31T23:59:50')).toBe(-86380)
    expect(Math.abs(v15Power(4821.337, 4821.341, '2026-03-31T23:59:50', '2026-04-01T00:00:10'))).toBeLessThan(0.001)
  })

  it('a power in W instead of kW, and a day energy that does not follow the counter, are named', () => {
    const bad = [...V15_OK]
    bad[1] = { ...bad[1], payload: v15('2026-03-02T12:00:20', '4821.34', '0.04', '703.13') }
    bad[2] = { ...bad[2], payload: v15('2026-03-02T12:00:40', '4821.35', '1.05', '1.67') }
    const j = judgeMqtt(evidence(bad, V15_REFS))
    expect(j.verdict).toBe('values_mismatch')
    const v = check(j.checks, 'values')
    expect(v.evidence.mismatches).toEqual([
      "power_consumption [kW]: board 703.13, the sketch's arithmetic on the meter's counters (4821.337 → 4821.341 kWh, 2026-03-02T12:00:00 → 2026-03-02T12:00:20) gives 0.70",
      'energy_consumption_cumul_day [kWh]: board 0.04 → 1.05 while the counter moved 0.009 kWh (2026-03-02T12:00:20 → 2026-03-02T12:00:40)'
    ])
  })

  it('after the save between 23:55 and midnight the day energy restarts from that counter', () => {
    const refs = [telegram('2026-03-02T23:59:40', 4900.1), telegram('2026-03-03T00:00:00', 4900.12)]
    const msgs = [
      { topic: 'lamsmarty', payload: v15('2026-03-02T23:59:40', '4900.10', '78.80', '3.60'), t: s(5) },
      { topic: 'lamsmarty', payload: v15('2026-03-03T00:00:00', '4900.12', '0.02', '3.69'), t: s(25) }
    ]
    const j = judgeMqtt(evidence(msgs, refs, { expect: { intervalS: 20, toleranceS: null, mode: 'auto', ntp: true, firmware: null } }))
    expect(check(j.checks, 'values').status, JSON.stringify(check(j.checks, 'values').evidence)).toBe('pass')
    const wrong = [msgs[0], { ...msgs[1], payload: v15('2026-03-03T00:00:00', '4900.12', '78.82', '3.69') }]
    const w = judgeMqtt(evidence(wrong, refs))
    expect(check(w.checks, 'values').evidence.mismatches).toEqual([
      'energy_consumption_cumul_day [kWh]: board 78.82 kWh, more than the meter can count since 23:55 yesterday at 69 kVA (5.8 kWh)',
      'energy_consumption_cumul_day [kWh]: board 78.82, the counter moved 0.020 kWh since the sketch saved it at 2026-03-02T23:59:40'
    ])
  })

  it('nan on the first publication after boot is a note, not an error', () => {
    // after boot the midnight counter is the first reading: the day energy starts at 0
    const first = [
      { ...V15_OK[0], payload: v15('2026-03-02T12:00:00', '4821.34', '0.00', 'nan', 'nan') },
      { ...V15_OK[1], payload: v15('2026-03-02T12:00:20', '4821.34', '0.00', '0.70') },
      { ...V15_OK[2], payload: v15('2026-03-02T12:00:40', '4821.35', '0.01', '1.67') }
    ]
    const j = judgeMqtt(evidence(first, V15_REFS))
    expect(j.verdict).toBe('ok')
    expect(check(j.checks, 'values').evidence.notes).toContain(
      '"power_consumption [kW]" is nan in the first publication seen: the sketch divides by a zero interval on its first publication after starting.'
    )
  })
})

describe('SmartyReader v1.5 PUBLISH_ALL 0', () => {
  const text = (t: number, time: string, imp: string): MqttMessage[] => [
    { topic: 'lamsmarty/timestamp', payload: `timestamp = ${time} `, t },
    { topic: 'lamsmarty/equipment_id', payload: 'equipment_id = SAG1030700089067 ', t },
    { topic: 'lamsmarty/act_energy_imported_p_plus', payload: `act_energy_imported_p_plus = ${imp} kWh`, t },
    { topic: 'lamsmarty/act_energy_exported_p_minus', payload: 'act_energy_exported_p_minus = 001290.102 kWh', t },
    { topic: 'lamsmarty/act_pwr_imported_p_plus', payload: 'act_pwr_imported_p_plus = 00.254 kW', t },
    { topic: 'lamsmarty/act_pwr_exported_p_minus', payload: 'act_pwr_exported_p_minus = 00.000 kW', t }
  ]
  it("the meter's text with its leading zeros: ok; without them: the value is named", () => {
    const refs = [telegram('2026-03-02T12:00:00', 4821.337), telegram('2026-03-02T12:00:20', 4821.341)]
    const good = [...text(s(5), '2026-03-02T12:00:00', '004821.337'), ...text(s(25), '2026-03-02T12:00:20', '004821.341')]
    const j = judgeMqtt(evidence(good, refs))
    expect(j.firmware?.format).toBe('v15-text')
    expect(check(j.checks, 'values').status).toBe('pass')
    expect(check(j.checks, 'fields').status).toBe('warn') // the meter sends more than these six
    const bad = [...text(s(5), '2026-03-02T12:00:00', '004821.337'), ...text(s(25), '2026-03-02T12:00:20', '4821.341')]
    expect(check(judgeMqtt(evidence(bad, refs)).checks, 'values').evidence.mismatches).toEqual([
      'act_energy_imported_p_plus: board "4821.341", meter sent "004821.341"'
    ])
  })
})

describe('interval, fields, expectations', () => {
  it('late and early publications', () => {
    const late = [V15_OK[0], { ...V15_OK[1], t: s(60) }, { ...V15_OK[2], t: s(80) }]
    const j = judgeMqtt(evidence(late, V15_REFS))
    expect(j.verdict).toBe('late_messages')
    expect(check(j.checks, 'interval').summary).toBe('Publications are late: up to 55 s apart where 20 s (+14 s) are expected.')
    const early = judgeMqtt(evidence(V15_OK, V15_REFS, { expect: { intervalS: 60, toleranceS: null, mode: 'auto', ntp: true, firmware: null } }))
    expect(check(early.checks, 'interval')).toMatchObject({
      status: 'warn',
      code: 'early_messages',
      summary: 'Publications come every 20 s, more often than the 60 s expected.'
    })
    expect(early.verdict).toBe('ok')
  })

  it('an unknown firmware: missing_fields, naming what was seen', () => {
    const j = judgeMqtt(evidence([{ topic: 'lamsmarty/LWT', payload: 'Online', t: s(5) }]))
    expect(j.verdict).toBe('missing_fields')
    expect(check(j.checks, 'fields').summary).toBe(
      "Messages arrive on lamsmarty, but none is what SmartyReader v1.5, v1.6, v1.7 or ESPHome's dsmr publishes (seen: LWT)."
    )
  })

  it('another generation than the profile names: a warning with the generation found', () => {
    const j = judgeMqtt(evidence(V15_OK, V15_REFS, { expect: { intervalS: null, toleranceS: null, mode: 'cooked', ntp: true, firmware: 'smartyreader-v1.7' } }))
    expect(j.verdict).toBe('ok')
    expect(check(j.checks, 'fields')).toMatchObject({
      status: 'warn',
      code: 'unexpected_firmware',
      summary: 'SmartyReader v1.5 (default: one JSON object with energy and power) found, but the profile names SmartyReader v1.7.'
    })
  })

  it('ESPHome dsmr: states compared with the accuracy ESPHome prints; a wrong voltage is named', () => {
    const burst = (t: number, time: string, imp: string, v: string): MqttMessage[] => [
      { topic: 'smartyreader/sensor/energy_consumed_luxembourg/state', payload: imp, t },
      { topic: 'smartyreader/sensor/power_consumed/state', payload: '0.254', t },
      { topic: 'smartyreader/sensor/voltage_phase_1/state', payload: v, t },
      { topic: 'smartyreader/sensor/electricity_failures/state', payload: '3', t },
      { topic: 'smartyreader/text_sensor/timestamp/state', payload: time, t },
      { topic: 'smartyreader/debug', payload: '[D][dsmr:123]: Trying to read data', t }
    ]
    const refs = [telegram('2026-03-02T12:00:00', 4821.337), telegram('2026-03-02T12:00:10', 4821.339), telegram('2026-03-02T12:00:20', 4821.341)]
    const msgs = [
      ...burst(s(0.1), '260302120000W', '4821.337', '232.1'),
      ...burst(s(10.1), '260302120010W', '4821.339', '232.1'),
      ...burst(s(20.1), '260302120020W', '4821.341', '232.1')
    ]
    const j = judgeMqtt(
      evidence(msgs, refs, { topic: 'smartyreader', expect: { intervalS: null, toleranceS: null, mode: 'auto', ntp: true, firmware: 'esphome-dsmr' } })
    )
    expect(j.firmware?.generation).toBe('esphome-dsmr')
    expect(check(j.checks, 'interval').summary).toBe("Every 10 s (expected 10 s (ESPHome dsmr's default)).")
    expect(check(j.checks, 'values')).toMatchObject({ status: 'pass', summary: "5 values agree with the meter's telegram of 2026-03-02T12:00:20." })
    msgs[msgs.length - 4] = { ...msgs[msgs.length - 4], payload: '230.0' }
    expect(check(judgeMqtt(evidence(msgs, refs, { topic: 'smartyreader' })).checks, 'values').evidence.mismatches).toEqual([
      'sensor/voltage_phase_1/state: board 230.0, meter 232.1 V'
    ])
  })
})
