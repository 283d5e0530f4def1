/**
 * The API contract between the main side (Electron main process or `p1studio serve`)
 * and the renderer. One implementation (src/main/host/session.ts), two transports:
 * Electron IPC (src/main/host/ipc.ts + src/preload) and HTTP/WebSocket (src/main/host/web.ts).
 *
 * Everything here is JSON-serialisable. Requests are validated with zod on the main side
 * (src/main/host/validate.ts). A P1 key never travels back to the renderer.
 */
import type { DecodeErrorCode, DecodedTelegram, DecodeFailure, LineSettings, PortInfo } from './types'
import type { DiagnoseRequest, DiagnosisProgress, DiagnosisReport } from './diagnostics'
import type { DayStats, QuarterStats } from './history'
import { BOARD_METHODS, type BoardApi, type BoardEvent } from './board'

/** Which source feeds the pipeline. */
export type SourceRequest =
  | { kind: 'serial'; path: string; settings?: Partial<LineSettings> }
  | { kind: 'demo' }
  | { kind: 'file'; path: string }
  /** A capture or any importable dump, replayed with its recorded times (speed 1, 10, 100… or 'max'). */
  | { kind: 'capture'; path: string; speed?: ReplaySpeed }

/** Replay pace: times the recorded pace, or 'max' = all at once. */
export type ReplaySpeed = number | 'max'

/** Where a replay is. Times in ms. */
export interface ReplayState {
  /** Recorded receive time of the last record played (ms since the epoch), null before the first. */
  time: number | null
  positionMs: number
  durationMs: number
  /** Records played / in total. */
  index: number
  count: number
  speed: ReplaySpeed
  paused: boolean
  done: boolean
  /** e.g. the torn-last-record warning, null if none. */
  warning: string | null
}

/** What is currently open. */
export type SourceState =
  | { kind: 'none' }
  | { kind: 'serial'; path: string; settings: LineSettings; open: boolean }
  | { kind: 'demo'; label: string }
  | { kind: 'file'; path: string; done: boolean }
  | { kind: 'capture'; path: string; format: string; replay: ReplayState }

/** Counters of the running session. */
export interface SessionStats {
  /** Bytes received since the source was opened. */
  bytes: number
  /** Frames decoded into a telegram (with or without warnings). */
  decoded: number
  /** Failed frames by error code. */
  failed: Partial<Record<DecodeErrorCode, number>>
  /** Receive time (ms epoch) of the last decoded telegram, null before the first. */
  lastTelegramAt: number | null
  /** Receive time (ms epoch) of the last byte, null before the first. */
  lastByteAt: number | null
}

/** Key status as the renderer may see it: never the key itself. */
export interface KeyStatus {
  /** A P1 key is set for the session. */
  hasKey: boolean
  /** Masked form, e.g. "••••••••••••••••••••••••••••4188" (last 4 hex digits) or null. */
  masked: string | null
  /** Where it came from: typed in, the OS keychain, or the command line. */
  origin: 'none' | 'entered' | 'keychain' | 'cli'
  /** The authentication key (not secret: Luxembourg publishes it), upper-case hex. */
  authKey: string
  /** The key can be remembered in the OS keychain (Electron safeStorage with a real keychain). */
  canRemember: boolean
  /**
   * Electron only: why the key cannot be remembered on this computer, e.g. Linux without a
   * keyring (safeStorage's `basic_text`): "…the P1 key is kept for this run only." Null or
   * absent when it can, and in serve mode.
   */
  keychainNote?: string | null
}

/** Snapshot of the whole session, sent on connect and on every change of source/key. */
export interface SessionStatus {
  source: SourceState
  stats: SessionStats
  key: KeyStatus
  /** Last source error in plain words (port pulled, busy, permission…), null if none. */
  error: string | null
  /** Application version. */
  version: string
  /** The running (or last) capture. */
  capture: CaptureStatus
}

