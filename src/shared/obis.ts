/**
 * OBIS catalogue: one table naming every code a Smarty can send (Luxmetering E-Meter P1
 * spec v1.1.3 Table 3.1; Electris P1 specification 2021-03-05 as listed by the
 * SmartyReader v1.7 firmware; the newer "MSn" list of dsmr_parser: apparent power total and
 * per phase, 1-1:31.4.0) plus the common DSMR 2.2–5 codes of NL/BE meters (DSMR 5.0.2 §7,
 * Fluvius e-MUCS 1.7.1) and the variants in the test vectors (E.ON Hungary quadrant
 * registers, power factor and frequency, EasyMeter, Iskra IE, Austrian tariff registers).
 * Used by the parser (value types) and the UI (names, units, phases, groups).
 * Pure data: no Node import, the renderer uses it too.
 */

/** Where a code is shown in the live view. */
export type ObisGroup = 'meter' | 'energy' | 'power' | 'phase' | 'quality' | 'messages' | 'mbus'

/** How the parser reads the value(s) of a code. */
export type ObisValueType = 'number' | 'hexText' | 'timestamp' | 'text' | 'timestampedNumber' | 'multi'

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
}

type Row = [code: string, name: string, unit: string | null, group: ObisGroup, valueType?: ObisValueType]

const ROWS: Row[] = [
  // meter: identification, clock, versions
  ['1-3:0.2.8', 'P1 output version (DSMR)', null, 'meter'],
  ['0-0:1.0.0', 'Meter date and time', null, 'meter', 'timestamp'],
  ['0-0:42.0.0', 'Meter ID (logical device name)', null, 'meter', 'hexText'],
  ['0-0:96.1.1', 'Equipment identifier', null, 'meter', 'hexText'],
  ['0-0:96.1.0', 'Equipment identifier', null, 'meter', 'hexText'],
  ['0-0:96.1.4', 'Version information (Fluvius)', null, 'meter', 'text'],
  ['1-0:0.0.0', 'Meter ID (EasyMeter, Iskra)', null, 'meter', 'text'],
  ['0-0:96.1.255', 'Serial number (EasyMeter)', null, 'meter', 'text'],
  ['1-0:96.5.5', 'Device state (EasyMeter, hex)', null, 'meter', 'text'],
  ['0-0:96.14.0', 'Tariff indicator', null, 'meter'],
  ['1-0:0.2.0', 'Firmware version (module)', null, 'meter', 'text'],
  ['1-1:0.2.0', 'Firmware version (metrology)', null, 'meter', 'text'],
  ['1-0:0.4.2', 'Current transformer ratio (numerator)', null, 'meter'],
  ['1-0:0.4.3', 'Voltage transformer ratio (numerator)', null, 'meter'],
  ['1-0:0.4.5', 'Current transformer ratio (denominator)', null, 'meter'],
  ['1-0:0.4.6', 'Voltage transformer ratio (denominator)', null, 'meter'],
  // energy registers
  ['1-0:1.8.0', 'Active energy import (+A)', 'kWh', 'energy'],
  ['1-0:2.8.0', 'Active energy export (−A)', 'kWh', 'energy'],
  ['1-0:3.8.0', 'Reactive energy import (+R)', 'kvarh', 'energy'],
  ['1-0:4.8.0', 'Reactive energy export (−R)', 'kvarh', 'energy'],
  ['1-0:1.8.1', 'Active energy import, tariff 1', 'kWh', 'energy'],
  ['1-0:1.8.2', 'Active energy import, tariff 2', 'kWh', 'energy'],
  ['1-0:1.8.3', 'Active energy import, tariff 3', 'kWh', 'energy'],
  ['1-0:1.8.4', 'Active energy import, tariff 4', 'kWh', 'energy'],
  ['1-0:2.8.1', 'Active energy export, tariff 1', 'kWh', 'energy'],
  ['1-0:2.8.2', 'Active energy export, tariff 2', 'kWh', 'energy'],
  ['1-0:2.8.3', 'Active energy export, tariff 3', 'kWh', 'energy'],
  ['1-0:2.8.4', 'Active energy export, tariff 4', 'kWh', 'energy'],
  ['1-0:3.8.1', 'Reactive energy import, tariff 1', 'kvarh', 'energy'],
  ['1-0:3.8.2', 'Reactive energy import, tariff 2', 'kvarh', 'energy'],
  ['1-0:4.8.1', 'Reactive energy export, tariff 1', 'kvarh', 'energy'],
  ['1-0:4.8.2', 'Reactive energy export, tariff 2', 'kvarh', 'energy'],
  ['1-0:5.8.0', 'Reactive energy, quadrant I', 'kvarh', 'energy'],
  ['1-0:6.8.0', 'Reactive energy, quadrant II', 'kvarh', 'energy'],
  ['1-0:7.8.0', 'Reactive energy, quadrant III', 'kvarh', 'energy'],
  ['1-0:8.8.0', 'Reactive energy, quadrant IV', 'kvarh', 'energy'],
  ['1-0:15.8.0', 'Active energy, absolute (|+A| + |−A|)', 'kWh', 'energy'],
  // power
  ['1-0:1.7.0', 'Active power import (+P)', 'kW', 'power'],
  ['1-0:2.7.0', 'Active power export (−P)', 'kW', 'power'],
  ['1-0:3.7.0', 'Reactive power import (+Q)', 'kvar', 'power'],
  ['1-0:4.7.0', 'Reactive power export (−Q)', 'kvar', 'power'],
  ['1-0:5.7.0', 'Reactive power, quadrant I', 'kvar', 'power'],
  ['1-0:6.7.0', 'Reactive power, quadrant II', 'kvar', 'power'],
  ['1-0:7.7.0', 'Reactive power, quadrant III', 'kvar', 'power'],
  ['1-0:8.7.0', 'Reactive power, quadrant IV', 'kvar', 'power'],
  ['1-0:9.7.0', 'Apparent power import (S+)', 'kVA', 'power'],
  ['1-0:10.7.0', 'Apparent power export (S−)', 'kVA', 'power'],
  ['1-0:13.7.0', 'Power factor', null, 'power'],
  ['1-0:14.7.0', 'Frequency', 'Hz', 'power'],
  ['0-0:17.0.0', 'Power limit (SMAX)', 'kVA', 'power'],
  // Luxmetering 1-1:31.4.0 "(100*A)(-063*A)": dsmr_parser names it MSN_CT_RATIO
  ['1-1:31.4.0', 'Limiter current monitor (import, export; "CT ratio" in dsmr_parser)', 'A', 'power', 'multi'],
  ['1-1:34.4.0', 'Threshold for maximum imported and exported current', 'A', 'power', 'multi'],
  ['1-0:1.4.0', 'Current average demand (15 min)', 'kW', 'power'],
  ['1-0:1.6.0', 'Maximum demand this month', 'kW', 'power', 'timestampedNumber'],
  ['0-0:98.1.0', 'Maximum demand, last 13 months', 'kW', 'power', 'multi'],
  // quality: breaker, failures, sags/swells
  ['0-0:96.3.10', 'Breaker state', null, 'quality'],
  ['0-1:96.3.10', 'Relay 1 state', null, 'quality'],
  ['0-2:96.3.10', 'Relay 2 state', null, 'quality'],
  ['0-0:96.7.21', 'Power failures', null, 'quality'],
  ['0-0:96.7.9', 'Long power failures', null, 'quality'],
  ['1-0:99.97.0', 'Power failure event log', 's', 'quality', 'multi'],
  // messages (hex-encoded text)
  ['0-0:96.13.0', 'Text message', null, 'messages', 'hexText'],
  ['0-0:96.13.1', 'Text message, channel 1 / numeric message', null, 'messages', 'hexText'],
  ['0-0:96.13.2', 'Text message, channel 2', null, 'messages', 'hexText'],
  ['0-0:96.13.3', 'Text message, channel 3', null, 'messages', 'hexText'],
  ['0-0:96.13.4', 'Text message, channel 4', null, 'messages', 'hexText'],
  ['0-0:96.13.5', 'Text message, channel 5', null, 'messages', 'hexText']
]

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
  [[32, 52, 72], '24.0', 'Average voltage', 'V', 'phase']
]

