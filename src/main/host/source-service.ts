/**
 * The source that feeds the pipeline (namespace `source`): opens and closes it (a serial port
 * leased from the {@link PortRegistry}, the demo, a file, a capture replay), decodes its bytes
 * with the session's keys (P1Decoder: DLMS general-glo-ciphering, AES-128-GCM, DSMR telegram),
 * counts bytes, telegrams and failures by code, judges the line ({@link LineMonitor}: the
 * status's `stats.line`, live, silence judged on the session's clock) and hands every frame to
 * the recent frames.
 *
 * Opening is safe: the new source is started first and replaces the open one only once it
 * runs — a port that cannot be opened leaves the demo (or whatever ran) running, keys included.
 * Errors of the source are kept in plain words (`error`) and as a stable code with params
 * (`errorInfo`, docs/verdict-codes.md "Source errors") for the renderer to word.
 *
 * Events: 'telegram' (a decoded telegram of a meter's port, for the history), and status
 * changes through the {@link StatusPublisher}.
 *
 * Why one file over 400 lines: the source's lifecycle (open, replace, close, errors as codes) and
 * the line state it reports are one state machine; replay control and the frame buffer are already apart.
 */
import { EventEmitter } from 'node:events'
import {
  ApiError,
  SOURCE,
  toWireError,
  type Handlers,
  type RequestOut,
  type SessionStats,
  type SessionStatus,
  type SourceRequest,
  type SourceState,
  type WireError
} from '../../shared/contract'
import { DEFAULT_LINE_SETTINGS, type DecodedTelegram, type PortInfo } from '../../shared/types'
import { DEFAULT_METER_ZONE, isTimeZone } from '../../shared/meter-time'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import { systemClock, type Clock, type ClockTimer } from '../line/clock'
import { LineMonitor, noLineState } from '../line/line-monitor'
import type { ByteSource } from '../line/source'
import type { TcpConnectionEvent } from '../line/tcp-source'
import type { Caller } from './caller'
import type { KeyService } from './keys'
import type { PortLease, PortRegistry } from './port-registry'
import type { RecentFrames } from './recent-frames'
import type { StatusPublisher } from './status'

/** A source request whose path the caller's rules have resolved. */
export type ResolvedSourceRequest = RequestOut<(typeof SOURCE.methods)['openSource']>

/**
 * System title of the bundled demo meter (resources/demo/README.md, scripts/make-demo.ts): a
 * capture of the demo is opened with the demo's public key when no key is set.
 */
export const DEMO_SYSTEM_TITLE_HEX = '5341476770DE3001'

/** What the service works with. */
export interface SourceServiceOptions {
  keys: KeyService
  frames: RecentFrames
  ports: PortRegistry
  status: StatusPublisher
  /** Build a source for a request. */
  factory: (req: SourceRequest) => ByteSource
  /** The OS's serial ports. */
  portLister: () => Promise<PortInfo[]>
  /** Judges the line's silence (`no_bytes` after 1.2 cadences), default the system clock. */
  clock?: Clock
}

/** The parts of the status this service owns. */
export type SourceStatusParts = Pick<SessionStatus, 'source' | 'stats' | 'error' | 'errorInfo'>

function emptyStats(): Omit<SessionStats, 'line'> {
  return { bytes: 0, decoded: 0, failed: {}, lastTelegramAt: null, lastByteAt: null }
}

const wire = (code: string, message: string, params: WireError['params'] = {}): WireError => ({ code, message, params })

/** Silence after which the decoder settles a frame it holds (P1Decoder `idleGapMs`, ms). */
const IDLE_GAP_MS = 2000

/** A source that reconnects (TCP) tells each change of its connection. */
function connectionOf(src: ByteSource): EventEmitter<{ change: [TcpConnectionEvent] }> | null {
  const c = (src as { connection?: unknown }).connection
  return c instanceof EventEmitter ? (c as EventEmitter<{ change: [TcpConnectionEvent] }>) : null
}

/** The meter's zone of a request (default Europe/Luxembourg). @throws ApiError invalid_request for a zone this platform does not know. */
function zoneOf(req: { kind: string; zone?: string }): string {
  if (req.zone === undefined) return DEFAULT_METER_ZONE
  if (!isTimeZone(req.zone))
    throw new ApiError('invalid_request', `Unknown time zone ${req.zone}: give an IANA time zone such as Europe/Luxembourg or Europe/Dublin.`, {
      field: 'zone'
    })
  return req.zone
}

