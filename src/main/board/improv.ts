/**
 * Improv Wi-Fi over serial (improv-wifi.com/serial), client side: detect the service, read
 * the device info, send Wi-Fi credentials, follow the state and report the URL.
 *
 * Packet (both directions): "IMPROV" · version 1 · type · length · data · checksum, where the
 * checksum is the low byte of the sum of every byte before it; clients append "\n" (as the
 * reference SDK, sdk-serial-js, does) and devices interleave packets with their log lines.
 * Types: 0x01 current state (device), 0x02 error state (device), 0x03 RPC command (client:
 * data = command · length · payload), 0x04 RPC result (device: command · length · strings,
 * each length-prefixed). Commands: 0x01 send Wi-Fi settings (ssid and password,
 * length-prefixed; result: [URL]), 0x02 request current state (if provisioned also the
 * result with the URL), 0x03 request device info ([firmware, version, chip, device name]).
 * States: 0x02 ready (authorized), 0x03 provisioning, 0x04 provisioned (0x01 authorization
 * required exists on BLE). Errors: 0x00 none, 0x01 invalid RPC, 0x02 unknown RPC, 0x03
 * unable to connect, 0x05 bad hostname, 0xFF unknown.
 *
 * Only firmware that speaks Improv answers (ESPHome with `improv_serial`, Tasmota…): the
 * SmartyReader sketch does not, its UART belongs to the meter.
 */
import { SerialPort } from 'serialport'
import type { ImprovDeviceInfo, ImprovErrorCode, ImprovResult, ImprovState } from '../../shared/board'
import { portOpenError } from '../line/serial-source'

const HEADER = Buffer.from('IMPROV', 'ascii')
/** Protocol version sent and accepted. */
export const IMPROV_VERSION = 1

/** Packet types. */
export const ImprovType = { CURRENT_STATE: 0x01, ERROR_STATE: 0x02, RPC: 0x03, RPC_RESULT: 0x04 } as const
/** RPC commands. */
export const ImprovCommand = { SEND_WIFI: 0x01, REQUEST_STATE: 0x02, REQUEST_INFO: 0x03, SCAN: 0x04, HOSTNAME: 0x05, DEVICE_NAME: 0x06 } as const

const STATES: Record<number, ImprovState> = { 0x01: 'authorization_required', 0x02: 'authorized', 0x03: 'provisioning', 0x04: 'provisioned' }
const ERRORS: Record<number, ImprovErrorCode> = {
  0x00: 'none',
  0x01: 'invalid_rpc',
  0x02: 'unknown_rpc',
  0x03: 'unable_to_connect',
  0x05: 'bad_hostname',
  0xff: 'unknown'
}

/** State byte → name ('unknown' for values the spec does not list). */
export const improvState = (b: number): ImprovState => STATES[b] ?? 'unknown'
/** Error byte → code. */
export const improvError = (b: number): ImprovErrorCode => ERRORS[b] ?? 'unknown'

/** One packet as received. */
export interface ImprovPacket {
  type: number
  data: Buffer
}

/**
 * Frame a packet: header, version, type, length, data, checksum, newline.
 * @throws RangeError if data exceeds 255 bytes
 */
export function encodeImprovPacket(type: number, data: Uint8Array): Buffer {
  if (data.length > 255) throw new RangeError('Improv packets carry at most 255 bytes of data')
  const body = Buffer.concat([HEADER, Buffer.from([IMPROV_VERSION, type, data.length]), Buffer.from(data)])
  let sum = 0
  for (const b of body) sum += b
  return Buffer.concat([body, Buffer.from([sum & 0xff, 0x0a])])
}

/** An RPC command packet: command · length · payload. */
export function encodeImprovRpc(command: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  return encodeImprovPacket(ImprovType.RPC, Buffer.concat([Buffer.from([command, payload.length]), Buffer.from(payload)]))
}

