/**
 * Streaming reader of capture files (format.ts): records one by one in constant memory.
 * A torn last record (crash while writing) is a warning; a damaged record elsewhere is skipped
 * up to the next record whose CRC-32 is right (salvage, docs/capture-format.md) and reported
 * with its byte range; a wrong magic or an empty file is a {@link CaptureFormatError}.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { CAPTURE_MAGIC, MAX_RECORD_PAYLOAD, RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES, RecordType, recordCrc, type CaptureHeader } from './format'
import { explainReadError } from './safe-file'

/** A problem with a capture file: one plain sentence, with the byte offset where it is. */
export class CaptureFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number
  ) {
    super(message)
  }
}

/** One record as read. */
export type CaptureRecord =
  { type: 'metadata'; time: number; offset: number; meta: Record<string, unknown> } | { type: 'data'; time: number; offset: number; bytes: Buffer }

/** A stretch of a capture that holds no readable record (skipped by salvage). */
export interface DamagedRange {
  /** File offset of the first damaged byte. */
  offset: number
  /** Bytes skipped up to the next record whose CRC-32 is right. */
  length: number
}

/** Result of reading a whole capture's records (after iteration). */
export interface ReadSummary {
  records: number
  /** Set when the last record was torn (file cut while writing). */
  tornAt: number | null
  /** Damaged stretches skipped before the last record (salvage), in file order. */
  damaged?: DamagedRange[]
  /** One plain paragraph: torn last record and/or damaged stretches; null when the file is whole. */
  warning: string | null
}

/** Options of {@link readCapture}. */
export interface ReadOptions {
  /**
   * Resync after a damaged record on the next record whose CRC-32 is right and go on (default
   * true): every record read is one the writer wrote, byte for byte; the damaged stretches are
   * reported in `summary.damaged` and `summary.warning`. false: a damaged record before the last
   * is a {@link CaptureFormatError}.
   */
  salvage?: boolean
}

/** true if `head` (≥ 8 bytes) starts with the capture magic. */
export function isCapture(head: Uint8Array): boolean {
  return head.length >= CAPTURE_MAGIC.length && Buffer.from(head.subarray(0, CAPTURE_MAGIC.length)).equals(CAPTURE_MAGIC)
}

/** true if the file at `path` starts with the capture magic. */
export async function fileIsCapture(path: string): Promise<boolean> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(CAPTURE_MAGIC.length)
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    return isCapture(head.subarray(0, bytesRead))
  } finally {
    await fh.close()
  }
}

function isAllZero(b: Buffer, from: number): boolean {
  for (let k = from; k < b.length; k++) if (b[k] !== 0) return false
  return true
}

const tornMessage = (offset: number): string =>
  `The last record (byte offset ${offset}) is incomplete: the capture was cut while writing; everything before it is intact.`

const n = (x: number): string => x.toLocaleString('en')

/** The warning for damaged stretches (and a torn tail). */
function damageMessage(damaged: DamagedRange[], tornAt: number | null): string | null {
  const parts: string[] = []
  if (damaged.length > 0) {
    const shown = damaged.slice(0, 5).map((d) => `bytes ${n(d.offset)}–${n(d.offset + d.length - 1)}`)
    const more = damaged.length > 5 ? ` and ${damaged.length - 5} more` : ''
    const total = damaged.reduce((k, d) => k + d.length, 0)
    parts.push(
      `The capture is damaged at ${damaged.length === 1 ? '' : `${damaged.length} places, `}${shown.join(', ')}${more} (${n(total)} ${total === 1 ? 'byte' : 'bytes'} unreadable): they were skipped; every record before and after them is intact and was read.`
    )
  }
  if (tornAt !== null) parts.push(tornMessage(tornAt))
  return parts.length ? parts.join(' ') : null
}

/** A reading warning as a code with params (docs/verdict-codes.md) beside its English words. */
export interface CaptureWarningInfo {
  code: 'capture_torn' | 'capture_damaged'
  message: string
  params: Record<string, number | null>
}

/**
 * The warning of a read (after iteration) as a code with params, null for a whole file:
 * `capture_damaged` {places, bytes, tornOffset} when stretches were skipped (a torn tail as
 * `tornOffset`), else `capture_torn` {offset} for a torn last record.
 */
export function captureWarningInfo(summary: ReadSummary): CaptureWarningInfo | null {
  if (!summary.warning) return null
  const damaged = summary.damaged ?? []
  if (damaged.length > 0) {
    const bytes = damaged.reduce((k, d) => k + d.length, 0)
    return { code: 'capture_damaged', message: summary.warning, params: { places: damaged.length, bytes, tornOffset: summary.tornAt } }
  }
  return { code: 'capture_torn', message: summary.warning, params: { offset: summary.tornAt ?? 0 } }
}

