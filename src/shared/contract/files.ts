/**
 * Namespace `files`: files a browser brings to serve mode. A browser names no path on the
 * serving computer (issue 12): it uploads a dump to import or a firmware image to flash, in
 * base64 chunks, into the app's own folder (captures: at most 512 MB; firmware: at most 16 MB),
 * written 0600 under a temporary name and put in place when complete; then it names the file.
 */
import { z } from 'zod'
import type { CaptureFileInfo } from './capture'
import { int, method, namespace, result } from './define'

/** The app's folders a browser may name files in. */
export const FOLDERS = ['captures', 'firmware'] as const
export type Folder = (typeof FOLDERS)[number]

/** Largest upload per folder, bytes: a day of captures is ~3 MB, an ESP32 flash 16 MB. */
export const UPLOAD_LIMITS: Record<Folder, number> = { captures: 512 * 1024 * 1024, firmware: 16 * 1024 * 1024 }

/** Largest chunk of one uploadChunk call, bytes before base64 (fits serve's 1 MiB message limit). */
export const UPLOAD_CHUNK_BYTES = 512 * 1024

/** A file name in one of the app's folders: letters, digits, `_`, `.`, `-`, not only dots. */
export const FILE_NAME = /^[\w.-]{1,120}$/

export const fileNameSchema = z
  .string()
  .max(120)
  .regex(FILE_NAME, { message: 'must be a file name of letters, digits, _ . or - (at most 120)' })
  .refine((n) => !/^\.+$/.test(n), { message: 'must be a file name, not . or ..' })

/** Where an upload stands. */
export interface UploadState {
  uploadId: string
  /** The name the file will have in the folder (a free one: never an overwrite). */
  name: string
  received: number
  bytes: number
}

const uploadId = z
  .string()
  .max(32)
  .regex(/^[0-9a-f]{32}$/, { message: 'is not an upload id' })

export const FILES = namespace({
  /** Files of a folder, newest first. */
  listFiles: method(z.object({ folder: z.enum(FOLDERS) }).strict(), 'request', result<CaptureFileInfo[]>()),
  /** Start an upload of `bytes` into `folder` as `name`. @throws too_large (over the folder's cap). */
  uploadBegin: method(
    z.object({ folder: z.enum(FOLDERS), name: fileNameSchema, bytes: int(1, UPLOAD_LIMITS.captures) }).strict(),
    'upload',
    result<UploadState>()
  ),
  /** The next chunk (base64 of at most {@link UPLOAD_CHUNK_BYTES}) at `offset` (the bytes received so far). */
  uploadChunk: method(
    z
      .object({
        uploadId,
        offset: int(0, UPLOAD_LIMITS.captures),
        data: z
          .string()
          .max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'must be base64' })
      })
      .strict(),
    'upload chunk',
    result<UploadState>()
  ),
  /** All bytes arrived: the file is put in place (0600). @throws when bytes are missing. */
  uploadEnd: method(z.object({ uploadId }).strict(), 'upload', result<CaptureFileInfo>()),
  uploadCancel: method(z.object({ uploadId }).strict(), 'upload', result<void>())
})
