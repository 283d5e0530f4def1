/**
 * Consumption history: the reading kept per telegram, and the aggregates (daily energy,
 * 15-minute demand, energy above the power class and its cost). Pure (no Node import):
 * the main process, the CLI (`p1studio stats`) and the renderer use the same code, so the
 * app and `stats` show the same numbers.
 *
 * Definitions (issue 5; the zone: issue 14):
 * - days and quarter hours come from the meter's own clock (0-0:1.0.0 with its W/S flag),
 *   days in the meter's local time: its zone is a setting of the source and is kept per meter
 *   in the history (an IANA name, default Europe/Luxembourg; an Irish meter's days run from
 *   midnight UTC+0 in winter). Days have 23 or 25 hours on DST change days;
 * - a day's energy is the counter difference between the first readings at or after its
 *   two midnights (null when no reading falls inside the day);
 * - a quarter hour's demand is its counter difference (first readings at or after its two
 *   boundaries) divided by 0.25 h; a boundary whose first reading comes more than
 *   {@link BOUNDARY_TOLERANCE_MS} late makes the quarter a gap (null), so a missing hour is
 *   not read as one huge quarter;
 * - energy above the class: per quarter max(0, E − class × 0.25 h), kWh; its cost = kWh × price.
 */
import type { Telegram } from './types'
import { normaliseObis } from './obis'
import { findObject, toDisplayUnit } from './values'
import { DEFAULT_METER_ZONE, zoneOffsetMinutes } from './meter-time'

/** One telegram, reduced to what the history keeps. Energies kWh, powers kW, currents A, voltages V. */
export interface Reading {
  /** Meter time (0-0:1.0.0) as ms since the epoch; the receive time when the meter sends none. */
  t: number
  /** Receive time, ms since the epoch. */
  received: number
  frameCounter: number | null
  importKWh: number | null
  exportKWh: number | null
  importKW: number | null
  exportKW: number | null
  /** Per phase L1–L3 (null when the meter sends no per-phase values). */
  importKWL: [number | null, number | null, number | null]
  exportKWL: [number | null, number | null, number | null]
  currentA: [number | null, number | null, number | null]
  voltageV: [number | null, number | null, number | null]
  /** Counters: power failures (0-0:96.7.21), long failures (0-0:96.7.9), sags and swells L1–L3. */
  powerFailures: number | null
  longPowerFailures: number | null
  sags: [number | null, number | null, number | null]
  swells: [number | null, number | null, number | null]
  /** Text message 0-0:96.13.0, null when empty. */
  message: string | null
}

/** A day's figures, as `p1studio stats --json` prints them. Energies kWh, demand kW, cost in the price's currency. */
export interface DayStats {
  /** Local date in the meter's zone (default Europe/Luxembourg), "2026-03-29". */
  date: string
  importKWh: number | null
  exportKWh: number | null
  /** Highest 15-minute average import power of the day, kW. */
  peakDemandKW: number | null
  /** Energy drawn above the power class, summed over the day's quarter hours, kWh. */
  aboveClassKWh: number
  aboveClassCost: number
}

/** One quarter hour. */
export interface QuarterStats {
  /** Start, ms since the epoch. */
  start: number
  /** Average import power over the quarter, kW (null = gap). */
  demandKW: number | null
  /** Energy above the class in this quarter, kWh. */
  aboveClassKWh: number
}

/** The zone of a meter whose zone was never set: Luxembourg's (a Smarty). */
export const HISTORY_TIME_ZONE = DEFAULT_METER_ZONE
/** A boundary reading may come this late after the boundary (a few missed frames). */
export const BOUNDARY_TOLERANCE_MS = 60_000
/** Default price of energy above the class, €/kWh (SmartyReader v1.7 firmware default). */
export const DEFAULT_PRICE_EUR_PER_KWH = 0.1139
/** Power classes the SmartyReader firmware models, kW. */
export const POWER_CLASSES_KW = [3, 7, 12] as const

