/**
 * Flashing through the ESP ROM serial bootloader with Espressif's esptool-js (0.7, unmodified)
 * over {@link NodeSerialDevice}. Sequence (esptool "Serial Protocol": Initial
 * Synchronisation, Writing Data, Verifying Uploaded Data):
 *
 * 1. open the port at 115200, reset into the bootloader with DTR/RTS (`reset: 'auto'`; ptys
 *    and adapters without the lines are tolerated, then the board must already be in it),
 *    SYNC, chip detection (GET_SECURITY_INFO, else the magic register 0x40001000);
 * 2. chip description, features, crystal, MAC (eFuse registers), upload and start the
 *    flasher stub ("OHAI"), optionally CHANGE_BAUDRATE, read the SPI flash id → flash size;
 * 3. check every image against the chip and the flash size *before writing* ({@link checkImages});
 * 4. optional full erase (stub ERASE_FLASH), FLASH_BEGIN / FLASH_DATA… / FLASH_END (or the
 *    deflate variants), SPI_FLASH_MD5 compared with the file's MD5;
 * 5. hard reset into the new firmware through RTS (EN), then close the port.
 *
 * Every failure becomes a {@link FlashError} with a plain-English message and a code.
 */
import { createHash } from 'node:crypto'
import type { ESPLoader, IEspLoaderTerminal, Transport } from 'esptool-js'
import type { BoardChipInfo, BoardFlashPhase, BoardFlashProgress } from '../../shared/board'
import { PortOpenError } from '../line/serial-source'
import { checkImages, inspectImage, type FlashImage } from './image'
import { NodeSerialDevice, usbInfoFor, type WebSerialPortInfo } from './serial-device'

/** Why flashing (or reading the chip) failed. */
export type FlashErrorCode =
  /** The port could not be opened (missing, busy, permission). */
  | 'port'
  /** No answer to SYNC: the board is not in its bootloader. */
  | 'no_answer'
  /** The chip answered with an id/magic value no esptool target knows. */
  | 'unknown_chip'
  /** An image was built for another chip (nothing was written). */
  | 'wrong_chip'
  /** Other image problems: overlap, too big, damaged header (nothing was written). */
  | 'image'
  /** Written, but the flash MD5 differs from the image. */
  | 'verify_failed'
  /** The port went away or the board stopped answering while writing. */
  | 'connection_lost'
  | 'failed'

/** An error with one plain-English message (what happened, what to do) and a {@link FlashErrorCode}. */
export class FlashError extends Error {
  constructor(
    message: string,
    readonly code: FlashErrorCode
  ) {
    super(message)
    this.name = 'FlashError'
  }
}

/** Where and how to reach the board. */
export interface BoardTarget {
  /** Serial port path. */
  path: string
  /** 'auto' (default): DTR/RTS reset into the bootloader; 'none': the board is already in it. */
  reset?: 'auto' | 'none'
  /** Baud rate once the stub runs (default 460800; the ROM always starts at 115200). */
  baudRate?: number
  /** Connection attempts (each: up to 5 SYNCs of 100 ms). Default 7 (esptool's). */
  connectAttempts?: number
  /** USB ids (looked up from the port list if absent). */
  usbInfo?: WebSerialPortInfo
  /** esptool-js's own log lines and our notes. */
  onLog?: (line: string) => void
  onProgress?: (p: BoardFlashProgress) => void
}

/** A flash job. */
export interface FlashJob extends BoardTarget {
  images: FlashImage[]
  /** Erase the whole flash first (stub ERASE_FLASH). */
  eraseAll?: boolean
  /** Send deflate-compressed blocks (FLASH_DEFL_*); default true (3–4× faster on real boards). */
  compress?: boolean
}

/** What {@link flashBoard} did. */
export interface FlashOutcome {
  info: BoardChipInfo
  images: { name: string; offset: number; bytes: number; md5: string; verified: boolean }[]
  erasedAll: boolean
  resetDone: boolean
  durationS: number
}

interface Connection {
  loader: ESPLoader
  transport: Transport
  device: NodeSerialDevice
  info: BoardChipInfo
}

