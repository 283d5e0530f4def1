/**
 * TCP source: raw P1 bytes over a TCP connection, `tcp://HOST:PORT` — ser2net in raw mode,
 * ESPHome's stream server, Ethernet/Wi-Fi P1 dongles. The bytes are the meter's bytes
 * exactly (DLMS frames or plain telegrams, split across TCP segments anywhere); the decoder
 * reassembles them as it does for a serial port.
 *
 * A dongle reboots, Wi-Fi drops, ser2net restarts: the source reconnects on its own with
 * back-off — 1 s, doubling up to 60 s — and starts again from 1 s after a good connection
 * (one that delivered bytes or stayed up {@link TcpSourceOptions.stableMs}). Every change is
 * a typed event on {@link TcpSource.connection} in plain words ("connection refused, retrying in 4 s"); failures
 * also go out as 'error' events when someone listens. Receive times and every delay come from
 * the source's {@link Clock}, so tests drive the back-off in virtual time on real sockets.
 */
import { EventEmitter } from 'node:events'
import { Socket, isIP } from 'node:net'
import type { LineSettings } from '../../shared/types'
import { en } from '../../shared/i18n/messages/en'
import { systemClock, type Clock, type ClockTimer } from './clock'
import { SerialSource } from './serial-source'
import type { ByteSource, ByteSourceEvents } from './source'

/** Why a connection attempt failed or a connection ended (stable codes). */
export type TcpProblemCode =
  'connection_refused' | 'host_not_found' | 'host_unreachable' | 'connect_timeout' | 'connection_closed' | 'connection_reset' | 'idle_timeout' | 'tcp_error'

/** Where the source stands. */
export type TcpConnectionState = 'connecting' | 'connected' | 'waiting' | 'stopped'

/** A connection change: the state, in plain words, with the retry delay while waiting. */
export interface TcpConnectionEvent {
  state: TcpConnectionState
  /** One sentence for the user, e.g. "tcp://192.168.1.20:2000: connection refused, retrying in 4 s." */
  message: string
  /** Why the last connection failed or ended; null when connecting, connected or stopped by the user. */
  code: TcpProblemCode | null
  /** Delay before the next attempt (ms) while `waiting`, else null. */
  retryInMs: number | null
  /** Failed attempts in a row since the last good connection. */
  failures: number
  /** When this happened, ms since the epoch (the source's clock). */
  at: number
}

/** Events of {@link TcpSource.connection}. */
export interface TcpConnectionEvents {
  change: [event: TcpConnectionEvent]
}

/** Options of {@link TcpSource}. Times in ms. */
export interface TcpSourceOptions {
  host: string
  /** TCP port, 1–65535. */
  port: number
  /** Receive times and every delay (default {@link systemClock}). */
  clock?: Clock
  /** First retry delay (default 1000); doubles after each failure in a row. */
  initialBackoffMs?: number
  /** Longest retry delay (default 60 000). */
  maxBackoffMs?: number
  /** A connection that stayed up this long counts as good even without bytes (default 30 000). */
  stableMs?: number
  /**
   * No byte for this long on an open connection → close it and reconnect (default 60 000: a
   * Smarty sends every 10 s, so six missed frames; a dongle that vanished without closing
   * the connection is noticed). 0 = never.
   */
  idleTimeoutMs?: number
  /** An attempt that neither connects nor fails within this time is given up (default 10 000). */
  connectTimeoutMs?: number
}

/** `tcp://HOST:PORT` (IPv6 in brackets: `tcp://[::1]:2000`) → host and port, or null when `spec` is not a TCP spec. */
export function parseTcpSpec(spec: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/:[\]]+):(\d{1,5})\/?$/i.exec(spec.trim())
  if (!m) return null
  const port = Number(m[2])
  if (port < 1 || port > 65535) return null
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1]
  if (m[1].startsWith('[') && isIP(host) !== 6) return null
  return { host, port }
}

/** Whether `spec` names a TCP source (`tcp://…`), well-formed or not. */
export function isTcpSpec(spec: string): boolean {
  return /^tcp:\/\//i.test(spec.trim())
}

/** "4 s", "1 min", "1 min 30 s" for a delay in ms. */
export function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
}

/**
 * Each problem in words: the English catalogue's `errors.tcpProblems` (src/shared/i18n/messages/en/*.json),
 * which the renderer words the same codes with.
 */