/** A capture being written (or the last one). */
export interface CaptureStatus {
  active: boolean
  /** Capture folder of the app. */
  dir: string
  /** Current file, null before the first capture. */
  path: string | null
  /** Every file of this capture (several when split per day). */
  files: string[]
  /** Data bytes captured. */
  bytes: number
  /** Frames seen. */
  frames: number
  /** Current file size, bytes. */
  fileBytes: number
  /** Seconds between the first and last byte. */
  durationS: number
  systemTitle: string | null
  /** Why the capture stopped (disk full, folder unwritable…), null if fine. */
  error: string | null
}

/** A file in the capture folder. */
export interface CaptureFileInfo {
  name: string
  path: string
  bytes: number
  /** ISO 8601. */
  modifiedAt: string
}

/** Progress of a history import. */
export interface HistoryImportProgress {
  file: string
  /** 0…1. */
  fraction: number
  /** Telegrams decoded so far. */
  readings: number
  done: boolean
}

/** A meter with a history. Times ms since the epoch (meter time). */
export interface HistoryMeter {
  meterId: string
  systemTitle: string | null
  readings: number
  first: number | null
  last: number | null
}

/** What an import added. */
export interface HistoryImportSummary {
  file: string
  telegrams: number
  failed: number
  failures: Record<string, number>
  meters: { meterId: string; added: number }[]
  cancelled: boolean
  warning: string | null
}

/** A chart series: min and max per bucket (raw readings when `bucketMs` ≤ 10 000); all-null points are gaps. */
export interface HistorySeries {
  columns: string[]
  bucketMs: number
  points: { t: number; min: (number | null)[]; max: (number | null)[] }[]
}

/** Days and months (kWh, kW, € or the price's currency). */
export interface HistoryDaysResult {
  days: DayStats[]
  months: { month: string; importKWh: number; exportKWh: number; aboveClassKWh: number; aboveClassCost: number; peakDemandKW: number | null }[]
}

/** The quarter hours of one local day. */
export interface HistoryQuarterResult {
  date: string
  quarters: QuarterStats[]
}

/** Result of an export into the capture folder. */
export interface ExportResult {
  path: string
  telegrams: number
  bytes: number
  warning: string | null
}

/** One entry of the raw view's history (last 100 frames). */
export type FrameRecord =
  | ({ ok: true; seq: number } & DecodedTelegram)
  | ({ ok: false; seq: number } & DecodeFailure)

/** Request to set the P1 key (32 hex digits) and optionally the authentication key. */
export interface SetKeyRequest {
  /** 32 hex digits, or null to forget the key. */
  key: string | null
  /** 32 hex digits; omitted = keep the current one. */
  authKey?: string
  /** Keep the key in the OS keychain (Electron only). */
  remember?: boolean
}

/**
 * Methods the renderer can call. All return promises; errors reject with a plain-English message.
 * The board methods (flash, configure, verify: src/shared/board.ts) are part of it.
 */
