/**
 * Display helpers for the renderer: meter values with the meter's decimals, instants,
 * durations, sizes and relative times. One place for every number and date the views show.
 */
import type { CosemObject } from '@shared/types'
import type { EvidenceValue } from '@shared/diagnostics'

/**
 * The value as the meter wrote it, without padding zeros: "000006.695" → "6.695",
 * "-063" → "-63". Text and instants are returned as they are; null → "—".
 */
export function formatValue(o: Pick<CosemObject, 'value' | 'values'>, index = 0): string {
  const v = index === 0 ? o.value : o.values[index]?.value
  if (v === null || v === undefined) return '—'
  if (typeof v === 'number') {
    // digits as sent: the value entry holding this number (a timestamped reading's second value)
    const entry = index === 0 ? (o.values.find((x) => x.value === v) ?? o.values[0]) : o.values[index]
    const raw = (entry?.raw ?? '').split('*')[0]
    const dec = /\.(\d+)$/.exec(raw)
    return dec ? v.toFixed(dec[1].length) : String(v)
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(v)) return formatInstant(v)
  return v
}

/** "2018-01-30T10:21:22+01:00" → "2018-01-30 10:21:22 (UTC+01:00)" — the meter's own wall time. */
export function formatInstant(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})([+-]\d{2}:\d{2}|Z)$/.exec(iso)
  return m ? `${m[1]} ${m[2]} (UTC${m[3] === 'Z' ? '' : m[3]})` : iso
}

/** Seconds since `ms` as "4 s", "2 min 5 s", "1 h 3 min"; null → "—". */
export function ago(ms: number | null, now: number): string {
  if (ms === null) return '—'
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** A duration in seconds as "2 h 5 min", "3 min 4 s" or "12 s". */
export function duration(s: number): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = Math.floor(s % 60)
  return h ? `${h} h ${m} min` : m ? `${m} min ${sec} s` : `${sec} s`
}

/** A bucket width in ms as "1 h", "5 min" or "30 s". */
export function bucketWidth(ms: number): string {
  return ms >= 3600_000 ? `${Math.round(ms / 3600_000)} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`
}

/** Bytes as megabytes with two decimals, "1.23 MB". */
export function megabytes(n: number): string {
  return (n / 1e6).toFixed(2) + ' MB'
}

/** A number with fixed decimals; null → "—". */
export function fixed(v: number | null | undefined, digits: number): string {
  return v === null || v === undefined ? '—' : v.toFixed(digits)
}

/** Date and time of an instant (ms), as the browser writes it. */
export function dateTime(ms: number | string): string {
  return new Date(ms).toLocaleString()
}

/** Time of day of an instant (ms). */
export function timeOfDay(ms: number): string {
  return new Date(ms).toLocaleTimeString()
}

/** Hours and minutes of an instant (ms), for quarter-hour labels. */
export function hourMinute(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/** Log time stamp "HH:MM:SS.mmm" of an instant (ms). */
export function logClock(t: number): string {
  const d = new Date(t)
  const two = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${two(d.getMilliseconds(), 3)}`
}

/** A check's evidence figure: lists joined, null or empty → "—". */
export function evidenceText(v: EvidenceValue): string {
  if (v === null) return '—'
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—'
  return String(v)
}

/** Hex string → array of byte values. */
export function hexBytes(hex: string): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16))
  return out
}