/** The state of a TCP source just started (connected, or already waiting to retry). */
function tcpState(req: { host: string; port: number }, src: ByteSource, zone: string): SourceState {
  const connected = (src as { connected?: unknown }).connected
  return { kind: 'tcp', host: req.host, port: req.port, label: src.label, connected: connected !== false, zone }
}

/** What a recorded source knows before it plays: the system title of its first DLMS frame. */
const titleOf = (src: ByteSource): string | null => {
  const t = (src as { systemTitle?: unknown }).systemTitle
  return typeof t === 'string' ? t : null
}

/** The coded form of a replay's reading warning, when the source offers one. */
const warningInfoOf = (src: ByteSource | null): WireError | null => {
  const w = (src as { warningInfo?: unknown } | null)?.warningInfo
  return w && typeof w === 'object' ? (w as WireError) : null
}

export class SourceService extends EventEmitter<{ telegram: [DecodedTelegram] }> implements Handlers<typeof SOURCE, Caller> {
  private decoder: P1Decoder
  private src: ByteSource | null = null
  private lease: PortLease | null = null
  private st: SourceState = { kind: 'none' }
  private counts = emptyStats()
  private monitor: LineMonitor | null = null
  private lineState: string = 'none'
  private silenceTimer: ClockTimer | null = null
  /** Settles a frame the decoder holds once a live line has been quiet for {@link IDLE_GAP_MS}. */
  private idleTimer: ClockTimer | null = null
  private readonly clock: Clock
  /** The meter's time zone of the open source (IANA name): the decoder reads its `W`/`S` times in it. */
  private zone: string = DEFAULT_METER_ZONE
  /** Last source error as a code with params (port pulled, busy, permission, TCP reconnecting…), null if none. */
  errorInfo: WireError | null = null
  /** The last telegram decoded from the P1 source. */
  lastTelegram: DecodedTelegram | null = null

  constructor(private readonly o: SourceServiceOptions) {
    super()
    this.clock = o.clock ?? systemClock
    this.decoder = this.newDecoder()
    o.keys.on('change', () => this.decoder.setKeys(o.keys.key, o.keys.authKey))
  }

  /** Last source error in plain words, null if none. */
  get error(): string | null {
    return this.errorInfo?.message ?? null
  }

  /** The open source, null if none. */
  get current(): ByteSource | null {
    return this.src
  }

  /** What is open (the replay position refreshed). */
  state(): SourceState {
    const replay = this.src?.replay
    if (this.st.kind === 'capture' && replay) {
      const p = replay.position()
      this.st = {
        ...this.st,
        replay: { ...p, speed: Number.isFinite(p.speed) ? p.speed : 'max', warning: replay.warning, warningInfo: warningInfoOf(this.src) }
      }
    }
    return this.st
  }

  /** The counters and the line state now (a copy). */
  stats(): SessionStats {
    return { ...this.counts, failed: { ...this.counts.failed }, line: this.monitor?.state(this.clock.now()) ?? noLineState() }
  }

  /** Source, stats and error, for the session's status. */
  statusParts(): SourceStatusParts {
    return { source: this.state(), stats: this.stats(), error: this.error, errorInfo: this.errorInfo }
  }

  async listPorts(): Promise<PortInfo[]> {
    return this.o.portLister().catch((e: Error) => {
      throw new Error(`Cannot list serial ports: ${e.message}`, { cause: e })
    })
  }

