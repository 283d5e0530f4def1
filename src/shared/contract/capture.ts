/**
 * Namespace `capture`: record the open source into the capture folder, list the captures
 * there, import dumps as captures, export captures (CSV, JSON Lines, raw). From a browser, a
 * file is named by its name in the capture folder; an export comes back to the browser as
 * `GET /download/<name>` (serve's token and Host checks apply).
 */
import { z } from 'zod'
import { method, namespace, noParams, pathText, result } from './define'
import type { WireError } from './errors'

/** What a capture did so far (the capture writer's progress, src/main/capture/writer.ts). */
export interface CaptureProgress {
  /** Current file. */
  path: string
  /** Every file written so far (several with splitDaily). */
  files: string[]
  /** Data bytes captured. */
  bytes: number
  /** Frames seen (DLMS frames and plain telegrams). */
  frames: number
  /** Size of the current file, bytes. */
  fileBytes: number
  /** Seconds since the capture started (frozen when it stops), s. */
  durationS: number
  systemTitle: string | null
}

/** A capture being written (or the last one): its progress, and the app's side of it. */
export interface CaptureStatus extends Omit<CaptureProgress, 'path'> {
  active: boolean
  /** Capture folder of the app. */
  dir: string
  /** Current file, null before the first capture. */
  path: string | null
  /** Why the capture stopped (disk full, folder unwritable…), null if fine. */
  error: string | null
  /** The same as a code with params (`disk_full`, `capture_write_failed` {path, reason}), null if fine. */
  errorInfo: WireError | null
}

/** A file in one of the app's folders (captures, firmware). */
export interface CaptureFileInfo {
  name: string
  path: string
  bytes: number
  /** ISO 8601. */
  modifiedAt: string
}

/** Result of an export into the capture folder (`name`: for `/download/<name>` in serve mode). */
export interface ExportResult {
  path: string
  name: string
  telegrams: number
  bytes: number
  /** Plain words when something deserves attention (no telegram decoded, a damaged capture), null if fine. */
  warning: string | null
  /** The same, one code with params each: `nothing_decoded` {frames, failed}, `capture_torn`, `capture_damaged` (docs/verdict-codes.md). */
  warnings: WireError[]
}

/** Result of an import: the new capture, and what deserves attention (a torn or damaged source capture, salvaged). */
export interface ImportFileResult extends CaptureFileInfo {
  warning: string | null
  /** `capture_torn` {offset}, `capture_damaged` {places, bytes, tornOffset}. */
  warnings: WireError[]
}

export const startCaptureSchema = z
  .object({ name: z.string().max(80).optional(), splitDaily: z.boolean().optional() })
  .strict()
  .default({})

/** A capture or dump: a path (desktop, CLI) or a name in the capture folder (every caller). */
export const fileRequestSchema = z.object({ path: pathText }).strict()

export const exportRequestSchema = z.object({ path: pathText, format: z.enum(['csv', 'jsonl', 'raw']) }).strict()

/** An anonymised copy of a capture, to share (issue 15). */
export interface ShareResult {
  /** The new capture's name in the capture folder (from a browser: download it as /download/<name>). */
  name: string
  path: string
  /**
   * The fresh random P1 key the telegrams are re-encrypted with (32 hex digits): give it with
   * the file. It is no meter's key; the customer's key is never in the copy.
   */
  key: string
  /** Telegrams re-encrypted. */
  telegrams: number
  /** Frames that could not be opened with the session's key, copied as they were (their content is not readable anyway). */
  keptAsIs: number
  /** Plain words when something deserves attention (0 telegrams…), null if fine. */
  warning: string | null
  /** The same, one code with params each: `nothing_decoded`, `frames_kept_as_is` {frames}, `capture_torn`, `capture_damaged`. */
  warnings: WireError[]
}

export const CAPTURE = namespace({
  /** Record the open source into the capture folder. @throws no_source, already_running. */
  startCapture: method(startCaptureSchema, 'capture request', result<CaptureStatus>()),
  stopCapture: method(noParams, 'request', result<CaptureStatus>()),
  /** Captures in the capture folder, newest first. */
  listCaptures: method(noParams, 'request', result<CaptureFileInfo[]>()),
  /** Import a raw, hex or telegram-text dump as a capture in the folder. @throws naming the problem and where. */
  importFile: method(fileRequestSchema, 'request', result<ImportFileResult>()),
  /** Export a capture (or dump) into the folder as CSV, JSON Lines or raw bytes, with the session's key. */
  exportCapture: method(exportRequestSchema, 'export request', result<ExportResult>()),
  /**
   * "Share anonymised": the capture re-encrypted with a fresh random key, the meter id, system
   * title and equipment ids replaced consistently, times, cadence, faults and damage kept
   * byte for byte (diagnose gives the same verdict). Needs the session's key for the capture.
   */
  shareCapture: method(fileRequestSchema, 'share request', result<ShareResult>())
})
