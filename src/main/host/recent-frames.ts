/**
 * The last 100 frames of the P1 source for the raw view (namespace `frames`): numbered in
 * arrival order, oldest dropped first; each new one is emitted as the 'frame' event.
 */
import { EventEmitter } from 'node:events'
import { FRAMES, RECENT_FRAMES_LIMIT, type FrameRecord, type Handlers } from '../../shared/contract'
import type { DecodedTelegram, DecodeFailure } from '../../shared/types'
import type { Caller } from './caller'

export class RecentFrames extends EventEmitter<{ frame: [FrameRecord] }> implements Handlers<typeof FRAMES, Caller> {
  private records: FrameRecord[] = []
  private seq = 0

  /** Append a decoded telegram. */
  telegram(t: DecodedTelegram): void {
    this.keep({ ok: true, seq: ++this.seq, ...t })
  }

  /** Append a failure. */
  failure(f: DecodeFailure): void {
    this.keep({ ok: false, seq: ++this.seq, ...f })
  }

  /** Forget the frames (a new source); numbering goes on. */
  clear(): void {
    this.records = []
  }

  /** The frames, oldest first (a copy). */
  list(): FrameRecord[] {
    return this.records.slice()
  }

  async getRecentFrames(): Promise<FrameRecord[]> {
    return this.list()
  }

  private keep(rec: FrameRecord): void {
    this.records.push(rec)
    if (this.records.length > RECENT_FRAMES_LIMIT) this.records.splice(0, this.records.length - RECENT_FRAMES_LIMIT)
    this.emit('frame', rec)
  }
}