/** Length-prefixed UTF-8 strings (RPC payloads and results). @throws RangeError for a string over 255 bytes */
export function encodeImprovStrings(strings: string[]): Buffer {
  return Buffer.concat(
    strings.map((s) => {
      const b = Buffer.from(s, 'utf8')
      if (b.length > 255) throw new RangeError(`"${s.slice(0, 20)}…" is longer than 255 bytes`)
      return Buffer.concat([Buffer.from([b.length]), b])
    })
  )
}

/** An RPC result's command and strings (data = command · length · strings). */
export function decodeImprovResult(data: Buffer): { command: number; strings: string[] } {
  const command = data[0]
  const total = data[1] ?? 0
  const strings: string[] = []
  let i = 2
  while (i < 2 + total && i < data.length) {
    const n = data[i]
    strings.push(data.subarray(i + 1, i + 1 + n).toString('utf8'))
    i += n + 1
  }
  return { command, strings }
}

/**
 * Splits a serial byte stream into Improv packets and text lines (the device's log output).
 * Packets with a wrong checksum or version are dropped and counted.
 */
export class ImprovStreamParser {
  private buf = Buffer.alloc(0)
  /** Packets dropped for a bad checksum or version. */
  badPackets = 0

  /** Feed bytes; returns the complete packets and text lines found. */
  push(chunk: Buffer): { packets: ImprovPacket[]; lines: string[] } {
    this.buf = Buffer.concat([this.buf, chunk])
    const packets: ImprovPacket[] = []
    const lines: string[] = []
    for (;;) {
      const h = this.buf.indexOf(HEADER)
      const nl = this.buf.indexOf(0x0a)
      if (nl >= 0 && (h < 0 || nl < h)) {
        const line = this.buf.subarray(0, nl).toString('utf8').replace(/\r$/, '')
        if (line.trim()) lines.push(line)
        this.buf = this.buf.subarray(nl + 1)
        continue
      }
      if (h < 0) {
        // keep a possible partial header at the end
        if (this.buf.length > 4096) this.buf = this.buf.subarray(this.buf.length - 5)
        break
      }
      if (h > 0) {
        const text = this.buf.subarray(0, h).toString('utf8').trim()
        if (text) lines.push(text)
        this.buf = this.buf.subarray(h)
      }
      if (this.buf.length < 9) break
      const len = this.buf[8]
      if (this.buf.length < 9 + len + 1) break
      const pkt = this.buf.subarray(0, 9 + len + 1)
      this.buf = this.buf.subarray(9 + len + 1)
      if (this.buf[0] === 0x0a) this.buf = this.buf.subarray(1)
      let sum = 0
      for (let i = 0; i < pkt.length - 1; i++) sum += pkt[i]
      if ((sum & 0xff) !== pkt[pkt.length - 1] || pkt[6] !== IMPROV_VERSION) {
        this.badPackets++
        continue
      }
      packets.push({ type: pkt[7], data: Buffer.from(pkt.subarray(9, 9 + len)) })
    }
    return { packets, lines }
  }
}

/** An Improv exchange that failed: the device's error state or a timeout. */
export class ImprovError extends Error {
  constructor(
    message: string,
    readonly code: ImprovErrorCode
  ) {
    super(message)
    this.name = 'ImprovError'
  }
}

/** A client on an open serial port. */
export class ImprovSerialClient {
  state: ImprovState = 'unknown'
  error: ImprovErrorCode = 'none'
  private parser = new ImprovStreamParser()
  private waiters: ((p: ImprovPacket) => boolean)[] = []

  private constructor(
    private readonly port: SerialPort,
    readonly path: string,
    private readonly onLog: (line: string) => void
  ) {
    port.on('data', (chunk: Buffer) => {
      const { packets, lines } = this.parser.push(chunk)
      for (const l of lines) this.onLog(l)
      for (const p of packets) {
        if (p.type === ImprovType.CURRENT_STATE) this.state = improvState(p.data[0])
        if (p.type === ImprovType.ERROR_STATE) this.error = improvError(p.data[0])
        this.waiters = this.waiters.filter((w) => !w(p))
      }
    })
    port.on('error', () => undefined)
  }

