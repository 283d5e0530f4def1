/**
 * Captures for the app (namespace `capture`): record the open source into the capture folder,
 * list the captures there, import dumps as captures, export captures. Files the app writes
 * always go into the capture folder, under names it picks (never overwriting, 0600); a P1 key
 * is only used to decode for CSV/JSONL export, never written. Which files a request may name
 * is the caller's rule (caller.ts: a browser names files of the folder only).
 */
import { EventEmitter } from 'node:events'
import { mkdir, readdir, stat } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import {
  ApiError,
  CAPTURE,
  type CaptureFileInfo,
  type CaptureProgress,
  type CaptureStatus,
  type ExportResult,
  type Handlers,
  type ImportFileResult,
  type WireError,
  type RequestOut,
  type ShareResult
} from '../../shared/contract'
import { formatLineSettings } from '../../shared/line-settings'
import { CaptureWriter, captureSource } from '../capture/writer'
import { importToCapture } from '../capture/import-capture'
import { exportToFile } from '../capture/export'
import { anonymiseCapture } from '../capture/anonymise'
import type { Caller } from './caller'
import type { KeyService } from './keys'
import type { SourceService } from './source-service'

type Req<M extends keyof typeof CAPTURE.methods> = RequestOut<(typeof CAPTURE.methods)[M]>

const EXT = '.p1cap'

