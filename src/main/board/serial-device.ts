/**
 * A Web Serial–shaped port over Node's `serialport`, so that esptool-js's own `Transport`
 * (written for `navigator.serial`) runs unmodified in the main process.
 *
 * esptool-js 0.7 uses: `open({baudRate,…})`, `close()`, `readable` / `writable` (WHATWG
 * streams, a new reader per chunk), `setSignals({dataTerminalReady, requestToSend, break})`,
 * `getInfo()` and, when present, `setBaudRate(baud)` to change speed without reopening.
 *
 * Web Serial's `setSignals` changes only the lines it names; serialport's `set()` sets every
 * line each time (unnamed ones to their defaults), so both DTR and RTS states are kept here
 * and sent together on every call. Ports that cannot drive the lines (Linux ptys answer
 * "Inappropriate ioctl for device", some adapters have no RTS) are tolerated: the call is
 * recorded in {@link NodeSerialDevice.resetLines} and ignored, and the reset into the
 * bootloader then has to be done by hand (BOOT + RESET).
 */
import { SerialPort } from 'serialport'
import { closeWhenRemoved, portOpenError } from '../line/serial-source'

/** Web Serial `SerialOutputSignals`. */
export interface SerialSignals {
  dataTerminalReady?: boolean
  requestToSend?: boolean
  break?: boolean
}

/** Web Serial `SerialOptions` (esptool-js passes these through). */
export interface WebSerialOpenOptions {
  baudRate: number
  dataBits?: 7 | 8
  stopBits?: 1 | 2
  parity?: 'none' | 'even' | 'odd'
  bufferSize?: number
  flowControl?: 'none' | 'hardware'
}

/** USB ids (Web Serial `SerialPortInfo`); esptool-js uses them to spot Espressif's USB-JTAG port. */
export interface WebSerialPortInfo {
  usbVendorId?: number
  usbProductId?: number
}

/**
 * A serial port with the Web Serial API's shape.
 * @param path device path, e.g. "/dev/ttyUSB0" or "COM3"
 * @param info USB vendor/product ids if known (see {@link usbInfoFor})
 */
export class NodeSerialDevice {
  /** Web Serial: the input stream while open, null when closed. */
  readable: ReadableStream<Uint8Array> | null = null
  /** Web Serial: the output stream while open, null when closed. */
  writable: WritableStream<Uint8Array> | null = null
  /** null until a signal change was tried; false when the port cannot drive DTR/RTS. */
  resetLines: boolean | null = null
  /** Why the port went away on its own (cable pulled, device node gone), null if it did not. */
  lostReason: string | null = null
  /** Why writes stopped going through (port stalled or write error), null if they did not. */
  stalledReason: string | null = null
  /** Bytes received / sent since construction (diagnostics). */
  bytesIn = 0
  bytesOut = 0
  private port: SerialPort | null = null
  private baudRate = 115200
  private dtr = false
  private rts = false
  private closingState: { closing: boolean } | null = null

  constructor(
    readonly path: string,
    private readonly info: WebSerialPortInfo = {},
    private readonly onNote: (line: string) => void = () => undefined
  ) {}

