/**
 * Calendar arithmetic in an IANA time zone (offsets from src/shared/meter-time.ts): an instant's wall time in the
 * zone, the instant of a wall time, start of a day/week/month… and adding days or months
 * across daylight-saving changes. The History charts' time axis uses it so that ticks fall on
 * the meter's midnights and hours (Europe/Luxembourg) whatever the computer's own zone.
 * Pure; instants are ms since the epoch.
 */
import { zoneOffsetMinutes, type WallTime as MeterWallTime } from '../meter-time'

/** A wall-clock time in a zone: the meter's calendar fields (month 1–12) to the millisecond, with `weekday` 0 = Sunday. */
export interface WallTime extends Omit<MeterWallTime, 'hundredths'> {
  millisecond: number
  weekday: number
}

/** Units of the chart axis (chart.js TimeUnit, plus isoWeek). */
export type ZonedUnit = 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'isoWeek' | 'month' | 'quarter' | 'year'

const FIXED_MS: Partial<Record<ZonedUnit, number>> = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000 }

/** Offset of `zone` from UTC at instant `ms`, in ms (Luxembourg: +3 600 000 in winter, +7 200 000 in summer). @throws RangeError for an unknown zone. */
export function zoneOffsetMs(ms: number, zone: string): number {
  const minutes = zoneOffsetMinutes(zone, ms)
  if (minutes === null) throw new RangeError(`Unknown time zone: ${zone}`)
  return minutes * 60_000
}

/** The wall time of instant `ms` in `zone` (offsets from src/shared/meter-time.ts). @throws RangeError for an unknown zone. */
export function wallTime(ms: number, zone: string): WallTime {
  const d = new Date(ms + zoneOffsetMs(ms, zone))
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: d.getUTCDay()
  }
}

/**
 * The instant of a wall time in `zone`. Fields may overflow (day 32, month 13: as Date.UTC).
 * A time skipped by a spring-forward change gives the instant one offset later; a repeated
 * autumn hour gives its first (summer) occurrence.
 */
export function instantOf(w: Omit<WallTime, 'weekday'>, zone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond)
  const before = zoneOffsetMs(asUtc - zoneOffsetMs(asUtc, zone), zone)
  const t = asUtc - before
  // the repeated autumn hour: prefer the earlier instant if it shows the same wall time
  const earlier = asUtc - zoneOffsetMs(t - 3_600_000, zone)
  if (earlier < t && sameWall(wallTime(earlier, zone), w)) return earlier
  return t
}

function sameWall(a: WallTime, b: Omit<WallTime, 'weekday'>): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second
}

/** Start of the `unit` holding `ms` in `zone` (weeks start on `weekStart`: 0 = Sunday, 1 = Monday). */
export function startOf(ms: number, unit: ZonedUnit, zone: string, weekStart = 1): number {
  if (unit === 'millisecond') return ms
  if (unit === 'second' || unit === 'minute') return Math.floor(ms / FIXED_MS[unit]!) * FIXED_MS[unit]!
  const w = wallTime(ms, zone)
  const at = (y: number, mo: number, d: number, h = 0): number => instantOf({ year: y, month: mo, day: d, hour: h, minute: 0, second: 0, millisecond: 0 }, zone)
  switch (unit) {
    case 'hour':
      return ms - (w.minute * 60_000 + w.second * 1000 + w.millisecond)
    case 'day':
      return at(w.year, w.month, w.day)
    case 'week':
    case 'isoWeek':
      return at(w.year, w.month, w.day - ((w.weekday - weekStart + 7) % 7))
    case 'month':
      return at(w.year, w.month, 1)
    case 'quarter':
      return at(w.year, Math.floor((w.month - 1) / 3) * 3 + 1, 1)
    case 'year':
      return at(w.year, 1, 1)
  }
  return ms
}

/** `ms` plus `amount` units: fixed lengths up to hours, calendar days/weeks/months/years in `zone` (wall time kept, day clamped to the month's end). */
export function addUnits(ms: number, amount: number, unit: ZonedUnit, zone: string): number {
  const fixed = FIXED_MS[unit]
  if (fixed) return ms + amount * fixed
  const w = wallTime(ms, zone)
  if (unit === 'day' || unit === 'week' || unit === 'isoWeek') return instantOf({ ...w, day: w.day + amount * (unit === 'day' ? 1 : 7) }, zone)
  const months = amount * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12)
  const first = new Date(Date.UTC(w.year, w.month - 1 + months, 1))
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate()
  return instantOf({ ...w, year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day: Math.min(w.day, last) }, zone)
}

/** Whole units from `b` to `a` (truncated toward zero), calendar units in `zone`. */
export function diffUnits(a: number, b: number, unit: ZonedUnit, zone: string): number {
  const fixed = FIXED_MS[unit]
  if (fixed) return Math.trunc((a - b) / fixed)
  if (unit === 'day' || unit === 'week' || unit === 'isoWeek') {
    const wa = wallTime(a, zone)
    const wb = wallTime(b, zone)
    const days = (Date.UTC(wa.year, wa.month - 1, wa.day) - Date.UTC(wb.year, wb.month - 1, wb.day)) / 86_400_000
    const timeA = wa.hour * 3_600_000 + wa.minute * 60_000 + wa.second * 1000 + wa.millisecond
    const timeB = wb.hour * 3_600_000 + wb.minute * 60_000 + wb.second * 1000 + wb.millisecond
    const whole = days > 0 && timeA < timeB ? days - 1 : days < 0 && timeA > timeB ? days + 1 : days
    return Math.trunc(whole / (unit === 'day' ? 1 : 7))
  }
  const wa = wallTime(a, zone)
  const wb = wallTime(b, zone)
  let months = (wa.year - wb.year) * 12 + (wa.month - wb.month)
  const restA = [wa.day, wa.hour, wa.minute, wa.second, wa.millisecond]
  const restB = [wb.day, wb.hour, wb.minute, wb.second, wb.millisecond]
  const cmp = restA.findIndex((x, i) => x !== restB[i])
  if (months > 0 && cmp >= 0 && restA[cmp] < restB[cmp]) months--
  else if (months < 0 && cmp >= 0 && restA[cmp] > restB[cmp]) months++
  return Math.trunc(months / (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12))
}