const PROBLEM_WORDS: Record<TcpProblemCode, string> = en.errors.tcpProblems

/** Classify a socket error (Node's errno codes). */
export function classifyTcpError(err: Error & { code?: string }): TcpProblemCode {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection_refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'host_not_found'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'host_unreachable'
    case 'ETIMEDOUT':
      return 'connect_timeout'
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection_reset'
    default:
      return 'tcp_error'
  }
}

/**
 * Raw P1 bytes from a TCP server, reconnecting with back-off. `start()` makes the first
 * attempt and resolves once it connected or failed (a failure schedules the next attempt:
 * the source keeps trying until `stop()`). It never rejects for network trouble; it throws
 * only for a bad host or port. 'end' comes once, after `stop()`.
 */
export class TcpSource extends EventEmitter<ByteSourceEvents> implements ByteSource {
  readonly host: string
  readonly port: number
  private readonly clock: Clock
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private readonly stableMs: number
  private readonly idleTimeoutMs: number
  private readonly connectTimeoutMs: number
  private socket: Socket | null = null
  private retryTimer: ClockTimer | null = null
  private connectTimer: ClockTimer | null = null
  private idleTimer: ClockTimer | null = null
  private stableTimer: ClockTimer | null = null
  private running = false
  private failuresInRow = 0
  private goodConnection = false
  private lastState: TcpConnectionEvent | null = null
  /**
   * The connection's changes ('change': connecting, connected, waiting with the retry delay,
   * stopped). A separate emitter so that the source stays a plain {@link ByteSource}.
   */
  readonly connection = new EventEmitter<TcpConnectionEvents>()
  /** Connections made and bytes received since start, for status displays. */
  readonly stats = { connects: 0, bytes: 0 }

  /** @throws RangeError for an empty host or a port outside 1–65535. */
  constructor(opts: TcpSourceOptions) {
    super()
    if (!opts.host || /\s/.test(opts.host)) throw new RangeError('TCP source: the host is empty or contains spaces.')
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new RangeError('TCP source: the port must be a number from 1 to 65535.')
    this.host = opts.host
    this.port = opts.port
    this.clock = opts.clock ?? systemClock
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000
    this.stableMs = opts.stableMs ?? 30_000
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000
  }

  /** "tcp://192.168.1.20:2000" (IPv6 in brackets). */
  get label(): string {
    return `tcp://${isIP(this.host) === 6 ? `[${this.host}]` : this.host}:${this.port}`
  }

  /** The last connection change, null before start. */
  get state(): TcpConnectionEvent | null {
    return this.lastState
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.lastState?.state === 'connected'
  }

