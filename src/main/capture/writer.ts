/**
 * Capture writer: appends records (format.ts) with one synchronous write each, so that after
 * kill -9 or a power cut everything but the record being written is on disk; fsync every
 * second and on close. Counts bytes and frames (deframer, no key needed), records the
 * meter's system title once seen, can split files per local day. A P1 key never reaches it.
 * Files are created exclusively with mode 0600; a file whose header cannot be written (disk
 * full at the start) is removed, never left empty.
 */
import { EventEmitter } from 'node:events'
import { closeSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { Deframer } from '../p1/deframer'
import { explainFileError } from './safe-file'
import type { ByteSource } from '../line/source'
import { CAPTURE_MAGIC, RecordType, encodeMetadata, encodeRecord, isoTime, type CaptureHeader } from './format'
import { PRIVATE_FILE_MODE } from './safe-file'
import type { CaptureProgress } from '../../shared/contract/capture'

/** Options of {@link CaptureWriter}. */
export interface CaptureWriterOptions {
  /** File to create (it must not exist). With `splitDaily`, the day is added: name-YYYY-MM-DD.p1cap. */
  path: string
  source: string
  lineSettings?: string | null
  appVersion: string
  /** A new file per local day (midnight in the computer's time zone). */
  splitDaily?: boolean
  /** Extra header fields (import notes, synthetic times). */
  header?: Partial<Pick<CaptureHeader, 'syntheticTimes' | 'note'>>
  /** Where the capture's start and duration are read (default the system clock; a ManualClock in tests). */
  clock?: { now(): number }
}

/** Progress of a capture: declared once, with the contract's capture status (src/shared/contract/capture.ts). */
export type { CaptureProgress } from '../../shared/contract/capture'

/**
 * Why writing a capture failed, in plain words: a write that stopped a running capture says the
 * file stays valid up to the last record; opening problems (permissions, folders) are worded
 * as for any file the app writes (safe-file.ts explainFileError).
 */
export function explainWriteError(path: string, e: NodeJS.ErrnoException): string {
  const kept = `capture stopped; ${path} is valid up to the last record written.`
  switch (e.code) {
    case 'ENOSPC':
      return `The disk is full: ${kept}`
    case 'EIO':
      return `The disk reported an error: ${kept}`
    case 'EDQUOT':
      return `Disk quota exceeded: ${kept}`
    case 'EFBIG':
      return `${path} has reached the largest file size this system allows: ${kept} Use one file per day.`
    case 'EEXIST':
      return `${path} already exists: P1 Studio never overwrites a capture; choose another name.`
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EISDIR':
      return explainFileError(path, e, 'the capture')
    default:
      return `Writing ${path} failed (${e.code ?? e.message}): ${kept}`
  }
}

function localDay(t: number): string {
  const d = new Date(Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? t : Date.now())
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** Writes one capture (or one per day). Events: 'progress', 'error' (then it is closed). */
export class CaptureWriter extends EventEmitter<{ progress: [CaptureProgress]; error: [Error] }> {
  private fd: number | null = null
  private path = ''
  private readonly files: string[] = []
  private day: string | null = null
  private bytes = 0
  private frames = 0
  private fileBytes = 0
  private lastTime: number | null = null
  private systemTitle: string | null = null
  /** Counts frames and finds the system title: offsets and headers only, no frame copies. */
  private readonly deframer = new Deframer({ copyFrames: false })
  private syncTimer: NodeJS.Timeout | null = null
  private dirty = false
  private failed: Error | null = null
  private readonly clock: { now(): number }
  /** When the capture started and (once closed) ended, on the writer's clock: its duration. */
  private readonly startedAt: number
  private endedAt: number | null = null

  /** Create the (first) file. @throws Error in plain words (exists, folder missing, no permission, disk full…). */
  constructor(private readonly opts: CaptureWriterOptions) {
    super()
    this.clock = opts.clock ?? { now: () => Date.now() }
    this.startedAt = this.clock.now()
    if (!opts.splitDaily) this.openFile(opts.path, this.startedAt)
    this.syncTimer = setInterval(() => this.sync(), 1000)
    this.syncTimer.unref()
  }

  /** The file being written ('' before the first byte with splitDaily). */
  get currentPath(): string {
    return this.path
  }

  get closed(): boolean {
    return this.fd === null && (this.failed !== null || this.stopped)
  }

  private stopped = false

  private fileFor(t: number): string {
    const p = this.opts.path
    if (!this.opts.splitDaily) return p
    const ext = extname(p) || '.p1cap'
    return join(dirname(p), `${basename(p, extname(p))}-${localDay(t)}${ext}`)
  }

  private openFile(path: string, t: number): void {
    let fd: number
    try {
      fd = openSync(path, 'wx', PRIVATE_FILE_MODE)
    } catch (e) {
      throw new Error(explainWriteError(path, e as NodeJS.ErrnoException), { cause: e })
    }
    const header: CaptureHeader = {
      format: 'p1studio-capture',
      version: 1,
      source: this.opts.source,
      lineSettings: this.opts.lineSettings ?? null,
      appVersion: this.opts.appVersion,
      startedAt: isoTime(t) ?? new Date().toISOString(),
      ...this.opts.header
    }
    const head = [CAPTURE_MAGIC, encodeMetadata(t, header)]
    if (this.systemTitle) head.push(encodeMetadata(t, { systemTitle: this.systemTitle }))
    const buf = Buffer.concat(head)
    try {
      let done = 0
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done)
    } catch (e) {
      // no header, no capture: an empty or half header is removed, not left behind
      try {
        closeSync(fd)
      } catch {
        /* already gone */
      }
      try {
        unlinkSync(path)
      } catch {
        /* already gone */
      }
      const err = e as NodeJS.ErrnoException
      const why: Record<string, string> = {
        ENOSPC: 'The disk is full',
        EDQUOT: 'Disk quota exceeded',
        EFBIG: 'The file size limit is too small even for the header',
        EIO: 'The disk reported an error'
      }
      throw new Error(
        err.code && why[err.code] ? `${why[err.code]}: the capture could not be started (${path} was not created).` : explainWriteError(path, err),
        { cause: e }
      )
    }
    this.fd = fd
    this.path = path
    this.files.push(path)
    this.fileBytes = buf.length
    this.dirty = true
  }

  private put(buf: Buffer): void {
    if (this.fd === null) return
    let done = 0
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done)
    this.fileBytes += buf.length
    this.dirty = true
  }

  /**
   * Append a chunk as read at `time` (ms since the epoch). After an error the writer is
   * closed and further chunks are ignored ('error' was emitted once).
   */
  write(chunk: Buffer, time: number = Date.now()): void {
    if (this.failed || this.stopped) return
    try {
      if (this.opts.splitDaily) {
        const day = localDay(time)
        if (day !== this.day) {
          this.closeFile()
          this.day = day
          this.openFile(this.fileFor(time), time)
        }
      }
      this.put(encodeRecord(RecordType.data, time, chunk))
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      this.fail(err.code ? new Error(explainWriteError(this.path, err), { cause: e }) : err)
      return
    }
    this.bytes += chunk.length
    this.lastTime = time
    for (const ev of this.deframer.push(chunk, time)) {
      if (ev.type !== 'frame') continue
      this.frames++
      if (!this.systemTitle && ev.dlms) {
        this.systemTitle = ev.dlms.systemTitle
        try {
          this.put(encodeMetadata(time, { systemTitle: this.systemTitle }))
        } catch (e) {
          this.fail(new Error(explainWriteError(this.path, e as NodeJS.ErrnoException), { cause: e }))
          return
        }
      }
    }
    this.emit('progress', this.progress())
  }

  /** Current figures. */
  progress(): CaptureProgress {
    let fileBytes = this.fileBytes
    if (this.fd !== null) {
      try {
        fileBytes = fstatSync(this.fd).size
      } catch {
        /* keep the count */
      }
    }
    return {
      path: this.path,
      files: this.files.slice(),
      bytes: this.bytes,
      frames: this.frames,
      fileBytes,
      // how long the capture has been recording (a 32 s capture whose frames came at 4, 14 and
      // 24 s lasted 32 s, not the 20 s between its first and last byte)
      durationS: Math.max(0, (this.endedAt ?? this.clock.now()) - this.startedAt) / 1000,
      systemTitle: this.systemTitle
    }
  }

  private sync(): void {
    if (this.fd === null || !this.dirty) return
    try {
      fsyncSync(this.fd)
      this.dirty = false
    } catch {
      /* reported by the next write */
    }
  }

  private closeFile(): void {
    if (this.fd === null) return
    this.sync()
    try {
      closeSync(this.fd)
    } catch {
      /* already gone */
    }
    this.fd = null
  }

  private fail(err: Error): void {
    this.endedAt ??= this.clock.now()
    this.failed = err
    this.closeFile()
    if (this.syncTimer) clearInterval(this.syncTimer)
    this.emit('error', err)
  }

  /** The error that stopped the writer (disk full…), null while it works. */
  get error(): Error | null {
    return this.failed
  }

  /** Flush, fsync and close. Idempotent. @returns the final figures. */
  close(): CaptureProgress {
    // a last frame the deframer still held (it waits for a byte that could start a header)
    if (!this.stopped && !this.failed) for (const ev of this.deframer.end(this.lastTime ?? undefined)) if (ev.type === 'frame') this.frames++
    if (!this.stopped && !this.failed) this.endedAt = this.clock.now()
    const p = this.progress()
    this.stopped = true
    this.closeFile()
    if (this.syncTimer) clearInterval(this.syncTimer)
    this.syncTimer = null
    return p
  }
}

/**
 * Capture a running source into a writer until `stop()`; the source's 'end' also stops it.
 * @returns stop(), which closes the writer and resolves with the final figures.
 */
export function captureSource(source: ByteSource, writer: CaptureWriter): { stop(): CaptureProgress; done: Promise<CaptureProgress> } {
  let resolveDone: (p: CaptureProgress) => void = () => undefined
  const done = new Promise<CaptureProgress>((r) => (resolveDone = r))
  const onData = (chunk: Buffer, at: number): void => writer.write(chunk, at)
  const stop = (): CaptureProgress => {
    source.off('data', onData)
    source.off('end', onEnd)
    const p = writer.close()
    resolveDone(p)
    return p
  }
  const onEnd = (): void => void stop()
  source.on('data', onData)
  source.on('end', onEnd)
  writer.once('error', () => {
    source.off('data', onData)
    source.off('end', onEnd)
    resolveDone(writer.progress())
  })
  return { stop, done }
}
