/**
 * Export of a capture (or any importable file) as CSV, JSON Lines or raw bytes.
 * - CSV: one row per telegram: meter time (0-0:1.0.0, ISO 8601), receive time (ISO 8601;
 *   empty for a record time that is no date), frame counter, then one column per OBIS code
 *   seen in the file, its unit in the header (`1-0:1.7.0 [kW]`). Two streaming passes
 *   (columns first), so memory stays flat.
 * - JSON Lines: exactly what `p1studio decode` prints, one line per frame.
 * - raw: the bytes as received, concatenated.
 * Decoding builds no frame hex (never exported). {@link exportToFile} writes a file whole or
 * not at all (temporary name, 0600, linked into place), with write errors in plain words.
 */
import { createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { localIsoTime } from './format'
import { openInput } from './importers'
import { captureWarningInfo, type CaptureWarningInfo, type ReadSummary } from './reader'
import { explainFileError, PendingFile } from './safe-file'

/** Export formats. */
export type ExportFormat = 'csv' | 'jsonl' | 'raw'

/** Options of {@link exportFile}. */
export interface ExportOptions {
  format: ExportFormat
  /** P1 key (32 hex digits) for encrypted frames. */
  key?: string
  authKey?: string
  /**
   * The meter's time zone (IANA; default Europe/Luxembourg): its W/S telegram times are read in
   * it, and CSV receive times are written in it (one time convention: meter-local, ISO 8601 with
   * the offset, e.g. 2026-06-21T14:00:05.220+02:00).
   */
  zone?: string
  /** Called with the share done (0…1) now and then. */
  onProgress?: (fraction: number) => void
}

/** A warning of an export as a code with params beside its English words (docs/verdict-codes.md). */
export type ExportWarning = CaptureWarningInfo | { code: 'nothing_decoded'; message: string; params: { frames: number; failed: number; missingKey: number } }

/** What an export did. */
export interface ExportSummary {
  telegrams: number
  /** Frames that did not decode (`missing_key` included). */
  failed: number
  /** Of them, encrypted frames that found no P1 key. */
  missingKey: number
  bytes: number
  /** Every warning in plain words, one paragraph; null when all is well. */
  warning: string | null
  /** The same, one code with params each: `nothing_decoded` {frames, failed, missingKey}, `capture_torn`, `capture_damaged`. */
  warnings: ExportWarning[]
}

/**
 * An export of telegrams (CSV, JSON Lines) that wrote none is not a success: `nothing_decoded`,
 * in plain words that say what to do (set the P1 key, when frames are encrypted). null when
 * telegrams were written or the format is raw bytes.
 */
export function nothingDecoded(format: ExportFormat, res: Pick<ExportSummary, 'telegrams' | 'failed' | 'missingKey'>): ExportWarning | null {
  if (format === 'raw' || res.telegrams > 0) return null
  const frames = res.failed
  const message =
    res.missingKey > 0
      ? "No telegram decoded: set the meter's P1 key (its frames are encrypted)."
      : frames > 0
        ? `No telegram decoded: none of the ${frames === 1 ? 'frame' : `${frames} frames`} opened or checked (wrong P1 key, or damaged frames).`
        : 'No telegram decoded: the file holds no P1 frame.'
  return { code: 'nothing_decoded', message, params: { frames, failed: res.failed, missingKey: res.missingKey } }
}

/** Write with back-pressure; rejects once the stream has failed (disk full…). */
function write(out: Writable, s: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.errored) return reject(out.errored)
    if (out.write(s)) resolve()
    else {
      const onDrain = (): void => {
        out.off('error', onError)
        resolve()
      }
      const onError = (e: Error): void => {
        out.off('drain', onDrain)
        reject(e)
      }
      out.once('drain', onDrain)
      out.once('error', onError)
    }
  })
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

async function* decodedEvents(path: string, opts: ExportOptions, summary: ReadSummary): AsyncGenerator<DecodeEvent> {
  const input = await openInput(path)
  const decoder = new P1Decoder({ key: opts.key ?? null, authKey: opts.authKey, frameHex: false, zone: opts.zone })
  let last = 0
  for await (const r of input.records(summary)) {
    if (r.type !== 'data') continue
    last = r.time
    yield* decoder.push(r.bytes, r.time)
  }
  yield* decoder.end(last)
}

/**
 * A receive time (ms since the epoch) as the meter's local time with milliseconds and the
 * offset, e.g. "2026-06-21T14:00:05.220+02:00"; null when it is no date.
 */