/** What each OBIS code of a reading fills (codes without `*255`/`.255`). */
const SLOTS: Record<string, number> = {
  '1-0:1.8.0': 0,
  '1-0:2.8.0': 1,
  '1-0:1.7.0': 2,
  '1-0:2.7.0': 3,
  '1-0:21.7.0': 4,
  '1-0:41.7.0': 5,
  '1-0:61.7.0': 6,
  '1-0:22.7.0': 7,
  '1-0:42.7.0': 8,
  '1-0:62.7.0': 9,
  '1-0:31.7.0': 10,
  '1-0:51.7.0': 11,
  '1-0:71.7.0': 12,
  '1-0:32.7.0': 13,
  '1-0:52.7.0': 14,
  '1-0:72.7.0': 15,
  '0-0:96.7.21': 16,
  '0-0:96.7.9': 17,
  '1-0:32.32.0': 18,
  '1-0:52.32.0': 19,
  '1-0:72.32.0': 20,
  '1-0:32.36.0': 21,
  '1-0:52.36.0': 22,
  '1-0:72.36.0': 23,
  '0-0:96.13.0': 24,
  '1-0:1.8.1': 25,
  '1-0:1.8.2': 26,
  '1-0:1.8.3': 27,
  '1-0:1.8.4': 28,
  '1-0:2.8.1': 29,
  '1-0:2.8.2': 30,
  '1-0:2.8.3': 31,
  '1-0:2.8.4': 32
}
const N_SLOTS = 33
/** Raw code as sent → slot (-1: not kept). Codes repeat from telegram to telegram: cached. */
const SLOT_OF = new Map<string, number>()
function slotOf(code: string): number {
  let s = SLOT_OF.get(code)
  if (s === undefined) {
    s = SLOTS[normaliseObis(code)] ?? -1
    if (SLOT_OF.size < 4096) SLOT_OF.set(code, s)
  }
  return s
}
const sum = (...v: (number | null)[]): number | null => (v.every((x) => x === null) ? null : v.reduce<number>((a, b) => a + (b ?? 0), 0))

/**
 * Reduce a parsed telegram to a {@link Reading}. Meters without 1-0:1.8.0 (NL/BE, tariffs
 * only) get the sum of 1-0:1.8.1…1.8.4; Wh/W are converted to kWh/kW.
 * @param receivedAt receive time, ms since the epoch.
 */
export function readingOf(t: Telegram, receivedAt: number, frameCounter: number | null = null): Reading {
  const meterTime = t.meterTime ? Date.parse(t.meterTime) : NaN
  // one pass over the objects: the first of each kept code, in the display unit
  const v: (number | null)[] = new Array(N_SLOTS).fill(null)
  const seen: boolean[] = new Array(N_SLOTS).fill(false)
  let text: unknown = null
  for (const o of t.objects) {
    const s = slotOf(o.obis)
    if (s < 0 || seen[s]) continue
    seen[s] = true
    if (s === 24) text = o.value
    else v[s] = toDisplayUnit(o.value, o.unit)?.value ?? null
  }
  return {
    t: Number.isFinite(meterTime) ? meterTime : receivedAt,
    received: receivedAt,
    frameCounter,
    importKWh: v[0] ?? sum(v[25], v[26], v[27], v[28]),
    exportKWh: v[1] ?? sum(v[29], v[30], v[31], v[32]),
    importKW: v[2],
    exportKW: v[3],
    importKWL: [v[4], v[5], v[6]],
    exportKWL: [v[7], v[8], v[9]],
    currentA: [v[10], v[11], v[12]],
    voltageV: [v[13], v[14], v[15]],
    powerFailures: v[16],
    longPowerFailures: v[17],
    sags: [v[18], v[19], v[20]],
    swells: [v[21], v[22], v[23]],
    message: typeof text === 'string' && text.trim() ? text : null
  }
}

