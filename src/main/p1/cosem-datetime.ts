/**
 * COSEM date-time (IEC 62056-62, DLMS Blue Book §4.1.6.1 "date-time"): a 12-byte octet string
 * that some meters put where DSMR expects `YYMMDDhhmmssX`, e.g. the ESR5 meters of
 * dsmr_parser issue #160: `0-0:1.0.0(07E8061C050A2B2B00FF8880)`.
 *
 * Bytes: year (2, big-endian, 0xFFFF = not specified) · month (0xFD/0xFE = DST end/begin,
 * 0xFF = n.s.) · day of month (0xFD/0xFE = 2nd-last/last day, 0xFF = n.s.) · day of week
 * (1 = Monday … 7, 0xFF = n.s.) · hour · minute · second · hundredths (0xFF = n.s.) ·
 * deviation (2, signed big-endian, minutes of UTC − local time, 0x8000 = n.s.) · clock status
 * (bit 7 = daylight saving active, bits 0–3 = invalid/doubtful/different base/invalid status;
 * 0xFF = n.s.).
 * Example: 07E8 06 1C 05 0A 2B 2B 00 FF88 80 = Friday 2024-06-28 10:43:43.00, deviation −120
 * (local = UTC + 2 h), DST → "2024-06-28T10:43:43+02:00".
 *
 * Pure, never throws.
 */
import { isoWithOffset, isValidWallTime, wallTimeOffset, DEFAULT_METER_ZONE, type WallTime } from '../../shared/meter-time'
import { hexNibble } from './ascii'

/** The fields of a decoded COSEM date-time. */
export interface CosemDateTime extends WallTime {
  /** 1 = Monday … 7 = Sunday, null when not specified. */
  weekday: number | null
  /** Minutes of UTC − local time as sent (−120 for CEST), null when not specified (0x8000). */
  deviation: number | null
  /** Clock status byte, null when not specified (0xFF). */
  status: number | null
  /** Daylight saving active (status bit 7), null when the status is not specified. */
  dst: boolean | null
  /** ISO 8601 with offset: the deviation when given, else the meter zone's offset. */
  iso: string
}

/**
 * Is `s[a, a+24)` 24 hex digits (the text form of a 12-byte octet string)? Cheap pre-check
 * before {@link parseCosemDateTime}.
 */
export function isCosemDateTimeForm(s: string): boolean {
  if (s.length !== 24) return false
  for (let i = 0; i < 24; i++) if (hexNibble(s.charCodeAt(i)) < 0) return false
  return true
}

/**
 * Decode a COSEM date-time given as 24 hex digits.
 * @param zone IANA zone used when the deviation is not specified (default Europe/Luxembourg):
 *   the wall time is then placed in that zone, with the status's DST bit settling the
 *   repeated autumn hour.
 * @returns null when it is not a date-time: not 24 hex digits, date or time fields not
 *   specified or out of range (month 13, 31 April, hour 24 …, a year outside 1970–2199), a
 *   deviation beyond ±15 h.
 */
export function parseCosemDateTime(hex: string, zone: string = DEFAULT_METER_ZONE): CosemDateTime | null {
  if (typeof hex !== 'string' || !isCosemDateTimeForm(hex)) return null
  const byte = (k: number): number => (hexNibble(hex.charCodeAt(2 * k)) << 4) | hexNibble(hex.charCodeAt(2 * k + 1))
  const year = (byte(0) << 8) | byte(1)
  const month = byte(2)
  const day = byte(3)
  const wd = byte(4)
  const hour = byte(5)
  const minute = byte(6)
  const second = byte(7)
  const hs = byte(8)
  const devRaw = (byte(9) << 8) | byte(10)
  const st = byte(11)
  if (year === 0xffff || (hs > 99 && hs !== 0xff)) return null
  const w: WallTime = { year, month, day, hour, minute, second, hundredths: hs === 0xff ? 0 : hs }
  if (!isValidWallTime(w) || year < 1970 || year > 2199) return null
  const weekday = wd >= 1 && wd <= 7 ? wd : null
  const status = st === 0xff ? null : st
  const dst = status === null ? null : (status & 0x80) !== 0
  let deviation: number | null = null
  let offset: number | null
  if (devRaw === 0x8000) offset = wallTimeOffset(w, zone, dst)
  else {
    deviation = devRaw >= 0x8000 ? devRaw - 0x10000 : devRaw
    if (deviation < -900 || deviation > 900) return null
    offset = -deviation
  }
  if (offset === null) return null
  return { ...w, weekday, deviation, status, dst, iso: isoWithOffset(w, offset) }
}
