/**
 * OBIS catalogue: one table naming every code a Smarty can send (Luxmetering E-Meter P1
 * spec v1.1.3 Table 3.1; Electris P1 specification 2021-03-05 as listed by the
 * SmartyReader v1.7 firmware; the newer "MSn" list of dsmr_parser: apparent power total and
 * per phase, 1-1:31.4.0) plus the common DSMR 2.2–5 codes of NL/BE meters (DSMR 5.0.2 §7,
 * Fluvius e-MUCS 1.7.1) and the variants in the test vectors (E.ON Hungary quadrant
 * registers, power factor and frequency, EasyMeter, Iskra IE, Austrian tariff registers).
 * Also the Belgian e-MUCS objects (Fluvius e-MUCS H 1.7: version, EAN, demand registers),
 * the Swedish/Lithuanian/Swiss variants of the corpus (test/fixtures/corpus) and the meaning
 * of enumerated values (breaker/relay state, valve position, M-Bus device type).
 * Used by the parser (value types) and the UI (names, units, phases, groups, meanings).
 * Pure data: no Node import, the renderer uses it too.
 */

/** Where a code is shown in the live view. */
export type ObisGroup = 'meter' | 'energy' | 'power' | 'phase' | 'quality' | 'messages' | 'mbus'

/**
 * How the parser reads the value(s) of a code:
 * - `number`: a number, with or without `*unit`; text when it is not one;
 * - `hexText`: an octet string holding free text (DSMR 5.0.2 §6.5 `Sn`, text messages):
 *   decoded from hex when every byte is printable, else kept as sent;
 * - `hexId`: an octet string holding an identifier (equipment id, logical device name,
 *   EAN): decoded from hex only when the result is a plausible identifier (letters, digits,
 *   space, `-_./`), so a plain decimal serial such as `23456745` stays digits;
 * - `timestamp`: a clock, `YYMMDDhhmmssX` or a COSEM date-time octet string;
 * - `text`: kept as sent, e.g. a version `50217` or `(ER11)`;
 * - `timestampedNumber`: a reading with its capture time, `(time)(reading*unit)` (either order);
 * - `multi`: several values on one line, `1-1:31.4.0(100*A)(-063*A)`;
 * - `profile`: a profile generic buffer `(n)(column codes)(time)(value)…` (power failure log,
 *   maximum demand history), see src/shared/cosem-profile.ts.
 * The raw text of every value is kept whatever the type.
 */
export type ObisValueType = 'number' | 'hexText' | 'hexId' | 'timestamp' | 'text' | 'timestampedNumber' | 'multi' | 'profile'

/** One catalogue entry. */
export interface ObisInfo {
  /** Code or pattern: "1-0:1.8.0", or "0-n:24.2.1" for every M-Bus channel n (1–4). */
  code: string
  /** English name, e.g. "Active energy import (+A)". */
  name: string
  /** Expected unit (kWh, kvarh, kW, kvar, kVA, V, A, m3, GJ, s) or null for counters/states/text. */
  unit: string | null
  group: ObisGroup
  /** Phase L1–L3 for per-phase values, else null. */
  phase: 1 | 2 | 3 | null
  /** M-Bus channel, set by {@link describeObis} when a channel pattern matched. */
  channel?: number
  valueType: ObisValueType
  /** Meaning of each value of an enumerated object (breaker state 1 → "connected"). */
  states?: Readonly<Record<number, string>>
}

type Row = [code: string, name: string, unit: string | null, group: ObisGroup, valueType?: ObisValueType, states?: Readonly<Record<number, string>>]

/**
 * Disconnect-control state (DLMS Blue Book interface class 70 "Disconnect control",
 * attribute 3 `control_state`): Luxmetering E-Meter P1 spec v1.1.3 Table 3.1 breaker control
 * state 0-0:96.3.10 and relay 1/2 control state 0-1/0-2:96.3.10 (class 70, attribute 3, I1).
 */
export const BREAKER_STATES: Readonly<Record<number, string>> = {
  0: 'disconnected',
  1: 'connected',
  2: 'ready for reconnection'
}

/**
 * Valve position of an M-Bus gas/water meter, 0-n:24.4.0 (Luxmetering Table 3.1 "valve position
 * gas channel x": class 70, attribute 3 — the same disconnect-control states).
 */
export const VALVE_STATES: Readonly<Record<number, string>> = {
  0: 'closed (disconnected)',
  1: 'open (connected)',
  2: 'ready for reconnection'
}

