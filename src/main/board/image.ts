/**
 * Firmware image checks before anything is written: which chip an image was built for, and
 * whether it fits. Layout from Espressif's esptool documentation, "Firmware Image Format":
 *
 * ```
 * byte 0      magic 0xE9
 * byte 1      number of segments
 * byte 2      SPI flash mode          byte 3  flash size (high nibble) | frequency (low)
 * bytes 4–7   entry point (LE)
 * ESP32 family only, "extended header", bytes 8–23:
 * byte 8      WP pin (0xEE = none)    bytes 9–11 SPI pin drive settings
 * bytes 12–13 chip id (LE): ESP32 0, S2 2, C3 5, S3 9, C2 12, C6 13, H2 16, P4 18, C61 20, C5 23
 * byte 14     minimal chip revision   bytes 15–18 min/max revision (full)
 * bytes 19–22 reserved (0)            byte 23 SHA-256 appended (0/1)
 * ```
 * An ESP8266 image has no extended header (bytes 8–15 are the first segment's load address
 * and size) and starts in the ESP8266's IRAM (entry 0x40100000–0x4010FFFF); the Arduino
 * ESP8266 core also writes "v2" images with magic 0xEA.
 */

import { constants as FS, promises as fsp } from 'node:fs'

/** ESP32-family image chip ids → esptool chip names (esptool-js 0.7 `IMAGE_CHIP_ID`). */
export const IMAGE_CHIP_NAMES: Record<number, string> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
  25: 'ESP32-H21',
  28: 'ESP32-H4',
  31: 'ESP32-E22',
  32: 'ESP32-S31'
}

/** What the first bytes of a file say. */
export type ImageKind =
  /** An application/bootloader image built for `chip`. */
  | { kind: 'firmware'; chip: string; chipId: number | null; entry: number; segments: number; flashMode: number; flashSizeCode: number }
  /** A partition table (magic 0xAA50). */
  | { kind: 'partitions' }
  /** Anything else (file system image, data, OTA selector…): not checked. */
  | { kind: 'data' }
  /** Starts with 0xE9 but is neither an ESP8266 nor a valid ESP32-family header. */
  | { kind: 'unknown-firmware'; entry: number }

/**
 * Read an image's header. Pure; never throws.
 * @param data the file's bytes
 */
export function inspectImage(data: Uint8Array): ImageKind {
  if (data.length >= 2 && data[0] === 0xaa && data[1] === 0x50) return { kind: 'partitions' }
  if (data.length >= 8 && data[0] === 0xea) {
    // ESP8266 "v2" image (Arduino core): header 0xEA, then a normal 0xE9 image further on
    const entry = readU32(data, 4)
    return { kind: 'firmware', chip: 'ESP8266', chipId: null, entry, segments: data[1], flashMode: data[2], flashSizeCode: data[3] >> 4 }
  }
  if (data.length < 8 || data[0] !== 0xe9) return { kind: 'data' }
  const entry = readU32(data, 4)
  const base = { segments: data[1], flashMode: data[2], flashSizeCode: data[3] >> 4, entry }
  if (entry >= 0x40100000 && entry < 0x40110000) return { kind: 'firmware', chip: 'ESP8266', chipId: null, ...base }
  if (data.length >= 24) {
    const wp = data[8]
    const chipId = data[12] | (data[13] << 8)
    const reservedZero = data[19] === 0 && data[20] === 0 && data[21] === 0 && data[22] === 0
    const hashFlag = data[23] === 0 || data[23] === 1
    if ((wp === 0xee || wp < 64) && reservedZero && hashFlag && chipId in IMAGE_CHIP_NAMES) {
      return { kind: 'firmware', chip: IMAGE_CHIP_NAMES[chipId], chipId, ...base }
    }
  }
  return { kind: 'unknown-firmware', entry }
}

function readU32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
}

/** One file to write. */
export interface FlashImage {
  /** Shown in messages (file name). */
  name: string
  /** Flash offset, bytes. */
  offset: number
  data: Uint8Array
}

/** Why an image set was refused (plain English), or null if it may be written. */
export interface ImageCheck {
  ok: boolean
  /** Refusal, one sentence per problem. */
  problems: string[]
  /** Worth saying but not blocking (e.g. no file looks like firmware). */
  warnings: string[]
}

const hex = (n: number): string => `0x${n.toString(16)}`

/**
 * Check that images fit the detected chip and flash before writing anything.
 * - a firmware image built for another chip → refused ("built for ESP32, this board is an ESP8266");
 * - an image that starts with 0xE9 but is not a valid header for any chip → refused;
 * - files overlapping each other or running past the flash size → refused;
 * - no file that looks like firmware → warning only (file-system images are legitimate).
 * @param chip esptool chip name of the board, e.g. "ESP8266", "ESP32"
 * @param flashSizeBytes detected flash size, null if unknown (size not checked then)
 */
