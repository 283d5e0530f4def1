/**
 * StudioSession: the wiring of the services behind the API contract (src/shared/contract),
 * one service per namespace, in plain Node: Electron (ipc.ts) and serve mode (web.ts) only
 * carry it, the CLI and tests call {@link StudioSession.api}. A P1 key never leaves the key
 * service (only a mask). Serial ports are leased from one {@link PortRegistry}.
 */
import { EventEmitter } from 'node:events'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { contractMethods, type P1StudioApi, type P1StudioEvents, type Routes, type SourceRequest } from '../../shared/contract'
import type { BoardKeyCheck } from '../../shared/board'
import type { PortInfo } from '../../shared/types'
import { memorySecretStore, type SecretStore } from '../board/profile-store'
import { systemClock, type Clock } from '../line/clock'
import { listPorts } from '../line/serial-source'
import type { ByteSource } from '../line/source'
import { BoardService } from './board-service'
import { Access, type Caller } from './caller'
import { CaptureService } from './capture-service'
import { DiagnoseService } from './diagnose-service'
import { HistoryService } from './history-service'
import { tryKeyOnFrames } from './key-check'
import { KeyService, type KeyStore } from './keys'
import { PortRegistry } from './port-registry'
import { RecentFrames } from './recent-frames'
import { ReplayControl } from './replay-control'
import { Router } from './router'
import { SourceService } from './source-service'
import { RECORDING_FILE, RecordService } from './record-service'
import { defaultSourceFactory, type TcpTuning } from './source-factory'
import { StatusPublisher } from './status'
import { UploadService } from './upload-service'

export { maskKey, type KeyStore } from './keys'

/** Options of {@link StudioSession} (folders default to {@link dataDir}'s). */
export interface StudioSessionOptions {
  /** Application version shown in the status. */
  version: string
  /** P1 key from the command line (32 hex digits). */
  key?: string
  /** Authentication key (default Luxembourg's). */
  authKey?: string
  keyStore?: KeyStore
  /** Build a source for a request (tests inject fakes). */
  sourceFactory?: (req: SourceRequest) => ByteSource
  /** Port lister (tests inject fakes). */
  portLister?: () => Promise<PortInfo[]>
  /** Minimum ms between stats-only status events (default 500). */
  statusThrottleMs?: number
  /** Folder for captures and exports (captures/), of firmware images a browser may name (firmware/), the history database (history.duckdb), the board profiles and their files (boards/). */
  captureDir?: string
  firmwareDir?: string
  historyPath?: string
  boardsDir?: string
  /** Keeps the secrets of board profiles (Electron: safeStorage; default: in memory only). */
  secrets?: SecretStore
  /** Serial devices a browser may open besides the listed ones (`serve --allow-port`). */
  allowPorts?: readonly string[]
  /** MQTT brokers a browser may reach (`serve --allow-broker HOST[:PORT]`). */
  allowBrokers?: readonly string[]
  /** TCP sources a browser may open (`serve --allow-tcp HOST:PORT`). */
  allowTcp?: readonly string[]
  /** The data folder (the recording choice: recording.json; default {@link dataDir}), and TCP sources' back-off. */
  dataDir?: string
  tcp?: TcpTuning
  /**
   * Stamps the bytes of the sources it opens, runs their pace, the diagnostics' and the
   * board verifier's timers and the status throttle (default the system clock; tests give a
   * ManualClock). Injected sources use their own.
   */
  clock?: Clock
}

/** The app's data folder: $P1STUDIO_DATA_DIR, else ~/P1Studio. */
export function dataDir(): string {
  return process.env.P1STUDIO_DATA_DIR || join(homedir(), 'P1Studio')
}

type SessionEvents = { [K in keyof P1StudioEvents]: [P1StudioEvents[K]] }

export class StudioSession extends EventEmitter<SessionEvents> {
  readonly clock: Clock
  readonly ports = new PortRegistry()
  readonly keys: KeyService
  readonly frames = new RecentFrames()
  readonly status: StatusPublisher
  readonly source: SourceService
  readonly replay: ReplayControl
  readonly diagnosis: DiagnoseService
  readonly captures: CaptureService
  readonly files: UploadService
  readonly history: HistoryService
  readonly record: RecordService
  readonly boards: BoardService
  /** What the desktop window / CLI and a browser may name (paths, ports, brokers). */
  readonly access: Access
  private readonly router: Router
  /** The contract as the desktop window, the CLI and tests call it: full paths, any port. */
  readonly api: P1StudioApi