/**
 * M-Bus device type, the medium of an M-Bus channel (EN 13757-3:2018 Table 12 "device type";
 * DSMR 5.0.2 0-n:24.1.0 sends it in decimal, e.g. 003 = gas, 007 = water).
 */
export const MBUS_DEVICE_TYPES: Readonly<Record<number, string>> = {
  0: 'other',
  1: 'oil',
  2: 'electricity',
  3: 'gas',
  4: 'heat (outlet)',
  5: 'steam',
  6: 'warm water (30–90 °C)',
  7: 'water',
  8: 'heat cost allocator',
  9: 'compressed air',
  10: 'cooling (outlet)',
  11: 'cooling (inlet)',
  12: 'heat (inlet)',
  13: 'heat / cooling',
  14: 'bus / system component',
  15: 'unknown medium',
  20: 'calorific value',
  21: 'hot water (≥ 90 °C)',
  22: 'cold water',
  23: 'dual register (hot/cold) water',
  24: 'pressure',
  25: 'A/D converter'
}

const ROWS: Row[] = [
  // meter: identification, clock, versions
  ['1-3:0.2.8', 'P1 output version (DSMR)', null, 'meter'],
  ['0-0:1.0.0', 'Meter date and time', null, 'meter', 'timestamp'],
  ['0-0:42.0.0', 'Meter ID (logical device name)', null, 'meter', 'hexId'],
  ['0-0:96.1.1', 'Equipment identifier', null, 'meter', 'hexId'],
  // DSMR sends 0-0:96.1.1; E.ON Hungary hex (3839…), Iskra meters plain digits (77516706)
  ['0-0:96.1.0', 'Equipment identifier', null, 'meter', 'hexId'],
  ['0-0:96.1.4', 'Version information (e-MUCS)', null, 'meter', 'text'],
  ['0-0:96.1.2', 'EAN code (e-MUCS)', null, 'meter', 'hexId'],
  ['1-0:0.0.0', 'Meter ID (EasyMeter, Iskra)', null, 'meter', 'text'],
  ['0-0:0.0.0', 'Meter ID (Swiss)', null, 'meter', 'text'],
  ['1-0:0.9.1', 'Meter time (hhmmss)', null, 'meter', 'text'],
  ['1-0:0.9.2', 'Meter date (YYMMDD)', null, 'meter', 'text'],
  ['1-0:0.8.2', 'Integration period of instantaneous values', 's', 'meter'],
  ['0-0:25.1.0', 'Communication module status (Iskra)', null, 'meter', 'text'],
  ['0-0:96.1.255', 'Serial number (EasyMeter)', null, 'meter', 'text'],
  ['1-0:96.5.5', 'Device state (EasyMeter, hex)', null, 'meter', 'text'],
  ['0-0:96.14.0', 'Tariff indicator', null, 'meter'],
  ['1-0:0.2.0', 'Firmware version (module)', null, 'meter', 'text'],
  ['1-1:0.2.0', 'Firmware version (metrology)', null, 'meter', 'text'],
  ['1-0:0.2.8', 'Firmware signature (module)', null, 'meter', 'text'],
  ['1-1:0.2.8', 'Firmware signature (metrology)', null, 'meter', 'text'],
  ['1-0:0.4.2', 'Current transformer ratio (numerator)', null, 'meter'],
  ['1-0:0.4.3', 'Voltage transformer ratio (numerator)', null, 'meter'],
  ['1-0:0.4.5', 'Current transformer ratio (denominator)', null, 'meter'],
  ['1-0:0.4.6', 'Voltage transformer ratio (denominator)', null, 'meter'],
  // energy registers: the totals, quadrants and tariffs are ENERGY_POWER_ROWS and TARIFF_ROWS below
  // power: the import/export, quadrant and absolute values are ENERGY_POWER_ROWS below
  ['1-0:9.7.0', 'Apparent power import (S+)', 'kVA', 'power'],
  ['1-0:10.7.0', 'Apparent power export (S−)', 'kVA', 'power'],
  ['1-0:13.7.0', 'Power factor', null, 'power'],
  ['1-0:13.3.0', 'Minimum power factor', null, 'power'],
  ['1-0:14.7.0', 'Frequency', 'Hz', 'power'],
  ['1-0:12.7.0', 'Voltage (any phase)', 'V', 'power'],
  ['1-0:11.7.0', 'Current (any phase)', 'A', 'power'],
  ['1-0:90.7.0', 'Current, sum of phases', 'A', 'power'],
  ['1-0:91.7.0', 'Current, neutral', 'A', 'power'],
  ['1-0:1.24.0', 'Active power import (+P), average', 'kW', 'power'],
  ['1-0:15.24.0', 'Active power absolute, average', 'kW', 'power'],
  ['1-0:16.24.0', 'Active power net (+P − −P), average', 'kW', 'power'],
  ['0-0:17.0.0', 'Power limit (SMAX)', 'kVA', 'power'],
  // Luxmetering 1-1:31.4.0 "(100*A)(-063*A)": dsmr_parser names it MSN_CT_RATIO
  ['1-1:31.4.0', 'Limiter current monitor (import, export; "CT ratio" in dsmr_parser)', 'A', 'power', 'multi'],
  ['1-1:34.4.0', 'Threshold for maximum imported and exported current', 'A', 'power', 'multi'],
  // e-MUCS (Fluvius): demand of the running 15-minute period (DEMAND_ROWS below), the month's maximum with its time
  ['1-0:1.6.0', 'Maximum demand this month', 'kW', 'power', 'timestampedNumber'],
  ['1-1:1.6.0', 'Maximum demand this month (Swiss)', 'kW', 'power', 'timestampedNumber'],
  ['0-0:98.1.0', 'Maximum demand, last 13 months', 'kW', 'power', 'profile'],
  ['1-0:99.1.0', 'Load profile', null, 'energy', 'profile'],
  // quality: breaker, failures, sags/swells
  ['0-0:96.3.10', 'Breaker state', null, 'quality', 'number', BREAKER_STATES],
  ['0-1:96.3.10', 'Relay 1 state', null, 'quality', 'number', BREAKER_STATES],
  ['0-2:96.3.10', 'Relay 2 state', null, 'quality', 'number', BREAKER_STATES],
  ['0-0:96.7.21', 'Power failures', null, 'quality'],
  ['0-0:96.7.9', 'Long power failures', null, 'quality'],
  ['1-0:99.97.0', 'Power failure event log', 's', 'quality', 'profile'],
  // messages (hex-encoded text)
  ['0-0:96.13.0', 'Text message', null, 'messages', 'hexText'],
  ['0-0:96.13.1', 'Text message, channel 1 / numeric message', null, 'messages', 'hexText'],
  ['0-0:96.13.2', 'Text message, channel 2', null, 'messages', 'hexText'],
  ['0-0:96.13.3', 'Text message, channel 3', null, 'messages', 'hexText'],
  ['0-0:96.13.4', 'Text message, channel 4', null, 'messages', 'hexText'],
  ['0-0:96.13.5', 'Text message, channel 5', null, 'messages', 'hexText']
]