  /** The delay after `failures` failed attempts in a row (1 → initial, doubling, capped). */
  backoffMs(failures: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, failures - 1))
  }

  /** First connection attempt; resolves when it connected or failed (then retries follow). Idempotent. */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    this.failuresInRow = 0
    await this.attempt()
  }

  /** Close the connection and stop retrying. 'end' follows once. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.clearTimers()
    const s = this.socket
    this.socket = null
    if (s) {
      await new Promise<void>((resolve) => {
        if (s.destroyed) return resolve()
        s.once('close', () => resolve())
        s.destroy()
      })
    }
    this.report('stopped', `${this.label}: closed.`, null, null)
    this.emit('end', `Closed ${this.label}.`)
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.connectTimer, this.idleTimer, this.stableTimer]) t?.cancel()
    this.retryTimer = this.connectTimer = this.idleTimer = this.stableTimer = null
  }

  private report(state: TcpConnectionState, message: string, code: TcpProblemCode | null, retryInMs: number | null): void {
    const ev: TcpConnectionEvent = { state, message, code, retryInMs, failures: this.failuresInRow, at: this.clock.now() }
    this.lastState = ev
    this.connection.emit('change', ev)
  }

  /** One attempt. Resolves when it connected or failed. */
  private attempt(): Promise<void> {
    this.retryTimer = null
    if (!this.running) return Promise.resolve()
    this.report('connecting', `Connecting to ${this.label}…`, null, null)
    const socket = new Socket()
    this.socket = socket
    this.goodConnection = false
    return new Promise<void>((resolveAttempt) => {
      let opened = false
      let problem: TcpProblemCode | null = null
      let settled = false
      const settle = (): void => {
        if (!settled) {
          settled = true
          resolveAttempt()
        }
      }
      this.connectTimer = this.clock.setTimeout(() => {
        problem = 'connect_timeout'
        socket.destroy()
      }, this.connectTimeoutMs)
      socket.on('connect', () => {
        opened = true
        this.connectTimer?.cancel()
        this.connectTimer = null
        this.stats.connects++
        socket.setKeepAlive(true, 10_000)
        socket.setNoDelay(true)
        this.report('connected', `Connected to ${this.label}.`, null, null)
        this.armIdle(socket)
        this.stableTimer = this.clock.setTimeout(() => this.markGood(), this.stableMs)
        settle()
      })
      socket.on('data', (chunk: Buffer) => {
        if (this.socket !== socket) return
        this.stats.bytes += chunk.length
        this.markGood()
        this.armIdle(socket)
        this.emit('data', chunk, this.clock.now())
      })
      socket.on('error', (err: Error & { code?: string }) => {
        problem ??= opened && err.code !== 'ECONNRESET' && err.code !== 'EPIPE' ? 'tcp_error' : classifyTcpError(err)
      })
      socket.on('close', () => {
        for (const t of [this.connectTimer, this.idleTimer, this.stableTimer]) t?.cancel()
        this.connectTimer = this.idleTimer = this.stableTimer = null
        settle()
        if (this.socket !== socket) return // stopped, or replaced
        this.socket = null
        if (!this.running) return
        const code: TcpProblemCode = problem ?? (opened ? 'connection_closed' : 'tcp_error')
        this.scheduleRetry(code)
      })
      socket.connect({ host: this.host, port: this.port })
    })
  }

  private markGood(): void {
    if (this.goodConnection) return
    this.goodConnection = true
    this.failuresInRow = 0
    this.stableTimer?.cancel()
    this.stableTimer = null
  }

  private armIdle(socket: Socket): void {
    if (this.idleTimeoutMs <= 0) return
    this.idleTimer?.cancel()
    this.idleTimer = this.clock.setTimeout(() => {
      if (this.socket !== socket) return
      this.socket = null
      this.idleTimer = null
      socket.destroy()
      this.scheduleRetry('idle_timeout')
    }, this.idleTimeoutMs)
  }

  private scheduleRetry(code: TcpProblemCode): void {
    if (!this.running) return
    // a good connection reset the count (markGood): its loss retries after the first delay
    this.failuresInRow++
    this.goodConnection = false
    const delay = this.backoffMs(this.failuresInRow)
    const what =
      code === 'idle_timeout'
        ? `no data for ${formatDelay(this.idleTimeoutMs)}`
        : code === 'connect_timeout'
          ? `no answer within ${formatDelay(this.connectTimeoutMs)}`
          : PROBLEM_WORDS[code]
    const message = `${this.label}: ${what}, retrying in ${formatDelay(delay)}.`
    this.report('waiting', message, code, delay)
    if (this.listenerCount('error') > 0) this.emit('error', new Error(message))
    this.retryTimer = this.clock.setTimeout(() => void this.attempt(), delay)
  }
}

/** Options of {@link sourceFromSpec}. */
export interface SourceSpecOptions {
  /** Line settings of a serial port (ignored for TCP). */
  settings?: Partial<LineSettings>
  /** Receive times (and the TCP source's delays). */
  clock?: Clock
  /** Extra options of a TCP source (back-off, idle timeout…). */
  tcp?: Omit<TcpSourceOptions, 'host' | 'port' | 'clock'>
}

/**
 * The ByteSource a user means by `spec`: `tcp://HOST:PORT` → {@link TcpSource}, anything
 * else → a serial port path ({@link SerialSource}, line settings from `opts.settings`).
 * Every command that takes a port takes a TCP source this way.
 * @throws RangeError in plain words for a malformed `tcp://` spec.
 */
export function sourceFromSpec(spec: string, opts: SourceSpecOptions = {}): ByteSource {
  if (isTcpSpec(spec)) {
    const t = parseTcpSpec(spec)
    if (!t) throw new RangeError(`"${spec}" is not a TCP source: write tcp://HOST:PORT, e.g. tcp://192.168.1.20:2000 or tcp://[fd00::5]:2000.`)
    return new TcpSource({ ...opts.tcp, host: t.host, port: t.port, clock: opts.clock })
  }
  return new SerialSource(spec, opts.settings ?? {}, { clock: opts.clock })
}
