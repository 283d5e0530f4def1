/**
 * A board's debug output, line by line with receive times:
 *
 * - {@link SerialMonitor}: a serial port (the SmartyReader logs on Serial1, TX-only on D4, at
 *   115200 baud: a USB-serial adapter's RX on D4; bare boards log on their USB port).
 * - {@link UdpLogListener}: the SmartyReader firmware's UDP log (ESPToolbox
 *   `Tb.set_udp_log(true, UDP_LOG_PC_IP, UDP_LOG_PORT)`, port 6666 by default — what
 *   `nc -kulw 0 6666` shows). `Tb.log()` sends pieces without a newline, `Tb.log_ln()` ends
 *   the line, so text is collected per sender until a newline. It binds the address the board
 *   sends to ({@link chooseUdpBind}), never every interface unless asked.
 *
 * Lines end at LF (CR dropped); a partial line is emitted after `flushMs` of silence (boot
 * messages, prompts). Events: 'line' (BoardLogLine), 'error' (plain sentence and its code,
 * {@link ListenerError}), 'close'.
 */
import { createSocket, type Socket } from 'node:dgram'
import { EventEmitter } from 'node:events'
import { networkInterfaces } from 'node:os'
import { SerialPort } from 'serialport'
import type { BoardLogLine, BoardLogSource, ListenerProblem, UdpBindVia } from '../../shared/board'
import { classifyPortError, closeWhenRemoved, explainPortError, portOpenError } from '../line/serial-source'

/** Events of a listener: 'error' carries the English sentence and the same as a code with params. */
export interface MonitorEvents {
  line: [BoardLogLine]
  error: [message: string, problem: ListenerProblem]
  close: []
}

/**
 * A listener that cannot start or stopped: the English sentence, a stable `code` and text
 * `params` (docs/board.md, "Codes for the renderer"), kept by the contract's errors
 * (src/shared/contract/errors.ts) so that a request's failure is worded too.
 */