/**
 * Quantities metered both as energy (D = 8, the register: kWh / kvarh) and as power (D = 7, the
 * instantaneous value: kW / kvar) under the same value group C (IEC 62056-61): C, the name with `#`
 * for "energy" or "power", the energy and power symbols shown after it, reactive or active.
 */
const ENERGY_POWER: [c: number, name: string, symbols: [energy: string, power: string] | null, reactive: boolean][] = [
  [1, 'Active # import', ['+A', '+P'], false],
  [2, 'Active # export', ['−A', '−P'], false],
  [3, 'Reactive # import', ['+R', '+Q'], true],
  [4, 'Reactive # export', ['−R', '−Q'], true],
  [5, 'Reactive #, quadrant I', null, true],
  [6, 'Reactive #, quadrant II', null, true],
  [7, 'Reactive #, quadrant III', null, true],
  [8, 'Reactive #, quadrant IV', null, true],
  [15, 'Active #, absolute', ['|+A| + |−A|', '|+P| + |−P|'], false]
]
const ENERGY_POWER_ROWS: Row[] = ENERGY_POWER.flatMap(([c, name, symbols, reactive]): Row[] => [
  [`1-0:${c}.8.0`, `${name.replace('#', 'energy')}${symbols ? ` (${symbols[0]})` : ''}`, reactive ? 'kvarh' : 'kWh', 'energy'],
  [`1-0:${c}.7.0`, `${name.replace('#', 'power')}${symbols ? ` (${symbols[1]})` : ''}`, reactive ? 'kvar' : 'kW', 'power']
])

/**
 * Tariff registers 1-0:C.8.T (IEC 62056-61: C = 1 +A, 2 −A, 3 +R, 4 −R; T = tariff 1…n):
 * C, the register's name (", tariff T" is added), unit, and the highest tariff the catalogue
 * knows for it (DSMR sends tariffs 1 and 2; the meters of the test vectors more).
 */
