/**
 * StudioSession: the one implementation of the API contract (src/shared/contract.ts).
 * Owns the current byte source and the decoding pipeline, keeps stats and the last 100
 * frames, and emits 'frame' and 'status' events. Plain Node: Electron (ipc.ts) and
 * serve mode (web.ts) only carry it. A P1 key never leaves this object (only a mask).
 */
import { EventEmitter } from 'node:events'
import type {
  CaptureFileInfo,
  CaptureStatus,
  ExportResult,
  ReplaySpeed,
  FrameRecord,
  KeyStatus,
  P1StudioApi,
  P1StudioEvents,
  SessionStats,
  SessionStatus,
  SetKeyRequest,
  SourceRequest,
  SourceState
} from '../../shared/contract'
import { RECENT_FRAMES_LIMIT } from '../../shared/contract'
import { DEFAULT_LINE_SETTINGS, LUX_AUTH_KEY_HEX, type PortInfo } from '../../shared/types'
import { P1Decoder, parseKeyHex, type DecodeEvent } from '../p1/pipeline'
import { DEMO_KEY_HEX, DemoSource, demoFilePath } from '../line/demo-source'
import { FileSource } from '../line/file-source'
import { SerialSource, listPorts } from '../line/serial-source'
import type { ByteSource } from '../line/source'
import {
  parseDiagnoseRequest,
  parseExportRequest,
  parsePathRequest,
  parseReplayRequest,
  parseReportFormat,
  parseSetKeyRequest,
  parseSourceRequest,
  parseStartCapture
} from './validate'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ReplaySource } from '../line/replay-source'
import { formatLineSettings, parseLineLabel } from '../../shared/line-settings'
import { systemClock, type Clock } from '../line/clock'
import { CaptureService } from './capture-service'
import { HistoryService } from './history-service'
import {
  parseDaysRequest,
  parseMessagesRequest,
  parseQuartersRequest,
  parseSeriesRequest
} from './validate'
import type {
  HistoryDaysResult,
  HistoryImportSummary,
  HistoryMeter,
  HistoryQuarterResult,
  HistorySeries
} from '../../shared/contract'
import type { DiagnoseRequest, DiagnosisReport } from '../../shared/diagnostics'
import { meterIdOf } from '../../shared/history'
import { runDiagnosis } from '../diagnostics/runner'
import { reportHtml, reportJson } from '../diagnostics/report'
import { BOARD_METHODS, type BoardApi, type BoardKeyCheck, type BoardObject } from '../../shared/board'
import type { DecodedTelegram } from '../../shared/types'
import { BoardService } from './board-service'
import { memorySecretStore, type SecretStore } from '../board/profile-store'
import { decodeBuffer } from '../p1/pipeline'

/** Where a remembered P1 key is kept (Electron: safeStorage). */
export interface KeyStore {
  available(): boolean
  /** Why the key cannot be remembered here (plain sentence for the key status), null when it can. */
  note?(): string | null
  load(): Promise<string | null>
  save(key: string | null): Promise<void>
}

/** Options of {@link StudioSession}. */
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
  /** Folder for captures and exports (default {@link dataDir}/captures). */
  captureDir?: string
  /** History database file (default {@link dataDir}/history.duckdb). */
  historyPath?: string
  /** Folder of the board profiles and the files made from them (default {@link dataDir}/boards). */
  boardsDir?: string
  /** Keeps the secrets of board profiles (Electron: safeStorage; default: in memory only). */
  secrets?: SecretStore
  /**
   * Stamps the bytes of the sources it opens and runs their pace and the diagnostics' timers
   * (default the system clock; tests give a ManualClock). Injected sources use their own.
   */
  clock?: Clock
}

/** Mask a key for display: only the last 4 hex digits. */
export function maskKey(hex: string): string {
  return '•'.repeat(28) + hex.slice(-4).toUpperCase()
}

function defaultFactory(req: SourceRequest, clock: Clock): ByteSource {
  switch (req.kind) {
    case 'serial':
      return new SerialSource(req.path, req.settings, { clock })
    case 'file':
      return new FileSource(req.path, { clock })
    case 'demo':
      return new DemoSource({ clock })
    case 'capture':
      return new ReplaySource(req.path, { speed: speedValue(req.speed), clock })
  }
}

