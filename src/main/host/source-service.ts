/**
 * The source that feeds the pipeline (namespace `source`): opens and closes it (a serial port
 * leased from the {@link PortRegistry}, the demo, a file, a capture replay), decodes its bytes
 * with the session's keys (P1Decoder: DLMS general-glo-ciphering, AES-128-GCM, DSMR telegram),
 * counts bytes, telegrams and failures by code, and hands every frame to the recent frames.
 *
 * Events: 'telegram' (a decoded telegram of a meter's port, for the history), and status
 * changes through the {@link StatusPublisher}.
 */
import { EventEmitter } from 'node:events'
import { SOURCE, type Handlers, type RequestOut, type SessionStats, type SessionStatus, type SourceRequest, type SourceState } from '../../shared/contract'
import { DEFAULT_LINE_SETTINGS, type DecodedTelegram, type PortInfo } from '../../shared/types'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import type { ByteSource } from '../line/source'
import type { Caller } from './caller'
import type { KeyService } from './keys'
import type { PortLease, PortRegistry } from './port-registry'
import type { RecentFrames } from './recent-frames'
import type { StatusPublisher } from './status'

/** A source request whose path the caller's rules have resolved. */
export type ResolvedSourceRequest = RequestOut<(typeof SOURCE.methods)['openSource']>

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
}

function emptyStats(): SessionStats {
  return { bytes: 0, decoded: 0, failed: {}, lastTelegramAt: null, lastByteAt: null }
}

export class SourceService extends EventEmitter<{ telegram: [DecodedTelegram] }> implements Handlers<typeof SOURCE, Caller> {
  private decoder: P1Decoder
  private src: ByteSource | null = null
  private lease: PortLease | null = null
  private st: SourceState = { kind: 'none' }
  private counts: SessionStats = emptyStats()
  /** Last source error in plain words, null if none. */
  error: string | null = null
  /** The last telegram decoded from the P1 source. */
  lastTelegram: DecodedTelegram | null = null

  constructor(private readonly o: SourceServiceOptions) {
    super()
    this.decoder = this.newDecoder()
    o.keys.on('change', () => this.decoder.setKeys(o.keys.key, o.keys.authKey))
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
      this.st = { ...this.st, replay: { ...p, speed: Number.isFinite(p.speed) ? p.speed : 'max', warning: replay.warning } }
    }
    return this.st
  }

  /** The counters (a copy). */
  stats(): SessionStats {
    return { ...this.counts, failed: { ...this.counts.failed } }
  }

  async listPorts(): Promise<PortInfo[]> {
    return this.o.portLister().catch((e: Error) => {
      throw new Error(`Cannot list serial ports: ${e.message}`, { cause: e })
    })
  }

  /** Open a source (closing the previous one). @throws Error in plain words (port codes), ApiError forbidden_path / port_in_use. */
  async openSource(input: ResolvedSourceRequest, caller: Caller): Promise<SessionStatus> {
    const req: SourceRequest =
      input.kind === 'serial'
        ? { ...input, path: await caller.serialPort(input.path) }
        : input.kind === 'demo'
          ? input
          : { ...input, path: await caller.inputFile(input.path) }
    const lease = req.kind === 'serial' ? await this.o.ports.lease(req.path, 'p1-source', () => this.closeSource().then(() => undefined)) : null
    await this.stop()
    this.lease = lease
    this.counts = emptyStats()
    this.o.frames.clear()
    this.lastTelegram = null
    this.error = null
    this.o.keys.prepareFor(req.kind)
    this.decoder = this.newDecoder()
    const src = this.o.factory(req)
    src.on('data', (chunk, at) => this.onData(src, chunk, at))
    src.on('error', (e) => {
      if (src !== this.src) return
      this.error = e.message
      this.o.status.changed(true)
    })
    src.on('end', (reason) => this.onEnd(src, reason))
    try {
      await src.start()
    } catch (e) {
      lease?.release()
      this.lease = null
      this.error = (e as Error).message
      this.st = { kind: 'none' }
      this.o.status.changed(true)
      throw e
    }
    this.src = src
    this.st =
      req.kind === 'serial'
        ? { kind: 'serial', path: req.path, settings: { ...DEFAULT_LINE_SETTINGS, ...req.settings }, open: true }
        : req.kind === 'file'
          ? { kind: 'file', path: req.path, done: false }
          : req.kind === 'capture'
            ? {
                kind: 'capture',
                path: req.path,
                format: src.label,
                replay: { time: null, positionMs: 0, durationMs: 0, index: 0, count: 0, speed: 1, paused: false, done: false, warning: null }
              }
            : { kind: 'demo', label: src.label }
    this.o.status.changed(true)
    return this.o.status.snapshot()
  }

  async closeSource(): Promise<SessionStatus> {
    await this.stop()
    this.st = { kind: 'none' }
    this.o.status.changed(true)
    return this.o.status.snapshot()
  }

  /** The pipeline starts afresh (a replay was sought: the bytes before the new position are gone). */
  restartDecoder(): void {
    this.decoder = this.newDecoder()
  }

  /** Stop the source (app exit). */
  async dispose(): Promise<void> {
    await this.stop()
  }

  private newDecoder(): P1Decoder {
    return new P1Decoder({ key: this.o.keys.key, authKey: this.o.keys.authKey })
  }

  private async stop(): Promise<void> {
    const src = this.src
    this.src = null
    if (src) {
      await src.stop().catch(() => undefined)
      src.removeAllListeners()
    }
    this.lease?.release()
    this.lease = null
  }

  private onData(src: ByteSource, chunk: Buffer, at: number): void {
    if (src !== this.src) return
    this.counts.bytes += chunk.length
    this.counts.lastByteAt = at
    this.handle(this.decoder.push(chunk, at))
    this.o.status.changed(false)
  }

  private onEnd(src: ByteSource, reason: string): void {
    if (src !== this.src) return
    this.handle(this.decoder.end())
    if (this.st.kind === 'serial') {
      this.st = { ...this.st, open: false }
      this.error = reason
      // the port is closed: another part of the app may have it now
      this.lease?.release()
      this.lease = null
    } else if (this.st.kind === 'file') this.st = { ...this.st, done: true }
    // a replay can be sought back: it stays the source
    this.o.status.changed(true)
  }

  private handle(events: DecodeEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'skipped') continue
      if (ev.type === 'telegram') {
        this.lastTelegram = ev.telegram
        this.counts.decoded++
        this.counts.lastTelegramAt = ev.telegram.receivedAt
        if (this.st.kind === 'serial') this.emit('telegram', ev.telegram)
        this.o.frames.telegram(ev.telegram)
      } else {
        const c = ev.failure.code
        this.counts.failed[c] = (this.counts.failed[c] ?? 0) + 1
        this.o.frames.failure(ev.failure)
      }
    }
  }
}
