/**
 * P1 Studio capture file format, version 1 (docs/capture-format.md).
 *
 * ```
 * file    = magic record*
 * magic   = "P1SCAP" 0x00 0x01                      8 bytes (format version 1)
 * record  = type:u8  length:u32le  time:f64le  payload[length]  crc:u32le
 *           crc = CRC-32 (zlib) over type … payload
 * type 1  = metadata, payload = UTF-8 JSON object; the first record is the header
 * type 2  = data: bytes exactly as read, time = receive time (ms since the epoch)
 * ```
 * Append-only: a record is written with one write call, so after a crash (kill -9, power
 * cut, pulled cable) only the record being written can be torn; readers detect it by its
 * length or CRC at the end of the file and report it as a warning.
 */
import { crc32 } from 'node:zlib'
import { DEFAULT_METER_ZONE, isoWithOffset, zoneOffsetMinutes } from '../../shared/meter-time'

/** The 8 bytes every capture starts with. */
export const CAPTURE_MAGIC = Buffer.from([0x50, 0x31, 0x53, 0x43, 0x41, 0x50, 0x00, 0x01]) // "P1SCAP" 0 1
/** Record header: type (1) + length (4) + time (8). */
export const RECORD_HEADER_BYTES = 13
/** Record trailer: CRC-32 (4). */
export const RECORD_TRAILER_BYTES = 4
/** Largest payload a reader accepts (a chunk from a serial read is far smaller). */
export const MAX_RECORD_PAYLOAD = 16 * 1024 * 1024

/** Record types. */
export const RecordType = { metadata: 1, data: 2 } as const
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType]

/** The header (first metadata record) of a capture. Never holds a key. */
export interface CaptureHeader {
  format: 'p1studio-capture'
  version: 1
  /** Where the bytes came from, e.g. "/dev/ttyUSB0 115200 8N1", "demo", "imported from dump.hex (hex)". */
  source: string
  /** Line settings label, e.g. "115200 8N1", null when not from a serial line. */
  lineSettings: string | null
  /** P1 Studio version that wrote the file. */
  appVersion: string
  /** Start, ISO 8601. */
  startedAt: string
  /** true when receive times were made up (imports of dumps without times: 10 s per frame). */
  syntheticTimes?: boolean
  /** Free-form notes (import format, split part…). */
  note?: string
}

/** Metadata written after the header, e.g. once the meter's system title is seen. */
export interface CaptureMetadataUpdate {
  /** DLMS system title, 16 hex digits. */
  systemTitle?: string
  [key: string]: unknown
}

/** Encode one record. @throws RangeError for a payload over {@link MAX_RECORD_PAYLOAD}. */
export function encodeRecord(type: RecordTypeCode, time: number, payload: Uint8Array): Buffer {
  if (payload.length > MAX_RECORD_PAYLOAD) throw new RangeError('record payload too large')
  const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length + RECORD_TRAILER_BYTES)
  buf[0] = type
  buf.writeUInt32LE(payload.length, 1)
  buf.writeDoubleLE(time, 5)
  buf.set(payload, RECORD_HEADER_BYTES)
  buf.writeUInt32LE(crc32(buf.subarray(0, RECORD_HEADER_BYTES + payload.length)), RECORD_HEADER_BYTES + payload.length)
  return buf
}

/** Encode a metadata record (JSON). */
export function encodeMetadata(time: number, meta: CaptureHeader | CaptureMetadataUpdate): Buffer {
  return encodeRecord(RecordType.metadata, time, Buffer.from(JSON.stringify(meta), 'utf8'))
}

/**
 * ISO 8601 of a time in ms since the epoch, or null when it is no date (NaN, ±Infinity, or
 * beyond ±8.64e15 ms, JavaScript's date range): a record time from a damaged or crafted file
 * must not end in "Invalid time value".
 */
export function isoTime(ms: number): string | null {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null
}

/**
 * ISO 8601 of an instant in the meter's local time with its offset, e.g.
 * "2026-06-21T14:00:05+02:00" (the one time convention of exports and reports: meter-local
 * time, 24-hour; `zone` an IANA name, default Europe/Luxembourg; an unknown zone is taken as
 * the default). `sep` between date and time ("T", or " " for a person). null when `ms` is no date.
 */
export function localIsoTime(ms: number, zone: string = DEFAULT_METER_ZONE, sep = 'T'): string | null {
  if (isoTime(ms) === null) return null
  const off = zoneOffsetMinutes(zone, ms) ?? zoneOffsetMinutes(DEFAULT_METER_ZONE, ms) ?? 0
  const d = new Date(ms + off * 60_000)
  const iso = isoWithOffset(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() },
    off
  )
  return sep === 'T' ? iso : iso.replace('T', sep)
}

/** CRC-32 of a record's type … payload, as stored after it. */
export function recordCrc(bytes: Uint8Array): number {
  return crc32(bytes)
}
