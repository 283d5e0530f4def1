/**
 * The virtual meter: a {@link SmartyModel} whose telegrams are wrapped in DLMS
 * general-glo-ciphering (AES-128-GCM, {@link encryptGlo}) with a given P1 key, system title
 * and rising frame counter, written at a cadence (10 s on a real Smarty: Luxmetering
 * E-Meter P1 spec v1.1.3 §3.2.1 — the first frame at most 1 s after the request line
 * goes active). Used by `p1studio simulate`, the demo generator and the tests. The cadence
 * runs on a {@link Clock}: the system clock, or a {@link ManualClock} that a test advances
 * in exact 10 s steps.
 */
import { EventEmitter } from 'node:events'
import { SerialPort } from 'serialport'
import { DEFAULT_LINE_SETTINGS, LUX_AUTH_KEY_HEX, type LineSettings } from '../../shared/types'
import { encryptGlo } from '../p1/encrypt'
import { SmartyModel } from './smarty-model'
import { IRREGULAR_FACTORS, OTHER_AUTH_KEY_HEX, faultEvery, meterLine, otherKey, type MeterFault } from './faults'
import { sameFormat, transmitOverLine, type UartFormat } from './uart-model'
import { systemClock, type Clock, type ClockTimer } from './clock'

/** Default system title: "SAG" + "gp" + 3 bytes: the serial number 089067 of the model's meter id SAG1030700089067, as on real Smarty meters. */
export const DEFAULT_SYSTEM_TITLE = Buffer.from('5341476770015BEB', 'hex')

/** Options of {@link VirtualMeter}. */
export interface VirtualMeterOptions {
  /** 16-byte P1 key. */
  key: Buffer
  /** 16-byte authentication key (default Luxembourg's). */
  authKey?: Buffer
  /** 8-byte system title (default {@link DEFAULT_SYSTEM_TITLE}). */
  systemTitle?: Buffer
  /** Frame counter of the first frame (default 1). */
  frameCounter?: number
  /** Cadence, ms (default 10 000). */
  intervalMs?: number
  /** The household (default: seed 1, 6 kWp PV, gas on M-Bus channel 1). */
  model?: SmartyModel
  /** Where frames go (a serial port writer, a buffer…). */
  write: (frame: Buffer) => Promise<void> | void
  /** A fault to produce (default none). See src/main/line/faults.ts. */
  fault?: MeterFault
  /** Send plain telegrams without DLMS encryption (a meter with P1 security off, DSMR 2–5). */
  plain?: boolean
  /**
   * How the receiving end is set, asked before each frame (e.g. {@link sttyFormat} of the
   * other end of a pty pair). When the meter's line differs from it (a fault, or a receiver
   * at another baud), the bytes written are what that receiver reads, modelled bit by bit
   * (uart-model.ts). Absent → the receiver is taken to match the meter's line.
   */
  receiver?: () => UartFormat | null
  /** Paces the frames and dates the telegrams (default {@link systemClock}). */
  clock?: Clock
}

/** Events: 'frame' (frame bytes, telegram bytes, frame counter), 'error' (write failed). */
export interface VirtualMeterEvents {
  frame: [frame: Buffer, telegram: Buffer, frameCounter: number]
  error: [error: Error]
}

/** Writes Smarty frames at a cadence. */
export class VirtualMeter extends EventEmitter<VirtualMeterEvents> {
  readonly model: SmartyModel
  readonly systemTitle: Buffer
  /** Frame counter of the next frame. */
  nextFrameCounter: number
  /** Frame counter of the last frame sent, null before the first. */
  lastFrameCounter: number | null = null
  /** Telegram (plaintext) of the last frame sent. */
  lastTelegram: Buffer | null = null
  private key: Buffer
  private authKey: Buffer
  private readonly intervalMs: number
  private readonly write: VirtualMeterOptions['write']
  private readonly fault: MeterFault
  private readonly plain: boolean
  private readonly receiver: (() => UartFormat | null) | null
  private readonly clock: Clock
  private timer: ClockTimer | null = null
  private lastStep: number | null = null
  private sent = 0

  /** @throws RangeError on keys that are not 16 bytes or a title that is not 8 bytes. */
  constructor(opts: VirtualMeterOptions) {
    super()
    if (opts.key.length !== 16) throw new RangeError('P1 key must be 16 bytes')
    this.key = opts.key
    this.authKey = opts.authKey ?? Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
    this.systemTitle = opts.systemTitle ?? DEFAULT_SYSTEM_TITLE
    if (this.systemTitle.length !== 8) throw new RangeError('system title must be 8 bytes')
    this.nextFrameCounter = opts.frameCounter ?? 1
    this.intervalMs = opts.intervalMs ?? 10_000
    this.model = opts.model ?? new SmartyModel({ seed: 1, pvPeakKW: 6, mbusGas: true })
    this.write = opts.write
    this.fault = opts.fault ?? { name: 'none' }
    this.plain = opts.plain ?? false
    this.receiver = opts.receiver ?? null
    this.clock = opts.clock ?? systemClock
    if (this.fault.name === 'wrong-key') this.key = otherKey(this.key)
    if (this.fault.name === 'auth-key') this.authKey = Buffer.from(OTHER_AUTH_KEY_HEX, 'hex')
  }

