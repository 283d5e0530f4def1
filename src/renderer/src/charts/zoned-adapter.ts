/**
 * chart.js date adapter for the time axis in the meter's zone and the language shown: ticks
 * on the zone's midnights and hours (calendar arithmetic of src/shared/i18n/zoned.ts) and
 * labels through `Intl` (24-hour clock, the language's dates). chartjs-adapter-date-fns
 * works in the computer's own zone only. Each chart passes `adapters.date: { zone, locale }`.
 */
import { _adapters, type TimeUnit } from 'chart.js'
import { addUnits, diffUnits, startOf, type ZonedUnit } from '@shared/i18n/zoned'
import { DEFAULT_TIME_ZONE } from '@shared/i18n'

/** The options a chart gives the adapter. */
export interface ZonedAdapterOptions {
  /** IANA zone of the axis (default Europe/Luxembourg). */
  zone?: string
  /** Intl locale of the labels, e.g. "fr-LU". */
  locale?: string
}

/** Label formats per unit; `datetime` is the tooltip's. */
const FORMATS: Record<string, Intl.DateTimeFormatOptions> = {
  datetime: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  millisecond: { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' },
  second: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  minute: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  hour: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  day: { day: 'numeric', month: 'short' },
  week: { day: 'numeric', month: 'short', year: 'numeric' },
  month: { month: 'short', year: 'numeric' },
  quarter: { month: 'short', year: 'numeric' },
  year: { year: 'numeric' }
}

const cache = new Map<string, Intl.DateTimeFormat>()
function formatter(locale: string, zone: string, key: string): Intl.DateTimeFormat {
  const id = `${locale}|${zone}|${key}`
  let f = cache.get(id)
  if (!f) cache.set(id, (f = new Intl.DateTimeFormat(locale, { ...(FORMATS[key] ?? FORMATS.datetime), timeZone: zone })))
  return f
}

type Self = { options: ZonedAdapterOptions }
const zoneOf = (self: Self): string => self.options?.zone ?? DEFAULT_TIME_ZONE

_adapters._date.override({
  formats: () => Object.fromEntries(Object.keys(FORMATS).map((k) => [k, k])),
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
    if (format === 'datetime') {
      const f = formatter(this.options?.locale ?? 'en-GB', zoneOf(this), 'datetime')
      return f.format(time).replace(',', '')
    }
    return formatter(this.options?.locale ?? 'en-GB', zoneOf(this), format).format(time)
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
