/**
 * Streaming reader of capture files (format.ts): records one by one in constant memory.
 * A torn last record (crash while writing) is a warning; damage anywhere else, a wrong
 * magic or an empty file is a {@link CaptureFormatError} naming the byte offset.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { CAPTURE_MAGIC, MAX_RECORD_PAYLOAD, RECORD_HEADER_BYTES, RECORD_TRAILER_BYTES, RecordType, recordCrc, type CaptureHeader } from './format'

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
  | { type: 'metadata'; time: number; offset: number; meta: Record<string, unknown> }
  | { type: 'data'; time: number; offset: number; bytes: Buffer }

/** Result of reading a whole capture's records (after iteration). */
export interface ReadSummary {
  records: number
  /** Set when the last record was torn (file cut while writing). */
  tornAt: number | null
  warning: string | null
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

/**
 * Read a capture's records in order. The first record is the header (metadata).
 * @param summary filled in as reading goes (torn last record → `warning`).
 * @throws CaptureFormatError for an empty file, a wrong magic, a missing header or damage before the last record.
 * @throws Error (plain words) if the file cannot be read.
 */
export async function* readCapture(path: string, summary: ReadSummary = { records: 0, tornAt: null, warning: null }, startOffset = 0): AsyncGenerator<CaptureRecord> {
  for await (const batch of readCaptureBatches(path, summary, startOffset)) yield* batch
}

/**
 * The same records in batches (all the records of one 256 kB read): one promise per batch
 * instead of one per record, for bulk readers (export, statistics, benchmarks).
 * @throws as {@link readCapture}.
 */
export async function* readCaptureBatches(path: string, summary: ReadSummary = { records: 0, tornAt: null, warning: null }, startOffset = 0): AsyncGenerator<CaptureRecord[]> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024, start: startOffset })
  let buf: Buffer = Buffer.alloc(0)
  let pos = startOffset // file offset of buf[0]
  let magicChecked = startOffset > 0
  let sawHeader = startOffset > 0
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
      let i = 0
      const batch: CaptureRecord[] = []
      while (buf.length - i >= RECORD_HEADER_BYTES) {
        const type = buf[i]
        const len = buf.readUInt32LE(i + 1)
        if ((type !== RecordType.metadata && type !== RecordType.data) || len > MAX_RECORD_PAYLOAD) {
          // a zero-filled tail (a power cut after the file grew) is torn, decided at the end
          if (isAllZero(buf, i)) break
          throw new CaptureFormatError(`Damaged record at byte offset ${pos + i} (type ${type}, length ${len}).`, pos + i)
        }
        const total = RECORD_HEADER_BYTES + len + RECORD_TRAILER_BYTES
        if (buf.length - i < total) break
        const crc = buf.readUInt32LE(i + RECORD_HEADER_BYTES + len)
        if (recordCrc(buf.subarray(i, i + RECORD_HEADER_BYTES + len)) !== crc) {
          // the very last bytes read (maybe a zero-filled tail): torn if the file ends here
          if (isAllZero(buf, i + total)) break
          throw new CaptureFormatError(`Damaged record at byte offset ${pos + i}: CRC-32 does not match.`, pos + i)
        }
        const time = buf.readDoubleLE(i + 5)
        const payload = buf.subarray(i + RECORD_HEADER_BYTES, i + RECORD_HEADER_BYTES + len)
        const offset = pos + i
        i += total
        summary.records++
        if (type === RecordType.metadata) {
          let meta: Record<string, unknown>
          try {
            meta = JSON.parse(payload.toString('utf8'))
          } catch {
            throw new CaptureFormatError(`Metadata record at byte offset ${offset} is not valid JSON.`, offset)
          }
          if (!sawHeader) {
            if (meta.format !== 'p1studio-capture') throw new CaptureFormatError('Capture header missing or not a P1 Studio capture header (byte offset 8).', offset)
            if (meta.version !== 1) throw new CaptureFormatError(`Capture format version ${String(meta.version)} is not supported (this P1 Studio reads version 1).`, offset)
            sawHeader = true
          }
          batch.push({ type: 'metadata', time, offset, meta })
        } else {
          if (!sawHeader) throw new CaptureFormatError('Capture header missing: the first record is not metadata (byte offset 8).', offset)
          // no copy: `buf` is never written to again (each read is a new buffer)
          batch.push({ type: 'data', time, offset, bytes: payload })
        }
      }
      buf = buf.subarray(i)
      pos += i
      if (batch.length) yield batch
    }
  } catch (e) {
    if (e instanceof CaptureFormatError) throw e
    const err = e as NodeJS.ErrnoException
    if (err.code === 'ENOENT') throw new Error(`No file at ${path}.`)
    throw new Error(`Cannot read ${path}: ${err.message}`)
  } finally {
    stream.destroy()
  }
  if (!magicChecked) {
    if (pos === 0 && buf.length === 0) throw new CaptureFormatError('The file is empty.', 0)
    throw new CaptureFormatError('Not a P1 Studio capture: the file is shorter than the 8-byte magic.', 0)
  }
  if (!sawHeader && buf.length === 0) throw new CaptureFormatError('Capture header missing: the file ends after the magic (byte offset 8).', 8)
  if (buf.length > 0) {
    summary.tornAt = pos
    summary.warning = tornMessage(pos)
  }
}

/** Header and data statistics of a capture (one streaming pass). */
export interface CaptureInfo {
  header: CaptureHeader
  /** Metadata records after the header, merged (e.g. systemTitle). */
  metadata: Record<string, unknown>
  dataRecords: number
  bytes: number
  /** Receive times of the first and last data record, ms since the epoch. */
  firstTime: number | null
  lastTime: number | null
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
      if (!header) header = r.meta as unknown as CaptureHeader
      else Object.assign(metadata, r.meta)
    } else {
      dataRecords++
      bytes += r.bytes.length
      firstTime ??= r.time
      lastTime = r.time
    }
  }
  return { header: header as CaptureHeader, metadata, dataRecords, bytes, firstTime, lastTime, warning: summary.warning }
}