/** The app's data folder: $P1STUDIO_DATA_DIR, else ~/P1Studio. */
export function dataDir(): string {
  return process.env.P1STUDIO_DATA_DIR || join(homedir(), 'P1Studio')
}

const speedValue = (s: ReplaySpeed | undefined): number => (s === 'max' ? Infinity : (s ?? 1))

function emptyStats(): SessionStats {
  return { bytes: 0, decoded: 0, failed: {}, lastTelegramAt: null, lastByteAt: null }
}

export class StudioSession extends EventEmitter<{ [K in keyof P1StudioEvents]: [P1StudioEvents[K]] }> implements P1StudioApi {
  private readonly version: string
  private readonly keyStore?: KeyStore
  private readonly sourceFactory: (req: SourceRequest) => ByteSource
  private readonly clock: Clock
  private readonly portLister: () => Promise<PortInfo[]>
  private readonly throttleMs: number
  private key: string | null = null
  /** The key was set automatically for the demo (and is dropped when a real source opens). */
  private demoKeyActive = false
  private keyOrigin: KeyStatus['origin'] = 'none'
  private authKey: string = LUX_AUTH_KEY_HEX
  private decoder: P1Decoder
  private source: ByteSource | null = null
  private sourceState: SourceState = { kind: 'none' }
  private stats: SessionStats = emptyStats()
  private recent: FrameRecord[] = []
  private seq = 0
  private error: string | null = null
  private statusTimer: NodeJS.Timeout | null = null
  private lastStatusAt = 0
  private diagnosis: AbortController | null = null
  private lastReport: DiagnosisReport | null = null
  private readonly captures: CaptureService
  private readonly history: HistoryService
  /** Boards: flash, configure, verify (issue 6). Its methods are the session's (see the end of this file). */
  readonly boards: BoardService
  /** The last telegram decoded from the P1 source (not from a board's MQTT data). */
  private lastP1: DecodedTelegram | null = null

  /** @throws TypeError if `key`/`authKey` are given but malformed. */
  constructor(opts: StudioSessionOptions) {
    super()
    this.version = opts.version
    this.keyStore = opts.keyStore
    this.clock = opts.clock ?? systemClock
    this.sourceFactory = opts.sourceFactory ?? ((req) => defaultFactory(req, this.clock))
    this.portLister = opts.portLister ?? listPorts
    this.throttleMs = opts.statusThrottleMs ?? 500
    if (opts.authKey) this.authKey = parseKeyHex(opts.authKey, 'Authentication key').toString('hex').toUpperCase()
    if (opts.key) {
      this.key = parseKeyHex(opts.key).toString('hex').toUpperCase()
      this.keyOrigin = 'cli'
    }
    this.decoder = new P1Decoder({ key: this.key, authKey: this.authKey })
    this.captures = new CaptureService(opts.captureDir ?? join(dataDir(), 'captures'), this.version)
    this.captures.on('change', () => this.emitStatus(false))
    this.history = new HistoryService(opts.historyPath ?? join(dataDir(), 'history.duckdb'))
    this.history.on('progress', (p) => this.emit('history', p))
    this.boards = new BoardService({
      profilesDir: opts.boardsDir ?? join(dataDir(), 'boards'),
      secrets: opts.secrets ?? memorySecretStore(),
      checkKey: (hex) => this.checkBoardKey(hex),
      reference: () => (this.lastP1 ? this.lastP1.telegram.objects.map((o) => ({ obis: o.obis, value: o.value, unit: o.unit })) : null),
      openPortGuard: (path) => this.releasePort(path)
    })
    this.boards.on('board', (e) => this.emit('board', e))
    this.boards.on('objects', (objects, at) => this.boardObjects(objects, at))
  }

  /** Load a remembered key from the key store (Electron start-up). */
  async loadRememberedKey(): Promise<void> {
    if (this.key || !this.keyStore?.available()) return
    const k = await this.keyStore.load().catch(() => null)
    if (k) {
      try {
        this.applyKey(parseKeyHex(k).toString('hex').toUpperCase(), 'keychain')
      } catch {
        /* a damaged entry is ignored */
      }
    }
  }

  listPorts(): Promise<PortInfo[]> {
    return this.portLister().catch((e: Error) => {
      throw new Error(`Cannot list serial ports: ${e.message}`)
    })
  }

