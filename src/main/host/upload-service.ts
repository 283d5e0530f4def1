/**
 * Files a browser brings (namespace `files`, issue 12): a dump to import or a firmware image to
 * flash comes through the browser in base64 chunks, into the app's own folder — never from a
 * path on the serving computer. Bounded: at most {@link UPLOAD_LIMITS} bytes per folder
 * (captures 512 MB, firmware 16 MB), chunks of at most {@link UPLOAD_CHUNK_BYTES}, at most
 * {@link MAX_UPLOADS} at once; written 0600 under a temporary name (safe-file.ts PendingFile)
 * and put in place under a free name when complete (never an overwrite), removed on cancel.
 */
import { randomBytes } from 'node:crypto'
import { appendFile, mkdir, readdir, stat } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import {
  ApiError,
  FILES,
  UPLOAD_CHUNK_BYTES,
  UPLOAD_LIMITS,
  type CaptureFileInfo,
  type Folder,
  type Handlers,
  type RequestOut,
  type UploadState
} from '../../shared/contract'
import { PendingFile, fileError } from '../capture/safe-file'
import type { Caller } from './caller'

type Req<M extends keyof typeof FILES.methods> = RequestOut<(typeof FILES.methods)[M]>

/** Uploads under way at once (each holds a temporary file). */
export const MAX_UPLOADS = 4

interface Upload {
  state: UploadState
  folder: Folder
  pending: PendingFile
  /** A chunk is being written (chunks of one upload go one after the other). */
  writing: boolean
}

export class UploadService implements Handlers<typeof FILES, Caller> {
  private readonly uploads = new Map<string, Upload>()

  constructor(private readonly dirs: Record<Folder, string>) {}

  /** Regular files of a folder (no temporary files), newest first. */
  async listFiles(req: Req<'listFiles'>): Promise<CaptureFileInfo[]> {
    const dir = this.dirs[req.folder]
    const names = await readdir(dir).catch(() => [] as string[])
    const out: CaptureFileInfo[] = []
    for (const name of names) {
      if (name.startsWith('.')) continue
      const st = await stat(join(dir, name)).catch(() => null)
      if (st?.isFile()) out.push({ name, path: join(dir, name), bytes: st.size, modifiedAt: st.mtime.toISOString() })
    }
    return out.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt))
  }

  /** @throws ApiError too_large, busy; Error in plain words when the folder cannot be written. */
  async uploadBegin(req: Req<'uploadBegin'>): Promise<UploadState> {
    const limit = UPLOAD_LIMITS[req.folder]
    if (req.bytes > limit) {
      throw new ApiError('too_large', `${req.name} is ${mb(req.bytes)}: an upload into the ${req.folder} folder is at most ${mb(limit)}.`, {
        limit,
        bytes: req.bytes
      })
    }
    if (this.uploads.size >= MAX_UPLOADS) throw new ApiError('busy', `At most ${MAX_UPLOADS} uploads at once: wait for one to finish.`, { limit: MAX_UPLOADS })
    const dir = this.dirs[req.folder]
    try {
      await mkdir(dir, { recursive: true })
    } catch (e) {
      throw fileError(dir, e, 'the upload')
    }
    const name = await freeName(dir, req.name)
    const pending = new PendingFile(join(dir, name), 'the upload')
    const state: UploadState = { uploadId: randomBytes(16).toString('hex'), name, received: 0, bytes: req.bytes }
    this.uploads.set(state.uploadId, { state, folder: req.folder, pending, writing: false })
    return { ...state }
  }

  /** @throws ApiError not_found (no such upload), invalid_request (wrong offset, too many bytes, a chunk too large). */
  async uploadChunk(req: Req<'uploadChunk'>): Promise<UploadState> {
    const u = this.get(req.uploadId)
    if (u.writing) throw new ApiError('busy', 'Send the chunks of an upload one after the other.')
    if (req.offset !== u.state.received) {
      throw new ApiError('invalid_request', `The chunk starts at byte ${req.offset}, the upload is at byte ${u.state.received}.`, { field: 'offset' })
    }
    const data = Buffer.from(req.data, 'base64')
    if (data.length > UPLOAD_CHUNK_BYTES || u.state.received + data.length > u.state.bytes) {
      throw new ApiError('invalid_request', `The chunk would take the upload past the ${u.state.bytes} bytes it announced.`, { field: 'data' })
    }
    u.writing = true
    try {
      await appendFile(u.pending.tempPath, data)
    } catch (e) {
      this.drop(req.uploadId)
      throw fileError(join(this.dirs[u.folder], u.state.name), e, 'the upload')
    } finally {
      u.writing = false
    }
    u.state.received += data.length
    return { ...u.state }
  }

  /** Put the complete file in place. @throws ApiError not_found, invalid_request (bytes missing). */
  async uploadEnd(req: Req<'uploadEnd'>): Promise<CaptureFileInfo> {
    const u = this.get(req.uploadId)
    if (u.state.received !== u.state.bytes) {
      throw new ApiError('invalid_request', `The upload has ${u.state.received} of its ${u.state.bytes} bytes: send the rest first.`, { field: 'uploadId' })
    }
    this.uploads.delete(req.uploadId)
    u.pending.commit()
    const path = u.pending.target
    const st = await stat(path)
    return { name: basename(path), path, bytes: st.size, modifiedAt: st.mtime.toISOString() }
  }

  async uploadCancel(req: Req<'uploadCancel'>): Promise<void> {
    this.drop(req.uploadId)
  }

  /** Remove every unfinished upload (app exit). */
  dispose(): void {
    for (const id of [...this.uploads.keys()]) this.drop(id)
  }

  private get(id: string): Upload {
    const u = this.uploads.get(id)
    if (!u) throw new ApiError('not_found', 'There is no such upload (it finished, was cancelled, or P1 Studio restarted).', { name: id })
    return u
  }

  private drop(id: string): void {
    this.uploads.get(id)?.pending.abort()
    this.uploads.delete(id)
  }
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`

/** `name`, or name-1.ext, name-2.ext… if taken. */
async function freeName(dir: string, name: string): Promise<string> {
  const ext = extname(name)
  const base = basename(name, ext)
  for (let i = 0; ; i++) {
    const n = i ? `${base}-${i}${ext}` : name
    if (!(await stat(join(dir, n)).catch(() => null))) return n
  }
}