const NO_ANSWER_ADVICE =
  'Put the board into its bootloader: hold BOOT (FLASH, GPIO0) while pressing RESET, or hold BOOT while plugging in the USB cable. ' +
  'On a SmartyReader, take the D1 mini / ESP32 MiniKit out of its socket and plug the module in by itself: the board shares the serial RX line with the meter (old boards, before v2.0, drive it through a transistor), which blocks programming. ' +
  'Check too that the cable carries data (not a charge-only cable) and that no other program uses the port.'

function hex(n: number): string {
  return `0x${n.toString(16)}`
}

/** Open the port, sync with the ROM, identify the chip, start the stub, read the flash id. */
async function connect(t: BoardTarget): Promise<Connection> {
  const log = t.onLog ?? (() => undefined)
  // esptool-js is loaded when a board is first reached, not with the board service
  const { ESPLoader, Transport } = await import('esptool-js')
  const device = new NodeSerialDevice(t.path, t.usbInfo ?? (await usbInfoFor(t.path)), log)
  // esptool-js's Transport expects a Web Serial SerialPort; NodeSerialDevice has that shape
  const transport = new Transport(device as unknown as ConstructorParameters<typeof Transport>[0], false, true)
  // Transport.trace() prints to the console even with tracing off ("readLoop exited"…); keep
  // stdout clean for the CLI's JSON output
  transport.trace = () => undefined
  let line = ''
  const terminal: IEspLoaderTerminal = {
    clean: () => undefined,
    write: (s) => {
      line += s
    },
    writeLine: (s) => {
      const l = (line + s).trim()
      line = ''
      if (l) log(l)
    }
  }
  const baudrate = t.baudRate ?? 460800
  const loader = new ESPLoader({ transport, baudrate, romBaudrate: 115200, terminal, debugLogging: false })
  t.onProgress?.({ phase: 'connecting', fileIndex: 0, fileCount: 0, address: 0, written: 0, total: 0, fraction: 0 })
  try {
    await loader.detectChip(t.reset === 'none' ? 'no_reset' : 'default_reset', t.connectAttempts ?? 7)
  } catch (e) {
    // explain before closing: a closed port would read as a lost connection
    const err = explainConnectError(e as Error, t.path, device)
    await closeTransport(transport, device)
    throw err
  }
  try {
    const chip = loader.chip
    const description = await chip.getChipDescription(loader)
    const features = (await chip.getChipFeatures(loader)).map((f) => f.trim())
    const crystalMHz = await chip.getCrystalFreq(loader)
    const mac = await chip.readMac(loader)
    await loader.runStub()
    if (baudrate !== 115200) await loader.changeBaud()
    let flashId: number | null = null
    let flashSize: string | null = null
    try {
      flashId = (await loader.readFlashId()) >>> 0
      flashSize = loader.DETECTED_FLASH_SIZES[(flashId >> 16) & 0xff] ?? null
    } catch (e) {
      log(`Could not read the flash id: ${(e as Error).message}`)
    }
    const info: BoardChipInfo = {
      path: t.path,
      chip: chip.CHIP_NAME,
      description,
      features,
      crystalMHz,
      mac,
      flashId,
      flashSize,
      flashSizeBytes: flashSize ? sizeBytes(flashSize) : null,
      resetLines: device.resetLines === true
    }
    log(`${info.chip} (${info.description}), MAC ${info.mac}, flash ${info.flashSize ?? 'size unknown'}`)
    return { loader, transport, device, info }
  } catch (e) {
    const err = explainRunError(e as Error, t.path, device, 'connecting')
    await closeTransport(transport, device)
    throw err
  }
}

/** Transport.disconnect(), bounded: it waits for stream locks that a failed esptool call may never release. */
async function closeTransport(transport: Transport, device: NodeSerialDevice): Promise<void> {
  await Promise.race([transport.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 1500).unref())])
  await device.close().catch(() => undefined)
}

function sizeBytes(s: string): number | null {
  const m = /^(\d+)(KB|MB)$/.exec(s)
  if (!m) return null
  return Number(m[1]) * (m[2] === 'KB' ? 1024 : 1048576)
}

