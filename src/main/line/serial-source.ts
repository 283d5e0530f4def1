/**
 * Serial port source (serialport 13). Default line settings 115200 8N1 (Smarty, DSMR 5);
 * 9600 7E1 for DSMR 2.2/3 meters. Errors are turned into plain words for installers.
 * Receive times come from the source's {@link Clock} (the system clock unless given).
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { SerialPort } from 'serialport'
import { formatLineSettings } from '../../shared/line-settings'
import { DEFAULT_LINE_SETTINGS, type LineSettings, type PortInfo } from '../../shared/types'
import { systemClock, type Clock } from './clock'
import type { ByteSource, ByteSourceEvents } from './source'

// kept here for the modules that import it with the port (the pure home is src/shared/line-settings.ts)
export { formatLineSettings }

/** Why a port could not be opened (stable codes, docs/verdict-codes.md). */
export type PortErrorCode = 'port_not_found' | 'port_permission_denied' | 'port_busy' | 'port_error'

/**
 * An Error whose message is plain English, whose `code` says why the port failed and whose
 * `params` name the port (`{path}`), so that other languages can word it (the contract keeps
 * both, src/shared/contract/errors.ts).
 */
export class PortOpenError extends Error {
  readonly params: { path: string }
  constructor(
    message: string,
    readonly code: PortErrorCode,
    path: string
  ) {
    super(message)
    this.params = { path }
  }
}

/** The {@link PortOpenError} for `err` from opening `path`: classified and explained. */
export function portOpenError(path: string, err: Error & { code?: string }): PortOpenError {
  return new PortOpenError(explainPortError(path, err), classifyPortError(err), path)
}

/** Classify a serialport/libuv open error. */
export function classifyPortError(err: Error & { code?: string }): PortErrorCode {
  const m = `${err.code ?? ''} ${err.message}`
  if (/ENOENT|No such file|cannot find|File not found/i.test(m)) return 'port_not_found'
  if (/EACCES|Permission denied|Access denied/i.test(m)) return 'port_permission_denied'
  if (/EBUSY|Resource busy|lock|in use|Resource temporarily unavailable/i.test(m)) return 'port_busy'
  return 'port_error'
}

/**
 * Plain-English explanation of a port error (missing, busy, permission denied…).
 * @param err the error from serialport/libuv
 */
export function explainPortError(path: string, err: Error & { code?: string }): string {
  switch (classifyPortError(err)) {
    case 'port_not_found':
      return `No serial port at ${path}. Is the adapter plugged in? Refresh the port list.`
    case 'port_permission_denied':
      return `Permission denied on ${path}. On Linux add yourself to the dialout group (sudo usermod -aG dialout $USER), then log in again.`
    case 'port_busy':
      return `${path} is in use by another program (close the terminal program, Arduino IDE or other P1 reader using it).`
    default:
      return `Serial port ${path}: ${err.message}`
  }
}

/**
 * Close `port` when its device node goes away: a pulled USB adapter removes it, and some
 * drivers (and a pty whose other end is gone) never report it otherwise, so the port's 'close'
 * would never come. A poll of the device every 500 ms, not a judgement of time (Node's timer,
 * whatever the clock). @returns the timer (clear it on close), or null for a path that is no
 * file to watch (e.g. COM3).
 */
export function closeWhenRemoved(path: string, port: SerialPort): NodeJS.Timeout | null {
  if (!existsSync(path)) return null
  const timer = setInterval(() => {
    if (!existsSync(path) && port.isOpen) port.close(() => undefined)
  }, 500)
  timer.unref()
  return timer
}

/** List the serial ports the OS knows. */
export async function listPorts(): Promise<PortInfo[]> {
  const ports = await SerialPort.list()
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer ?? null,
    serialNumber: p.serialNumber ?? null,
    vendorId: p.vendorId ?? null,
    productId: p.productId ?? null
  }))
}

/** Options of {@link SerialSource}. */
export interface SerialSourceOptions {
  /** Stamps each chunk with its receive time (default {@link systemClock}). */
  clock?: Clock
}

/** Bytes from a serial port, with their receive time (ms since the epoch, from the source's clock). */
export class SerialSource extends EventEmitter<ByteSourceEvents> implements ByteSource {
  readonly settings: LineSettings
  private readonly clock: Clock
  private port: SerialPort | null = null
  private stopping = false
  private watchdog: NodeJS.Timeout | null = null

  constructor(
    readonly path: string,
    settings: Partial<LineSettings> = {},
    opts: SerialSourceOptions = {}
  ) {
    super()
    this.settings = { ...DEFAULT_LINE_SETTINGS, ...settings }
    this.clock = opts.clock ?? systemClock
  }

  get label(): string {
    return `${this.path} ${formatLineSettings(this.settings)}`
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  /** Open the port. @throws PortOpenError with a plain-English message and a {@link PortErrorCode}. */
  async start(): Promise<void> {
    if (this.port) return
    this.stopping = false
    const port = new SerialPort({
      path: this.path,
      baudRate: this.settings.baudRate,
      dataBits: this.settings.dataBits,
      parity: this.settings.parity,
      stopBits: this.settings.stopBits,
      autoOpen: false
    })
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(portOpenError(this.path, err)) : resolve()))
    })
    this.port = port
    // a UART set to fewer than 8 data bits delivers them with the upper bits 0; ptys and
    // some adapters ignore the character size, so mask here to get the same bytes everywhere
    const mask = (1 << this.settings.dataBits) - 1
    port.on('data', (chunk: Buffer) => {
      if (mask !== 0xff) for (let i = 0; i < chunk.length; i++) chunk[i] &= mask
      this.emit('data', chunk, this.clock.now())
    })
    port.on('error', (err: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', new Error(explainPortError(this.path, err)))
    })
    this.watchdog = closeWhenRemoved(this.path, port)
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.watchdog) clearInterval(this.watchdog)
      this.watchdog = null
      this.port = null
      if (this.stopping) this.emit('end', `Closed ${this.path}.`)
      else this.emit('end', `Port ${this.path} disconnected${err?.message ? ` (${err.message})` : ''}. Check the cable, then open it again.`)
    })
  }

  /** Close the port. Idempotent. */
  async stop(): Promise<void> {
    const port = this.port
    if (!port) return
    this.stopping = true
    await new Promise<void>((resolve) => {
      if (!port.isOpen) return resolve()
      port.close(() => resolve())
    })
  }
}