  /**
   * Open a source. The new one is started first: only once it runs does it replace the open
   * one (a serial port that is already the P1 source is closed by its lease first).
   * @throws Error in plain words (port codes), ApiError forbidden_path / port_in_use; the open
   *   source then stays as it was.
   */
  async openSource(input: ResolvedSourceRequest, caller: Caller): Promise<SessionStatus> {
    const zone = zoneOf(input)
    if (input.kind === 'tcp') caller.checkTcp(input.host, input.port)
    const req: SourceRequest =
      input.kind === 'serial'
        ? { ...input, path: await caller.serialPort(input.path) }
        : input.kind === 'demo' || input.kind === 'tcp'
          ? input
          : { ...input, path: await caller.inputFile(input.path) }
    const lease = req.kind === 'serial' ? await this.o.ports.lease(req.path, 'p1-source', () => this.closeSource().then(() => undefined)) : null
    const src = this.o.factory(req)
    // events before the switch wait here, and are handled in order right after it
    let early: (() => void)[] | null = []
    const later = (fn: () => void): void => (early ? void early.push(fn) : fn())
    src.on('data', (chunk, at) => later(() => this.onData(src, chunk, at)))
    src.on('error', (e) => later(() => this.onError(src, e)))
    src.on('end', (reason) => later(() => this.onEnd(src, reason)))
    connectionOf(src)?.on('change', (ev) => later(() => this.onConnection(src, ev)))
    try {
      await src.start()
    } catch (e) {
      lease?.release()
      src.removeAllListeners()
      if (!this.src) {
        // nothing runs: the status says why
        this.errorInfo = this.openError(req, e)
        this.st = { kind: 'none' }
        this.o.status.changed(true)
      }
      throw e
    }
    await this.stop()
    this.src = src
    this.lease = lease
    this.counts = emptyStats()
    this.o.frames.clear()
    this.lastTelegram = null
    this.errorInfo = null
    this.o.keys.prepareFor(req.kind === 'tcp' ? 'serial' : req.kind)
    // the demo's own capture: its key is public, and no other key was set
    if (req.kind === 'capture' && !this.o.keys.key && titleOf(src) === DEMO_SYSTEM_TITLE_HEX) this.o.keys.prepareFor('demo')
    this.zone = zone
    this.decoder = this.newDecoder()
    this.monitor = new LineMonitor(this.clock.now(), { judgeSilence: req.kind === 'serial' || req.kind === 'tcp' || req.kind === 'demo' })
    this.lineState = this.monitor.stateAt(this.clock.now())
    this.armSilence()
    this.st =
      req.kind === 'serial'
        ? { kind: 'serial', path: req.path, settings: { ...DEFAULT_LINE_SETTINGS, ...req.settings }, open: true, zone }
        : req.kind === 'file'
          ? { kind: 'file', path: req.path, done: false, zone }
          : req.kind === 'capture'
            ? {
                zone,
                kind: 'capture',
                path: req.path,
                format: src.label,
                replay: {
                  time: null,
                  positionMs: 0,
                  durationMs: 0,
                  index: 0,
                  count: 0,
                  speed: 1,
                  paused: false,
                  done: false,
                  warning: null,
                  warningInfo: null
                }
              }
            : req.kind === 'tcp'
              ? tcpState(req, src, zone)
              : { kind: 'demo', label: src.label, zone }
    const queued = early
    early = null
    for (const fn of queued) fn()
    this.o.status.changed(true)
    return this.o.status.snapshot()
  }

  async closeSource(): Promise<SessionStatus> {
    await this.stop()
    this.st = { kind: 'none' }
    this.monitor = null
    this.lineState = 'none'
    this.o.status.changed(true)
    return this.o.status.snapshot()
  }

  /** The pipeline starts afresh (a replay was sought: the bytes before the new position are gone). */
  restartDecoder(): void {
    this.decoder = this.newDecoder()
    this.monitor?.restartStream()
  }

  /** Stop the source (app exit). */
  async dispose(): Promise<void> {
    await this.stop()
  }

  private newDecoder(): P1Decoder {
    return new P1Decoder({ key: this.o.keys.key, authKey: this.o.keys.authKey, zone: this.zone, idleGapMs: IDLE_GAP_MS })
  }

  private async stop(): Promise<void> {
    const src = this.src
    this.src = null
    this.silenceTimer?.cancel()
    this.silenceTimer = null
    this.idleTimer?.cancel()
    this.idleTimer = null
    if (src) {
      await src.stop().catch(() => undefined)
      src.removeAllListeners()
      connectionOf(src)?.removeAllListeners()
    }
    this.lease?.release()
    this.lease = null
  }

  /**
   * An open failure as a code with params: the error's own (a port's PortOpenError carries its
   * `{path}`), else `source_unreadable` {path} for a file or capture that could not be read.
   */
  private openError(req: SourceRequest, e: unknown): WireError {
    const w = toWireError(e)
    if (req.kind !== 'demo' && req.kind !== 'tcp' && w.code === 'failed') return { ...w, code: 'source_unreadable', params: { path: req.path } }
    return w
  }

  /**
   * A live line's frame that the decoder holds (one whose last bytes could begin the next
   * header: ≈ 0.8 % of Smarty frames end in 0xDB or "/", see the Deframer) is settled once the
   * line has been quiet for the idle gap (P1Decoder.idle, on the clock), not with the next
   * frame 10 s later — and not never, when that frame was the meter's last. Replays are left
   * alone: their receive times are the recording's, not the clock's.
   */
  private armIdle(src: ByteSource, at: number): void {
    this.idleTimer?.cancel()
    this.idleTimer = null
    if (this.decoder.pendingBytes === 0 || (this.st.kind !== 'serial' && this.st.kind !== 'tcp')) return
    this.idleTimer = this.clock.setTimeout(
      () => {
        this.idleTimer = null
        if (src === this.src) this.handle(this.decoder.idle(this.clock.now()))
      },
      Math.max(0, at + IDLE_GAP_MS - this.clock.now()) + 1
    )
  }