  async getStatus(): Promise<SessionStatus> {
    return this.status()
  }

  async getRecentFrames(): Promise<FrameRecord[]> {
    return this.recent.slice()
  }

  /** Open a source (closing the previous one). @throws Error in plain words if it cannot open. */
  async openSource(input: SourceRequest): Promise<SessionStatus> {
    const req = parseSourceRequest(input)
    if (req.kind === 'serial') await this.boards.releasePort(req.path)
    await this.stopSource()
    this.stats = emptyStats()
    this.recent = []
    this.lastP1 = null
    this.error = null
    if (req.kind === 'demo' && !this.key) {
      this.key = DEMO_KEY_HEX
      this.keyOrigin = 'entered'
      this.demoKeyActive = true
    } else if (req.kind !== 'demo' && this.demoKeyActive) {
      // the demo's key would only make a real meter's frames fail: ask for the real one
      this.key = null
      this.keyOrigin = 'none'
      this.demoKeyActive = false
    }
    this.decoder = new P1Decoder({ key: this.key, authKey: this.authKey })
    const src = this.sourceFactory(req)
    src.on('data', (chunk, at) => this.onData(src, chunk, at))
    src.on('error', (e) => {
      if (src !== this.source) return
      this.error = e.message
      this.emitStatus(true)
    })
    src.on('end', (reason) => {
      if (src !== this.source) return
      this.handle(this.decoder.end())
      if (this.sourceState.kind === 'serial') {
        this.sourceState = { ...this.sourceState, open: false }
        this.error = reason
      } else if (this.sourceState.kind === 'file') this.sourceState = { ...this.sourceState, done: true }
      else if (this.sourceState.kind === 'capture') {
        // a replay can be sought back: keep it as the source
        this.emitStatus(true)
        return
      }
      this.emitStatus(true)
    })
    try {
      await src.start()
    } catch (e) {
      this.error = (e as Error).message
      this.sourceState = { kind: 'none' }
      this.emitStatus(true)
      throw new Error(this.error)
    }
    this.source = src
    this.sourceState =
      req.kind === 'serial'
        ? { kind: 'serial', path: req.path, settings: { ...DEFAULT_LINE_SETTINGS, ...req.settings }, open: true }
        : req.kind === 'file'
          ? { kind: 'file', path: req.path, done: false }
          : req.kind === 'capture'
            ? { kind: 'capture', path: req.path, format: src.label, replay: this.replayState(src) }
            : { kind: 'demo', label: src.label }
    this.emitStatus(true)
    return this.status()
  }

  async closeSource(): Promise<SessionStatus> {
    await this.stopSource()
    this.sourceState = { kind: 'none' }
    this.emitStatus(true)
    return this.status()
  }

  /** Set or forget the P1 key. @throws Error('P1 key must be 32 hex digits') on bad input. */
  async setKey(input: SetKeyRequest): Promise<KeyStatus> {
    const req = parseSetKeyRequest(input)
    if (req.authKey) this.authKey = parseKeyHex(req.authKey, 'Authentication key').toString('hex').toUpperCase()
    const key = req.key === null ? null : parseKeyHex(req.key).toString('hex').toUpperCase()
    this.applyKey(key, key ? 'entered' : 'none')
    if (this.keyStore?.available()) {
      if (req.remember && key) {
        await this.keyStore.save(key)
        this.keyOrigin = 'keychain'
      } else if (key === null || req.remember === false) await this.keyStore.save(null)
    }
    this.emitStatus(true)
    return this.keyStatus()
  }