export function checkImages(images: FlashImage[], chip: string, flashSizeBytes: number | null): ImageCheck {
  const problems: string[] = []
  const warnings: string[] = []
  let firmware = 0
  for (const img of images) {
    if (img.data.length === 0) problems.push(`${img.name} is empty.`)
    if (img.offset % 4 !== 0) problems.push(`${img.name}: offset ${hex(img.offset)} is not a multiple of 4.`)
    const k = inspectImage(img.data)
    if (k.kind === 'firmware') {
      firmware++
      if (k.chip !== chip) {
        problems.push(`${img.name} was built for ${k.chip}, but this board is an ${chip}: choose the ${chip} build of the firmware.`)
      } else if (chip === 'ESP32' && k.chipId === 0 && img.offset === 0) {
        problems.push(`${img.name} is an ESP32 image at 0x0: an ESP32 bootloader belongs at 0x1000 and the application at 0x10000.`)
      }
    } else if (k.kind === 'unknown-firmware') {
      problems.push(
        `${img.name} starts like a firmware image (0xE9) but its header fits no known chip (entry ${hex(k.entry)}): it may be damaged or built for another device.`
      )
    }
  }
  if (firmware === 0 && images.length > 0) warnings.push('No file looks like a firmware image (magic 0xE9); they are written as data.')
  const sorted = [...images].sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]
    if (prev.offset + prev.data.length > sorted[i].offset)
      problems.push(`${prev.name} (${hex(prev.offset)}–${hex(prev.offset + prev.data.length)}) overlaps ${sorted[i].name} at ${hex(sorted[i].offset)}.`)
  }
  if (flashSizeBytes !== null) {
    for (const img of images) {
      if (img.offset + img.data.length > flashSizeBytes)
        problems.push(`${img.name} does not fit: it ends at ${hex(img.offset + img.data.length)} but the flash holds ${flashSizeBytes / 1048576} MB.`)
    }
  }
  return { ok: problems.length === 0, problems, warnings }
}

/**
 * Parse a CLI image argument "FILE[@OFFSET]" (offset decimal or 0x-hex; default 0).
 * @throws Error with a one-line message when the offset is not a number.
 */
export function parseImageArg(arg: string): { path: string; offset: number } {
  const at = arg.lastIndexOf('@')
  if (at <= 0) return { path: arg, offset: 0 }
  const off = arg.slice(at + 1)
  const n = /^0x[0-9a-f]+$/i.test(off) ? parseInt(off, 16) : /^\d+$/.test(off) ? Number(off) : NaN
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${arg}: the offset after @ must be a number such as 0x10000`)
  return { path: arg.slice(0, at), offset: n }
}

/**
 * Largest image file accepted, bytes: 16 MiB, the largest flash of an ESP8266/ESP32 module
 * (esptool's flash sizes stop at 16MB for both families' SmartyReader boards).
 */
export const MAX_IMAGE_BYTES = 16 * 1024 * 1024

/**
 * Read a firmware image file, refusing what is not one before reading it: only regular
 * files of at most {@link MAX_IMAGE_BYTES} (`/dev/zero` as an image once read until the
 * server held 11.9 GB). FIFOs and devices are opened non-blocking and refused on fstat; a file
 * that grows while read is cut at the limit and refused.
 * @returns the file's bytes. @throws Error with one plain sentence naming the file.
 */
export async function readImageFile(path: string): Promise<Uint8Array> {
  let fh: fsp.FileHandle
  try {
    fh = await fsp.open(path, FS.O_RDONLY | (FS.O_NONBLOCK ?? 0))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a folder'
            : 'it cannot be opened'
    throw new Error(`Cannot read the image ${path}: ${why}`, { cause: e })
  }
  try {
    const st = await fh.stat()
    if (st.isDirectory()) throw new Error(`Cannot read the image ${path}: it is a folder`)
    if (!st.isFile()) throw new Error(`${path} is not a firmware file (it is a device, pipe or socket): choose the .bin file of the build.`)
    if (st.size > MAX_IMAGE_BYTES)
      throw new Error(
        `${path} is ${(st.size / 1048576).toFixed(1)} MB: a firmware image is at most 16 MB (the largest flash). Choose the .bin file of the build.`
      )
    // read at most one byte more than the limit: a file that grows while read is refused, not followed
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_IMAGE_BYTES) + 1)
    let n = 0
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n)
      if (bytesRead === 0) break
      n += bytesRead
      if (n === buf.length) {
        if (n > MAX_IMAGE_BYTES) throw new Error(`${path} grew beyond 16 MB while it was read: a firmware image is at most 16 MB.`)
        break
      }
    }
    return new Uint8Array(buf.buffer, buf.byteOffset, n)
  } catch (e) {
    if (e instanceof Error && e.message.includes(path)) throw e
    throw new Error(`Cannot read the image ${path}: ${(e as NodeJS.ErrnoException).code === 'EIO' ? 'input/output error' : 'it cannot be read'}`, { cause: e })
  } finally {
    await fh.close()
  }
}
