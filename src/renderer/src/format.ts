/**
 * Display helpers for the renderer, in the language shown and the meter's time zone
 * (i18n/index.ts): meter values with the meter's decimals and the language's decimal sign,
 * the meter's own wall time, instants, durations, sizes and relative times. One place for
 * every number and date the views show; reactive to a language switch when used in render.
 */
import type { CosemObject } from '@shared/types'
import type { EvidenceValue } from '@shared/diagnostics'
import { wordEvidence } from '@shared/i18n'
import { fmt, t, wording } from './i18n'

/**
 * The value as the meter wrote it, without padding zeros and with its decimals:
 * "000006.695" → "6.695" (English) / "6,695" (French, German), "-063" → "-63". Instants are
 * the meter's wall time; text is returned as it is; null → "—".
 */
export function formatValue(o: Pick<CosemObject, 'value' | 'values'>, index = 0): string {
  const v = index === 0 ? o.value : o.values[index]?.value
  if (v === null || v === undefined) return '—'
  if (typeof v === 'number') {
    // digits as sent: the value entry holding this number (a timestamped reading's second value)
    const entry = index === 0 ? (o.values.find((x) => x.value === v) ?? o.values[0]) : o.values[index]
    return fmt.value.meterNumber(entry?.raw ?? '', v)
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) return formatInstant(v)
  return v
}

/** "2018-01-30T10:21:22+01:00" → "2018-01-30 10:21:22 (UTC+01:00)": the meter's own wall time, one convention in every language. */
export function formatInstant(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2}|Z)$/.exec(iso)
  return m ? `${m[1]} ${m[2]} (UTC${m[3] === 'Z' ? '' : m[3]})` : iso
}

/** Seconds between `ms` and `now` as "4 s", "2 min 5 s", "1 h 3 min" (SI units, the same in every language); null → "—". */
export function elapsed(ms: number | null, now: number): string {
  if (ms === null) return '—'
  return duration(Math.max(0, Math.round((now - ms) / 1000)))
}

/** "… ago" in the language shown; null → "—". */
export function ago(ms: number | null, now: number): string {
  return ms === null ? '—' : t('common.ago', { time: elapsed(ms, now) })
}

/** A duration in seconds as "2 h 5 min", "3 min 4 s" or "12 s". */
export function duration(s: number): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = Math.floor(s % 60)
  return h ? t('common.durationH', { h, m }) : m ? t('common.durationM', { m, s: sec }) : t('common.durationS', { s: sec })
}

/** A bucket width in ms as "1 h", "5 min" or "30 s". */
export function bucketWidth(ms: number): string {
  return ms >= 3600_000 ? `${Math.round(ms / 3600_000)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`
}

/**
 * A size in bytes as people read it, SI units (1 kB = 1000 B): "812 B", "4.1 kB", "1.23 MB",
 * "2.05 GB" — "4,1 ko" in French, "4,1 kB" in German.
 */
export function size(n: number): string {
  if (!Number.isFinite(n)) return '—'
  const a = Math.abs(n)
  if (a < 1000) return t('common.size.B', { n: fmt.value.number(n, 0) })
  if (a < 1e6) return t('common.size.kB', { n: fmt.value.number(n / 1e3, 1) })
  if (a < 1e9) return t('common.size.MB', { n: fmt.value.number(n / 1e6, 2) })
  return t('common.size.GB', { n: fmt.value.number(n / 1e9, 2) })
}

/** A count with the language's digit grouping: "1,158" / "1.158"; null → "—". */
export function count(v: number | null | undefined): string {
  return fmt.value.count(v)
}

/** A number with fixed decimals in the language's form; null → "—". */
export function fixed(v: number | null | undefined, digits: number): string {
  return fmt.value.number(v, digits)
}

/** A count or figure as the language writes it (no grouping). */
export function num(v: number | null | undefined): string {
  return fmt.value.number(v)
}

/** Date and time of an instant (ms or ISO text) in the meter's zone: "2026-06-20 22:00:05". */
export function dateTime(ms: number | string): string {
  return fmt.value.dateTime(ms)
}

/** Time of day of an instant, 24-hour, in the meter's zone. */
export function timeOfDay(ms: number): string {
  return fmt.value.time(ms)
}

/** Hours and minutes of an instant in the meter's zone, for quarter-hour labels. */
export function hourMinute(ms: number): string {
  return fmt.value.hourMinute(ms)
}

/** A calendar date "YYYY-MM-DD" (ISO in every language). */
export function calendarDate(ymd: string): string {
  return fmt.value.calendarDate(ymd)
}

/** A month "YYYY-MM" (ISO in every language). */
export function calendarMonth(ym: string): string {
  return fmt.value.calendarMonth(ym)
}

/** The instant for a file (CSV): ISO 8601 local time with the meter zone's offset, "2026-06-20T22:00:05+02:00". */
export function isoLocal(ms: number | string): string {
  return fmt.value.isoLocal(ms)
}

/** Log time stamp "HH:MM:SS.mmm" of an instant in the meter's zone. */
export function logClock(ms: number): string {
  return fmt.value.logTime(ms)
}

/** A check's evidence figure: numbers in the language's form, lists joined, yes/no, null or empty → "—". */
export function evidenceText(v: EvidenceValue): string {
  return wordEvidence(v, wording.value)
}

/** Hex string → array of byte values. */
export function hexBytes(hex: string): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16))
  return out
}
