/**
 * Numbers, dates and times for a language and a time zone: numbers through `Intl` (ECMA-402,
 * the decimal comma in French and German), and ONE time convention in every language (issue
 * 15): the meter's local time (its zone, Europe/Luxembourg by default), 24-hour, ISO 8601 dates
 * — "2026-06-20 22:00:05", "2026-06-20T22:00:05+02:00" in files. Pure; number formatters are
 * cached per locale and options, wall times come from the zone's offsets (./zoned.ts).
 */
import { DEFAULT_METER_ZONE, formatOffset } from '../meter-time'
import { INTL_LOCALES, type Locale } from './translate'
import { wallTime, zoneOffsetMs } from './zoned'

/** The meter's zone when nothing else is known: Luxembourg (src/shared/meter-time.ts). */
export const DEFAULT_TIME_ZONE = DEFAULT_METER_ZONE

const numberFormats = new Map<string, Intl.NumberFormat>()

function numberFormat(locale: Locale, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(opts)}`
  let f = numberFormats.get(key)
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(INTL_LOCALES[locale], opts)))
  return f
}

/** Formatters of one language in one time zone. */
export interface Format {
  locale: Locale
  /** IANA zone the instants are shown in. */
  zone: string
  /** The `Intl` locale tag (e.g. "fr-LU"), for libraries such as chart.js. */
  intlLocale: string
  /**
   * A number with exactly `digits` decimals, or as many as it has (up to 6) without; no
   * digit grouping (meter registers read as the meter shows them). null/undefined/NaN → "—".
   */
  number(v: number | null | undefined, digits?: number): string
  /** A number written as the meter sent it ("000123.450"): its decimals kept, leading zeros dropped, the locale's decimal sign. */
  meterNumber(raw: string, v: number): string
  /** A count with the language's digit grouping: "1,158" / "1 158" / "1.158"; null → "—". */
  count(v: number | null | undefined): string
  /** A share 0…1 as a percentage with `digits` decimals, e.g. "50 %" in French. */
  percent(fraction: number, digits?: number): string
  /** ISO date of an instant (ms or ISO text) in the zone: "2026-06-20". Not a time → "—". */
  date(t: number | string): string
  /** Time of day, 24-hour, with seconds: "22:00:05". */
  time(t: number | string): string
  /** Hours and minutes: "22:15". */
  hourMinute(t: number | string): string
  /** Date and time: "2026-06-20 22:00:05". */
  dateTime(t: number | string): string
  /** The instant as ISO 8601 local time with the zone's offset, for files (CSV): "2026-06-20T22:00:05+02:00". */
  isoLocal(t: number | string): string
  /** A calendar date "YYYY-MM-DD" (a date, not an instant): as it is. */
  calendarDate(ymd: string): string
  /** A month "YYYY-MM": as it is. */
  calendarMonth(ym: string): string
  /** Time of day with milliseconds, "22:00:05.123", for logs. */
  logTime(t: number): string
}

const ms = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t))
const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

/** Formatters for `locale` with instants in `zone` (default Europe/Luxembourg). */
export function createFormat(locale: Locale, zone: string = DEFAULT_TIME_ZONE): Format {
  /** Wall time of an instant in the zone, null for no time (NaN) or a zone the platform does not know. */
  const wall = (t: number | string) => {
    const v = ms(t)
    if (!Number.isFinite(v)) return null
    try {
      return wallTime(v, zone)
    } catch {
      return null
    }
  }
  const f: Format = {
    locale,
    zone,
    intlLocale: INTL_LOCALES[locale],
    number(v, digits) {
      if (v === null || v === undefined || Number.isNaN(v)) return '—'
      const opts: Intl.NumberFormatOptions =
        digits === undefined
          ? { useGrouping: false, maximumFractionDigits: 6 }
          : { useGrouping: false, minimumFractionDigits: digits, maximumFractionDigits: digits }
      return numberFormat(locale, opts).format(v)
    },
    meterNumber(raw, v) {
      const dec = /\.(\d+)$/.exec(raw.split('*')[0].trim())
      return f.number(v, dec ? dec[1].length : 0)
    },
    count(v) {
      if (v === null || v === undefined || Number.isNaN(v)) return '—'
      return numberFormat(locale, { useGrouping: true, maximumFractionDigits: 0 }).format(v)
    },
    percent(fraction, digits = 0) {
      return numberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction)
    },
    date(t) {
      const w = wall(t)
      return w ? `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}` : '—'
    },
    time(t) {
      const w = wall(t)
      return w ? `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}` : '—'
    },
    hourMinute(t) {
      const w = wall(t)
      return w ? `${pad(w.hour)}:${pad(w.minute)}` : '—'
    },
    dateTime: (t) => (wall(t) ? `${f.date(t)} ${f.time(t)}` : '—'),
    isoLocal(t) {
      if (!wall(t)) return ''
      return `${f.date(t)}T${f.time(t)}${formatOffset(Math.round(zoneOffsetMs(ms(t), zone) / 60_000))}`
    },
    calendarDate: (ymd) => ymd,
    calendarMonth: (ym) => ym,
    logTime(t) {
      const w = wall(t)
      return w ? `${f.time(t)}.${pad(w.millisecond, 3)}` : '—'
    }
  }
  return f
}