/** The meter's identity for a history: 0-0:42.0.0 / 0-0:96.1.1 decoded, else the system title, else "unknown". */
export function meterIdOf(t: Telegram, systemTitle: string | null): string {
  for (const c of ['0-0:42.0.0', '0-0:96.1.1']) {
    const v = findObject(t, c)?.value
    if (typeof v === 'string' && v.trim()) return v.trim()
  }
  return systemTitle ?? 'unknown'
}

// ---- local time in the meter's zone ------------------------------------------------------------

/**
 * Offset of `zone` from UTC at an instant, minutes east (the platform's zone data through
 * src/shared/meter-time.ts, cached per zone and year). An unknown zone counts as
 * {@link HISTORY_TIME_ZONE}: the aggregates never throw for a setting (validate zones where
 * they are entered: `isTimeZone`).
 */
function offsetMinutes(ms: number, zone: string): number {
  return zoneOffsetMinutes(zone, ms) ?? zoneOffsetMinutes(HISTORY_TIME_ZONE, ms) ?? 0
}

/**
 * Local date "YYYY-MM-DD" of an instant (ms) in `zone` (IANA name, default Europe/Luxembourg).
 * @throws RangeError for an instant that is no date (NaN, ±Infinity).
 */
export function localDate(ms: number, zone: string = HISTORY_TIME_ZONE): string {
  if (!Number.isFinite(ms)) throw new RangeError('localDate: the time is not a date')
  return new Date(ms + offsetMinutes(ms, zone) * 60_000).toISOString().slice(0, 10)
}

/** Offset of `zone` from UTC at an instant, ms (Europe/Luxembourg: +1 h winter, +2 h summer; Europe/Dublin: 0 and +1 h). */
export function localOffsetMs(ms: number, zone: string = HISTORY_TIME_ZONE): number {
  return offsetMinutes(ms, zone) * 60_000
}

/** The instant of local midnight starting `date` ("YYYY-MM-DD") in `zone` (default Europe/Luxembourg), ms. */
export function localMidnight(date: string, zone: string = HISTORY_TIME_ZONE): number {
  const [y, m, d] = date.split('-').map(Number)
  const guess = Date.UTC(y, m - 1, d) // midnight UTC; local midnight is the zone's offset earlier
  let t = guess - localOffsetMs(guess, zone)
  // the offset at the guess may differ from the one at local midnight (DST day): correct once
  t = guess - localOffsetMs(t, zone)
  return t
}

/** The local date after `date`. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

// ---- aggregation ----------------------------------------------------------------------------

/** Minimal reading shape the aggregates need. */
export interface CounterReading {
  t: number
  importKWh: number | null
  exportKWh: number | null
}

/** Index of the first reading with t ≥ `at` (readings sorted by t), or -1. */
export function firstAtOrAfter(rs: CounterReading[], at: number, from = 0): number {
  let lo = from
  let hi = rs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rs[mid].t < at) lo = mid + 1
    else hi = mid
  }
  return lo < rs.length ? lo : -1
}

function counterDiff(rs: CounterReading[], a: number, b: number, key: 'importKWh' | 'exportKWh'): number | null {
  if (a < 0 || b < 0 || b === a) return null
  const x = rs[a][key]
  const y = rs[b][key]
  if (x === null || y === null) return null
  return Math.round((y - x) * 1e6) / 1e6
}

/**
 * Quarter hours from `from` to `to` (ms, aligned to 15 min), with demand and energy above
 * `classKW`. Readings sorted by meter time.
 */
