/**
 * Replay controls (namespace `replay`): pace, pause and seek of the open source, when it
 * advertises the replay capability (a capture or dump played with its recorded times,
 * src/main/capture/replay-source.ts). Other sources cannot be replayed: `no_source`.
 */
import { ApiError, REPLAY, type Handlers, type RequestOut, type SessionStatus } from '../../shared/contract'
import type { Caller } from './caller'
import type { SourceService } from './source-service'
import type { StatusPublisher } from './status'

export class ReplayControl implements Handlers<typeof REPLAY, Caller> {
  constructor(
    private readonly source: SourceService,
    private readonly status: StatusPublisher
  ) {}

  /** @throws ApiError no_source when the open source cannot be replayed. */
  async setReplay(req: RequestOut<(typeof REPLAY.methods)['setReplay']>): Promise<SessionStatus> {
    const replay = this.source.current?.replay
    if (!replay) throw new ApiError('no_source', 'No capture is open: open one first.')
    if (req.speed !== undefined) replay.setSpeed(req.speed === 'max' ? Infinity : req.speed)
    if (req.paused !== undefined) replay.setPaused(req.paused)
    if (req.seek !== undefined) {
      // the pipeline restarts at the new position
      this.source.restartDecoder()
      replay.seek(req.seek)
    }
    this.status.changed(true)
    return this.status.snapshot()
  }
}
