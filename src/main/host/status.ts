/**
 * The session's status (namespace `session`): one snapshot of source, stats, key and capture,
 * and the one place where 'status' events are throttled: a change of source, key or error is
 * sent at once, a stats-only change at most every `throttleMs` (500 ms), on the session's clock.
 */
import { EventEmitter } from 'node:events'
import { SESSION, type Handlers, type SessionStatus } from '../../shared/contract'
import type { Clock, ClockTimer } from '../line/clock'
import type { Caller } from './caller'

/** The parts of a status, each from its service. */
export type StatusParts = () => Omit<SessionStatus, 'version'>

export class StatusPublisher extends EventEmitter<{ status: [SessionStatus] }> implements Handlers<typeof SESSION, Caller> {
  private timer: ClockTimer | null = null
  private lastAt = -Infinity

  constructor(
    private readonly version: string,
    private readonly parts: StatusParts,
    private readonly clock: Clock,
    private readonly throttleMs = 500
  ) {
    super()
  }

  /** The status now. */
  snapshot(): SessionStatus {
    return { ...this.parts(), version: this.version }
  }

  async getStatus(): Promise<SessionStatus> {
    return this.snapshot()
  }

  /** Something changed: send now (`force`: source, key, error, capture) or throttled (stats only). */
  changed(force: boolean): void {
    const now = this.clock.now()
    if (force || now - this.lastAt >= this.throttleMs) {
      this.cancel()
      this.send(now)
      return
    }
    this.timer ??= this.clock.setTimeout(
      () => {
        this.timer = null
        this.send(this.clock.now())
      },
      this.throttleMs - (now - this.lastAt)
    )
  }

  /** Stop a pending send (dispose). */
  cancel(): void {
    this.timer?.cancel()
    this.timer = null
  }

  private send(now: number): void {
    this.lastAt = now
    this.emit('status', this.snapshot())
  }
}
