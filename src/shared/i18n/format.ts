/**
 * Numbers, dates and times for a language and a time zone, through `Intl` (ECMA-402): the
 * decimal comma in French and German, the 24-hour clock, dates as Luxembourg writes them
 * (20/06/2026, 20.06.2026) and every instant in the meter's zone (Europe/Luxembourg by
 * default). Pure; formatters are cached per locale, zone and options.
 */
import { DEFAULT_METER_ZONE } from '../meter-time'
import { INTL_LOCALES, type Locale } from './translate'

/** The meter's zone when nothing else is known: Luxembourg (src/shared/meter-time.ts). */
export const DEFAULT_TIME_ZONE = DEFAULT_METER_ZONE

const numberFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

function numberFormat(locale: Locale, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(opts)}`
  let f = numberFormats.get(key)
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(INTL_LOCALES[locale], opts)))
  return f
}

function dateFormat(locale: Locale, zone: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(opts)}`
  let f = dateFormats.get(key)
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(INTL_LOCALES[locale], { ...opts, timeZone: zone })))
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
  /** A share 0…1 as a percentage with `digits` decimals, e.g. "50 %" in French. */
  percent(fraction: number, digits?: number): string
  /** Date of an instant (ms or ISO text), e.g. "20/06/2026", "20.06.2026". */
  date(t: number | string): string
  /** Time of day, 24-hour, with seconds: "22:00:05". */
  time(t: number | string): string
  /** Hours and minutes: "22:15". */
  hourMinute(t: number | string): string
  /** Date and time: "20.06.2026 22:00:05". */
  dateTime(t: number | string): string
  /** A calendar date "YYYY-MM-DD" (no zone: it is a date, not an instant) in the locale's form. */
  calendarDate(ymd: string): string
  /** A month "YYYY-MM" as "06/2026" / "06.2026". */
  calendarMonth(ym: string): string
  /** Time of day with milliseconds, "22:00:05.123", for logs. */
  logTime(t: number): string
}

const ms = (t: number | string): number => (typeof t === 'number' ? t : Date.parse(t))

/** Formatters for `locale` with instants in `zone` (default Europe/Luxembourg). */
export function createFormat(locale: Locale, zone: string = DEFAULT_TIME_ZONE): Format {
  const dateOpts: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' }
  const timeOpts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
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
    percent(fraction, digits = 0) {
      return numberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction)
    },
    date: (t) => dateFormat(locale, zone, dateOpts).format(ms(t)),
    time: (t) => dateFormat(locale, zone, timeOpts).format(ms(t)),
    hourMinute: (t) => dateFormat(locale, zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms(t)),
    dateTime: (t) => `${f.date(t)} ${f.time(t)}`,
    calendarDate(ymd) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd)
      return m ? dateFormat(locale, 'UTC', dateOpts).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : ymd
    },
    calendarMonth(ym) {
      const m = /^(\d{4})-(\d{2})$/.exec(ym)
      return m ? dateFormat(locale, 'UTC', { year: 'numeric', month: '2-digit' }).format(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : ym
    },
    logTime(t) {
      const d = new Date(t)
      return `${f.time(t)}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`
    }
  }
  return f
}