  /**
   * Run the installation diagnostics. On a port (`req.path`): the session's own source on
   * that port is closed for the run (one owner per port) and reopened afterwards at the
   * settings that worked. Without a path: the open source is diagnosed as it plays
   * (recorded receive times for files and replays; no settings retried).
   * The key is the request's, else the session's; it never appears in the report.
   * @throws Error if a diagnosis is running, no source is open and no path is given, or the request is invalid.
   */
  async diagnose(input: DiagnoseRequest): Promise<DiagnosisReport> {
    const req = parseDiagnoseRequest(input)
    if (this.diagnosis) throw new Error('A diagnosis is already running.')
    const ac = new AbortController()
    this.diagnosis = ac
    const common = {
      key: req.key ?? this.key ?? undefined,
      authKey: req.authKey ?? this.authKey,
      durationS: req.durationS,
      cadenceS: req.cadenceS,
      appVersion: this.version,
      signal: ac.signal,
      onProgress: (p: Parameters<NonNullable<Parameters<typeof runDiagnosis>[0]['onProgress']>>[0]) => this.emit('diagnosis', p)
    }
    try {
      let report: DiagnosisReport
      if (req.path) {
        const path = req.path
        await this.boards.releasePort(path)
        const own = this.sourceState.kind === 'serial' && this.sourceState.path === path ? this.sourceState : null
        if (own) await this.closeSource()
        report = await runDiagnosis({
          ...common,
          path,
          settings: req.settings ?? own?.settings,
          retrySettings: req.retrySettings,
          openSource: (settings) => this.sourceFactory({ kind: 'serial', path, settings })
        })
        if (own) {
          const working = report.source.settings ? parseLineLabel(report.source.settings) : own.settings
          await this.openSource({ kind: 'serial', path, settings: working ?? own.settings }).catch(() => undefined)
        }
      } else {
        if (!this.source) throw new Error('Open a source first, or choose a port to diagnose.')
        const kind = this.sourceState.kind
        report = await runDiagnosis({
          ...common,
          source: this.source,
          sourceLabel: this.source.label,
          clock: kind === 'file' || kind === 'capture' ? 'data' : this.clock,
          meterClock: kind !== 'demo'
        })
      }
      this.lastReport = report
      return report
    } finally {
      this.diagnosis = null
    }
  }

  /** Stop a running diagnosis (it resolves with what it heard). */
  async cancelDiagnosis(): Promise<void> {
    this.diagnosis?.abort()
  }

  /** The last report as HTML or JSON text, null before the first diagnosis. */
  async getDiagnosisReport(format: 'html' | 'json'): Promise<string | null> {
    const f = parseReportFormat(format)
    if (!this.lastReport) return null
    return f === 'html' ? reportHtml(this.lastReport) : reportJson(this.lastReport)
  }

  async setReplay(input: { speed?: ReplaySpeed; paused?: boolean; seek?: number }): Promise<SessionStatus> {
    const req = parseReplayRequest(input)
    const src = this.source
    if (!(src instanceof ReplaySource)) throw new Error('No capture is open: open one first.')
    if (req.speed !== undefined) src.setSpeed(speedValue(req.speed))
    if (req.paused !== undefined) src.setPaused(req.paused)
    if (req.seek !== undefined) {
      // the pipeline restarts at the new position
      this.decoder = new P1Decoder({ key: this.key, authKey: this.authKey })
      src.seek(req.seek)
    }
    this.emitStatus(true)
    return this.status()
  }

  async startCapture(input: { name?: string; splitDaily?: boolean }): Promise<CaptureStatus> {
    const req = parseStartCapture(input)
    if (!this.source) throw new Error('Open a source first (a port, the demo or a capture), then capture it.')
    const line = this.sourceState.kind === 'serial' ? formatLineSettings(this.sourceState.settings) : null
    return this.captures.start(this.source, { ...req, lineSettings: line })
  }

  async stopCapture(): Promise<CaptureStatus> {
    return this.captures.stop()
  }

  async listCaptures(): Promise<CaptureFileInfo[]> {
    return this.captures.list()
  }

  async importFile(input: { path: string }): Promise<CaptureFileInfo> {
    return this.captures.importFile(parsePathRequest(input).path)
  }

  async exportCapture(input: { path: string; format: 'csv' | 'jsonl' | 'raw' }): Promise<ExportResult> {
    const req = parseExportRequest(input)
    return this.captures.exportCapture(req.path, req.format, this.key, this.authKey)
  }

  async historyImport(input: { path: string }): Promise<HistoryImportSummary> {
    return this.history.import(parsePathRequest(input).path, this.key, this.authKey)
  }

  async historyImportDemo(): Promise<HistoryImportSummary> {
    return this.history.import(demoFilePath(), DEMO_KEY_HEX, LUX_AUTH_KEY_HEX)
  }

  async historyCancelImport(): Promise<void> {
    this.history.cancelImport()
  }

  async historyMeters(): Promise<HistoryMeter[]> {
    await this.history.flushLive()
    return this.history.meters()
  }

