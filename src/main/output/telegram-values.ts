/**
 * A decoded telegram as named values, for the outputs that hand it to other tools (MQTT
 * topics, Home Assistant sensors): one entry per COSEM object, with a stable snake_case name
 * (`energy_import`, `voltage_l1`, `mbus1_reading`…) or its OBIS code, the value in the unit the
 * app displays (W → kW, Wh → kWh: src/shared/values.ts) and that unit. Pure: no I/O.
 *
 * Names cover the codes a Smarty sends (Luxmetering E-Meter P1 spec v1.1.3 Table 3.1, the
 * Electris list of the SmartyReader v1.7 firmware) and the common DSMR 2.2–5 codes (DSMR 5.0.2
 * §7); any other code is kept under `obis_<code with _>` — never dropped.
 */
import type { DecodedTelegram, Telegram } from '../../shared/types'
import { describeObis, normaliseObis } from '../../shared/obis'
import { toDisplayUnit } from '../../shared/values'

/** What kind of quantity a value is: the outputs derive units, classes and precision from it. */
export type ValueKind =
  | 'energy'
  | 'reactive_energy'
  | 'power'
  | 'reactive_power'
  | 'apparent_power'
  | 'voltage'
  | 'current'
  | 'frequency'
  | 'power_factor'
  | 'count'
  | 'state'
  | 'timestamp'
  | 'text'
  | 'mbus_reading'

/** One named value of a telegram. */
export interface NamedValue {
  /** Topic/entity name: "energy_import", or the OBIS code in 'obis' naming. */
  name: string
  /** OBIS code as sent, e.g. "1-0:1.8.0". */
  obis: string
  /** English label, e.g. "Energy import" (keyed by `name` for translation). */
  label: string
  kind: ValueKind
  /** Number in `unit`, ISO 8601 instant for timestamps, text otherwise. */
  value: number | string
  /** Display unit (kWh, kW, kvar, kVA, V, A, m3, GJ, Hz…), null for counts, states and text. */
  unit: string | null
  /** M-Bus channel (1–4) for channel values. */
  channel?: number
}

type Entry = [name: string, label: string, kind: ValueKind]

const PHASE = (base: string, label: string, kind: ValueKind, cs: [number, number, number], d = '7.0'): [string, Entry][] =>
  cs.map((c, i) => [`1-0:${c}.${d}`, [`${base}_l${i + 1}`, `${label} L${i + 1}`, kind]])