export interface P1StudioApi extends BoardApi {
  listPorts(): Promise<PortInfo[]>
  getStatus(): Promise<SessionStatus>
  openSource(req: SourceRequest): Promise<SessionStatus>
  closeSource(): Promise<SessionStatus>
  setKey(req: SetKeyRequest): Promise<KeyStatus>
  /** Up to the last 100 frames, oldest first. */
  getRecentFrames(): Promise<FrameRecord[]>
  /**
   * Run the installation diagnostics (src/main/diagnostics): on `req.path` (the session's
   * own port is closed for the run and reopened after), or on the open source when no path
   * is given. Progress arrives as 'diagnosis' events. Resolves with the report (never the key).
   * @throws Error if a diagnosis is already running or the request is invalid.
   */
  diagnose(req: DiagnoseRequest): Promise<DiagnosisReport>
  /** Stop a running diagnosis: it resolves with what it has heard so far. */
  cancelDiagnosis(): Promise<void>
  /** The last diagnosis report as a file's text (HTML page or JSON), null if none yet. */
  getDiagnosisReport(format: 'html' | 'json'): Promise<string | null>
  /** Replay controls of an open capture: pace, pause, jump to a fraction (0…1) of its time. @throws if no capture is open. */
  setReplay(req: { speed?: ReplaySpeed; paused?: boolean; seek?: number }): Promise<SessionStatus>
  /** Start recording the open source into the capture folder. @throws if none is open or a capture runs. */
  startCapture(req: { name?: string; splitDaily?: boolean }): Promise<CaptureStatus>
  stopCapture(): Promise<CaptureStatus>
  /** Captures in the capture folder, newest first. */
  listCaptures(): Promise<CaptureFileInfo[]>
  /** Import a raw, hex or telegram-text dump as a capture in the folder. @throws naming the problem and where. */
  importFile(req: { path: string }): Promise<CaptureFileInfo>
  /** Export a capture (or dump) into the folder as CSV, JSON Lines or raw bytes, with the session's key. */
  exportCapture(req: { path: string; format: 'csv' | 'jsonl' | 'raw' }): Promise<ExportResult>
  /** Import a capture or dump into the history (session's key); progress as 'history' events. @throws naming the problem. */
  historyImport(req: { path: string }): Promise<HistoryImportSummary>
  /** Import the bundled demo day (its own key) into the history: a chart in one click. */
  historyImportDemo(): Promise<HistoryImportSummary>
  historyCancelImport(): Promise<void>
  historyMeters(): Promise<HistoryMeter[]>
  /** Decimated series for a chart; columns from the store (import_kw, voltage_l1…). */
  historySeries(req: { meterId: string; columns: string[]; from: number; to: number; maxPoints?: number }): Promise<HistorySeries>
  /** Daily and monthly energy, peak 15-minute demand, energy above `classKW` and its cost at `price` per kWh. */
  historyDays(req: { meterId: string; classKW: number; price: number }): Promise<HistoryDaysResult>
  historyQuarters(req: { meterId: string; date: string; classKW: number }): Promise<HistoryQuarterResult>
  /** Text messages (0-0:96.13.0) when they changed. */
  historyMessages(req: { meterId: string; from: number; to: number }): Promise<{ t: number; message: string }[]>
}

/** Events pushed to the renderer. */
export interface P1StudioEvents {
  /** A frame was decoded or failed (also appended to the recent-frames history). */
  frame: FrameRecord
  /** Source, key, stats or error changed. Stats-only changes are sent at most every 500 ms. */
  status: SessionStatus
  /** Progress of a running diagnosis (about every 250 ms, and once with phase 'done'). */
  diagnosis: DiagnosisProgress
  /** Progress of a history import (about every 200 ms, and once with done). */
  history: HistoryImportProgress
  /** Boards: flash progress, log lines, listener states, MQTT verify progress (src/shared/board.ts). */
  board: BoardEvent
}

/** Names of the events, for transports. */
export const EVENT_NAMES = ['frame', 'status', 'diagnosis', 'history', 'board'] as const satisfies readonly (keyof P1StudioEvents)[]

export type P1StudioEventName = keyof P1StudioEvents

/** Names of the API methods, for transports. */
export const API_METHODS = [
  'listPorts',
  'getStatus',
  'openSource',
  'closeSource',
  'setKey',
  'getRecentFrames',
  'diagnose',
  'cancelDiagnosis',
  'getDiagnosisReport',
  'setReplay',
  'startCapture',
  'stopCapture',
  'listCaptures',
  'importFile',
  'exportCapture',
  'historyImport',
  'historyImportDemo',
  'historyCancelImport',
  'historyMeters',
  'historySeries',
  'historyDays',
  'historyQuarters',
  'historyMessages',
  ...BOARD_METHODS
] as const
export type ApiMethod = (typeof API_METHODS)[number]

/** What the renderer's API client offers: the methods plus event subscription. */
export interface P1StudioClient extends P1StudioApi {
  /** Subscribe; returns an unsubscribe function. */
  on<E extends P1StudioEventName>(event: E, listener: (data: P1StudioEvents[E]) => void): () => void
}

/** Number of frames kept for the raw view. */
export const RECENT_FRAMES_LIMIT = 100
