/**
 * Display helpers for the renderer: value formatting that keeps the meter's decimals,
 * plain words for error codes, relative times.
 */
import type { CosemObject, DecodeErrorCode, DecodeWarningCode } from '@shared/types'

/** Plain words for decode error codes (docs/verdict-codes.md). */
export const FAILURE_WORDS: Record<DecodeErrorCode, string> = {
  gcm_tag_mismatch: 'wrong key or corrupted',
  crc_mismatch: 'CRC error',
  truncated_frame: 'truncated',
  unsupported_length_form: 'unknown length form',
  missing_key: 'no key set',
  malformed_line: 'malformed line',
  malformed_frame: 'malformed frame',
  malformed_telegram: 'not a telegram',
  overlong_frame: 'too long'
}

/** Explanations of warnings shown above the live values. */
export const WARNING_WORDS: Record<DecodeWarningCode, string> = {
  auth_key_mismatch:
    'The P1 key is right, but this meter uses another authentication key: the GCM tag does not verify with the one set. The telegram was accepted because its CRC is valid. Set the meter\'s authentication key on the Connect tab.',
  no_crc: 'This telegram carries no CRC (DSMR 2.2/3): its integrity cannot be checked.',
  malformed_line: 'Some lines of this telegram could not be read; they are shown raw.'
}

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

/** Seconds since `ms` as "4 s", "2 min 5 s", "1 h 3 min". */
export function ago(ms: number | null, now: number): string {
  if (ms === null) return '—'
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** Hex string → array of byte values. */
export function hexBytes(hex: string): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16))
  return out
}