  async historySeries(input: { meterId: string; columns: string[]; from: number; to: number; maxPoints?: number }): Promise<HistorySeries> {
    const r = parseSeriesRequest(input)
    return this.history.series(r.meterId, r.columns, r.from, r.to, r.maxPoints ?? 1500)
  }

  async historyDays(input: { meterId: string; classKW: number; price: number }): Promise<HistoryDaysResult> {
    const r = parseDaysRequest(input)
    return this.history.days(r.meterId, r.classKW, r.price)
  }

  async historyQuarters(input: { meterId: string; date: string; classKW: number }): Promise<HistoryQuarterResult> {
    const r = parseQuartersRequest(input)
    return this.history.quarters(r.meterId, r.date, r.classKW)
  }

  async historyMessages(input: { meterId: string; from: number; to: number }): Promise<{ t: number; message: string }[]> {
    const r = parseMessagesRequest(input)
    return this.history.messages(r.meterId, r.from, r.to)
  }

  private replayState(src: ByteSource): import('../../shared/contract').ReplayState {
    const r = src as ReplaySource
    const p = r.position()
    return { ...p, speed: Number.isFinite(p.speed) ? p.speed : 'max', warning: r.warning }
  }

  /**
   * Try a P1 key (32 hex digits) on the last encrypted frames of the open source (up to 3,
   * newest first) before it goes into a board's configuration.
   * @returns checked=false when no encrypted frame was received; ok=true when one decrypts.
   */
  checkBoardKey(keyHex: string): BoardKeyCheck {
    const frames = this.recent.filter((r) => r.dlms !== null && r.frameHex.length > 0).slice(-3).reverse()
    if (frames.length === 0) {
      return {
        checked: false,
        ok: false,
        message: this.source
          ? 'The open P1 source has not sent an encrypted frame yet: the key was not tried on the meter.'
          : 'No P1 source is open: the key was not tried on the meter.'
      }
    }
    let wrongFor: string | null = null
    for (const f of frames) {
      let events: DecodeEvent[]
      try {
        events = decodeBuffer(Buffer.from(f.frameHex, 'hex'), { key: keyHex, authKey: this.authKey }, f.receivedAt)
      } catch {
        return { checked: false, ok: false, message: 'The P1 key must be 32 hex digits.' }
      }
      for (const ev of events) {
        if (ev.type === 'telegram') {
          return { checked: true, ok: true, message: `The P1 key decrypts the frames of ${meterName(ev.telegram)} on the open source.` }
        }
        if (ev.type === 'failure' && ev.failure.code === 'gcm_tag_mismatch') wrongFor = f.dlms ? `system title ${f.dlms.systemTitle}` : 'the meter'
      }
    }
    if (wrongFor) {
      return {
        checked: true,
        ok: false,
        message: `The P1 key does not decrypt the frames of the meter on the open source (${wrongFor}): check the key the grid operator gave for this meter.`
      }
    }
    return { checked: false, ok: false, message: 'The last frames of the open source are damaged: the key could not be tried.' }
  }

  /** Close the session's own source if it is `path` (before a board operation opens that port). */
  private async releasePort(path: string): Promise<void> {
    if (this.sourceState.kind === 'serial' && this.sourceState.path === path) await this.closeSource()
  }

  /** A board's MQTT data (mqttSourceOpen) shown in the live view as a telegram without frame bytes. */
  private boardObjects(objects: BoardObject[], receivedAt: number): void {
    const topic = this.boards.currentSourceTopic() ?? 'MQTT'
    const cosem = objects.map((o) => {
      const inner = `${o.value === null ? '' : String(o.value)}${o.unit ? `*${o.unit}` : ''}`
      return { obis: o.obis, value: o.value, unit: o.unit, time: null, values: [{ value: o.value, unit: o.unit, raw: inner }], raw: `${o.obis}(${inner})` }
    })
    const text = cosem.map((c) => c.raw).join('\r\n')
    const time = objects.find((o) => o.obis === '0-0:1.0.0')?.value
    const rec: FrameRecord = {
      ok: true,
      seq: ++this.seq,
      kind: 'plain',
      receivedAt,
      offset: 0,
      frameHex: '',
      dlms: null,
      tagVerified: null,
      text,
      telegram: {
        identification: `MQTT ${topic} (board)`,
        objects: cosem,
        crcSent: null,
        crcComputed: 0,
        crcOk: null,
        malformedLines: [],
        meterTime: typeof time === 'string' ? time : null
      },
      warnings: []
    }
    this.keep(rec)
  }