/** Does a whole record with a right CRC-32 start at `buf[i]`? YES, NO or MAYBE (more bytes needed). */
function recordAt(buf: Buffer, i: number): 'yes' | 'no' | 'maybe' {
  if (buf.length - i < RECORD_HEADER_BYTES) return 'maybe'
  const type = buf[i]
  const len = buf.readUInt32LE(i + 1)
  if ((type !== RecordType.metadata && type !== RecordType.data) || len > MAX_RECORD_PAYLOAD) return 'no'
  const total = RECORD_HEADER_BYTES + len + RECORD_TRAILER_BYTES
  if (buf.length - i < total) return 'maybe'
  return recordCrc(buf.subarray(i, i + RECORD_HEADER_BYTES + len)) === buf.readUInt32LE(i + RECORD_HEADER_BYTES + len) ? 'yes' : 'no'
}

/**
 * Read a capture's records in order. The first record is the header (metadata).
 * @param summary filled in as reading goes (torn last record, damaged stretches → `warning`).
 * @throws CaptureFormatError for an empty file, a wrong magic, a missing header, or (with
 * `salvage: false`) damage before the last record.
 * @throws Error (plain words) if the file cannot be read.
 */
export async function* readCapture(
  path: string,
  summary: ReadSummary = { records: 0, tornAt: null, warning: null },
  startOffset = 0,
  opts: ReadOptions = {}
): AsyncGenerator<CaptureRecord> {
  for await (const batch of readCaptureBatches(path, summary, startOffset, opts)) yield* batch
}

/**
 * The same records in batches (all the records of one 256 kB read): one promise per batch
 * instead of one per record, for bulk readers (export, statistics, benchmarks).
 *
 * Salvage (default): at a record that is damaged (unknown type, impossible length, CRC-32
 * wrong) and not the last thing in the file, the reader searches the following bytes for the
 * next record whose CRC-32 is right and goes on from there (a false match needs a valid type,
 * a length that fits and a CRC-32 collision: about 2⁻³² per position). Memory stays bounded:
 * a candidate is at most {@link MAX_RECORD_PAYLOAD} long.
 * @throws as {@link readCapture}.
 */