function explainConnectError(e: Error, path: string, device: NodeSerialDevice): FlashError {
  if (e instanceof PortOpenError) return new FlashError(e.message, 'port')
  const m = e.message ?? String(e)
  if (/Unexpected CHIP magic|Unexpected chip ID|autodetect/i.test(m)) {
    return new FlashError(`A bootloader answered on ${path}, but with a chip id no esptool target knows (${m}). Is this an Espressif board?`, 'unknown_chip')
  }
  if (device.lostReason) return new FlashError(`${device.lostReason} Plug the board in again and retry.`, 'connection_lost')
  const lines = device.resetLines === false ? ` (${path} cannot drive DTR/RTS, so the automatic reset into the bootloader did not happen.)` : ''
  return new FlashError(`No answer from the ESP bootloader on ${path}${lines}. ${NO_ANSWER_ADVICE}`, 'no_answer')
}

function explainRunError(e: Error, path: string, device: NodeSerialDevice, phase: BoardFlashPhase, where = ''): FlashError {
  if (e instanceof FlashError) return e
  const m = e.message ?? String(e)
  if (/MD5 of file does not match/i.test(m)) {
    return new FlashError(
      `Verification failed${where}: the flash's MD5 does not match the image, so the data came back different from what was sent. ` +
        'The board did not start the new firmware. Flash again; if it fails again, try a shorter or better USB cable, no hub, a lower baud rate (115200), or "erase all" first; a board that keeps failing has a bad flash chip.',
      'verify_failed'
    )
  }
  const lost = device.lostReason !== null || !device.isOpen || device.stalledReason !== null
  const during = phase === 'writing' || phase === 'erasing' || phase === 'verifying'
  if (lost || (during && /Serial data stream stopped|No serial data received|stopped taking data|Timeout|invalid response|closed/i.test(m))) {
    const what =
      device.lostReason !== null || !device.isOpen
        ? `The connection to the board on ${path} was lost`
        : device.stalledReason !== null
          ? `The board on ${path} stopped taking data`
          : `The board on ${path} stopped answering`
    if (during) {
      return new FlashError(
        `${what} while ${phase}${where}. The firmware on the board is incomplete and will not start, but the ROM bootloader cannot be overwritten: the board stays re-flashable. ` +
          'Plug it in again (into its bootloader if needed: hold BOOT, press RESET) and flash again.',
        'connection_lost'
      )
    }
    return new FlashError(`${what} before anything was written. Plug it in again and retry.`, 'connection_lost')
  }
  return new FlashError(`Flashing failed${where}: ${m}`, 'failed')
}

/** Reset into the firmware: IO0 high (DTR off), pulse EN through RTS (esptool's hard reset). */
async function resetIntoFirmware(c: Connection): Promise<boolean> {
  try {
    await c.loader.after('custom_reset', false, 'D0|R1|W100|R0')
  } catch {
    return false
  }
  return c.device.resetLines === true
}

/**
 * Chip, MAC and flash size of the board on `t.path`; resets it back into its firmware after.
 * @throws FlashError ('port', 'no_answer', 'unknown_chip', 'connection_lost', 'failed')
 */
export async function readBoardInfo(t: BoardTarget): Promise<BoardChipInfo> {
  const c = await connect(t)
  try {
    await resetIntoFirmware(c)
    return { ...c.info, resetLines: c.device.resetLines === true }
  } finally {
    await closeTransport(c.transport, c.device)
  }
}

/**
 * Flash images: connect, check them against the chip (refused before writing if built for
 * another chip or too big), optional full erase, write with progress, verify each by the
 * flash MD5, reset into the firmware.
 * @throws FlashError with a plain-English message; `connection_lost` says the board stays re-flashable.
 */