const TARIFF_REGISTERS: [c: number, name: string, unit: string, tariffs: number][] = [
  [1, 'Active energy import', 'kWh', 5],
  [2, 'Active energy export', 'kWh', 5],
  [3, 'Reactive energy import', 'kvarh', 4],
  [4, 'Reactive energy export', 'kvarh', 4]
]
const TARIFF_ROWS: Row[] = TARIFF_REGISTERS.flatMap(([c, name, unit, tariffs]) =>
  Array.from({ length: tariffs }, (_, i): Row => [`1-0:${c}.8.${i + 1}`, `${name}, tariff ${i + 1}`, unit, 'energy'])
)

/**
 * Current average demand 1-0:C.4.0, the mean power of the running 15-minute period (Fluvius
 * e-MUCS H 1.7), per value group C (IEC 62056-61): 1 +P and 2 −P in kW, 3 +Q and 4 −Q in kvar,
 * 9 S+ and 10 S− in kVA.
 */
const DEMAND_ROWS: Row[] = (
  [
    [1, 'import (15 min)', 'kW'],
    [2, 'export (15 min)', 'kW'],
    [3, 'reactive import', 'kvar'],
    [4, 'reactive export', 'kvar'],
    [9, 'apparent import', 'kVA'],
    [10, 'apparent export', 'kVA']
  ] as const
).map(([c, what, unit]): Row => [`1-0:${c}.4.0`, `Current average demand, ${what}`, unit, 'power'])

/** Every row of a single code. */
const REGISTER_ROWS: Row[] = [...ROWS, ...ENERGY_POWER_ROWS, ...TARIFF_ROWS, ...DEMAND_ROWS]

/** Per-phase codes: [C value for L1, L2, L3], name, unit, group. */
const PHASE_ROWS: [cs: [number, number, number], d: string, name: string, unit: string | null, group: ObisGroup][] = [
  [[21, 41, 61], '7.0', 'Active power import (+P)', 'kW', 'phase'],
  [[22, 42, 62], '7.0', 'Active power export (−P)', 'kW', 'phase'],
  [[23, 43, 63], '7.0', 'Reactive power import (+Q)', 'kvar', 'phase'],
  [[24, 44, 64], '7.0', 'Reactive power export (−Q)', 'kvar', 'phase'],
  [[29, 49, 69], '7.0', 'Apparent power import (S+)', 'kVA', 'phase'],
  [[30, 50, 70], '7.0', 'Apparent power export (S−)', 'kVA', 'phase'],
  [[32, 52, 72], '7.0', 'Voltage', 'V', 'phase'],
  [[31, 51, 71], '7.0', 'Current', 'A', 'phase'],
  [[33, 53, 73], '7.0', 'Power factor', null, 'phase'],
  [[31, 51, 71], '4.0', 'Current limit', 'A', 'power'],
  [[32, 52, 72], '32.0', 'Voltage sags', null, 'quality'],
  [[32, 52, 72], '36.0', 'Voltage swells', null, 'quality'],
  [[32, 52, 72], '24.0', 'Average voltage', 'V', 'phase'],
  [[32, 52, 72], '33.0', 'Voltage sag duration', 's', 'quality'],
  [[32, 52, 72], '34.0', 'Voltage sag magnitude', 'V', 'quality'],
  [[32, 52, 72], '37.0', 'Voltage swell duration', 's', 'quality'],
  [[32, 52, 72], '38.0', 'Voltage swell magnitude', 'V', 'quality']
]

/** M-Bus channel codes (n = 1–4). */
const MBUS_ROWS: Row[] = [
  ['0-n:24.1.0', 'Device type', null, 'mbus', 'number', MBUS_DEVICE_TYPES],
  ['0-n:96.1.0', 'Equipment identifier', null, 'mbus', 'hexId'],
  ['0-n:96.1.1', 'Equipment identifier', null, 'mbus', 'hexId'],
  ['0-n:96.1.2', 'EAN code (e-MUCS)', null, 'mbus', 'hexId'],
  ['0-n:24.2.1', 'Last reading (gas/water m3, heat GJ)', null, 'mbus', 'timestampedNumber'],
  ['0-n:24.2.3', 'Last reading (gas m3, Fluvius)', 'm3', 'mbus', 'timestampedNumber'],
  ['0-n:24.3.0', 'Last reading (DSMR 2.2/3 form)', null, 'mbus', 'timestampedNumber'],
  ['0-n:24.4.0', 'Valve position', null, 'mbus', 'number', VALVE_STATES],
  // Luxmetering Table 3.1: relay 1 and 2 control state; other channels: M-Bus breaker state
  ['0-n:96.3.10', 'Relay / breaker state', null, 'mbus', 'number', BREAKER_STATES],
  // Iskra AM550 (Sweden): status of the M-Bus channel's communication, e.g. "ER23"
  ['0-n:25.6.0', 'M-Bus channel status (Iskra)', null, 'mbus', 'text']
]

