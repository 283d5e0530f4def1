/**
 * Import any input the importers open (a raw, hex or text dump, or a capture) as a new
 * capture file — `p1studio import` and the app's Import. Never half a file: the capture is
 * written under a temporary name beside the target (0600) and linked into place only once
 * complete; a bad input, a disk that fills up or any other failure removes it. An input with
 * no P1 frame at all (junk, a text file) is refused: an empty capture helps no one.
 */
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { openInput } from './importers'
import { CaptureFormatError, captureWarningInfo, type CaptureWarningInfo, type ReadSummary } from './reader'
import { explainFileError, PendingFile } from './safe-file'
import { CaptureWriter } from './writer'

/** Options of {@link importToCapture}. */
export interface ImportOptions {
  appVersion: string
  /** Replace an existing file at the target (default: refuse). */
  force?: boolean
}

/** What an import wrote. */
export interface ImportResult {
  path: string
  /** "dump.hex (hex dump)". */
  description: string
  format: string
  records: number
  bytes: number
  frames: number
  syntheticTimes: boolean
  /** A torn or damaged source capture (salvaged), in plain words; null otherwise. */
  warning: string | null
  /** The same as a code with params (`capture_torn`, `capture_damaged`), null otherwise. */
  warningInfo: CaptureWarningInfo | null
}

/**
 * Import `input` into a new capture at `out`.
 * @throws CaptureFormatError for an input that is not importable or holds no P1 frame; Error in
 * plain words when the target exists (without `force`) or cannot be written (disk full…).
 * Nothing is left at `out` (nor beside it) on failure.
 */
export async function importToCapture(input: string, out: string, opts: ImportOptions): Promise<ImportResult> {
  const opened = await openInput(input)
  if (opened.frames === 0) {
    throw new CaptureFormatError(
      `${basename(input)} holds no P1 data: no encrypted DLMS frame and no DSMR telegram was found in it (read as ${opened.description.replace(/^.*\((.*)\)$/, '$1')}). Nothing was imported.`,
      0
    )
  }
  if (!opts.force) {
    // fail before any work when the name is taken (the final link checks again)
    if (existsSync(out)) throw new Error(`${out} already exists: P1 Studio does not overwrite files (use --force to replace it).`)
  }
  // the writer creates the temporary file itself (exclusively, 0600)
  const pending = new PendingFile(out, 'the capture', false)
  const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
  let writer: CaptureWriter | null = null
  let records = 0
  try {
    for await (const r of opened.records(summary)) {
      if (r.type === 'metadata') {
        writer ??= new CaptureWriter({
          path: pending.tempPath,
          source: `imported from ${opened.description}`,
          lineSettings: typeof r.meta.lineSettings === 'string' ? r.meta.lineSettings : null,
          appVersion: opts.appVersion,
          header: { syntheticTimes: opened.syntheticTimes, note: `format ${opened.format}` }
        })
        continue
      }
      writer ??= new CaptureWriter({
        path: pending.tempPath,
        source: `imported from ${opened.description}`,
        appVersion: opts.appVersion,
        header: { note: `format ${opened.format}` }
      })
      writer.write(r.bytes, r.time)
      if (writer.error) throw writer.error
      records++
    }
    if (!writer) throw new CaptureFormatError(`${basename(input)} holds no data.`, 0)
    const p = writer.close()
    if (writer.error) throw writer.error
    pending.commit(opts.force)
    return {
      path: out,
      description: opened.description,
      format: opened.format,
      records,
      bytes: p.bytes,
      frames: p.frames,
      syntheticTimes: opened.syntheticTimes,
      warning: summary.warning,
      warningInfo: captureWarningInfo(summary)
    }
  } catch (e) {
    writer?.close()
    pending.abort()
    if (e instanceof CaptureFormatError) throw e
    // a write error (the writer's carry the errno as their cause): said for the target, not
    // for the temporary file
    const errno = ((e as Error).cause ?? e) as NodeJS.ErrnoException
    if (errno.code) throw new Error(`${explainFileError(out, errno, 'the capture')} Nothing was imported.`, { cause: e })
    throw e
  }
}
