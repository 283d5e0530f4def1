/**
 * The virtual meter: a {@link SmartyModel} whose telegrams are wrapped in DLMS
 * general-glo-ciphering (AES-128-GCM, {@link encryptGlo}) with a given P1 key, system title
 * and rising frame counter, written at a cadence (10 s on a real Smarty: Luxmetering
 * E-Meter P1 spec v1.1.3 §3.2.1 — the first frame at most 1 s after the request line
 * goes active). Used by `p1studio simulate`, the demo generator and the tests.
 */
import { EventEmitter } from 'node:events'
import { SerialPort } from 'serialport'
import { DEFAULT_LINE_SETTINGS, LUX_AUTH_KEY_HEX, type LineSettings } from '../../shared/types'
import { encryptGlo } from '../p1/encrypt'
import { SmartyModel } from './smarty-model'

/** Default system title: "SAG" + "gp" + 3 bytes, as on real Smarty meters. */
export const DEFAULT_SYSTEM_TITLE = Buffer.from('534147677000A1B2', 'hex')

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
  private readonly key: Buffer
  private readonly authKey: Buffer
  private readonly intervalMs: number
  private readonly write: VirtualMeterOptions['write']
  private timer: NodeJS.Timeout | null = null
  private lastStep: number | null = null

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
  }

  /**
   * Build the next frame for instant `now`: step the model by the time since the previous
   * frame, encrypt, advance the frame counter (the meter stops at 0xFFFFFFFF).
   * @returns the frame, or null once the frame counter is exhausted.
   */
  nextFrame(now: Date = new Date()): Buffer | null {
    if (this.nextFrameCounter > 0xffffffff) return null
    const dt = this.lastStep === null ? 10 : (now.getTime() - this.lastStep) / 1000
    this.lastStep = now.getTime()
    this.model.step(now, dt)
    const telegram = this.model.telegram(now)
    const fc = this.nextFrameCounter
    const frame = encryptGlo({ plaintext: telegram, key: this.key, authKey: this.authKey, systemTitle: this.systemTitle, frameCounter: fc })
    this.nextFrameCounter = fc + 1
    this.lastFrameCounter = fc
    this.lastTelegram = telegram
    this.emit('frame', frame, telegram, fc)
    return frame
  }

  /** Start sending: the first frame at once, then one every interval. Idempotent. */
  start(): void {
    if (this.timer) return
    const tick = (): void => {
      const frame = this.nextFrame()
      if (!frame) {
        this.stop()
        return
      }
      Promise.resolve(this.write(frame)).catch((e: Error) => this.emit('error', e))
    }
    this.timer = setInterval(tick, this.intervalMs)
    tick()
  }

  /** Stop sending. */
  stop(): void {
    if (this.timer) clearInterval(this.timer)
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
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new Error(`Cannot open ${path}: ${err.message}`)) : resolve()))
  )
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