/** M-Bus channel codes (n = 1–4). */
const MBUS_ROWS: Row[] = [
  ['0-n:24.1.0', 'Device type', null, 'mbus'],
  ['0-n:96.1.0', 'Equipment identifier', null, 'mbus', 'hexText'],
  ['0-n:96.1.1', 'Equipment identifier', null, 'mbus', 'hexText'],
  ['0-n:24.2.1', 'Last reading (gas/water m3, heat GJ)', null, 'mbus', 'timestampedNumber'],
  ['0-n:24.2.3', 'Last reading (gas m3, Fluvius)', 'm3', 'mbus', 'timestampedNumber'],
  ['0-n:24.3.0', 'Last reading (DSMR 2.2/3 form)', null, 'mbus', 'timestampedNumber'],
  ['0-n:24.4.0', 'Valve position', null, 'mbus'],
  // Luxmetering Table 3.1: relay 1 and 2 control state; other channels: M-Bus breaker state
  ['0-n:96.3.10', 'Relay / breaker state', null, 'mbus']
]

function row([code, name, unit, group, valueType]: Row, phase: 1 | 2 | 3 | null = null): ObisInfo {
  return { code, name, unit, group, phase, valueType: valueType ?? 'number' }
}

/** Every catalogue entry (M-Bus entries as `0-n:` patterns). */
export const OBIS_CATALOGUE: readonly ObisInfo[] = [
  ...ROWS.map((r) => row(r)),
  ...PHASE_ROWS.flatMap(([cs, d, name, unit, group]) =>
    cs.map((c, i) => row([`1-0:${c}.${d}`, `${name} L${i + 1}`, unit, group], (i + 1) as 1 | 2 | 3))
  ),
  // the Luxmetering spec writes sags/swells as 0-0:32.32.0; meters send 1-0: trust the bytes, know both
  ...PHASE_ROWS.filter(([, d]) => d === '32.0' || d === '36.0').flatMap(([cs, d, name, unit, group]) =>
    cs.map((c, i) => row([`0-0:${c}.${d}`, `${name} L${i + 1}`, unit, group], (i + 1) as 1 | 2 | 3))
  ),
  ...MBUS_ROWS.map((r) => row(r))
]

const BY_CODE = new Map<string, ObisInfo>()
for (const info of OBIS_CATALOGUE) BY_CODE.set(info.code, info)

/** Normalise "1-0:1.8.0*255" / "1-0:1.8.0.255" / "1-0:1.8.0" to "1-0:1.8.0". */
export function normaliseObis(code: string): string {
  const m = /^(\d+-\d+:\d+\.\d+\.\d+)(?:[.*]\d+)?$/.exec(code)
  return m ? m[1] : code
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
