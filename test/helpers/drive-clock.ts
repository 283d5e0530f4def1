/**
 * Run a promise to its end on a ManualClock (src/main/line/clock.ts), for the tests that
 * drive virtual time at the real 10 s cadence instead of waiting on the wall clock.
 */
import type { ManualClock } from '../../src/main/line/clock'

/**
 * Fire the clock's timers one by one, letting promises settle between, until `run` ends.
 * @returns what `run` resolves to (or its rejection).
 * @throws Error 'the run did not end' when nothing is left on the clock, or after 100,000
 *   turns, while `run` is still pending.
 */
export async function driveClock<T>(clock: ManualClock, run: Promise<T>): Promise<T> {
  let done = false
  void run.finally(() => (done = true)).catch(() => undefined)
  for (let i = 0; !done; i++) {
    await new Promise((r) => setImmediate(r))
    if (done) break
    if (i > 100_000 || !clock.runNext()) throw new Error('the run did not end')
  }
  return run
}