/** OBIS code (normalised) → name, label, kind. */
const NAMES = new Map<string, Entry>([
  ['1-3:0.2.8', ['p1_version', 'P1 version', 'text']],
  ['0-0:1.0.0', ['meter_time', 'Meter time', 'timestamp']],
  ['0-0:42.0.0', ['meter_id', 'Meter ID', 'text']],
  ['0-0:96.1.1', ['equipment_id', 'Equipment ID', 'text']],
  ['0-0:96.1.0', ['equipment_id', 'Equipment ID', 'text']],
  ['0-0:96.14.0', ['tariff', 'Tariff', 'state']],
  ['1-0:1.8.0', ['energy_import', 'Energy import', 'energy']],
  ['1-0:2.8.0', ['energy_export', 'Energy export', 'energy']],
  ['1-0:1.8.1', ['energy_import_t1', 'Energy import tariff 1', 'energy']],
  ['1-0:1.8.2', ['energy_import_t2', 'Energy import tariff 2', 'energy']],
  ['1-0:1.8.3', ['energy_import_t3', 'Energy import tariff 3', 'energy']],
  ['1-0:1.8.4', ['energy_import_t4', 'Energy import tariff 4', 'energy']],
  ['1-0:2.8.1', ['energy_export_t1', 'Energy export tariff 1', 'energy']],
  ['1-0:2.8.2', ['energy_export_t2', 'Energy export tariff 2', 'energy']],
  ['1-0:2.8.3', ['energy_export_t3', 'Energy export tariff 3', 'energy']],
  ['1-0:2.8.4', ['energy_export_t4', 'Energy export tariff 4', 'energy']],
  ['1-0:3.8.0', ['reactive_energy_import', 'Reactive energy import', 'reactive_energy']],
  ['1-0:4.8.0', ['reactive_energy_export', 'Reactive energy export', 'reactive_energy']],
  ['1-0:1.7.0', ['power_import', 'Power import', 'power']],
  ['1-0:2.7.0', ['power_export', 'Power export', 'power']],
  ['1-0:3.7.0', ['reactive_power_import', 'Reactive power import', 'reactive_power']],
  ['1-0:4.7.0', ['reactive_power_export', 'Reactive power export', 'reactive_power']],
  ['1-0:9.7.0', ['apparent_power_import', 'Apparent power import', 'apparent_power']],
  ['1-0:10.7.0', ['apparent_power_export', 'Apparent power export', 'apparent_power']],
  ['0-0:17.0.0', ['power_limit', 'Power limit (SMAX)', 'apparent_power']],
  ['1-0:13.7.0', ['power_factor', 'Power factor', 'power_factor']],
  ['1-0:14.7.0', ['frequency', 'Frequency', 'frequency']],
  ['1-1:31.4.0', ['limiter_current', 'Limiter current monitor', 'current']],
  ['0-0:96.3.10', ['breaker_state', 'Breaker state', 'state']],
  ['0-1:96.3.10', ['relay1_state', 'Relay 1 state', 'state']],
  ['0-2:96.3.10', ['relay2_state', 'Relay 2 state', 'state']],
  ['0-0:96.7.21', ['power_failures', 'Power failures', 'count']],
  ['0-0:96.7.9', ['long_power_failures', 'Long power failures', 'count']],
  ['0-0:96.13.0', ['message', 'Message', 'text']],
  ['0-0:96.13.1', ['message_1', 'Message 1', 'text']],
  ['0-0:96.13.2', ['message_2', 'Message 2', 'text']],
  ['0-0:96.13.3', ['message_3', 'Message 3', 'text']],
  ['0-0:96.13.4', ['message_4', 'Message 4', 'text']],
  ['0-0:96.13.5', ['message_5', 'Message 5', 'text']],
  ...PHASE('power_import', 'Power import', 'power', [21, 41, 61]),
  ...PHASE('power_export', 'Power export', 'power', [22, 42, 62]),
  ...PHASE('reactive_power_import', 'Reactive power import', 'reactive_power', [23, 43, 63]),
  ...PHASE('reactive_power_export', 'Reactive power export', 'reactive_power', [24, 44, 64]),
  ...PHASE('apparent_power_import', 'Apparent power import', 'apparent_power', [29, 49, 69]),
  ...PHASE('apparent_power_export', 'Apparent power export', 'apparent_power', [30, 50, 70]),
  ...PHASE('voltage', 'Voltage', 'voltage', [32, 52, 72]),
  ...PHASE('current', 'Current', 'current', [31, 51, 71]),
  ...PHASE('power_factor', 'Power factor', 'power_factor', [33, 53, 73]),
  ...PHASE('voltage_sags', 'Voltage sags', 'count', [32, 52, 72], '32.0'),
  ...PHASE('voltage_swells', 'Voltage swells', 'count', [32, 52, 72], '36.0')
])

/** M-Bus channel codes (0-n:…) → name suffix, label, kind. */
const MBUS: Record<string, Entry> = {
  '24.1.0': ['device_type', 'device type', 'state'],
  '96.1.0': ['id', 'equipment ID', 'text'],
  '96.1.1': ['id', 'equipment ID', 'text'],
  '24.2.1': ['reading', 'reading', 'mbus_reading'],
  '24.2.3': ['reading', 'reading', 'mbus_reading'],
  '24.3.0': ['reading', 'reading', 'mbus_reading'],
  '24.4.0': ['valve', 'valve', 'state'],
  '96.3.10': ['breaker_state', 'breaker state', 'state']
}