export class ListenerError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly params: Record<string, string>
  ) {
    super(message)
  }

  get problem(): ListenerProblem {
    return { code: this.code, params: { ...this.params } }
  }
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
    await new Promise<void>((res, rej) => port.open((err) => (err ? rej(portOpenError(this.path, err)) : res())))
    this.port = port
    port.on('data', (b: Buffer) => this.splitter.push(this.path, b.toString('utf8')))
    port.on('error', (err: Error) => this.emit('error', explainPortError(this.path, err), { code: classifyPortError(err), params: { path: this.path } }))
    // a pulled adapter is noticed even when the driver says nothing
    const watchdog = closeWhenRemoved(this.path, port)
    port.on('close', () => {
      if (watchdog) clearInterval(watchdog)
      this.splitter.flush()
      this.port = null
      if (!this.stopping)
        this.emit('error', `${this.path} was disconnected. Check the cable, then start the monitor again.`, {
          code: 'port_disconnected',
          params: { path: this.path }
        })
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

/**
 * What decides the address the UDP log listener binds (issue 12: not 0.0.0.0 by default, so
 * that no one on the network — or on the internet, on a public interface — can write into the
 * log shown to the user). First match wins:
 * 1. `host`: the address the user asked for (`--bind`, a request's `host`); it must be one of
 *    this computer's IPv4 addresses, or 0.0.0.0 to listen on every interface on purpose;
 * 2. `pcIps`: the firmware's UDP_LOG_PC_IP (SmartyReader config.h, UDP_LOG_PC_IP_BYTES), when
 *    it is one of this computer's addresses — exactly where the board sends;
 * 3. `boardIp`: this computer's address on the route to the board;
 * 4. else 127.0.0.1 (only this computer can send).
 */
export interface UdpBindHints {
  host?: string
  pcIps?: readonly string[]
  boardIp?: string
}

/** The chosen address, why as a code (src/shared/board.ts UdpBindVia), and why in words for the log. */
export interface UdpBindChoice {
  address: string
  via: UdpBindVia
  reason: string
}

/** How the listener learns about this computer's network (tests inject their own). */
export interface UdpNetwork {
  /** This computer's IPv4 addresses (loopback included). */
  addresses(): string[]
  /** The local IPv4 address the OS would send from to `ip` (null if no route). */
  routeTo(ip: string): Promise<string | null>
}

/** The real network: os.networkInterfaces() and a connected UDP socket (connect() sends nothing). */
export const systemNetwork: UdpNetwork = {
  addresses: () => {
    const out: string[] = []
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.push(a.address)
    return out
  },
  routeTo: (ip) =>
    new Promise((resolve) => {
      const s = createSocket('udp4')
      const done = (addr: string | null): void => {
        s.close()
        resolve(addr)
      }
      s.once('error', () => done(null))
      try {
        s.connect(9, ip, () => {
          try {
            done(s.address().address)
          } catch {
            done(null)
          }
        })
      } catch {
        done(null)
      }
    })
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/**
 * Choose the address to bind ({@link UdpBindHints}). Pure but for `net`.
 * @throws ListenerError (`udp_host_not_ipv4`, `udp_host_not_mine`) when `host` is not an IPv4 address of this computer.
 */
export async function chooseUdpBind(hints: UdpBindHints, net: UdpNetwork = systemNetwork): Promise<UdpBindChoice> {
  const mine = net.addresses()
  if (hints.host !== undefined) {
    const h = hints.host.trim().toLowerCase() === 'localhost' ? '127.0.0.1' : hints.host.trim()
    if (h === '0.0.0.0') return { address: h, via: 'all', reason: 'all interfaces, as asked: any computer on the network can send to this log' }
    if (!IPV4.test(h))
      throw new ListenerError(
        `${hints.host} is not an IPv4 address: the SmartyReader sends its log over IPv4 (e.g. 192.168.1.20, or 0.0.0.0 for every interface).`,
        'udp_host_not_ipv4',
        { host: hints.host }
      )
    if (!mine.includes(h))
      throw new ListenerError(
        `${h} is not an address of this computer, so no log can arrive there: choose one of ${mine.join(', ')} (or 0.0.0.0 for every interface).`,
        'udp_host_not_mine',
        { host: h, addresses: mine.join(', ') }
      )
    return { address: h, via: 'asked', reason: 'as asked' }
  }
  for (const ip of hints.pcIps ?? []) {
    if (IPV4.test(ip) && mine.includes(ip)) return { address: ip, via: 'profile', reason: `the firmware's UDP_LOG_PC_IP (${ip})` }
  }
  if (hints.boardIp !== undefined && IPV4.test(hints.boardIp)) {
    const local = await net.routeTo(hints.boardIp)
    if (local && mine.includes(local)) return { address: local, via: 'board', reason: `this computer's address towards the board at ${hints.boardIp}` }
  }
  return {
    address: '127.0.0.1',
    via: 'loopback',
    reason: "this computer only, as no board address is known: set the firmware's UDP_LOG_PC_IP to this computer's address, or choose the address to listen on"
  }
}

/** The SmartyReader firmware's UDP log. */
export class UdpLogListener extends EventEmitter<MonitorEvents> {
  private socket: Socket | null = null
  private splitter: LineSplitter
  private readonly hints: UdpBindHints
  /** Port actually bound (0 asks the OS for one). */
  boundPort: number | null = null
  /** Address bound and why (after start). */
  bound: UdpBindChoice | null = null

  /**
   * @param port UDP port (default 6666, the sketch's UDP_LOG_PORT)
   * @param bind the address to bind (a string: as `host`), or hints to choose it
   *   ({@link chooseUdpBind}; default: loopback unless a profile or the board's address says more)
   */
  constructor(
    readonly port = 6666,
    bind: string | UdpBindHints = {},
    flushMs = 500,
    private readonly net: UdpNetwork = systemNetwork
  ) {
    super()
    this.hints = typeof bind === 'string' ? { host: bind } : bind
    this.splitter = new LineSplitter('udp', (l) => this.emit('line', l), flushMs)
  }

  get isOpen(): boolean {
    return this.socket !== null
  }

  /** Bind. @throws ListenerError with a plain sentence and its code (address not this computer's, port in use, permission) */
  async start(): Promise<void> {
    if (this.socket) return
    const choice = await chooseUdpBind(this.hints, this.net)
    const s = createSocket({ type: 'udp4', reuseAddr: false })
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err: Error & { code?: string }) => {
        s.close()
        reject(udpError(err, this.port, choice.address))
      })
      s.bind(this.port, choice.address, () => resolve())
    })
    this.bound = choice
    s.removeAllListeners('error')
    s.on('error', (err: Error & { code?: string }) => {
      const e = udpError(err, this.port, choice.address)
      this.emit('error', e.message, e.problem)
    })
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

/** A UDP socket error in words, with its code (`udp_port_in_use`, `udp_port_not_allowed`, `udp_address_gone`, `udp_listen_failed`). */
function udpError(err: Error & { code?: string }, port: number, address: string): ListenerError {
  const params = { port: String(port), address, reason: err.code ?? 'error' }
  if (err.code === 'EADDRINUSE')
    return new ListenerError(
      `UDP port ${port} is already in use (another log listener, e.g. "nc -kulw 0 ${port}"?). Stop it or choose another port.`,
      'udp_port_in_use',
      params
    )
  if (err.code === 'EACCES')
    return new ListenerError(`Not allowed to listen on UDP port ${port} (ports below 1024 need administrator rights).`, 'udp_port_not_allowed', params)
  if (err.code === 'EADDRNOTAVAIL')
    return new ListenerError(
      `${address} is no longer an address of this computer (network changed?): start the log listener again.`,
      'udp_address_gone',
      params
    )
  return new ListenerError(`Cannot listen on UDP port ${port} at ${address} (${params.reason}).`, 'udp_listen_failed', params)
}