  /**
   * Build the next frame for instant `now` (default: now on the meter's clock): step the
   * model by the time since the previous frame, encrypt (unless plain), advance the frame
   * counter (the meter stops at 0xFFFFFFFF).
   * Content faults apply here: wrong-key, auth-key, bad-crc, flip, truncate.
   * @returns the frame as the meter emits it, or null once the frame counter is exhausted.
   */
  nextFrame(now: Date = new Date(this.clock.now())): Buffer | null {
    if (this.nextFrameCounter > 0xffffffff) return null
    const dt = this.lastStep === null ? 10 : (now.getTime() - this.lastStep) / 1000
    this.lastStep = now.getTime()
    this.model.step(now, dt)
    let telegram = this.model.telegram(now)
    const fc = this.nextFrameCounter
    const hit = (fc - 1) % faultEvery(this.fault) === 0
    if (this.fault.name === 'bad-crc' && hit) {
      // a wrong CRC, as a meter (or a relay board) that mangles the telegram would send
      const bang = telegram.lastIndexOf(0x21)
      const crc = (parseInt(telegram.subarray(bang + 1, bang + 5).toString('latin1'), 16) ^ 0x1111) & 0xffff
      telegram = Buffer.concat([telegram.subarray(0, bang + 1), Buffer.from(crc.toString(16).toUpperCase().padStart(4, '0') + '\r\n', 'latin1')])
    }
    let frame = this.plain
      ? Buffer.from(telegram)
      : encryptGlo({ plaintext: telegram, key: this.key, authKey: this.authKey, systemTitle: this.systemTitle, frameCounter: fc })
    if (this.fault.name === 'flip' && hit) {
      // one bit flipped on the way, inside the ciphertext (or the telegram's body)
      const from = this.plain ? 10 : 18 + 5
      const span = frame.length - from - (this.plain ? 10 : 12)
      frame[from + ((fc * 7919) % span)] ^= 0x10
    }
    if (this.fault.name === 'truncate') frame = frame.subarray(0, this.fault.truncateAt ?? 1024)
    this.nextFrameCounter = fc + 1
    this.lastFrameCounter = fc
    this.lastTelegram = telegram
    this.emit('frame', frame, telegram, fc)
    return frame
  }

  /**
   * The bytes a receiver reads for `frame`: the frame itself when the meter's line and the
   * receiver agree, else what the UART model reads (inverted line, other baud rate).
   */
  onTheWire(frame: Buffer): Buffer {
    const tx = meterLine(this.fault, this.plain)
    const rx = this.receiver?.() ?? { baudRate: tx.baudRate, dataBits: tx.dataBits, parity: tx.parity, stopBits: tx.stopBits }
    if (!tx.inverted && sameFormat(tx, rx)) return frame
    return transmitOverLine(frame, tx, rx).bytes
  }

  /** Delay before the frame after the `n`th one sent (0-based), ms: the cadence, or the irregular fault's. */
  private delayAfter(n: number): number {
    if (this.fault.name === 'irregular') return this.intervalMs * IRREGULAR_FACTORS[n % IRREGULAR_FACTORS.length]
    return this.intervalMs
  }

  /**
   * Start sending: the first frame at once, then one per interval on the meter's clock.
   * Sending faults apply here: silence (nothing written), drop (every Nth frame not
   * written), irregular (intervals vary), inverted / wrong-baud (see {@link onTheWire}).
   * Idempotent.
   */
  start(): void {
    if (this.timer) return
    // frames are due at fixed instants, as from the meter's own crystal: a late timer (a busy
    // event loop) delays one frame, not all the ones after it
    let due = this.clock.now()
    const tick = (): void => {
      const frame = this.nextFrame()
      if (!frame) {
        this.stop()
        return
      }
      const fc = this.lastFrameCounter ?? 0
      const dropped = this.fault.name === 'drop' && fc % faultEvery(this.fault) === 0
      if (this.fault.name !== 'silence' && !dropped) {
        Promise.resolve(this.write(this.onTheWire(frame))).catch((e: Error) => this.emit('error', e))
      }
      due += this.delayAfter(this.sent++)
      const now = this.clock.now()
      // more than a cadence behind (the computer slept): start afresh rather than catch up
      if (due < now - this.intervalMs) due = now
      this.timer = this.clock.setTimeout(tick, due - now)
    }
    this.timer = this.clock.setTimeout(tick, 0)
  }

  /** Stop sending. */
  stop(): void {
    this.timer?.cancel()
    this.timer = null
  }

  get running(): boolean {
    return this.timer !== null
  }
}

/** A port opened for writing frames. */
export interface SerialWriter {
  /** Write and wait until the bytes left the driver. */
  write(frame: Buffer): Promise<void>
  close(): Promise<void>
}

/**
 * Open a serial port for writing (serialport). @throws Error in plain words if it cannot open.
 */
export async function openSerialWriter(path: string, settings: Partial<LineSettings> = {}): Promise<SerialWriter> {
  const s = { ...DEFAULT_LINE_SETTINGS, ...settings }
  const port = new SerialPort({
    path,
    baudRate: s.baudRate,
    dataBits: s.dataBits,
    parity: s.parity,
    stopBits: s.stopBits,
    autoOpen: false
  })
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`Cannot open ${path}: ${err.message}`)) : resolve())))
  port.on('error', () => undefined)
  return {
    write: (frame) =>
      new Promise<void>((resolve, reject) => {
        port.write(frame, (err) => {
          if (err) return reject(new Error(`Write to ${path} failed: ${err.message}`))
          port.drain((e) => (e ? reject(new Error(`Write to ${path} failed: ${e.message}`)) : resolve()))
        })
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve()
        port.close(() => resolve())
      })
  }
}
