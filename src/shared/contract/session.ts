/**
 * Namespace `session`: the snapshot of the whole session (source, stats, key, capture),
 * pushed as the 'status' event on every change (stats-only changes at most every 500 ms).
 */
import type { DecodeErrorCode } from '../types'
import { method, namespace, noParams, result } from './define'
import type { CaptureStatus } from './capture'
import type { KeyStatus } from './key'
import type { SourceState } from './source'
import type { RecordingStatus } from './record'
import type { WireError } from './errors'

/**
 * What the line carries, judged from the bytes of the open source (issue 15): the status bar
 * and every empty state show it, live. Cadence: DSMR 5 / Smarty one frame every 10 s.
 */
export interface LineState {
  /**
   * `none` no source open; `waiting` open for less than 1.2 cadences without a byte;
   * `no_bytes` silent for longer (cable, data request pin, wrong port);
   * `bytes_no_frames` bytes but no frame (an inverted line or wrong line settings);
   * `frames_not_decoded` frames that do not open or check (wrong P1 key, damaged frames, CRC);
   * `ok` telegrams decoded.
   */
  state: 'none' | 'waiting' | 'no_bytes' | 'bytes_no_frames' | 'frames_not_decoded' | 'ok'
  /** Bursts of bytes (chunks closer than 0.5 s), since the source was opened. */
  bursts: number
  /** Frames the deframer found (decoded or not). */
  framesFound: number
  /** Bytes that belong to no frame. */
  unreadableBytes: number
  /** Share of 0x00 bytes among all bytes, 0…1 (breaks: an inverted line, a too-high baud rate). */
  zeroShare: number
  /** The last frame that failed: its stable code (docs/verdict-codes.md), receive time (ms epoch) and system title. */
  lastFailure: { code: DecodeErrorCode; at: number; systemTitle: string | null } | null
  /** The meter as the frames name it (meter id, else system title), null before the first frame. */
  meter: string | null
}

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
  /** The line state (issue 15), judged live on the session's clock (src/main/line/line-monitor.ts). */
  line: LineState
}

/** Snapshot of the whole session, sent on connect and on every change of source/key. */
export interface SessionStatus {
  source: SourceState
  stats: SessionStats
  key: KeyStatus
  /** Last source error in plain words (port pulled, busy, permission…), null if none. */
  error: string | null
  /**
   * The same error as a stable code with parameters, for the renderer to word (null if none):
   * `port_not_found`, `port_permission_denied`, `port_busy`, `port_error`, `port_disconnected`,
   * `port_closed` {path}; `tcp_reconnecting` {source, problem, retryS, failures};
   * `source_unreadable` {path}; `capture_torn` / `capture_damaged` (docs/verdict-codes.md).
   */
  errorInfo: WireError | null
  /** Recording to the history / daily captures (serve --record, or the app's switch). */
  recording?: RecordingStatus
  /** Application version. */
  version: string
  /** The running (or last) capture. */
  capture: CaptureStatus
}

export const SESSION = namespace({
  getStatus: method(noParams, 'request', result<SessionStatus>())
})