  /**
   * Open the port (115200 8N1 unless told otherwise).
   * @throws PortOpenError in plain English (missing, busy, permission)
   */
  static async open(path: string, opts: { baudRate?: number; onLog?: (line: string) => void } = {}): Promise<ImprovSerialClient> {
    const port = new SerialPort({ path, baudRate: opts.baudRate ?? 115200, autoOpen: false })
    await new Promise<void>((res, rej) => port.open((err) => (err ? rej(portOpenError(path, err)) : res())))
    return new ImprovSerialClient(port, path, opts.onLog ?? (() => undefined))
  }

  /** Close the port. Idempotent. */
  async close(): Promise<void> {
    if (!this.port.isOpen) return
    await new Promise<void>((r) => this.port.close(() => r()))
  }

  private send(command: number, payload?: Uint8Array): void {
    this.port.write(encodeImprovRpc(command, payload))
  }

  /** Wait for a packet `match` accepts (returns a value), failing on an error state > 0 or after `timeoutMs`. */
  private wait<T>(timeoutMs: number, match: (p: ImprovPacket) => T | undefined, errorCounts = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        reject(new ImprovError('timeout', 'timeout'))
      }, timeoutMs)
      const waiter = (p: ImprovPacket): boolean => {
        if (errorCounts && p.type === ImprovType.ERROR_STATE && p.data[0] !== 0) {
          clearTimeout(timer)
          reject(new ImprovError(improvError(p.data[0]), improvError(p.data[0])))
          return true
        }
        const v = match(p)
        if (v === undefined) return false
        clearTimeout(timer)
        resolve(v)
        return true
      }
      this.waiters.push(waiter)
    })
  }

  /**
   * Ask for the current state, resending every second (a device just flashed may still be
   * booting). Resolves with the state and, when provisioned, the URL.
   * @throws ImprovError('timeout') if nothing answers within `timeoutMs`
   */
  async requestState(timeoutMs = 5000): Promise<{ state: ImprovState; url: string | null }> {
    const result = this.wait(
      timeoutMs + 500,
      (p) => (p.type === ImprovType.RPC_RESULT && p.data[0] === ImprovCommand.REQUEST_STATE ? (decodeImprovResult(p.data).strings[0] ?? '') : undefined),
      false
    ).catch(() => null)
    const stateP = this.wait(timeoutMs, (p) => (p.type === ImprovType.CURRENT_STATE ? improvState(p.data[0]) : undefined), false)
    this.send(ImprovCommand.REQUEST_STATE)
    const retry = setInterval(() => this.send(ImprovCommand.REQUEST_STATE), 1000)
    try {
      const state = await stateP
      const url = state === 'provisioned' ? await Promise.race([result, new Promise<null>((r) => setTimeout(() => r(null), 1000))]) : null
      return { state, url: url || null }
    } finally {
      clearInterval(retry)
    }
  }

  /** Device info: firmware, version, chip/variant, device name. @throws ImprovError on an error state or timeout */
  async requestInfo(timeoutMs = 3000): Promise<ImprovDeviceInfo> {
    const r = this.wait(timeoutMs, (p) =>
      p.type === ImprovType.RPC_RESULT && p.data[0] === ImprovCommand.REQUEST_INFO ? decodeImprovResult(p.data).strings : undefined
    )
    this.send(ImprovCommand.REQUEST_INFO)
    const s = await r
    return { firmware: s[0] ?? '', version: s[1] ?? '', chip: s[2] ?? '', deviceName: s[3] ?? '' }
  }

  /**
   * Send Wi-Fi credentials and wait until the device is provisioned (RPC result with the URL)
   * or reports an error state (e.g. unable_to_connect).
   * @throws ImprovError with the device's error code, or 'timeout'
   */
  async provision(ssid: string, password: string, timeoutMs = 30_000): Promise<{ url: string | null }> {
    const payload = encodeImprovStrings([ssid, password])
    const r = this.wait(timeoutMs, (p) =>
      p.type === ImprovType.RPC_RESULT && p.data[0] === ImprovCommand.SEND_WIFI ? decodeImprovResult(p.data).strings : undefined
    )
    this.error = 'none'
    this.send(ImprovCommand.SEND_WIFI, payload)
    const strings = await r
    return { url: strings[0] || null }
  }
}