export async function* readCaptureBatches(
  path: string,
  summary: ReadSummary = { records: 0, tornAt: null, warning: null },
  startOffset = 0,
  opts: ReadOptions = {}
): AsyncGenerator<CaptureRecord[]> {
  const salvage = opts.salvage !== false
  const damaged: DamagedRange[] = (summary.damaged ??= [])
  const stream = createReadStream(path, { highWaterMark: 256 * 1024, start: startOffset })
  let buf: Buffer = Buffer.alloc(0)
  let pos = startOffset // file offset of buf[0]
  let magicChecked = startOffset > 0
  let sawHeader = startOffset > 0
  /** File offset where the damaged stretch being skipped began (null: not skipping). */
  let damageFrom: number | null = null

  /**
   * Records in `buf`; what cannot be decided yet stays in `buf`. `final`: no byte follows, so
   * an incomplete record is torn — unless a whole record follows it (salvage: then it was damage).
   */
  const parse = (final: boolean): CaptureRecord[] => {
    let i = 0
    const batch: CaptureRecord[] = []
    while (i < buf.length) {
      if (damageFrom !== null) {
        // skipping damage: the next record with a right CRC ends it
        const r = recordAt(buf, i)
        if (r === 'maybe' && !final) break
        if (r !== 'yes') {
          i++
          continue
        }
        damaged.push({ offset: damageFrom, length: pos + i - damageFrom })
        damageFrom = null
      }
      if (buf.length - i < RECORD_HEADER_BYTES && !final) break
      const r = recordAt(buf, i)
      if (r === 'maybe' && !final) {
        // a zero-filled tail (a power cut after the file grew) or a record still arriving
        break
      }
      if (r !== 'yes') {
        // the rest is a torn tail (incomplete, or zeros after a power cut) unless a whole
        // record follows: then these bytes are damage
        if (isAllZero(buf, i) && final) break
        const type = buf[i]
        const len = buf.length - i >= 5 ? buf.readUInt32LE(i + 1) : 0
        if (r === 'no' && !salvage) {
          const bad = (type !== RecordType.metadata && type !== RecordType.data) || len > MAX_RECORD_PAYLOAD
          if (!(isAllZero(buf, i + RECORD_HEADER_BYTES + len + RECORD_TRAILER_BYTES) && !bad)) {
            throw new CaptureFormatError(
              bad
                ? `Damaged record at byte offset ${pos + i} (type ${type}, length ${len}).`
                : `Damaged record at byte offset ${pos + i}: CRC-32 does not match.`,
              pos + i
            )
          }
        }
        if (!salvage) break
        damageFrom = pos + i
        i++
        continue
      }
      const type = buf[i]
      const len = buf.readUInt32LE(i + 1)
      const time = buf.readDoubleLE(i + 5)
      const payload = buf.subarray(i + RECORD_HEADER_BYTES, i + RECORD_HEADER_BYTES + len)
      const offset = pos + i
      i += RECORD_HEADER_BYTES + len + RECORD_TRAILER_BYTES
      summary.records++
      if (type === RecordType.metadata) {
        let meta: Record<string, unknown>
        try {
          meta = JSON.parse(payload.toString('utf8'))
        } catch {
          throw new CaptureFormatError(`Metadata record at byte offset ${offset} is not valid JSON.`, offset)
        }
        if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
          throw new CaptureFormatError(`Metadata record at byte offset ${offset} is not a JSON object.`, offset)
        if (!sawHeader && (meta.format === 'p1studio-capture' || damaged.length === 0)) {
          if (meta.format !== 'p1studio-capture')
            throw new CaptureFormatError('Capture header missing or not a P1 Studio capture header (byte offset 8).', offset)
          if (meta.version !== 1)
            throw new CaptureFormatError(`Capture format version ${String(meta.version)} is not supported (this P1 Studio reads version 1).`, offset)
          sawHeader = true
        }
        batch.push({ type: 'metadata', time, offset, meta })
      } else {
        // a header lost in damage: the data after it is still the user's
        if (!sawHeader && damaged.length === 0)
          throw new CaptureFormatError('Capture header missing: the first record is not metadata (byte offset 8).', offset)
        // no copy: `buf` is never written to again (each read is a new buffer)
        batch.push({ type: 'data', time, offset, bytes: payload })
      }
    }
    buf = buf.subarray(i)
    pos += i
    return batch
  }

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk
      if (!magicChecked) {
        if (buf.length < CAPTURE_MAGIC.length) continue
        if (!isCapture(buf)) throw new CaptureFormatError('Not a P1 Studio capture: wrong magic at byte offset 0.', 0)
        buf = buf.subarray(CAPTURE_MAGIC.length)
        pos += CAPTURE_MAGIC.length
        magicChecked = true
      }
      const batch = parse(false)
      if (batch.length) yield batch
    }
    if (magicChecked) {
      const batch = parse(true)
      if (batch.length) yield batch
    }
  } catch (e) {
    if (e instanceof CaptureFormatError) throw e
    throw new Error(explainReadError(path, e), { cause: e })
  } finally {
    stream.destroy()
  }
  if (!magicChecked) {
    if (pos === 0 && buf.length === 0) throw new CaptureFormatError('The file is empty.', 0)
    throw new CaptureFormatError('Not a P1 Studio capture: the file is shorter than the 8-byte magic.', 0)
  }
  if (!sawHeader && buf.length === 0 && damageFrom === null && damaged.length === 0)
    throw new CaptureFormatError('Capture header missing: the file ends after the magic (byte offset 8).', 8)
  // damage that runs to the end of the file: the last record is torn
  if (damageFrom !== null) summary.tornAt = damageFrom
  else if (buf.length > 0) summary.tornAt = pos
  summary.warning = damageMessage(damaged, summary.tornAt)
}

/** Header and data statistics of a capture (one streaming pass). */
export interface CaptureInfo {
  /** The header; when it was lost in damage, one saying so (`source` "unknown: header damaged"). */
  header: CaptureHeader
  /** Metadata records after the header, merged (e.g. systemTitle). */
  metadata: Record<string, unknown>
  dataRecords: number
  bytes: number
  /** Receive times of the first and last data record, ms since the epoch. */
  firstTime: number | null
  lastTime: number | null
  /** Stretches skipped as damaged (salvage); empty for a whole file. */
  damaged: DamagedRange[]
  /** Torn last record and/or damage, in plain words; null for a whole file. */
  warning: string | null
}

/** Read a capture's header and totals. @throws as {@link readCapture}. */
export async function captureInfo(path: string): Promise<CaptureInfo> {
  const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
  let header: CaptureHeader | null = null
  const metadata: Record<string, unknown> = {}
  let dataRecords = 0
  let bytes = 0
  let firstTime: number | null = null
  let lastTime: number | null = null
  for await (const r of readCapture(path, summary)) {
    if (r.type === 'metadata') {
      if (!header && r.meta.format === 'p1studio-capture') header = r.meta as unknown as CaptureHeader
      else Object.assign(metadata, r.meta)
    } else {
      dataRecords++
      bytes += r.bytes.length
      firstTime ??= r.time
      lastTime = r.time
    }
  }
  header ??= { format: 'p1studio-capture', version: 1, source: 'unknown: header damaged', lineSettings: null, appVersion: '', startedAt: '' }
  return { header, metadata, dataRecords, bytes, firstTime, lastTime, damaged: summary.damaged ?? [], warning: summary.warning }
}
