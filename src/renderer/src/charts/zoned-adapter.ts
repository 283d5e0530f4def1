/**
 * chart.js date adapter for the time axis in the meter's zone, in the one time convention of
 * every tab (issue 15): ticks on the zone's midnights and hours (calendar arithmetic of
 * src/shared/i18n/zoned.ts), labels 24-hour with ISO dates ("2026-06-20", "2026-06",
 * "22:15", tooltips "2026-06-20 22:15:05"), the same in every language. Each chart passes
 * `adapters.date: { zone }`.
 */
import { _adapters, type TimeUnit } from 'chart.js'
import { addUnits, diffUnits, startOf, wallTime, type ZonedUnit } from '@shared/i18n/zoned'
import { DEFAULT_TIME_ZONE } from '@shared/i18n'

/** The options a chart gives the adapter. */
export interface ZonedAdapterOptions {
  /** IANA zone of the axis (default Europe/Luxembourg). */
  zone?: string
  /** Intl locale of the chart (numbers); the dates are ISO in every language. */
  locale?: string
}

const p2 = (n: number): string => String(n).padStart(2, '0')

/** Label of `time` for a format key (chart.js unit names, `datetime` for the tooltip), ISO parts in `zone`. */
export function zonedLabel(time: number, format: string, zone: string): string {
  const w = wallTime(time, zone)
  const date = `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)}`
  const hm = `${p2(w.hour)}:${p2(w.minute)}`
  switch (format) {
    case 'millisecond':
      return `${hm}:${p2(w.second)}.${String(w.millisecond).padStart(3, '0')}`
    case 'second':
      return `${hm}:${p2(w.second)}`
    case 'minute':
    case 'hour':
      return hm
    case 'day':
    case 'week':
      return date
    case 'month':
    case 'quarter':
      return date.slice(0, 7)
    case 'year':
      return String(w.year)
    default:
      return `${date} ${hm}:${p2(w.second)}`
  }
}

const FORMAT_KEYS = ['datetime', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']

type Self = { options: ZonedAdapterOptions }
const zoneOf = (self: Self): string => self.options?.zone ?? DEFAULT_TIME_ZONE

_adapters._date.override({
  formats: () => Object.fromEntries(FORMAT_KEYS.map((k) => [k, k])),
  parse(value: unknown) {
    if (value === null || value === undefined) return null
    if (typeof value === 'number') return Number.isFinite(value) ? value : null
    if (value instanceof Date) return value.getTime()
    if (typeof value === 'string') {
      const t = Date.parse(value)
      return Number.isNaN(t) ? null : t
    }
    return null
  },
  format(this: Self, time: number, format: string) {
    return zonedLabel(time, format, zoneOf(this))
  },
  add(this: Self, time: number, amount: number, unit: TimeUnit) {
    return addUnits(time, amount, unit as ZonedUnit, zoneOf(this))
  },
  diff(this: Self, max: number, min: number, unit: TimeUnit) {
    return diffUnits(max, min, unit as ZonedUnit, zoneOf(this))
  },
  startOf(this: Self, time: number, unit: TimeUnit | 'isoWeek', weekday?: number | boolean) {
    // chart.js isoWeekday: 1 = Monday … 7 = Sunday, true = Monday; weeks start on Monday otherwise
    const start = unit === 'isoWeek' && typeof weekday === 'number' ? weekday % 7 : 1
    return startOf(time, unit as ZonedUnit, zoneOf(this), start)
  },
  endOf(this: Self, time: number, unit: TimeUnit | 'isoWeek') {
    const z = zoneOf(this)
    return addUnits(startOf(time, unit as ZonedUnit, z), 1, unit as ZonedUnit, z) - 1
  }
} as never)