/** A plain sentence for an Improv error code. */
export function explainImprovError(code: ImprovErrorCode, ctx: { path: string; ssid?: string }): string {
  switch (code) {
    case 'unable_to_connect':
      return `The board could not join the Wi-Fi network "${ctx.ssid ?? ''}": check the password, that the network is 2.4 GHz, and that the board is in reach of the access point.`
    case 'invalid_rpc':
      return 'The board rejected the request as malformed (Improv "invalid RPC packet"); try again, or update its firmware.'
    case 'unknown_rpc':
      return "The board's firmware does not know this Improv command; update the firmware."
    case 'bad_hostname':
      return 'The board refused the host name (letters, digits and hyphens only).'
    case 'timeout':
      return `No Improv answer on ${ctx.path}. Is the firmware Improv-capable (ESPHome with improv_serial, Tasmota)? The SmartyReader firmware does not speak Improv: its serial port belongs to the meter. Check the baud rate (115200) and that the board has finished booting.`
    case 'none':
      return 'No error.'
    default:
      return 'The board reported an unknown Improv error; look at its log output.'
  }
}

/**
 * Whole provisioning: open the port, find the service, read the device info, send the
 * credentials, wait for the outcome, close. Never throws for device-side outcomes (they are
 * in the result); throws only for port problems.
 * @throws PortOpenError if the port cannot be opened
 */
export async function improvProvision(opts: {
  path: string
  ssid: string
  password: string
  baudRate?: number
  timeoutS?: number
  onLog?: (line: string) => void
}): Promise<ImprovResult> {
  const client = await ImprovSerialClient.open(opts.path, { baudRate: opts.baudRate, onLog: opts.onLog })
  const ctx = { path: opts.path, ssid: opts.ssid }
  let info: ImprovDeviceInfo | null = null
  try {
    await client.requestState(5000)
    info = await client.requestInfo().catch(() => null)
    try {
      const { url } = await client.provision(opts.ssid, opts.password, (opts.timeoutS ?? 30) * 1000)
      const name = info ? `${info.deviceName} (${info.firmware} ${info.version})` : 'The board'
      return {
        info,
        state: 'provisioned',
        url,
        error: 'none',
        message: `${name} joined "${opts.ssid}"${url ? ` and is at ${url}` : ''}.`,
        code: 'improv_joined',
        params: { device: info ? `${info.deviceName} (${info.firmware} ${info.version})` : null, ssid: opts.ssid, url }
      }
    } catch (e) {
      const code = e instanceof ImprovError ? e.code : 'unknown'
      // the device follows an error with its state (back to ready); give that packet a moment
      await new Promise((r) => setTimeout(r, 100))
      if (code === 'timeout') {
        const timeoutS = opts.timeoutS ?? 30
        return {
          info,
          state: client.state,
          url: null,
          error: code,
          message: `The board did not finish joining "${opts.ssid}" in ${timeoutS} s (last state: ${client.state}).`,
          code: 'improv_join_timeout',
          params: { ssid: opts.ssid, timeoutS, state: client.state }
        }
      }
      return { info, state: client.state, url: null, error: code, message: explainImprovError(code, ctx), code: `improv_${code}`, params: { ...ctx } }
    }
  } catch (e) {
    const code = e instanceof ImprovError ? e.code : 'unknown'
    return { info, state: client.state, url: null, error: code, message: explainImprovError(code, ctx), code: `improv_${code}`, params: { ...ctx } }
  } finally {
    await client.close()
  }
}