export function quarterStats(rs: CounterReading[], from: number, to: number, classKW: number): QuarterStats[] {
  const out: QuarterStats[] = []
  const Q = 900_000
  let start = Math.floor(from / Q) * Q
  let ia = firstAtOrAfter(rs, start)
  for (; start < to; start += Q) {
    const ib = ia < 0 ? -1 : firstAtOrAfter(rs, start + Q, ia)
    let demandKW: number | null = null
    let above = 0
    if (ia >= 0 && ib >= 0 && rs[ia].t - start <= BOUNDARY_TOLERANCE_MS && rs[ib].t - (start + Q) <= BOUNDARY_TOLERANCE_MS) {
      const e = counterDiff(rs, ia, ib, 'importKWh')
      if (e !== null) {
        demandKW = Math.round((e / 0.25) * 1e6) / 1e6
        above = Math.max(0, Math.round((e - classKW * 0.25) * 1e6) / 1e6)
      }
    }
    out.push({ start, demandKW, aboveClassKWh: above })
    ia = ib
  }
  return out
}

/**
 * Per local day of the readings in the meter's zone: imported and exported energy, peak
 * 15-minute demand, energy above the class and its cost.
 * @param rs readings sorted by meter time `t`.
 * @param classKW power class, kW (3, 7, 12 or custom). @param price €/kWh above the class.
 * @param zone the meter's zone (IANA name, default Europe/Luxembourg): where its days begin.
 */
export function dailyStats(rs: CounterReading[], classKW: number, price: number = DEFAULT_PRICE_EUR_PER_KWH, zone: string = HISTORY_TIME_ZONE): DayStats[] {
  if (rs.length === 0) return []
  const out: DayStats[] = []
  const last = localDate(rs[rs.length - 1].t, zone)
  for (let date = localDate(rs[0].t, zone); date <= last; date = nextDate(date)) {
    const m1 = localMidnight(date, zone)
    const m2 = localMidnight(nextDate(date), zone)
    const a = firstAtOrAfter(rs, m1)
    const b = firstAtOrAfter(rs, m2)
    const inside = a >= 0 && rs[a].t < m2
    const qs = quarterStats(rs, m1, m2, classKW)
    const demands = qs.map((q) => q.demandKW).filter((d): d is number => d !== null)
    const above = Math.round(qs.reduce((s, q) => s + q.aboveClassKWh, 0) * 1e6) / 1e6
    out.push({
      date,
      importKWh: inside ? counterDiff(rs, a, b, 'importKWh') : null,
      exportKWh: inside ? counterDiff(rs, a, b, 'exportKWh') : null,
      peakDemandKW: demands.length ? Math.max(...demands) : null,
      aboveClassKWh: above,
      aboveClassCost: Math.round(above * price * 1e4) / 1e4
    })
  }
  return out
}

/** Months ("YYYY-MM") summed from days. */
export function monthlyStats(
  days: DayStats[]
): { month: string; importKWh: number; exportKWh: number; aboveClassKWh: number; aboveClassCost: number; peakDemandKW: number | null }[] {
  const m = new Map<
    string,
    { month: string; importKWh: number; exportKWh: number; aboveClassKWh: number; aboveClassCost: number; peakDemandKW: number | null }
  >()
  for (const d of days) {
    const k = d.date.slice(0, 7)
    const e = m.get(k) ?? { month: k, importKWh: 0, exportKWh: 0, aboveClassKWh: 0, aboveClassCost: 0, peakDemandKW: null }
    e.importKWh = Math.round((e.importKWh + (d.importKWh ?? 0)) * 1e6) / 1e6
    e.exportKWh = Math.round((e.exportKWh + (d.exportKWh ?? 0)) * 1e6) / 1e6
    e.aboveClassKWh = Math.round((e.aboveClassKWh + d.aboveClassKWh) * 1e6) / 1e6
    e.aboveClassCost = Math.round((e.aboveClassCost + d.aboveClassCost) * 1e4) / 1e4
    if (d.peakDemandKW !== null) e.peakDemandKW = Math.max(e.peakDemandKW ?? 0, d.peakDemandKW)
    m.set(k, e)
  }
  return [...m.values()]
}