function row([code, name, unit, group, valueType, states]: Row, phase: 1 | 2 | 3 | null = null): ObisInfo {
  const info: ObisInfo = { code, name, unit, group, phase, valueType: valueType ?? 'number' }
  if (states) info.states = states
  return info
}

/** Energy and power registers of measuring channel 1 (B = 1), as Swiss meters send them (1-1:1.8.1 …). */
const CHANNEL1_CODES = ['1.8.1', '1.8.2', '2.8.1', '2.8.2', '1.7.0', '2.7.0']

/** Every catalogue entry (M-Bus entries as `0-n:` patterns). */
export const OBIS_CATALOGUE: readonly ObisInfo[] = [
  ...REGISTER_ROWS.map((r) => row(r)),
  ...PHASE_ROWS.flatMap(([cs, d, name, unit, group]) => cs.map((c, i) => row([`1-0:${c}.${d}`, `${name} L${i + 1}`, unit, group], (i + 1) as 1 | 2 | 3))),
  // the Luxmetering spec writes sags/swells as 0-0:32.32.0; meters send 1-0: trust the bytes, know both
  ...PHASE_ROWS.filter(([, d]) => d === '32.0' || d === '36.0').flatMap(([cs, d, name, unit, group]) =>
    cs.map((c, i) => row([`0-0:${c}.${d}`, `${name} L${i + 1}`, unit, group], (i + 1) as 1 | 2 | 3))
  ),
  ...MBUS_ROWS.map((r) => row(r)),
  ...CHANNEL1_CODES.map((c) => {
    const base = REGISTER_ROWS.find((r) => r[0] === `1-0:${c}`)!
    return row([`1-1:${c}`, `${base[1]} (channel 1)`, base[2], base[3]])
  })
]

const BY_CODE = new Map<string, ObisInfo>()
for (const info of OBIS_CATALOGUE) BY_CODE.set(info.code, info)

/**
 * Normalise "1-0:1.8.0*255" / "1-0:1.8.0.255" / "1-0:1.8.0" to "1-0:1.8.0", and the reduced
 * IEC 62056-21 address "1.8.0" of an electricity meter to "1-0:1.8.0". F = 255 means "the
 * current value"; any other F (`1-0:1.8.0*96`, `1.8.0*18`: a billing period) is a different
 * value and stays as sent.
 */
export function normaliseObis(code: string): string {
  const m = /^(\d+-\d+:\d+\.\d+\.\d+)(?:[.*]255)?$/.exec(code)
  if (m) return m[1]
  const r = /^(\d+\.\d+\.\d+)(?:[.*]255)?$/.exec(code)
  return r ? `1-0:${r[1]}` : code
}

const describeCache = new Map<string, ObisInfo | null>()

/**
 * Look up a code (with or without a `*255`/`.255` suffix). M-Bus channel codes `0-1:`…`0-4:`
 * resolve to their `0-n:` pattern with `channel` set. @returns null for unknown codes
 * (the UI then shows the code and the raw text).
 */
export function describeObis(code: string): ObisInfo | null {
  const cached = describeCache.get(code)
  if (cached !== undefined) return cached
  const norm = normaliseObis(code)
  let info = BY_CODE.get(norm) ?? null
  if (!info) {
    const m = /^0-([1-4]):(.*)$/.exec(norm)
    if (m) {
      const pattern = BY_CODE.get(`0-n:${m[2]}`)
      if (pattern) info = { ...pattern, code: norm, channel: Number(m[1]) }
    }
  }
  if (describeCache.size < 4096) describeCache.set(code, info)
  return info
}

/**
 * The meaning of an enumerated value: `describeState('0-0:96.3.10', 1)` → "connected",
 * `describeState('0-1:24.1.0', 3)` → "gas", `describeState('0-2:24.4.0', 0)` → "closed
 * (disconnected)". Accepts the value as a number or as the digits sent ("003").
 * @returns null when the code has no enumeration or the value is not one of its states.
 */
export function describeState(code: string, value: unknown): string | null {
  const states = describeObis(code)?.states
  if (!states) return null
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : NaN
  return Number.isInteger(n) ? (states[n] ?? null) : null
}
