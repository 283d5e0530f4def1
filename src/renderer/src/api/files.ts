/**
 * Files between a browser and serve mode (issue 12): a browser names no path on the serving
 * computer, so a dump to import or a firmware image to flash is uploaded into the app's folder
 * (namespace `files`, base64 chunks of at most UPLOAD_CHUNK_BYTES) and then named, and an
 * export comes back as `GET /download/<name>` (serve's token cookie and Host checks apply).
 */
import { UPLOAD_CHUNK_BYTES, type CaptureFileInfo, type Folder, type P1StudioClient } from '@shared/contract'

/** Base64 of bytes without Node's Buffer (the renderer runs in a browser). */
function base64(bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}

/** A file to upload: a browser's File (name, size, bytes). */
export interface UploadSource {
  name: string
  size: number
  arrayBuffer(): Promise<ArrayBuffer>
}

/**
 * Upload `file` into `folder` under its own name (or a free variant of it).
 * @param onProgress bytes sent so far and in total
 * @returns the file as the folder lists it (its `name` is what requests then give).
 * @throws the client's ApiError (too_large, disk_full…); the partial upload is removed.
 */
export async function uploadFile(
  client: Pick<P1StudioClient, 'uploadBegin' | 'uploadChunk' | 'uploadEnd' | 'uploadCancel'>,
  folder: Folder,
  file: UploadSource,
  onProgress?: (sent: number, total: number) => void
): Promise<CaptureFileInfo> {
  const name =
    file.name
      .replace(/[^\w.-]+/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 120) || 'upload'
  const up = await client.uploadBegin({ folder, name, bytes: file.size })
  try {
    const bytes = new Uint8Array(await file.arrayBuffer())
    for (let offset = 0; offset < bytes.length; offset += UPLOAD_CHUNK_BYTES) {
      await client.uploadChunk({ uploadId: up.uploadId, offset, data: base64(bytes.subarray(offset, offset + UPLOAD_CHUNK_BYTES)) })
      onProgress?.(Math.min(offset + UPLOAD_CHUNK_BYTES, bytes.length), bytes.length)
    }
    return await client.uploadEnd({ uploadId: up.uploadId })
  } catch (e) {
    await client.uploadCancel({ uploadId: up.uploadId }).catch(() => undefined)
    throw e
  }
}

/** An upload under way: the file's name, bytes sent and in total. */
export interface UploadProgress {
  name: string
  sent: number
  total: number
}

/**
 * {@link uploadFile} with its progress kept in `progress` (a store's ref shown by a progress
 * bar) while it runs, and cleared when it ends either way.
 * @throws as uploadFile
 */
export async function uploadWithProgress(
  client: Parameters<typeof uploadFile>[0],
  folder: Folder,
  file: UploadSource,
  progress: { value: UploadProgress | null }
): Promise<CaptureFileInfo> {
  progress.value = { name: file.name, sent: 0, total: file.size }
  try {
    return await uploadFile(client, folder, file, (sent, total) => (progress.value = { name: file.name, sent, total }))
  } finally {
    progress.value = null
  }
}

/** Where serve mode hands out a file of the capture folder (an export): same origin, the token cookie goes along. */
export function downloadUrl(name: string): string {
  return `/download/${encodeURIComponent(name)}`
}