  /** Web Serial `getInfo()`. */
  getInfo(): WebSerialPortInfo {
    return { ...this.info }
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  /**
   * Web Serial `open()`. @throws PortOpenError (plain English: missing, busy, permission) if
   * the port cannot be opened.
   */
  async open(options: WebSerialOpenOptions): Promise<void> {
    if (this.port?.isOpen) throw new Error(`${this.path} is already open`)
    this.lostReason = null
    this.stalledReason = null
    const port = new SerialPort({
      path: this.path,
      baudRate: options.baudRate,
      dataBits: options.dataBits ?? 8,
      stopBits: options.stopBits ?? 1,
      parity: options.parity ?? 'none',
      rtscts: options.flowControl === 'hardware',
      autoOpen: false
    })
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(portOpenError(this.path, err)) : resolve())))
    this.port = port
    // per opening: esptool-js closes and reopens during chip detection, and the old port's
    // 'close' event may arrive after the new one is open
    const state = { closing: false }
    this.closingState = state
    let ctrl: ReadableStreamDefaultController<Uint8Array> | null = null
    let readDone = false
    const finishRead = (err?: Error): void => {
      if (readDone || !ctrl) return
      readDone = true
      try {
        if (err) ctrl.error(err)
        else ctrl.close()
      } catch {
        /* already closed */
      }
    }
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        ctrl = c
      },
      cancel: () => {
        readDone = true
      }
    })
    this.baudRate = options.baudRate
    // The sink never rejects: esptool-js's Transport.write() does not release its writer when
    // write() throws, which would leave the stream locked and make Transport.disconnect() wait
    // forever. A failed or stalled write is recorded instead (stalledReason) and the board's
    // missing answer then surfaces as esptool's read timeout.
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise<void>((resolve) => {
          const fail = (why: string): void => {
            if (!this.stalledReason) {
              this.stalledReason = why
              this.onNote(why)
            }
            resolve()
          }
          if (!port.isOpen || this.stalledReason) return fail(this.lostReason ?? this.stalledReason ?? `${this.path} is closed.`)
          this.bytesOut += chunk.length
          // esptool-js has no write timeout: a stalled line (flow control, a board gone behind
          // an adapter) would hang it. Allow 3× the time on the wire + 2 s.
          const limitMs = 2000 + (chunk.length * 10 * 1000 * 3) / this.baudRate
          const timer = setTimeout(() => fail(`The board on ${this.path} stopped taking data.`), limitMs)
          port.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), (err) => {
            if (err) {
              clearTimeout(timer)
              return fail(`Writing to ${this.path} failed: ${err.message}`)
            }
            port.drain((e) => {
              clearTimeout(timer)
              if (e) fail(`Writing to ${this.path} failed: ${e.message}`)
              else resolve()
            })
          })
        })
    })
    port.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length
      if (!readDone && ctrl) ctrl.enqueue(new Uint8Array(chunk))
    })
    port.on('error', () => undefined) // the 'close' below carries the outcome
    // a pulled USB adapter removes its device node; some drivers never report it otherwise
    const watchdog = closeWhenRemoved(this.path, port)
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (watchdog) clearInterval(watchdog)
      if (state.closing) return finishRead()
      const reason = `The connection to ${this.path} was lost${err?.message ? ` (${err.message})` : ''}.`
      const e = new Error(reason)
      e.name = 'NetworkError'
      finishRead(e)
      if (this.port !== port) return
      this.lostReason = reason
      this.port = null
      this.readable = null
      this.writable = null
    })
  }

  /** Web Serial `close()`. Idempotent. */
  async close(): Promise<void> {
    const port = this.port
    if (!port) return
    if (this.closingState) this.closingState.closing = true
    await new Promise<void>((resolve) => {
      if (!port.isOpen) return resolve()
      port.close(() => resolve())
    })
    this.port = null
    this.readable = null
    this.writable = null
  }

  /**
   * Web Serial `setSignals()`: DTR/RTS/break. Both DTR and RTS are sent every time (serialport
   * sets all lines at once). Never throws for a port that cannot drive the lines: see
   * {@link resetLines}.
   */
  async setSignals(s: SerialSignals): Promise<void> {
    if (s.dataTerminalReady !== undefined) this.dtr = s.dataTerminalReady
    if (s.requestToSend !== undefined) this.rts = s.requestToSend
    const port = this.port
    if (!port?.isOpen || this.resetLines === false) return
    await new Promise<void>((resolve) => {
      port.set({ dtr: this.dtr, rts: this.rts, brk: s.break === true }, (err) => {
        if (err) {
          this.resetLines = false
          this.onNote(
            `${this.path} cannot drive DTR/RTS (${err.message.replace(/, cannot set$/, '')}): no automatic reset, put the board into its bootloader by hand (hold BOOT, press RESET).`
          )
        } else this.resetLines = true
        resolve()
      })
    })
  }

  /** Change the baud rate in place (esptool-js prefers this to reopening the port). */
  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.port
    if (!port?.isOpen) throw new Error(`${this.path} is closed`)
    await new Promise<void>((resolve, reject) => port.update({ baudRate }, (err) => (err ? reject(err) : resolve())))
    this.baudRate = baudRate
  }
}

/**
 * USB vendor/product ids of a port from the OS list (hex strings → numbers), {} if unknown.
 * Never throws.
 */
export async function usbInfoFor(path: string): Promise<WebSerialPortInfo> {
  try {
    const p = (await SerialPort.list()).find((x) => x.path === path)
    if (!p?.vendorId || !p.productId) return {}
    return { usbVendorId: parseInt(p.vendorId, 16), usbProductId: parseInt(p.productId, 16) }
  } catch {
    return {}
  }
}