export async function flashBoard(job: FlashJob): Promise<FlashOutcome> {
  const started = Date.now()
  const log = job.onLog ?? (() => undefined)
  if (job.images.length === 0) throw new FlashError('Nothing to flash: give at least one image.', 'image')
  const c = await connect(job)
  const { loader, device, info } = c
  let phase: BoardFlashPhase = 'connecting'
  let where = ''
  const sizes = job.images.map((i) => i.data.length)
  const totalBytes = sizes.reduce((a, b) => a + b, 0)
  const progress = (p: Omit<BoardFlashProgress, 'fileCount'>): void => job.onProgress?.({ ...p, fileCount: job.images.length })
  try {
    const check = checkImages(job.images, info.chip, info.flashSizeBytes)
    for (const w of check.warnings) log(w)
    if (!check.ok) {
      const wrongChip = job.images.some((i) => {
        const k = inspectImage(i.data)
        return k.kind === 'firmware' && k.chip !== info.chip
      })
      throw new FlashError(`Nothing was written. ${check.problems.join(' ')}`, wrongChip ? 'wrong_chip' : 'image')
    }
    if (job.eraseAll) {
      if (!loader.IS_STUB) throw new FlashError('A full erase needs the flasher stub, which this chip could not run.', 'failed')
      phase = 'erasing'
      progress({ phase, fileIndex: 0, address: 0, written: 0, total: 0, fraction: 0 })
    }
    const md5s = job.images.map((i) => createHash('md5').update(padTo4(i.data)).digest('hex'))
    let resolveDone!: () => void
    const done = new Promise<void>((r) => (resolveDone = r))
    // a pulled cable or a stalled line: answer at once instead of after esptool's block timeouts and retries
    const lost = new Promise<never>((_, reject) => {
      const timer = setInterval(() => {
        const why = device.lostReason ?? device.stalledReason
        if (why !== null) {
          clearInterval(timer)
          reject(new Error(why))
        }
      }, 50)
      timer.unref()
      void done.then(() => clearInterval(timer))
    })
    lost.catch(() => undefined)
    const write = loader.writeFlash({
      fileArray: job.images.map((i) => ({ data: i.data, address: i.offset })),
      flashMode: 'keep',
      flashFreq: 'keep',
      flashSize: 'keep',
      eraseAll: job.eraseAll === true,
      compress: job.compress !== false,
      reportProgress: (fileIndex, written, total) => {
        phase = written >= total ? 'verifying' : 'writing'
        const img = job.images[fileIndex]
        const before = sizes.slice(0, fileIndex).reduce((a, b) => a + b, 0)
        const frac = total > 0 ? written / total : 1
        where = written >= total ? ` of ${img.name}` : ` at ${hex(img.offset + Math.floor(frac * img.data.length))} in ${img.name}`
        progress({
          phase,
          fileIndex,
          address: img.offset + Math.floor(frac * img.data.length),
          written,
          total,
          fraction: totalBytes ? (before + frac * img.data.length) / totalBytes : 1
        })
      },
      calculateMD5Hash: (image) => createHash('md5').update(image).digest('hex')
    })
    write.catch(() => undefined) // when the port is lost first, this settles later on its own timeouts
    try {
      await Promise.race([write, lost])
    } finally {
      resolveDone()
    }
    phase = 'resetting'
    progress({ phase, fileIndex: job.images.length - 1, address: 0, written: 0, total: 0, fraction: 1 })
    const resetDone = await resetIntoFirmware(c)
    log(resetDone ? 'Reset into the new firmware.' : 'Press RESET on the board (or unplug and plug it in) to start the new firmware.')
    progress({ phase: 'done', fileIndex: job.images.length - 1, address: 0, written: 0, total: 0, fraction: 1 })
    return {
      info: { ...info, resetLines: device.resetLines === true },
      images: job.images.map((i, n) => ({ name: i.name, offset: i.offset, bytes: i.data.length, md5: md5s[n], verified: true })),
      erasedAll: job.eraseAll === true,
      resetDone,
      durationS: (Date.now() - started) / 1000
    }
  } catch (e) {
    throw explainRunError(e as Error, job.path, device, phase, where)
  } finally {
    await closeTransport(c.transport, c.device)
  }
}

/** esptool-js pads each image to a multiple of 4 bytes (0xFF) before writing and hashing. */
function padTo4(d: Uint8Array): Uint8Array {
  if (d.length % 4 === 0) return d
  const out = new Uint8Array(d.length + (4 - (d.length % 4))).fill(0xff)
  out.set(d)
  return out
}
