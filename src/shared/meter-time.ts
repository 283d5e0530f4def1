/**
 * Meter clock → instant, in the meter's own time zone (pure: Intl only, no Node import; the
 * main process, the CLI and the renderer share it).
 *
 * A P1 meter sends its local wall-clock time. DSMR 5.0.2 §6.4 (TST `YYMMDDhhmmssX`) adds a
 * flag: `S` = daylight saving time active, `W` = not active; DSMR 2.2/3 meters send no flag;
 * a COSEM date-time (IEC 62056-62 / DLMS Blue Book class 8) may carry its own deviation
 * from UTC. The flag says which of the zone's two offsets is in force, so it also settles
 * the autumn hour that occurs twice; it does not say which zone: a Luxembourg meter's `W`
 * is UTC+1, an Irish meter's `W` is UTC+0. That zone is a setting of the source, an IANA
 * name, default {@link DEFAULT_METER_ZONE}.
 *
 * Offsets come from the platform's time-zone data (Intl), computed once per zone and year
 * (the year's offset changes found by bisection to the second) and cached.
 */

/** The zone of a Luxembourg Smarty (and of the other CET/CEST meters). */
export const DEFAULT_METER_ZONE = 'Europe/Luxembourg'

const MINUTE = 60_000
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1]
}

const formatters = new Map<string, Intl.DateTimeFormat | null>()

function formatterOf(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone)
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric'
      })
    } catch {
      f = null
    }
    if (formatters.size < 256) formatters.set(zone, f)
  }
  return f
}

/**
 * Is `zone` a time zone this platform knows (an IANA name such as "Europe/Luxembourg",
 * "Europe/Dublin", or "UTC")? Use it to validate a setting before handing it to the decoder.
 */
export function isTimeZone(zone: unknown): zone is string {
  return typeof zone === 'string' && zone.length > 0 && zone.length <= 64 && formatterOf(zone) !== null
}

/** Offset of `zone` from UTC at instant `ms` (ms since the epoch), in minutes east (CEST → 120). Slow path: Intl. */
function intlOffset(f: Intl.DateTimeFormat, ms: number): number {
  const t = Math.floor(ms / 1000) * 1000
  const v: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {}
  for (const p of f.formatToParts(t)) v[p.type] = Number(p.value)
  const at = Date.UTC(v.year ?? 0, (v.month ?? 0) - 1, v.day ?? 0, v.hour ?? 0, v.minute ?? 0, v.second ?? 0)
  return Math.round((at - t) / MINUTE)
}

/** A zone's offsets over one UTC year: `starts[i]` (ms) begins a stretch at `offsets[i]` minutes. */
interface ZoneYear {
  starts: number[]
  offsets: number[]
  /** Smallest offset of the year (standard time) and largest (daylight saving time), minutes. */
  standard: number
  daylight: number
}

const years = new Map<string, Map<number, ZoneYear>>()

function zoneYear(zone: string, f: Intl.DateTimeFormat, year: number): ZoneYear {
  let byYear = years.get(zone)
  if (byYear === undefined) {
    byYear = new Map()
    if (years.size < 256) years.set(zone, byYear)
  }
  let zy = byYear.get(year)
  if (zy !== undefined) return zy
  // sample the first of every month, then bisect each change down to the second
  const starts: number[] = [Date.UTC(year, 0, 1)]
  const offsets: number[] = [intlOffset(f, starts[0])]
  let prevT = starts[0]
  let prevOff = offsets[0]
  for (let m = 1; m <= 12; m++) {
    const t = Date.UTC(year, m, 1)
    const off = intlOffset(f, t)
    if (off !== prevOff) {
      let lo = prevT
      let hi = t
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000
        if (intlOffset(f, mid) === prevOff) lo = mid
        else hi = mid
      }
      starts.push(hi)
      offsets.push(off)
    }
    prevT = t
    prevOff = off
  }
  let standard = offsets[0]
  let daylight = offsets[0]
  for (const o of offsets) {
    if (o < standard) standard = o
    if (o > daylight) daylight = o
  }
  zy = { starts, offsets, standard, daylight }
  if (byYear.size < 200) byYear.set(year, zy)
  return zy
}

function offsetIn(zy: ZoneYear, ms: number): number {
  let k = zy.starts.length - 1
  while (k > 0 && ms < zy.starts[k]) k--
  return zy.offsets[k]
}

