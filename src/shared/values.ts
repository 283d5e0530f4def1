/**
 * Small helpers over decoded COSEM objects, shared by the main process and the renderer
 * (pure: no Node import). Meters differ in units for the same quantity — a Smarty sends kWh
 * and kW, Austrian Sagemcom meters Wh and W, var and varh — so consumers that add, chart or
 * compare values go through {@link toDisplayUnit} first.
 */
import type { CosemObject, Telegram } from './types'
import { normaliseObis } from './obis'

/** A number with its unit. */
export interface Quantity {
  value: number
  unit: string | null
}

/** Unit → [display unit, factor]: W → kW ÷ 1000 and the like (DSMR sends k-units, some meters base units). */
const TO_KILO: Record<string, [string, number]> = {
  W: ['kW', 1e-3],
  Wh: ['kWh', 1e-3],
  var: ['kvar', 1e-3],
  varh: ['kvarh', 1e-3],
  VA: ['kVA', 1e-3],
  VAh: ['kVAh', 1e-3],
  // case variants seen in the Luxmetering table ("Kvar") and in Swedish meters (Kaifa, Aidon: "kVAr", "kVArh")
  Kvar: ['kvar', 1],
  Kvarh: ['kvarh', 1],
  kVAr: ['kvar', 1],
  kVArh: ['kvarh', 1],
  KW: ['kW', 1],
  KWh: ['kWh', 1],
  // lower-case units (IEC 62056-21 meters, esphome-libs/dsmr_parser tests) and gas in dm3
  kwh: ['kWh', 1],
  kw: ['kW', 1],
  dm3: ['m3', 1e-3]
}

/**
 * Express a value in the unit the app displays: W → kW, Wh → kWh, var → kvar, varh → kvarh,
 * VA → kVA (÷ 1000), dm3 → m3 (÷ 1000); spelling variants kVAr/kVArh/Kvar/kwh/kw → kvar/kvarh/kWh/kW; other units unchanged. Rounded to 9 decimals so 6545766 Wh → 6545.766 kWh
 * exactly. @returns null for a value that is not a finite number.
 */
export function toDisplayUnit(value: unknown, unit: string | null): Quantity | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null
  const conv = unit === null || !Object.prototype.hasOwnProperty.call(TO_KILO, unit) ? undefined : TO_KILO[unit]
  if (!conv) return { value, unit }
  return { value: Math.round(value * conv[1] * 1e9) / 1e9, unit: conv[0] }
}

/**
 * The first object with OBIS code `code`, matching with or without a `*255` / `.255` suffix
 * ("1-0:1.8.0" finds "1-0:1.8.0*255"). @returns undefined when the telegram has none.
 */
export function findObject(t: Telegram | { objects: CosemObject[] }, code: string): CosemObject | undefined {
  const want = normaliseObis(code)
  for (const o of t.objects) if (o.obis === code || normaliseObis(o.obis) === want) return o
  return undefined
}

/**
 * The numeric value of `code` in the display unit (see {@link toDisplayUnit}), e.g.
 * `quantity(t, '1-0:1.8.0')` → { value: 6545.766, unit: 'kWh' } for an Austrian meter's
 * `1-0:1.8.0(006545766*Wh)`. @returns null if absent or not a number.
 */
export function quantity(t: Telegram | { objects: CosemObject[] }, code: string): Quantity | null {
  const o = findObject(t, code)
  return o ? toDisplayUnit(o.value, o.unit) : null
}
