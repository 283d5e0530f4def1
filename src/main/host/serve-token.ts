/**
 * Serve mode's access token, kept across restarts so a bookmarked address keeps working:
 * 32 random bytes as 64 hex digits in `serve-token` of the data folder ($P1STUDIO_DATA_DIR,
 * else ~/P1Studio), mode 0600. `p1studio token` prints it, `p1studio token --new` replaces it.
 *
 * A file that others may read (group/world bits set), that is not a regular file, or whose
 * content is not a token is replaced by a new token: a token others could read is no secret.
 * Two processes creating it at once agree on one (hard link of a complete temporary file: the
 * first wins, the other reads the winner's).
 */
import { randomBytes } from 'node:crypto'
import { constants as FS, promises as fsp } from 'node:fs'
import { join } from 'node:path'

/** File name inside the data folder. */
export const SERVE_TOKEN_FILE = 'serve-token'

const TOKEN_RE = /^[0-9a-f]{64}$/

/** A fresh token: 64 hex digits (256 bits from node:crypto). */
export function newServeToken(): string {
  return randomBytes(32).toString('hex')
}

/** What {@link loadServeToken} found. */
export interface ServeTokenInfo {
  token: string
  /** Path of the token file. */
  path: string
  /** 'kept' = read from the file; 'created' = no file before; 'replaced' = the old one was unsafe or damaged. */
  state: 'kept' | 'created' | 'replaced'
  /** Why an old file was replaced (plain sentence), null otherwise. */
  reason: string | null
}

/**
 * Read the data folder's token, creating it (0600, folder 0700 when created) if missing or
 * unsafe. @param opts.renew replace it by a new one (old addresses stop working).
 * @throws Error in plain words when the folder cannot be written (permission, disk full).
 */
export async function loadServeToken(dataDir: string, opts: { renew?: boolean } = {}): Promise<ServeTokenInfo> {
  const path = join(dataDir, SERVE_TOKEN_FILE)
  let reason: string | null = opts.renew ? 'a new token was asked for' : null
  if (!opts.renew) {
    const found = await readToken(path)
    if (found.token) return { token: found.token, path, state: 'kept', reason: null }
    reason = found.problem
  }
  try {
    await fsp.mkdir(dataDir, { recursive: true, mode: 0o700 })
    const token = newServeToken()
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const fh = await fsp.open(tmp, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL, 0o600)
    try {
      await fh.writeFile(token + '\n')
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      if (reason !== null) {
        await fsp.rename(tmp, path)
      } else {
        try {
          await fsp.link(tmp, path)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
          // another process created it first: use theirs
          const theirs = await readToken(path)
          if (theirs.token) return { token: theirs.token, path, state: 'kept', reason: null }
          await fsp.rename(tmp, path)
          return { token, path, state: 'replaced', reason: theirs.problem }
        }
      }
    } finally {
      await fsp.rm(tmp, { force: true })
    }
    return { token, path, state: reason === null ? 'created' : 'replaced', reason }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'EROFS'
            ? 'the disk is read-only'
            : 'it cannot be written'
    throw new Error(`Cannot keep the serve access token in ${dataDir}: ${why}. Choose another folder with P1STUDIO_DATA_DIR, or give one with --token.`, {
      cause: e
    })
  }
}

async function readToken(path: string): Promise<{ token: string | null; problem: string | null }> {
  let fh: fsp.FileHandle
  try {
    fh = await fsp.open(path, FS.O_RDONLY | FS.O_NOFOLLOW)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { token: null, problem: null }
    return { token: null, problem: code === 'ELOOP' ? 'the token file was a symbolic link' : 'the token file could not be read' }
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) return { token: null, problem: 'the token file was not a regular file' }
    if (process.platform !== 'win32') {
      if ((st.mode & 0o077) !== 0) return { token: null, problem: 'other users could read the token file' }
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return { token: null, problem: 'the token file belonged to another user' }
    }
    if (st.size > 1024) return { token: null, problem: 'the token file was damaged' }
    const text = (await fh.readFile('utf8')).trim()
    return TOKEN_RE.test(text) ? { token: text, problem: null } : { token: null, problem: 'the token file was damaged' }
  } finally {
    await fh.close()
  }
}
