/** Image header checks (esptool "Firmware Image Format") on the fixture images. */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkImages, inspectImage, MAX_IMAGE_BYTES, parseImageArg, readImageFile } from '../../../src/main/board/image'

const FIX = join(import.meta.dirname, '../../fixtures/board')
const img = (n: string): Uint8Array => new Uint8Array(readFileSync(join(FIX, n)))

describe('image headers', () => {
  it('recognises the chip of each fixture', () => {
    expect(inspectImage(img('esp8266-app.bin'))).toMatchObject({ kind: 'firmware', chip: 'ESP8266', chipId: null, entry: 0x40100004 })
    expect(inspectImage(img('esp32-bootloader.bin'))).toMatchObject({ kind: 'firmware', chip: 'ESP32', chipId: 0 })
    expect(inspectImage(img('esp32-app.bin'))).toMatchObject({ kind: 'firmware', chip: 'ESP32', chipId: 0 })
    expect(inspectImage(img('esp32c3-app.bin'))).toMatchObject({ kind: 'firmware', chip: 'ESP32-C3', chipId: 5 })
    expect(inspectImage(img('esp32-partitions.bin'))).toEqual({ kind: 'partitions' })
    expect(inspectImage(new Uint8Array([1, 2, 3]))).toEqual({ kind: 'data' })
  })

  it('a 0xE9 file with a broken extended header is not taken for any chip', () => {
    const bad = img('esp32-app.bin').slice()
    bad[20] = 0x77 // reserved byte
    expect(inspectImage(bad).kind).toBe('unknown-firmware')
  })

  it("refuses another chip's image, overlaps and oversize; warns about data-only sets", () => {
    const c3 = checkImages([{ name: 'c3.bin', offset: 0x10000, data: img('esp32c3-app.bin') }], 'ESP32', 4 << 20)
    expect(c3.ok).toBe(false)
    expect(c3.problems[0]).toBe('c3.bin was built for ESP32-C3, but this board is an ESP32: choose the ESP32 build of the firmware.')
    const overlap = checkImages(
      [
        { name: 'boot.bin', offset: 0x1000, data: img('esp32-bootloader.bin') },
        { name: 'parts.bin', offset: 0x5000, data: img('esp32-partitions.bin') }
      ],
      'ESP32',
      4 << 20
    )
    expect(overlap.problems[0]).toMatch(/boot\.bin \(0x1000–0x6000\) overlaps parts\.bin at 0x5000/)
    expect(checkImages([{ name: 'a.bin', offset: 0x3fa000, data: img('esp8266-app.bin') }], 'ESP8266', 4 << 20).problems[0]).toMatch(/does not fit/)
    expect(checkImages([{ name: 'app.bin', offset: 0, data: img('esp32-app.bin') }], 'ESP32', 4 << 20).problems[0]).toMatch(/belongs at 0x1000/)
    const fs = checkImages([{ name: 'fs.bin', offset: 0x300000, data: new Uint8Array(4096) }], 'ESP8266', 4 << 20)
    expect(fs.ok).toBe(true)
    expect(fs.warnings[0]).toMatch(/No file looks like a firmware image/)
  })

  it('parses FILE@OFFSET', () => {
    expect(parseImageArg('app.bin')).toEqual({ path: 'app.bin', offset: 0 })
    expect(parseImageArg('dir/app.bin@0x10000')).toEqual({ path: 'dir/app.bin', offset: 0x10000 })
    expect(parseImageArg('a@b.bin@4096')).toEqual({ path: 'a@b.bin', offset: 4096 })
    expect(() => parseImageArg('app.bin@zz')).toThrow(/offset after @ must be a number/)
  })
})

describe('readImageFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-img-'))

  it('reads a regular file', async () => {
    expect(await readImageFile(join(FIX, 'esp8266-app.bin'))).toEqual(img('esp8266-app.bin'))
    const exact = join(dir, 'exact16.bin')
    closeSync(openSync(exact, 'w'))
    truncateSync(exact, MAX_IMAGE_BYTES)
    expect((await readImageFile(exact)).length).toBe(16 * 1024 * 1024)
  })

  it('refuses /dev/zero and other devices before reading them', async () => {
    await expect(readImageFile('/dev/zero')).rejects.toThrow(
      /^\/dev\/zero is not a firmware file \(it is a device, pipe or socket\): choose the \.bin file of the build\.$/
    )
    await expect(readImageFile('/dev/urandom')).rejects.toThrow(/is not a firmware file/)
  })

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo.bin')
    execFileSync('mkfifo', [fifo])
    await expect(readImageFile(fifo)).rejects.toThrow(/fifo\.bin is not a firmware file/)
  })

  it('refuses a file over 16 MB (sparse: nothing is allocated), a folder and a missing file, in plain words', async () => {
    const big = join(dir, 'big.bin')
    closeSync(openSync(big, 'w'))
    truncateSync(big, MAX_IMAGE_BYTES + 1)
    await expect(readImageFile(big)).rejects.toThrow(/big\.bin is 16\.0 MB: a firmware image is at most 16 MB/)
    await expect(readImageFile(dir)).rejects.toThrow(/^Cannot read the image .*: it is a folder$/)
    await expect(readImageFile(join(dir, 'missing.bin'))).rejects.toThrow(/^Cannot read the image .*missing\.bin: no such file$/)
  })
})