  /**
   * Silence is judged on the clock: one timer, re-armed to the monitor's deadline when it fires
   * early. Once the deadline has passed (the line is silent), nothing is armed until bytes
   * come again (onData arms it anew): re-arming then would fire every millisecond.
   */
  private armSilence(): void {
    const deadline = this.monitor?.silenceDeadline()
    if (deadline === null || deadline === undefined || this.silenceTimer || deadline < this.clock.now()) return
    const monitor = this.monitor
    this.silenceTimer = this.clock.setTimeout(
      () => {
        this.silenceTimer = null
        if (this.monitor !== monitor) return
        this.publishLine(false)
        this.armSilence()
      },
      Math.max(0, deadline - this.clock.now()) + 1
    )
  }

  /** Send the status: at once when the line state changed, else throttled (`force` for errors). */
  private publishLine(force: boolean): void {
    const state = this.monitor ? this.monitor.stateAt(this.clock.now()) : 'none'
    const changed = state !== this.lineState
    this.lineState = state
    this.o.status.changed(force || changed)
  }

  private onData(src: ByteSource, chunk: Buffer, at: number): void {
    if (src !== this.src) return
    this.counts.bytes += chunk.length
    this.counts.lastByteAt = at
    this.monitor?.chunk(chunk, at, this.clock.now())
    this.handle(this.decoder.push(chunk, at))
    this.armIdle(src, at)
    // bytes flow again: a TCP reconnection notice or a past port error is over
    if (this.errorInfo?.code === 'tcp_reconnecting') this.errorInfo = null
    this.publishLine(false)
    this.armSilence()
  }

  private onError(src: ByteSource, e: Error): void {
    if (src !== this.src) return
    const st = this.st
    if (st.kind === 'capture' || st.kind === 'file') {
      // reading trouble of a recording: a torn or damaged capture is its replay warning
      const info = warningInfoOf(src)
      this.errorInfo = info && info.message === e.message ? info : wire('source_unreadable', e.message, { path: st.path })
    } else if (st.kind === 'serial') {
      this.errorInfo = this.errorInfo?.code === 'tcp_reconnecting' ? this.errorInfo : wire('port_error', e.message, { path: st.path })
    } else if (st.kind === 'tcp') {
      // a TCP source's trouble is its reconnection notice (onConnection), said before this error
      if (this.errorInfo?.code !== 'tcp_reconnecting') this.errorInfo = toWireError(e)
    } else this.errorInfo = toWireError(e)
    this.o.status.changed(true)
  }

  private onConnection(src: ByteSource, ev: TcpConnectionEvent): void {
    if (src !== this.src) return
    if (ev.state === 'waiting') {
      this.errorInfo = wire('tcp_reconnecting', ev.message, {
        source: src.label,
        problem: ev.code,
        retryS: ev.retryInMs === null ? null : Math.round(ev.retryInMs / 1000),
        failures: ev.failures
      })
    } else if (ev.state === 'connected' && this.errorInfo?.code === 'tcp_reconnecting') this.errorInfo = null
    if (this.st.kind === 'tcp') this.st = { ...this.st, connected: ev.state === 'connected' }
    this.o.status.changed(true)
  }

  private onEnd(src: ByteSource, reason: string): void {
    if (src !== this.src) return
    this.handle(this.decoder.end())
    if (this.st.kind === 'serial') {
      const path = this.st.path
      this.st = { ...this.st, open: false }
      this.errorInfo = /disconnected/.test(reason) ? wire('port_disconnected', reason, { path }) : wire('port_closed', reason, { path })
      // the port is closed: another part of the app may have it now
      this.lease?.release()
      this.lease = null
    } else if (this.st.kind === 'file') this.st = { ...this.st, done: true }
    // a replay can be sought back: it stays the source
    this.o.status.changed(true)
  }

  private handle(events: DecodeEvent[]): void {
    for (const ev of events) {
      this.monitor?.event(ev)
      if (ev.type === 'skipped') continue
      if (ev.type === 'telegram') {
        this.lastTelegram = ev.telegram
        this.counts.decoded++
        this.counts.lastTelegramAt = ev.telegram.receivedAt
        if (this.st.kind === 'serial' || this.st.kind === 'tcp') this.emit('telegram', ev.telegram)
        this.o.frames.telegram(ev.telegram)
      } else {
        const c = ev.failure.code
        this.counts.failed[c] = (this.counts.failed[c] ?? 0) + 1
        this.o.frames.failure(ev.failure)
      }
    }
  }
}