export function localReceiveTime(ms: number, zone?: string): string | null {
  const iso = localIsoTime(ms, zone)
  if (iso === null) return null
  const frac = String(((ms % 1000) + 1000) % 1000).padStart(3, '0')
  return iso.replace(/(Z|[+-]\d\d:\d\d)$/, `.${frac}$1`)
}

/**
 * Export `path` to `out`. @throws CaptureFormatError / Error in plain words for a bad file;
 * TypeError for a malformed key.
 */
export async function exportFile(path: string, out: Writable, opts: ExportOptions): Promise<ExportSummary> {
  const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
  const res: ExportSummary = { telegrams: 0, failed: 0, missingKey: 0, bytes: 0, warning: null, warnings: [] }
  const failedOne = (ev: DecodeEvent): void => {
    if (ev.type !== 'failure') return
    res.failed++
    if (ev.failure.code === 'missing_key') res.missingKey++
  }
  if (opts.format === 'raw') {
    const input = await openInput(path)
    for await (const r of input.records(summary)) {
      if (r.type !== 'data') continue
      res.bytes += r.bytes.length
      await write(out, r.bytes)
    }
  } else if (opts.format === 'jsonl') {
    for await (const ev of decodedEvents(path, opts, summary)) {
      const line = eventJson(ev)
      if (line === null) continue
      if (ev.type === 'telegram') res.telegrams++
      else failedOne(ev)
      await write(out, line + '\n')
    }
  } else {
    // pass 1: columns (OBIS code → unit) in order of first appearance
    const columns = new Map<string, string | null>()
    for await (const ev of decodedEvents(path, opts, { records: 0, tornAt: null, warning: null })) {
      if (ev.type !== 'telegram') continue
      for (const o of ev.telegram.telegram.objects) {
        if (o.obis === '0-0:1.0.0') continue
        if (!columns.has(o.obis) || (columns.get(o.obis) === null && o.unit)) columns.set(o.obis, o.unit)
      }
    }
    const codes = [...columns.keys()]
    await write(
      out,
      ['meter_time', 'receive_time', 'frame_counter', ...codes.map((c) => (columns.get(c) ? `${c} [${columns.get(c)}]` : c))].map(csvCell).join(',') + '\r\n'
    )
    for await (const ev of decodedEvents(path, opts, summary)) {
      if (ev.type !== 'telegram') {
        failedOne(ev)
        continue
      }
      const t = ev.telegram
      const byCode = new Map<string, unknown>()
      for (const o of t.telegram.objects) if (!byCode.has(o.obis)) byCode.set(o.obis, o.value)
      const row = [t.telegram.meterTime, localReceiveTime(t.receivedAt, opts.zone), t.dlms?.frameCounter ?? null, ...codes.map((c) => byCode.get(c))]
      res.telegrams++
      await write(out, row.map(csvCell).join(',') + '\r\n')
    }
  }
  const none = nothingDecoded(opts.format, res)
  const read = captureWarningInfo(summary)
  if (none) res.warnings.push(none)
  if (read) res.warnings.push(read)
  res.warning = res.warnings.length ? res.warnings.map((w) => w.message).join(' ') : null
  return res
}

/**
 * Export `path` into the file `out`, whole or not at all: written under a temporary name
 * beside it (0600), linked into place when complete (an existing file is kept unless
 * `force`), removed on any failure.
 * @throws Error in plain words (exists, disk full, quota, permission…), CaptureFormatError /
 * Error for a bad input, TypeError for a malformed key. Nothing is left at `out` on failure.
 */
export async function exportToFile(path: string, out: string, opts: ExportOptions & { force?: boolean }): Promise<ExportSummary> {
  const pending = new PendingFile(out, 'the export')
  const stream = createWriteStream(pending.tempPath, { flags: 'w' })
  let failure: unknown = null
  stream.on('error', (e) => (failure ??= e))
  try {
    const res = await exportFile(path, stream, opts)
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject)
      stream.end(() => resolve())
    })
    if (failure) throw failure
    pending.commit(opts.force)
    return res
  } catch (e) {
    stream.destroy()
    pending.abort()
    const errno = (failure ?? ((e as Error).cause as unknown) ?? e) as NodeJS.ErrnoException
    if (errno && typeof errno === 'object' && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code)) {
      throw new Error(explainFileError(out, errno, 'the export'), { cause: e })
    }
    throw e
  }
}
