/**
 * A device speaking Improv Wi-Fi serial (improv-wifi.com/serial) on one end of a pty pair, as
 * ESPHome's improv_serial does: log lines on the same UART between packets; RPC "send Wi-Fi
 * settings" → error state 0, state 0x03 provisioning, then either state 0x04 provisioned and an
 * RPC result [URL], or error state 0x03 "unable to connect" and state 0x02 ready again;
 * "request current state" → state (and the URL result if provisioned); "request device info"
 * → [firmware, version, chip, name]; bad checksum → error 0x01; unknown command → error 0x02.
 * Written independently of src/main/board/improv.ts (own framing and checksum code).
 */
import { SerialPort } from 'serialport'

export interface ImprovDoubleOptions {
  /** Accepted networks: SSID → password. */
  networks: Record<string, string>
  /** URL reported once connected. */
  url?: string
  info?: [string, string, string, string]
  /** Time the "connection attempt" takes, ms. */
  connectMs?: number
  /** Answer nothing (a firmware without Improv). */
  silent?: boolean
}

export class ImprovDouble {
  state = 0x02
  /** Packets received, as "type/command" strings. */
  readonly received: string[] = []
  /** Credentials tried. */
  readonly attempts: { ssid: string; password: string }[] = []
  private buf = Buffer.alloc(0)

  private constructor(
    readonly port: SerialPort,
    readonly opts: ImprovDoubleOptions
  ) {
    port.on('data', (c: Buffer) => this.onData(c))
    port.on('error', () => undefined)
    this.log('[I][app:102]: ESPHome version 2025.5.0 compiled on May 20 2025')
  }

  static async start(path: string, opts: ImprovDoubleOptions): Promise<ImprovDouble> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())))
    return new ImprovDouble(port, opts)
  }

  async stop(): Promise<void> {
    if (this.port.isOpen) await new Promise<void>((r) => this.port.close(() => r()))
  }

  private log(line: string): void {
    if (!this.opts.silent && this.port.isOpen) this.port.write(line + '\r\n')
  }

  private packet(type: number, data: number[]): void {
    if (this.opts.silent || !this.port.isOpen) return
    const bytes = [0x49, 0x4d, 0x50, 0x52, 0x4f, 0x56, 1, type, data.length, ...data]
    const sum = bytes.reduce((a, b) => a + b, 0) & 0xff
    this.port.write(Buffer.from([...bytes, sum, 0x0a]))
  }

  private result(command: number, strings: string[]): void {
    const body: number[] = []
    for (const s of strings) {
      const b = [...Buffer.from(s, 'utf8')]
      body.push(b.length, ...b)
    }
    this.packet(0x04, [command, body.length, ...body])
  }

  private setState(s: number): void {
    this.state = s
    this.packet(0x01, [s])
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk])
    for (;;) {
      const h = this.buf.indexOf('IMPROV')
      if (h < 0 || this.buf.length < h + 9) return
      const len = this.buf[h + 8]
      if (this.buf.length < h + 9 + len + 1) return
      const pkt = this.buf.subarray(h, h + 9 + len + 1)
      this.buf = this.buf.subarray(h + 9 + len + 1)
      let sum = 0
      for (let i = 0; i < pkt.length - 1; i++) sum += pkt[i]
      if ((sum & 0xff) !== pkt[pkt.length - 1] || pkt[7] !== 0x03) {
        this.received.push('bad')
        this.packet(0x02, [0x01])
        continue
      }
      this.rpc(pkt.subarray(9, 9 + len))
    }
  }

  private rpc(data: Buffer): void {
    const cmd = data[0]
    const payload = data.subarray(2, 2 + data[1])
    this.received.push(`rpc/${cmd}`)
    switch (cmd) {
      case 0x01: {
        const sl = payload[0]
        const ssid = payload.subarray(1, 1 + sl).toString('utf8')
        const pl = payload[1 + sl]
        const password = payload.subarray(2 + sl, 2 + sl + pl).toString('utf8')
        this.attempts.push({ ssid, password })
        this.packet(0x02, [0x00])
        this.setState(0x03)
        this.log(`[I][wifi:300]: Connecting to '${ssid}'...`)
        setTimeout(() => {
          if (this.opts.networks[ssid] !== undefined && this.opts.networks[ssid] === password) {
            this.log('[I][wifi:617]: WiFi Connected!')
            this.setState(0x04)
            this.result(0x01, [this.opts.url ?? 'http://192.168.1.42'])
          } else {
            this.log('[W][wifi:627]: WiFi connection failed: Auth expired')
            this.packet(0x02, [0x03])
            this.setState(0x02)
          }
        }, this.opts.connectMs ?? 150)
        return
      }
      case 0x02:
        this.setState(this.state)
        if (this.state === 0x04) this.result(0x02, [this.opts.url ?? 'http://192.168.1.42'])
        return
      case 0x03:
        this.result(0x03, this.opts.info ?? ['ESPHome', '2025.5.0', 'esp8266', 'smartyreader'])
        return
      default:
        this.packet(0x02, [0x02])
    }
  }
}
