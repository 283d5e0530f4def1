/**
 * Namespace `session`: the snapshot of the whole session (source, stats, key, capture),
 * pushed as the 'status' event on every change (stats-only changes at most every 500 ms).
 */
import type { DecodeErrorCode } from '../types'
import { method, namespace, noParams, result } from './define'
import type { CaptureStatus } from './capture'
import type { KeyStatus } from './key'
import type { SourceState } from './source'

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

export const SESSION = namespace({
  getStatus: method(noParams, 'request', result<SessionStatus>())
})