  /** Append to the last-100 history of the raw view and emit it as a 'frame' event. */
  private keep(rec: FrameRecord): void {
    this.recent.push(rec)
    if (this.recent.length > RECENT_FRAMES_LIMIT) this.recent.splice(0, this.recent.length - RECENT_FRAMES_LIMIT)
    this.emit('frame', rec)
  }

  /** Close everything (app exit). */
  async dispose(): Promise<void> {
    this.diagnosis?.abort()
    await this.boards.close().catch(() => undefined)
    this.captures.dispose()
    await this.history.dispose()
    await this.stopSource()
    if (this.statusTimer) clearTimeout(this.statusTimer)
    this.statusTimer = null
  }

  private applyKey(key: string | null, origin: KeyStatus['origin']): void {
    this.decoder.setKeys(key, this.authKey)
    this.demoKeyActive = false
    this.key = key
    this.keyOrigin = key ? origin : 'none'
  }

  private async stopSource(): Promise<void> {
    const src = this.source
    this.source = null
    if (src) {
      await src.stop().catch(() => undefined)
      src.removeAllListeners()
    }
  }

  private onData(src: ByteSource, chunk: Buffer, at: number): void {
    if (src !== this.source) return
    this.stats.bytes += chunk.length
    this.stats.lastByteAt = at
    this.handle(this.decoder.push(chunk, at))
    this.emitStatus(false)
  }

  private handle(events: DecodeEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'skipped') continue
      let rec: FrameRecord
      if (ev.type === 'telegram') {
        this.lastP1 = ev.telegram
        if (this.sourceState.kind === 'serial') this.history.addLive(ev.telegram)
        this.stats.decoded++
        this.stats.lastTelegramAt = ev.telegram.receivedAt
        rec = { ok: true, seq: ++this.seq, ...ev.telegram }
      } else {
        const c = ev.failure.code
        this.stats.failed[c] = (this.stats.failed[c] ?? 0) + 1
        rec = { ok: false, seq: ++this.seq, ...ev.failure }
      }
      this.keep(rec)
    }
  }

  private keyStatus(): KeyStatus {
    return {
      hasKey: this.key !== null,
      masked: this.key ? maskKey(this.key) : null,
      origin: this.keyOrigin,
      authKey: this.authKey,
      canRemember: this.keyStore?.available() ?? false,
      keychainNote: this.keyStore?.note?.() ?? null
    }
  }

  private status(): SessionStatus {
    if (this.sourceState.kind === 'capture' && this.source) this.sourceState = { ...this.sourceState, replay: this.replayState(this.source) }
    return {
      capture: this.captures.status(),
      source: this.sourceState,
      stats: { ...this.stats, failed: { ...this.stats.failed } },
      key: this.keyStatus(),
      error: this.error,
      version: this.version
    }
  }

  /** Emit 'status' now (`force`) or throttled for stats-only changes. */
  private emitStatus(force: boolean): void {
    const now = Date.now()
    if (force || now - this.lastStatusAt >= this.throttleMs) {
      if (this.statusTimer) clearTimeout(this.statusTimer)
      this.statusTimer = null
      this.lastStatusAt = now
      this.emit('status', this.status())
      return
    }
    if (!this.statusTimer) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null
        this.lastStatusAt = Date.now()
        this.emit('status', this.status())
      }, this.throttleMs - (now - this.lastStatusAt))
    }
  }
}

/** "meter SAG1030700089067 (system title 5341…)": the meter id as the history names it, and the system title. */
function meterName(t: DecodedTelegram): string {
  const id = meterIdOf(t.telegram, null)
  const st = t.dlms ? ` (system title ${t.dlms.systemTitle})` : ''
  return id === 'unknown' ? `the meter${st}` : `meter ${id}${st}`
}

// The board methods (BoardApi) are the session's own: each one is the BoardService's.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StudioSession extends BoardApi {}
for (const m of BOARD_METHODS) {
  Object.defineProperty(StudioSession.prototype, m, {
    value: function (this: StudioSession, req?: unknown) {
      return (this.boards[m] as (r?: unknown) => Promise<unknown>).call(this.boards, req)
    },
    writable: true,
    configurable: true
  })
}