/** How values are named: snake_case names, or the OBIS codes themselves. */
export type ValueNaming = 'name' | 'obis'

/** Name, label and kind of a code (with the M-Bus channel when it has one). */
export function nameOf(obis: string): { name: string; label: string; kind: ValueKind; channel?: number } {
  const code = normaliseObis(obis)
  const known = NAMES.get(code)
  if (known) return { name: known[0], label: known[1], kind: known[2] }
  const info = describeObis(code)
  const m = /^0-([1-4]):(.*)$/.exec(code)
  if (m && info?.channel && MBUS[m[2]]) {
    const [suffix, label, kind] = MBUS[m[2]]
    return { name: `mbus${m[1]}_${suffix}`, label: `M-Bus ${m[1]} ${label}`, kind, channel: Number(m[1]) }
  }
  // a code without a name here: its kind follows from the value's unit (telegramValues)
  return {
    name: `obis_${code.replace(/[^0-9A-Za-z]+/g, '_')}`,
    label: info?.name ?? `OBIS ${code}`,
    kind: info?.valueType === 'timestamp' ? 'timestamp' : 'text'
  }
}

const KIND_OF_UNIT: Record<string, ValueKind> = {
  kWh: 'energy',
  kvarh: 'reactive_energy',
  kW: 'power',
  kvar: 'reactive_power',
  kVA: 'apparent_power',
  V: 'voltage',
  A: 'current',
  Hz: 'frequency',
  m3: 'mbus_reading',
  GJ: 'mbus_reading'
}

/**
 * The named values of a telegram, in telegram order; the first object of a code wins, empty
 * values (`0-0:96.13.0()`, an empty M-Bus channel's placeholder) are left out. Numbers are in
 * the display unit (kW, kWh, kvar, kVA…).
 * @param naming 'name' (default) or 'obis' (the value's `name` is then its OBIS code).
 */
export function telegramValues(t: Telegram, naming: ValueNaming = 'name'): NamedValue[] {
  const out: NamedValue[] = []
  const seen = new Set<string>()
  for (const o of t.objects) {
    const n = nameOf(o.obis)
    const name = naming === 'obis' ? normaliseObis(o.obis) : n.name
    if (seen.has(name)) continue
    let value: number | string
    let unit: string | null = null
    if (typeof o.value === 'number') {
      // an empty M-Bus channel sends a value without a unit and the placeholder time: not a reading
      if (n.kind === 'mbus_reading' && o.unit === null) continue
      const q = toDisplayUnit(o.value, o.unit)
      if (!q) continue
      value = q.value
      unit = q.unit
      if (n.name.startsWith('obis_')) n.kind = (unit && KIND_OF_UNIT[unit]) || 'state'
    } else if (typeof o.value === 'string' && o.value !== '') {
      value = o.value
    } else continue
    seen.add(name)
    out.push({ name, obis: o.obis, label: n.label, kind: n.kind, value, unit, ...(n.channel ? { channel: n.channel } : {}) })
  }
  return out
}

/** The identity fields of a decoded telegram the outputs publish. */
export interface TelegramIdentity {
  meterId: string
  systemTitle: string | null
  frameCounter: number | null
  /** Meter time (0-0:1.0.0) as ISO 8601 with offset, null when the meter sends none. */
  meterTime: string | null
  /** Receive time, ISO 8601 UTC. */
  receivedAt: string
  identification: string
}

/** Identity of a decoded telegram (meter id as the history names it: `meterIdOf`). */
export function identityOf(t: DecodedTelegram, meterId: string): TelegramIdentity {
  return {
    meterId,
    systemTitle: t.dlms?.systemTitle ?? null,
    frameCounter: t.dlms?.frameCounter ?? null,
    meterTime: t.telegram.meterTime,
    receivedAt: new Date(t.receivedAt).toISOString(),
    identification: t.telegram.identification
  }
}
