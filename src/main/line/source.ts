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

/** Common shape of all sources. */
export interface ByteSource extends EventEmitter<ByteSourceEvents> {
  /** Human-readable label, e.g. "/dev/ttyUSB0 115200 8N1" or "demo". */
  readonly label: string
  /** Open and start emitting. Rejects with a plain-English Error if it cannot open. */
  start(): Promise<void>
  /** Stop emitting and release the resource. Idempotent. */
  stop(): Promise<void>
}
