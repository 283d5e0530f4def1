/**
 * A board's debug output, line by line with receive times:
 *
 * - {@link SerialMonitor}: a serial port (the SmartyReader logs on Serial1, TX-only on D4, at
 *   115200 baud: a USB-serial adapter's RX on D4; bare boards log on their USB port).
 * - {@link UdpLogListener}: the SmartyReader firmware's UDP log (ESPToolbox
 *   `Tb.set_udp_log(true, UDP_LOG_PC_IP, UDP_LOG_PORT)`, port 6666 by default — what
 *   `nc -kulw 0 6666` shows). `Tb.log()` sends pieces without a newline, `Tb.log_ln()` ends
 *   the line, so text is collected per sender until a newline.
 *
 * Lines end at LF (CR dropped); a partial line is emitted after `flushMs` of silence (boot
 * messages, prompts). Events: 'line' (BoardLogLine), 'error' (plain sentence), 'close'.
 */
import { createSocket, type Socket } from 'node:dgram'
import { EventEmitter } from 'node:events'
import { SerialPort } from 'serialport'
import type { BoardLogLine, BoardLogSource } from '../../shared/board'
import { classifyPortError, explainPortError, PortOpenError } from '../line/serial-source'

export interface MonitorEvents {
  line: [BoardLogLine]
  error: [message: string]
  close: []
}

/** Splits a byte stream into lines (per sender), with an idle flush of partial lines. */
class LineSplitter {
  private parts = new Map<string, { text: string; timer: NodeJS.Timeout | null }>()

  constructor(
    private readonly source: BoardLogSource,
    private readonly emit: (l: BoardLogLine) => void,
    private readonly flushMs: number
  ) {}

  push(from: string, chunk: string, time = Date.now()): void {
    const p = this.parts.get(from) ?? { text: '', timer: null }
    if (p.timer) clearTimeout(p.timer)
    p.text += chunk
    let nl: number
    while ((nl = p.text.indexOf('\n')) >= 0) {
      const line = p.text.slice(0, nl).replace(/\r$/, '')
      p.text = p.text.slice(nl + 1)
      this.emit({ source: this.source, time, line, from })
    }
    p.timer = p.text ? setTimeout(() => this.flush(from), this.flushMs) : null
    p.timer?.unref()
    this.parts.set(from, p)
  }

  flush(from?: string): void {
    for (const [k, p] of this.parts) {
      if (from !== undefined && k !== from) continue
      if (p.timer) clearTimeout(p.timer)
      p.timer = null
      const line = p.text.replace(/\r$/, '')
      p.text = ''
      if (line) this.emit({ source: this.source, time: Date.now(), line, from: k })
    }
  }
}

/** A board's serial debug output. */
export class SerialMonitor extends EventEmitter<MonitorEvents> {
  private port: SerialPort | null = null
  private stopping = false
  private splitter: LineSplitter

  constructor(
    readonly path: string,
    readonly baudRate = 115200,
    flushMs = 500
  ) {
    super()
    this.splitter = new LineSplitter('monitor', (l) => this.emit('line', l), flushMs)
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false
  }

  /** Open the port. @throws PortOpenError with a plain sentence (missing, busy, permission) */
  async start(): Promise<void> {
    if (this.port) return
    this.stopping = false
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false })
    await new Promise<void>((res, rej) => port.open((err) => (err ? rej(new PortOpenError(explainPortError(this.path, err), classifyPortError(err))) : res())))
    this.port = port
    port.on('data', (b: Buffer) => this.splitter.push(this.path, b.toString('utf8')))
    port.on('error', (err: Error) => this.emit('error', explainPortError(this.path, err)))
    port.on('close', () => {
      this.splitter.flush()
      this.port = null
      if (!this.stopping) this.emit('error', `${this.path} was disconnected. Check the cable, then start the monitor again.`)
      this.emit('close')
    })
  }

  /** Close the port. Idempotent. */
  async stop(): Promise<void> {
    const port = this.port
    if (!port) return
    this.stopping = true
    await new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r()))
  }
}

/** The SmartyReader firmware's UDP log. */
export class UdpLogListener extends EventEmitter<MonitorEvents> {
  private socket: Socket | null = null
  private splitter: LineSplitter
  /** Port actually bound (0 asks the OS for one). */
  boundPort: number | null = null

  /**
   * @param port UDP port (default 6666, the sketch's UDP_LOG_PORT)
   * @param host address to bind (default all IPv4 interfaces)
   */
  constructor(
    readonly port = 6666,
    readonly host = '0.0.0.0',
    flushMs = 500
  ) {
    super()
    this.splitter = new LineSplitter('udp', (l) => this.emit('line', l), flushMs)
  }

  get isOpen(): boolean {
    return this.socket !== null
  }

  /** Bind. @throws Error with a plain sentence (port in use, permission) */
  async start(): Promise<void> {
    if (this.socket) return
    const s = createSocket({ type: 'udp4', reuseAddr: false })
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err: Error & { code?: string }) => {
        s.close()
        reject(new Error(explainUdpError(err, this.port)))
      })
      s.bind(this.port, this.host, () => resolve())
    })
    s.removeAllListeners('error')
    s.on('error', (err: Error & { code?: string }) => this.emit('error', explainUdpError(err, this.port)))
    s.on('message', (msg, rinfo) => this.splitter.push(`${rinfo.address}:${rinfo.port}`, msg.toString('utf8')))
    this.socket = s
    this.boundPort = s.address().port
  }

  /** Stop listening. Idempotent. */
  async stop(): Promise<void> {
    const s = this.socket
    if (!s) return
    this.socket = null
    this.splitter.flush()
    await new Promise<void>((r) => s.close(() => r()))
    this.emit('close')
  }
}

function explainUdpError(err: Error & { code?: string }, port: number): string {
  if (err.code === 'EADDRINUSE') return `UDP port ${port} is already in use (another log listener, e.g. "nc -kulw 0 ${port}"?). Stop it or choose another port.`
  if (err.code === 'EACCES') return `Not allowed to listen on UDP port ${port} (ports below 1024 need administrator rights).`
  return `Cannot listen on UDP port ${port}: ${err.message}`
}