/**
 * Offset of `zone` from UTC at instant `ms`, minutes east of UTC (Europe/Luxembourg in July
 * → 120, Europe/Dublin in January → 0). @returns null for a zone the platform does not know.
 */
export function zoneOffsetMinutes(zone: string, ms: number): number | null {
  const f = formatterOf(zone)
  if (f === null || !Number.isFinite(ms)) return null
  return offsetIn(zoneYear(zone, f, new Date(ms).getUTCFullYear()), ms)
}

/** A wall-clock reading of the meter. Fields as on the meter's display: month 1–12, day 1–31. */
export interface WallTime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** Hundredths of a second (COSEM date-time), default 0. */
  hundredths?: number
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** `+02:00` / `-05:30` / `+00:00` for an offset in minutes east of UTC. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const a = Math.abs(minutes)
  return `${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`
}

/**
 * ISO 8601 local date-time with offset, e.g. "2024-06-28T10:43:43+02:00" (".50" added for
 * non-zero hundredths). The wall fields are written as given.
 */
export function isoWithOffset(w: WallTime, offsetMinutes: number): string {
  const frac = w.hundredths ? `.${pad2(w.hundredths)}` : ''
  const y = w.year >= 0 && w.year <= 9999 ? String(w.year).padStart(4, '0') : String(w.year)
  return `${y}-${pad2(w.month)}-${pad2(w.day)}T${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}${frac}${formatOffset(offsetMinutes)}`
}

/** Are the fields a real calendar date and time (no 24:00, no 31 April, leap years)? */
export function isValidWallTime(w: WallTime): boolean {
  return (
    Number.isInteger(w.year) &&
    w.month >= 1 &&
    w.month <= 12 &&
    w.day >= 1 &&
    w.day <= daysInMonth(w.year, w.month) &&
    w.hour >= 0 &&
    w.hour <= 23 &&
    w.minute >= 0 &&
    w.minute <= 59 &&
    w.second >= 0 &&
    w.second <= 59
  )
}

/** The zone and year of the last call (a meter's timestamps share both). */
let lastZone = ''
let lastYear = 0
let lastZoneYear: ZoneYear | null = null
let lastFormatter: Intl.DateTimeFormat | null = null

/**
 * The UTC offset (minutes east) of a meter's wall-clock reading in `zone`.
 * - `dst` true (DSMR `S`, COSEM clock status bit 7 set): the zone's daylight saving offset
 *   of that year; false (`W`): its standard offset. This settles the repeated autumn hour.
 *   A zone without daylight saving time has one offset for both.
 * - `dst` null (DSMR 2.2/3, no flag): the offset the zone has at that wall time; in the
 *   repeated autumn hour the standard one (the later instant); in the skipped spring hour the
 *   offset after the change.
 * @returns null for an unknown zone or an impossible date/time.
 */
export function wallTimeOffset(w: WallTime, zone: string, dst: boolean | null): number | null {
  if (!isValidWallTime(w)) return null
  let zy: ZoneYear
  let f: Intl.DateTimeFormat | null
  if (zone === lastZone && w.year === lastYear && lastZoneYear !== null && lastFormatter !== null) {
    zy = lastZoneYear
    f = lastFormatter
  } else {
    f = formatterOf(zone)
    if (f === null) return null
    zy = zoneYear(zone, f, w.year)
    lastZone = zone
    lastYear = w.year
    lastZoneYear = zy
    lastFormatter = f
  }
  if (dst === true) return zy.daylight
  if (dst === false) return zy.standard
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  const std = zy.standard
  if (std === zy.daylight) return std
  const fmt = f
  const at = (ms: number): number => {
    const y = new Date(ms).getUTCFullYear()
    return offsetIn(y === w.year ? zy : zoneYear(zone, fmt, y), ms)
  }
  if (at(wall - std * MINUTE) === std) return std
  if (at(wall - zy.daylight * MINUTE) === zy.daylight) return zy.daylight
  return at(wall - std * MINUTE)
}

/**
 * A meter's wall-clock reading in `zone` as ISO 8601 with the offset in force
 * (see {@link wallTimeOffset}): {2024-10-27 02:30:00, S} in Europe/Luxembourg →
 * "2024-10-27T02:30:00+02:00", with W → "…+01:00"; in Europe/Dublin W → "+00:00".
 * @returns null for an unknown zone or an impossible date/time.
 */
export function wallTimeToIso(w: WallTime, zone: string, dst: boolean | null): string | null {
  const off = wallTimeOffset(w, zone, dst)
  return off === null ? null : isoWithOffset(w, off)
}
