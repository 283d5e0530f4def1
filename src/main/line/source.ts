/**
 * A byte source feeding the decoding pipeline: serial port, raw dump file, demo, replay.
 * Sources never throw from callbacks: problems arrive as 'error' events in plain words.
 */
import type { EventEmitter } from 'node:events'

/** Events of a {@link ByteSource}. */
export interface ByteSourceEvents {
  /** A chunk exactly as read, with its receive time in ms since the Unix epoch. */
  data: [chunk: Buffer, receivedAt: number]
  /** A problem in plain words (port busy, missing, permission denied, cable pulled…). */
  error: [error: Error]
  /** The source ended (end of file, port closed or lost). `reason` in plain words. */
  end: [reason: string]
}

/** Where a replay is. Times in ms. */
export interface ReplayPosition {
  /** Receive time of the last record played (ms since the epoch), null before the first. */
  time: number | null
  /** Recorded time from the first to the last data record. */
  durationMs: number
  /** Position in recorded time since the first record. */
  positionMs: number
  /** Data records played / in total. */
  index: number
  count: number
  speed: number
  paused: boolean
  done: boolean
}

/** What a source that plays recorded data (a capture or dump) offers: pace, pause, seek. */
export interface ReplayCapability {
  /** 1 = recorded pace, 10, 100…, Infinity = as fast as the pipeline takes it. @throws RangeError for ≤ 0. */
  setSpeed(speed: number): void
  setPaused(paused: boolean): void
  /** Jump to a fraction (0…1) of the recorded time. */
  seek(fraction: number): void
  position(): ReplayPosition
  /** e.g. a torn last record, null if none. */
  readonly warning: string | null
}

/** Common shape of all sources. */
export interface ByteSource extends EventEmitter<ByteSourceEvents> {
  /** Human-readable label, e.g. "/dev/ttyUSB0 115200 8N1" or "demo". */
  readonly label: string
  /** Open and start emitting. Rejects with a plain-English Error if it cannot open. */
  start(): Promise<void>
  /** Stop emitting and release the resource. Idempotent. */
  stop(): Promise<void>
  /** Present when the source plays recorded data that can be paced, paused and sought. */
  readonly replay?: ReplayCapability
}
