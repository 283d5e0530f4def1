/**
 * What serve mode sends one WebSocket client, with bounds (issue 12, "Limits"):
 *
 * - 'frame' and 'status' events are coalesced per client: collected for `batchMs` (100 ms)
 *   and sent as ONE message `{batch: [{event, data}, …], dropped}` — frames oldest first,
 *   at most `maxFrames` of them (the newest kept; `dropped` counts the others), then the
 *   latest status only. A replay at full speed thus reaches a browser as ≤ 10 messages a
 *   second instead of thousands (8,578 events, 103 MB of JSON in 1.2 s before).
 * - Every other message ('diagnosis', 'history', 'board' events) goes out at once; an answer
 *   too, right after the batch still waiting ({@link Outbox.reply}: order kept).
 * - Backpressure: while more than `softBytes` wait in the socket's buffer, a batch is held
 *   back (still bounded: newest frames, latest status); a client with more than
 *   `hardBytes` unsent is dropped (it stopped reading: a page that asks for 1.2 MB answers
 *   4,000 times must not take the server's memory).
 *
 * Time is an input: timers come from {@link OutboxTimers} (tests pass a manual clock).
 */
/** Timer functions (the global ones by default). */
export interface OutboxTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** The socket side of a client. */
export interface OutboxSink {
  /** Bytes queued and not yet written to the network (ws's `bufferedAmount`). */
  readonly bufferedAmount: number
  send(text: string): void
  /** Drop the client (terminate the connection). Called once. */
  drop(reason: string): void
}

/** Limits of an {@link Outbox}; the defaults are serve mode's. */
export interface OutboxLimits {
  /** Interval of batches, ms (default 100). */
  batchMs: number
  /** Frames per batch (default 25; the raw view keeps 100, the live view shows the last). */
  maxFrames: number
  /** Unsent bytes above which batches wait (default 1 MiB). */
  softBytes: number
  /** Unsent bytes above which the client is dropped (default 4 MiB). */
  hardBytes: number
}

export const DEFAULT_OUTBOX_LIMITS: OutboxLimits = { batchMs: 100, maxFrames: 25, softBytes: 1 << 20, hardBytes: 4 << 20 }

const systemTimers: OutboxTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout)
}

/**
 * One batch as sent on the wire (the renderer's ws-client expands it):
 * `{"batch":[{"event":"frame","data":FrameRecord},…,{"event":"status","data":SessionStatus}],"dropped":N}`
 * where `dropped` counts the frames left out because newer ones filled the batch.
 */
export function batchText(frames: readonly string[], status: string | null, dropped: number): string {
  const items = frames.map((f) => `{"event":"frame","data":${f}}`)
  if (status !== null) items.push(`{"event":"status","data":${status}}`)
  return `{"batch":[${items.join(',')}],"dropped":${dropped}}`
}

/**
 * Outgoing messages of one client. Events arrive already serialised (JSON text, made once
 * for all clients).
 */
export class Outbox {
  private frames: string[] = []
  private droppedFrames = 0
  private latestStatus: string | null = null
  private timer: unknown = null
  private closed = false
  private readonly limits: OutboxLimits
  /** Messages sent (for tests and figures). */
  sentMessages = 0

  constructor(
    private readonly sink: OutboxSink,
    limits: Partial<OutboxLimits> = {},
    private readonly timers: OutboxTimers = systemTimers
  ) {
    this.limits = { ...DEFAULT_OUTBOX_LIMITS, ...limits }
  }

  /** True once dropped or closed. */
  get isClosed(): boolean {
    return this.closed
  }

  /** Queue a frame (FrameRecord as JSON) for the next batch (newest kept). */
  frame(json: string): void {
    if (this.closed) return
    this.frames.push(json)
    if (this.frames.length > this.limits.maxFrames) {
      const extra = this.frames.length - this.limits.maxFrames
      this.frames.splice(0, extra)
      this.droppedFrames += extra
    }
    this.schedule()
  }

  /** Queue a status (SessionStatus as JSON) for the next batch (replaces a queued one). */
  status(json: string): void {
    if (this.closed) return
    this.latestStatus = json
    this.schedule()
  }

  /** Send a message (JSON text) now: an uncoalesced event. @returns false if the client was dropped. */
  send(text: string): boolean {
    if (this.closed) return false
    return this.write(text)
  }

  /**
   * Send an answer now, after the batch still waiting: what the session emitted before it
   * answered reaches the page before the answer (a `getRecentFrames` answer is then never
   * followed by older frames it already holds, nor an `openSource` answer by the previous
   * source's frames). Skipped only while the client is behind (its batches wait anyway).
   * @returns false if the client was dropped.
   */
  reply(text: string): boolean {
    if (this.closed) return false
    if ((this.frames.length > 0 || this.latestStatus !== null) && this.sink.bufferedAmount <= this.limits.softBytes) {
      if (this.timer !== null) this.timers.clearTimeout(this.timer)
      this.timer = null
      this.flush()
      if (this.closed) return false
    }
    return this.write(text)
  }

  /** Forget what is queued and stop the timer (connection closed). */
  close(): void {
    this.closed = true
    this.frames = []
    this.latestStatus = null
    if (this.timer !== null) this.timers.clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(): void {
    if (this.timer !== null) return
    this.timer = this.timers.setTimeout(() => {
      this.timer = null
      this.flush()
    }, this.limits.batchMs)
  }

  private flush(): void {
    if (this.closed || (this.frames.length === 0 && this.latestStatus === null)) return
    if (this.sink.bufferedAmount > this.limits.softBytes) {
      // the client is behind: hold the (bounded) batch and look again next interval
      if (this.sink.bufferedAmount > this.limits.hardBytes) return void this.dropClient()
      this.schedule()
      return
    }
    const text = batchText(this.frames, this.latestStatus, this.droppedFrames)
    this.frames = []
    this.droppedFrames = 0
    this.latestStatus = null
    this.write(text)
  }

  private write(text: string): boolean {
    if (this.sink.bufferedAmount > this.limits.hardBytes) {
      this.dropClient()
      return false
    }
    this.sink.send(text)
    this.sentMessages++
    return true
  }

  private dropClient(): void {
    if (this.closed) return
    this.close()
    this.sink.drop(`more than ${Math.round(this.limits.hardBytes / 1048576)} MB waiting to be sent: the client stopped reading`)
  }
}
