/**
 * Flashing through a socat pty pair: esptool-js (unmodified, through NodeSerialDevice, no
 * DTR/RTS reset) on one end, the ROM-bootloader double (test/helpers/rom-double.ts) on the
 * other. The double's flash must equal the images; each fault gives its plain-English error.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BoardFlashProgress } from '../../src/shared/board'
import { FlashError, flashBoard, readBoardInfo } from '../../src/main/board/flasher'
import { openPtyPair } from '../helpers/pty'
import { RomDouble, type RomDoubleOptions } from '../helpers/rom-double'

const FIX = join(import.meta.dirname, '../fixtures/board')
const img = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIX, name)))

let pty: Awaited<ReturnType<typeof openPtyPair>>
let rom: RomDouble | null = null

beforeEach(async () => {
  pty = await openPtyPair()
})
afterEach(async () => {
  await rom?.stop()
  rom = null
  await pty.close()
})

async function startRom(opts: RomDoubleOptions): Promise<RomDouble> {
  rom = await RomDouble.start(pty.a, opts)
  return rom
}

async function flashError(p: Promise<unknown>): Promise<FlashError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(FlashError)
    return e as FlashError
  }
  throw new Error('expected a FlashError')
}

describe('esptool-js against the ROM double', () => {
  it('ESP8266: chip, MAC, flash size; uncompressed write equals the image; MD5 verified', async () => {
    const d = await startRom({ chip: 'esp8266', mac: '5c:cf:7f:ab:cd:ef' })
    const image = img('esp8266-app.bin')
    const progress: BoardFlashProgress[] = []
    const log: string[] = []
    const r = await flashBoard({
      path: pty.b,
      reset: 'none',
      baudRate: 921600,
      images: [{ name: 'esp8266-app.bin', offset: 0, data: image }],
      compress: false,
      onProgress: (p) => progress.push(p),
      onLog: (l) => log.push(l)
    })
    expect(r.info.chip).toBe('ESP8266')
    expect(r.info.description).toBe('ESP8266EX')
    expect(r.info.mac).toBe('5c:cf:7f:ab:cd:ef')
    expect(r.info.crystalMHz).toBe(26)
    expect(r.info.flashSize).toBe('4MB')
    expect(r.info.flashSizeBytes).toBe(4 * 1048576)
    expect(r.info.resetLines).toBe(false)
    expect(r.resetDone).toBe(false)
    expect(r.images[0].verified).toBe(true)
    expect(Buffer.compare(d.flash.subarray(0, image.length), Buffer.from(image))).toBe(0)
    // the stub ran, spoke at the new baud rate, wrote uncompressed blocks and hashed them
    expect(d.stub).toBe(true)
    expect(d.events).toContain('CHANGE_BAUDRATE 921600')
    expect(d.events.filter((e) => e.startsWith('FLASH_DATA')).length).toBe(Math.ceil(image.length / 0x4000))
    expect(d.events).toContain(`MD5 0x0 ${Math.ceil(image.length / 4) * 4}`)
    expect(d.events.some((e) => e.startsWith('UNSUPPORTED 0x14'))).toBe(true) // GET_SECURITY_INFO → magic register
    const phases = progress.map((p) => p.phase)
    expect(phases[0]).toBe('connecting')
    expect(phases).toContain('writing')
    expect(phases).toContain('verifying')
    expect(phases[phases.length - 1]).toBe('done')
    expect(progress.filter((p) => p.phase === 'writing').every((p, i, a) => i === 0 || p.fraction >= a[i - 1].fraction)).toBe(true)
    expect(log.some((l) => /Press RESET/.test(l))).toBe(true)
  })

  it('ESP32: three images at their offsets, compressed, full erase first', async () => {
    const d = await startRom({ chip: 'esp32', mac: '24:0a:c4:01:02:03' })
    const images = [
      { name: 'esp32-bootloader.bin', offset: 0x1000, data: img('esp32-bootloader.bin') },
      { name: 'esp32-partitions.bin', offset: 0x8000, data: img('esp32-partitions.bin') },
      { name: 'esp32-app.bin', offset: 0x10000, data: img('esp32-app.bin') }
    ]
    const r = await flashBoard({ path: pty.b, reset: 'none', images, eraseAll: true })
    expect(r.info.chip).toBe('ESP32')
    expect(r.info.description).toBe('ESP32-D0WDQ6-V3 (revision 3)')
    expect(r.info.mac).toBe('24:0a:c4:01:02:03')
    expect(r.info.crystalMHz).toBe(40)
    expect(r.erasedAll).toBe(true)
    expect(d.erasedAll).toBe(true)
    for (const i of images) expect(Buffer.compare(d.flash.subarray(i.offset, i.offset + i.data.length), Buffer.from(i.data))).toBe(0)
    // erased everywhere else (the fill before was 0xA5)
    expect(d.flash.subarray(0, 0x1000).every((b) => b === 0xff)).toBe(true)
    expect(d.flash.subarray(0x10000 + images[2].data.length + 4).every((b) => b === 0xff)).toBe(true)
    expect(d.events.some((e) => e.startsWith('FLASH_DEFL_DATA'))).toBe(true)
    expect(r.images.map((i) => i.verified)).toEqual([true, true, true])
  })

  it('board info: chip, MAC and flash size without writing', async () => {
    const d = await startRom({ chip: 'esp32', flashSize: 16 * 1048576 })
    const info = await readBoardInfo({ path: pty.b, reset: 'none' })
    expect(info).toMatchObject({ chip: 'ESP32', mac: '24:0a:c4:12:34:56', flashSize: '16MB', flashSizeBytes: 16 * 1048576 })
    expect(d.events.some((e) => e.startsWith('FLASH_'))).toBe(false)
  })

  it('no sync: a silent board gives "no answer from the bootloader" with the BOOT advice', async () => {
    await startRom({ chip: 'esp8266', silent: true })
    const e = await flashError(
      flashBoard({ path: pty.b, reset: 'auto', connectAttempts: 2, images: [{ name: 'a.bin', offset: 0, data: img('esp8266-app.bin') }] })
    )
    expect(e.code, e.message).toBe('no_answer')
    expect(e.message).toMatch(/^No answer from the ESP bootloader on /)
    expect(e.message).toMatch(/hold BOOT/)
    expect(e.message).toMatch(/out of its socket/)
    expect(e.message).toMatch(/cannot drive DTR\/RTS/) // a pty: the automatic reset could not happen
  })

  it('wrong chip: an ESP32 image on an ESP8266 is refused before anything is written', async () => {
    const d = await startRom({ chip: 'esp8266' })
    const e = await flashError(flashBoard({ path: pty.b, reset: 'none', images: [{ name: 'esp32-app.bin', offset: 0x10000, data: img('esp32-app.bin') }] }))
    expect(e.code, e.message).toBe('wrong_chip')
    expect(e.message).toMatch(/Nothing was written/)
    expect(e.message).toMatch(/esp32-app\.bin was built for ESP32, but this board is an ESP8266/)
    expect(d.events.some((x) => x.startsWith('FLASH_') || x === 'ERASE_FLASH')).toBe(false)
    expect(d.flash.every((b) => b === 0xa5)).toBe(true)
  })

  it('a corrupted block: the MD5 check fails with a clear message', async () => {
    const d = await startRom({ chip: 'esp8266', corruptBlock: 1 })
    const e = await flashError(
      flashBoard({ path: pty.b, reset: 'none', compress: false, images: [{ name: 'esp8266-app.bin', offset: 0, data: img('esp8266-app.bin') }] })
    )
    expect(d.events.some((x) => x.startsWith('CORRUPTED'))).toBe(true)
    expect(e.code, e.message).toBe('verify_failed')
    expect(e.message).toMatch(/^Verification failed of esp8266-app\.bin: the flash's MD5 does not match the image/)
    expect(e.message).toMatch(/Flash again/)
  })

  it('port closed mid-write (pty pair killed): the error says the board stays re-flashable', async () => {
    let killed = false
    await startRom({
      chip: 'esp8266',
      onBlock: (seq) => {
        if (seq === 1 && !killed) {
          killed = true
          void pty.close()
        }
      }
    })
    const t0 = Date.now()
    const e = await flashError(
      flashBoard({ path: pty.b, reset: 'none', compress: false, images: [{ name: 'esp8266-app.bin', offset: 0, data: img('esp8266-app.bin') }] })
    )
    expect(killed).toBe(true)
    expect(e.code, e.message).toBe('connection_lost')
    expect(e.message).toMatch(/was lost while writing at 0x[0-9a-f]+ in esp8266-app\.bin/)
    expect(e.message).toMatch(/the board stays re-flashable/)
    expect(Date.now() - t0).toBeLessThan(15_000)
  })

  it('the double stops answering and taking data mid-write: same clear error', { timeout: 45_000 }, async () => {
    await startRom({ chip: 'esp32', dropAfterBlock: 0 })
    const e = await flashError(
      flashBoard({ path: pty.b, reset: 'none', compress: false, images: [{ name: 'esp32-app.bin', offset: 0x10000, data: img('esp32-app.bin') }] })
    )
    expect(e.code, e.message).toBe('connection_lost')
    expect(e.message).toMatch(/stays re-flashable/)
  })
})
