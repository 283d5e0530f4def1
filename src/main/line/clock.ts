/**
 * Time as an input. Everything that stamps bytes with a receive time, paces frames or judges
 * intervals (serial, demo and replay sources, the virtual meter, the diagnostics runner) takes
 * a {@link Clock} instead of calling Date.now() and setTimeout itself:
 * - {@link systemClock}: the computer's clock and Node's timers (the default everywhere);
 * - {@link ManualClock}: virtual time for tests and simulations. Time stands still until
 *   the owner advances it; due timers then fire in order, each seeing `now()` equal to its
 *   own due time. A test can so drive the Smarty's real 10 s cadence exactly, on real ptys,
 *   without any wall-clock sleep deciding a verdict.
 *
 * Times are ms since the Unix epoch, as the receive times of capture files
 * (docs/capture-format.md).
 */

/** A scheduled callback. `cancel()` is idempotent. */
export interface ClockTimer {
  cancel(): void
}

/** Where time comes from. */
export interface Clock {
  /** Now, ms since the Unix epoch. */
  now(): number
  /** Call `fn` once, `ms` (≥ 0) from now. */
  setTimeout(fn: () => void, ms: number): ClockTimer
  /** Call `fn` every `ms` (> 0; smaller values are taken as 1) from now on, until cancelled. */
  setInterval(fn: () => void, ms: number): ClockTimer
}

/** The computer's clock (Date.now) and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms))
    return { cancel: () => clearTimeout(t) }
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, Math.max(1, ms))
    return { cancel: () => clearInterval(t) }
  }
}

interface ManualTimer {
  due: number
  /** Interval period, null for a one-shot timer. */
  period: number | null
  fn: () => void
  /** Insertion order: timers due at the same instant fire in the order they were (re)armed. */
  seq: number
  cancelled: boolean
}

/** Timers fired at one instant at most: a callback re-arming itself at 0 ms is a bug, not a wait. */
export const MAX_FIRES_PER_INSTANT = 100_000

/**
 * Virtual time: `now()` moves only when {@link advance}, {@link advanceTo} or
 * {@link runNext} is called. Due timers fire in the order of their due times (ties: the
 * order they were armed), with `now()` set to each one's due time while it runs, so a
 * 10 s interval is exactly 10 000 ms. Callbacks may arm and cancel timers.
 */
export class ManualClock implements Clock {
  private t: number
  private seq = 0
  private timers: ManualTimer[] = []

  /** @param start the starting instant, ms since the Unix epoch (default 2026-01-15 10:00:00 UTC). */
  constructor(start: number = Date.UTC(2026, 0, 15, 10, 0, 0)) {
    if (!Number.isFinite(start)) throw new RangeError('ManualClock: start must be a finite number of ms')
    this.t = start
  }

  now(): number {
    return this.t
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    return this.arm(fn, Math.max(0, ms), null)
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    const period = Math.max(1, ms)
    return this.arm(fn, period, period)
  }

  /** Timers waiting to fire. */
  pending(): number {
    return this.timers.length
  }

  /** Due time of the next timer (ms since the epoch), null if none is armed. */
  nextDue(): number | null {
    return this.timers.length ? this.timers[0].due : null
  }

  /**
   * Fire the next timer, moving `now()` to its due time (never backwards).
   * @param until fire it only if it is due at or before this instant (then `now()` stays).
   * @returns whether a timer fired.
   */
  runNext(until = Infinity): boolean {
    const next = this.timers[0]
    if (!next || next.due > until) return false
    this.timers.shift()
    this.t = Math.max(this.t, next.due)
    if (next.period !== null) {
      next.due += next.period
      next.seq = this.seq++
      this.insert(next)
    }
    next.fn()
    return true
  }

  /**
   * Move time forward by `ms`, firing every timer that falls due on the way, in order.
   * @returns the number of timers fired.
   * @throws RangeError for a negative or non-finite `ms`; Error if more than
   *   {@link MAX_FIRES_PER_INSTANT} timers fire at one instant (a timer re-arming itself at 0 ms).
   */
  advance(ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('ManualClock.advance: ms must be a finite number ≥ 0')
    return this.advanceTo(this.t + ms)
  }

  /** Move time forward to `t` (ms since the epoch), firing due timers in order. @returns the number fired. */
  advanceTo(t: number): number {
    let fired = 0
    let instant = this.t
    let atInstant = 0
    while (this.runNext(t)) {
      fired++
      if (this.t !== instant) {
        instant = this.t
        atInstant = 0
      }
      if (++atInstant > MAX_FIRES_PER_INSTANT) throw new Error('ManualClock: timers keep firing without time passing')
    }
    this.t = Math.max(this.t, t)
    return fired
  }

  private arm(fn: () => void, delay: number, period: number | null): ClockTimer {
    const timer: ManualTimer = { due: this.t + delay, period, fn, seq: this.seq++, cancelled: false }
    this.insert(timer)
    return {
      cancel: () => {
        if (timer.cancelled) return
        timer.cancelled = true
        const i = this.timers.indexOf(timer)
        if (i >= 0) this.timers.splice(i, 1)
      }
    }
  }

  /** Keep `timers` sorted by (due, seq). A handful are armed at a time: a linear insert is enough. */
  private insert(timer: ManualTimer): void {
    if (timer.cancelled) return
    let i = this.timers.length
    while (i > 0 && (this.timers[i - 1].due > timer.due || (this.timers[i - 1].due === timer.due && this.timers[i - 1].seq > timer.seq))) i--
    this.timers.splice(i, 0, timer)
  }
}
