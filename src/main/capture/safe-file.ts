/**
 * Files the app writes: mode 0600 (the owner only: captures, exports, reports and board files
 * hold a household's consumption, a meter's identity, sometimes a key), never half a file
 * (written under a temporary name beside the target and put in place only when complete),
 * never a silent overwrite (the final step is a hard link, which fails if the name exists,
 * unless the caller forces a replace), and write errors in plain words — disk full, quota,
 * file size limit — never a raw `ENOSPC: no space left on device, write`.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, constants as FS, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Mode of every file the app writes: read and write for the owner only. */
export const PRIVATE_FILE_MODE = 0o600

/**
 * Why writing `path` failed, in plain words (one or two sentences; never a stack or an errno
 * text). `what` names the file for the user ("the export", "the report").
 */
export function explainFileError(path: string, e: NodeJS.ErrnoException, what = 'the file'): string {
  switch (e.code) {
    case 'ENOSPC':
      return `The disk is full: ${what} could not be written to ${path}. Free some space or choose another disk.`
    case 'EDQUOT':
      return `Your disk quota is used up: ${what} could not be written to ${path}.`
    case 'EFBIG':
      return `${what[0].toUpperCase()}${what.slice(1)} is larger than this system allows for one file (${path}).`
    case 'EACCES':
    case 'EPERM':
      return `Cannot write to ${dirname(path)} (permission denied): choose another folder.`
    case 'EROFS':
      return `${dirname(path)} is on a read-only disk: choose another folder.`
    case 'ENOENT':
      return `The folder ${dirname(path)} does not exist.`
    case 'ENOTDIR':
      return `${dirname(path)} is not a folder.`
    case 'EISDIR':
      return `${path} is a folder.`
    case 'EEXIST':
      return `${path} already exists: P1 Studio does not overwrite files (use --force to replace it).`
    case 'EIO':
      return `The disk reported an error while ${what} was written to ${path}.`
    default:
      return `Writing ${what} to ${path} failed${e.code ? ` (${e.code})` : ''}.`
  }
}

/** Why `path` cannot be read, in plain words (no errno text). */
export function explainReadError(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException
  switch (err.code) {
    case 'ENOENT':
      return `No file at ${path}.`
    case 'EACCES':
    case 'EPERM':
      return `No permission to read ${path}.`
    case 'EISDIR':
      return `${path} is a folder, not a file.`
    case 'EIO':
      return `The disk reported an error while reading ${path}.`
    default:
      return err.code ? `Cannot read ${path} (${err.code}).` : err instanceof Error && !err.code ? err.message : `Cannot read ${path}.`
  }
}

/** An Error whose message is a plain sentence, carrying the original error as `cause`. */
export function fileError(path: string, e: unknown, what = 'the file'): Error {
  const err = e as NodeJS.ErrnoException
  return new Error(explainFileError(path, err, what), { cause: e })
}

/**
 * A file being written under a temporary name (`.NAME.RANDOM.part`, 0600, created exclusively)
 * in the target's folder. {@link commit} puts it in place; {@link abort} removes it. Nothing
 * is ever left at the target name unless the file is complete.
 */
export class PendingFile {
  /** The temporary file. */
  readonly tempPath: string
  private done = false

  /**
   * @param target final path.
   * @param create create the (empty, 0600) temporary file now; false when the caller creates
   * it itself, exclusively and 0600 (the capture writer).
   * @throws Error in plain words if the folder cannot be written (missing, read-only, full).
   */
  constructor(
    readonly target: string,
    private readonly what = 'the file',
    create = true
  ) {
    this.tempPath = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.part`)
    if (!create) return
    try {
      closeSync(openSync(this.tempPath, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, PRIVATE_FILE_MODE))
    } catch (e) {
      throw fileError(target, e, what)
    }
  }

  /**
   * Put the complete file in place: a hard link (fails if `target` exists: never an overwrite)
   * or, with `force`, a rename over it. The temporary name is removed either way.
   * @throws Error in plain words (exists, disk…); the temporary file is then removed.
   */
  commit(force = false): void {
    if (this.done) return
    try {
      const fd = openSync(this.tempPath, 'r')
      try {
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      if (force) renameSync(this.tempPath, this.target)
      else {
        linkSync(this.tempPath, this.target)
        unlinkSync(this.tempPath)
      }
      this.done = true
    } catch (e) {
      this.abort()
      throw fileError(this.target, e, this.what)
    }
  }

  /** Remove the temporary file (after a failure). Idempotent, never throws. */
  abort(): void {
    if (this.done) return
    this.done = true
    try {
      unlinkSync(this.tempPath)
    } catch {
      /* already gone */
    }
  }
}

/**
 * Write `data` to `path` whole or not at all: a temporary file (0600) beside it, fsynced,
 * then linked into place (or renamed over an existing file with `force`).
 * @throws Error in plain words: exists (without force), disk full, quota, permission…; no
 * file is left behind.
 */
export function writeFileSafely(path: string, data: string | Uint8Array, opts: { force?: boolean; what?: string } = {}): void {
  const pending = new PendingFile(path, opts.what)
  try {
    const fd = openSync(pending.tempPath, 'w')
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      let done = 0
      while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done)
    } finally {
      closeSync(fd)
    }
  } catch (e) {
    pending.abort()
    throw fileError(path, e, opts.what)
  }
  pending.commit(opts.force)
}