  /** @throws TypeError if `key`/`authKey` are given but malformed. */
  constructor(opts: StudioSessionOptions) {
    super()
    this.clock = opts.clock ?? systemClock
    const factory = opts.sourceFactory ?? ((req: SourceRequest) => defaultSourceFactory(req, this.clock, opts.tcp))
    const portLister = opts.portLister ?? listPorts
    const captureDir = opts.captureDir ?? join(dataDir(), 'captures')
    const firmwareDir = opts.firmwareDir ?? join(dataDir(), 'firmware')
    const { allowPorts, allowBrokers, allowTcp } = opts
    this.access = new Access({ captureDir, firmwareDir, listPorts: portLister, allowPorts, allowBrokers, allowTcp })
    this.keys = new KeyService({ key: opts.key, authKey: opts.authKey, keyStore: opts.keyStore })
    this.status = new StatusPublisher(
      opts.version,
      () => ({ ...this.source.statusParts(), key: this.keys.status(), capture: this.captures.status(), recording: this.record.status() }),
      this.clock,
      opts.statusThrottleMs
    )
    this.source = new SourceService({ keys: this.keys, frames: this.frames, ports: this.ports, status: this.status, factory, portLister, clock: this.clock })
    this.replay = new ReplayControl(this.source, this.status)
    this.diagnosis = new DiagnoseService({ version: opts.version, clock: this.clock, keys: this.keys, source: this.source, ports: this.ports, factory })
    this.captures = new CaptureService(captureDir, opts.version, this.source, this.keys)
    this.files = new UploadService({ captures: captureDir, firmware: firmwareDir })
    const historyPath = opts.historyPath ?? join(dataDir(), 'history.duckdb')
    this.history = new HistoryService(historyPath, this.keys)
    this.boards = new BoardService({
      profilesDir: opts.boardsDir ?? join(dataDir(), 'boards'),
      secrets: opts.secrets ?? memorySecretStore(),
      checkKey: (hex) => this.checkBoardKey(hex),
      // with each object its raw line: the verifier compares v1.5's text values exactly
      reference: () => this.source.lastTelegram?.telegram.objects.map((o) => ({ obis: o.obis, value: o.value, unit: o.unit, raw: o.raw })) ?? null,
      ports: this.ports,
      clock: this.clock,
      defaultCaller: this.access.desktop
    })
    const settingsPath = join(opts.dataDir ?? dataDir(), RECORDING_FILE)
    const parts = { keys: this.keys, source: this.source, frames: this.frames, boards: this.boards, status: this.status }
    this.record = new RecordService({ ...parts, version: opts.version, clock: this.clock, settingsPath, historyPath, captureDir })
    const routes: Routes<Caller> = {
      session: this.status,
      source: this.source,
      key: this.keys,
      frames: this.frames,
      diagnose: this.diagnosis,
      replay: this.replay,
      capture: this.captures,
      files: this.files,
      history: this.history,
      record: this.record,
      board: this.boards
    }
    this.router = new Router(routes)
    this.api = contractMethods((method, params) => this.router.call(method, params, this.access.desktop))
    this.frames.on('frame', (f) => this.emit('frame', f))
    this.status.on('status', (s) => this.emit('status', s))
    this.keys.on('change', () => this.status.changed(true))
    this.captures.on('change', () => this.status.changed(false))
    this.diagnosis.on('diagnosis', (p) => this.emit('diagnosis', p))
    this.history.on('progress', (p) => this.emit('history', p))
    this.boards.on('board', (e) => this.emit('board', e))
    this.boards.on('boardSnapshot', (s) => this.emit('boardSnapshot', s))
  }

  /** One call from a transport: validated, routed, run with the caller's rules. @throws ApiError and the handlers' errors. */
  call(method: unknown, params: unknown, caller: Caller): Promise<unknown> {
    return this.router.call(method, params, caller)
  }

  /** The same, never rejecting: `{result}` | `{error: {code, message, params}}`. */
  envelope(method: unknown, params: unknown, caller: Caller): ReturnType<Router['envelope']> {
    return this.router.envelope(method, params, caller)
  }

  /** Load a remembered key from the key store (Electron start-up). */
  loadRememberedKey(): Promise<void> {
    return this.keys.loadRemembered()
  }

  /** Try a P1 key on the last encrypted frames of the open source (before it goes into a board's configuration). */
  checkBoardKey(keyHex: string): BoardKeyCheck {
    return tryKeyOnFrames(this.frames.list(), keyHex, this.keys.authKey, this.source.current !== null)
  }

  /** Close everything (app exit). */
  async dispose(): Promise<void> {
    this.diagnosis.dispose()
    await this.boards.close().catch(() => undefined)
    this.captures.dispose()
    this.files.dispose()
    await this.record.dispose()
    await this.history.dispose()
    await this.source.dispose()
    this.status.cancel()
  }
}