function stamp(t = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${t.getFullYear()}${p(t.getMonth() + 1)}${p(t.getDate())}-${p(t.getHours())}${p(t.getMinutes())}${p(t.getSeconds())}`
}

/** A file name made safe: letters, digits, dot, dash, underscore. */
export function safeName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 80) || 'capture'
  )
}

/** Why a capture stopped, as a code with params: `disk_full` (ENOSPC, EDQUOT), else `capture_write_failed` {path, reason}. */
function writeErrorInfo(e: Error, path: string): WireError {
  const errno = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? null
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return { code: 'disk_full', message: e.message, params: { path } }
  return { code: 'capture_write_failed', message: e.message, params: { path, reason: errno } }
}

/** Capture folder operations and the running capture. Events: 'change' (status changed). */
export class CaptureService extends EventEmitter<{ change: [] }> implements Handlers<typeof CAPTURE, Caller> {
  private writer: CaptureWriter | null = null
  private stopFn: (() => CaptureProgress) | null = null
  private last: CaptureProgress | null = null
  private error: WireError | null = null

  constructor(
    readonly dir: string,
    private readonly appVersion: string,
    private readonly source: SourceService,
    private readonly keys: KeyService
  ) {
    super()
  }

  /** What the running (or last) capture did. */
  status(): CaptureStatus {
    const p = this.writer ? this.writer.progress() : this.last
    return {
      active: this.writer !== null,
      dir: this.dir,
      path: p?.path || null,
      files: p?.files ?? [],
      bytes: p?.bytes ?? 0,
      frames: p?.frames ?? 0,
      fileBytes: p?.fileBytes ?? 0,
      durationS: p?.durationS ?? 0,
      systemTitle: p?.systemTitle ?? null,
      error: this.error?.message ?? null,
      errorInfo: this.error
    }
  }

  private async ensureDir(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true })
    } catch (e) {
      throw new Error(`Cannot create the capture folder ${this.dir}: ${(e as Error).message}`, { cause: e })
    }
  }

  /** A free path in the folder for `base` + `ext`. */
  private async freePath(base: string, ext: string): Promise<string> {
    for (let i = 0; ; i++) {
      const p = join(this.dir, `${base}${i ? `-${i}` : ''}${ext}`)
      try {
        await stat(p)
      } catch {
        return p
      }
    }
  }

  /**
   * Start recording the open source. @throws ApiError no_source / already_running, Error if the
   * file cannot be created.
   */
  async startCapture(opts: Req<'startCapture'>): Promise<CaptureStatus> {
    const source = this.source.current
    if (!source) throw new ApiError('no_source', 'Open a source first (a port, the demo or a capture), then capture it.')
    if (this.writer) throw new ApiError('already_running', 'A capture is already running: stop it first.')
    const st = this.source.state()
    await this.ensureDir()
    const path = await this.freePath(safeName(opts.name ?? `p1-${stamp()}`), EXT)
    const writer = new CaptureWriter({
      path,
      source: source.label,
      lineSettings: st.kind === 'serial' ? formatLineSettings(st.settings) : null,
      appVersion: this.appVersion,
      splitDaily: opts.splitDaily
    })
    this.writer = writer
    this.error = null
    const cap = captureSource(source, writer)
    this.stopFn = cap.stop
    writer.on('progress', () => this.emit('change'))
    writer.on('error', (e) => {
      this.error = writeErrorInfo(e, writer.currentPath || path)
      this.finish()
    })
    void cap.done.then(() => {
      if (this.writer === writer) this.finish()
    })
    this.emit('change')
    return this.status()
  }

  private finish(): void {
    if (!this.writer) return
    this.last = this.stopFn ? this.stopFn() : this.writer.close()
    this.writer = null
    this.stopFn = null
    this.emit('change')
  }

  /** Stop the running capture (no-op if none). */
  async stopCapture(): Promise<CaptureStatus> {
    this.finish()
    return this.status()
  }

  /** Captures in the folder, newest first. */
  async listCaptures(): Promise<CaptureFileInfo[]> {
    let names: string[]
    try {
      names = await readdir(this.dir)
    } catch {
      return []
    }
    const out: CaptureFileInfo[] = []
    for (const name of names) {
      if (extname(name) !== EXT) continue
      try {
        const st = await stat(join(this.dir, name))
        out.push({ name, path: join(this.dir, name), bytes: st.size, modifiedAt: st.mtime.toISOString() })
      } catch {
        /* vanished */
      }
    }
    return out.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt))
  }

  /**
   * Import a raw/hex/text dump (or copy a capture) into the folder as a capture. The whole
   * file is checked first: a bad file leaves nothing behind.
   * @throws CaptureFormatError / Error naming the problem and where.
   */
  async importFile(req: Req<'importFile'>, caller: Caller): Promise<ImportFileResult> {
    const path = await caller.inputFile(req.path)
    await this.ensureDir()
    const out = await this.freePath(safeName(basename(path, extname(path))), EXT)
    // 0600, under a temporary name until complete, nothing left on failure; junk refused
    const res = await importToCapture(path, out, { appVersion: this.appVersion })
    const st = await stat(out)
    return {
      name: basename(out),
      path: out,
      bytes: st.size,
      modifiedAt: st.mtime.toISOString(),
      warning: res.warning,
      warnings: res.warningInfo ? [res.warningInfo] : []
    }
  }

  /**
   * Export a capture into the folder as CSV, JSON Lines or raw bytes, with the session's key;
   * the meter's `W`/`S` times and the CSV's receive times in the open source's zone (as
   * `p1studio export --zone`; default Europe/Luxembourg when no source is open).
   */
  async exportCapture(req: Req<'exportCapture'>, caller: Caller): Promise<ExportResult> {
    const path = await caller.inputFile(req.path)
    await this.ensureDir()
    const ext = { csv: '.csv', jsonl: '.jsonl', raw: '.bin' }[req.format]
    const out = await this.freePath(safeName(basename(path, extname(path))), ext)
    // 0600, under a temporary name until complete, nothing left on failure (disk full…)
    const st = this.source.state()
    const zone = st.kind === 'none' ? undefined : st.zone
    const res = await exportToFile(path, out, { format: req.format, key: this.keys.key ?? undefined, authKey: this.keys.authKey, zone })
    return { path: out, name: basename(out), telegrams: res.telegrams, bytes: res.bytes, warning: res.warning, warnings: res.warnings }
  }

  /**
   * "Share anonymised" (issue 15): an anonymised copy of a capture in the capture folder
   * (name-shared.p1cap), re-encrypted with a fresh random key returned beside it; meter ids and
   * system title replaced, faults, times and chunking kept (src/main/capture/anonymise.ts).
   * @throws ApiError `failed` without the session's P1 key (nothing could be opened to anonymise).
   */
  async shareCapture(req: Req<'shareCapture'>, caller: Caller): Promise<ShareResult> {
    const path = await caller.inputFile(req.path)
    const key = this.keys.key
    if (!key) throw new ApiError('failed', "Set the meter's P1 key first: the capture's frames are opened with it to take the meter's identity out.")
    await this.ensureDir()
    const out = await this.freePath(`${safeName(basename(path, extname(path)))}-shared`, EXT)
    const res = await anonymiseCapture(path, out, { key: Buffer.from(key, 'hex'), authKey: Buffer.from(this.keys.authKey, 'hex'), appVersion: this.appVersion })
    return {
      name: basename(out),
      path: out,
      key: res.keyHex,
      telegrams: res.frames + res.plainTelegrams,
      keptAsIs: res.keptAsIs,
      warning: res.warning,
      warnings: res.warnings
    }
  }

  /** Stop any capture (app exit). */
  dispose(): void {
    this.finish()
  }
}
