/**
 * The Clock (src/main/line/clock.ts): virtual time fires due timers in order with now() at
 * each one's due time, intervals are exact, cancelling works from inside callbacks; the
 * system clock is Date.now and Node's timers.
 */
import { describe, expect, it } from 'vitest'
import { MAX_FIRES_PER_INSTANT, ManualClock, systemClock } from '../../../src/main/line/clock'

const T0 = Date.UTC(2026, 2, 12, 9, 0, 0)

describe('ManualClock', () => {
  it('stands still until advanced, then fires due timers in due order with now() at their due time', () => {
    const c = new ManualClock(T0)
    const seen: [string, number][] = []
    c.setTimeout(() => seen.push(['b', c.now()]), 2000)
    c.setTimeout(() => seen.push(['a', c.now()]), 1000)
    c.setTimeout(() => seen.push(['c', c.now()]), 3000)
    expect(c.now()).toBe(T0)
    expect(c.nextDue()).toBe(T0 + 1000)
    expect(c.advance(999)).toBe(0)
    expect(seen).toEqual([])
    expect(c.now()).toBe(T0 + 999)
    expect(c.advance(1501)).toBe(2)
    expect(seen).toEqual([
      ['a', T0 + 1000],
      ['b', T0 + 2000]
    ])
    expect(c.now()).toBe(T0 + 2500)
    expect(c.pending()).toBe(1)
  })

  it('fires timers due at the same instant in the order they were armed', () => {
    const c = new ManualClock(T0)
    const order: number[] = []
    for (let i = 0; i < 5; i++) c.setTimeout(() => order.push(i), 100)
    c.advance(100)
    expect(order).toEqual([0, 1, 2, 3, 4])
  })

  it('runs an interval at exact multiples of its period, 10 s cadence over a day', () => {
    const c = new ManualClock(T0)
    const at: number[] = []
    const t = c.setInterval(() => at.push(c.now()), 10_000)
    c.advance(86_400_000)
    expect(at).toHaveLength(8640)
    expect(at.every((x, i) => x === T0 + (i + 1) * 10_000)).toBe(true)
    t.cancel()
    t.cancel()
    expect(c.pending()).toBe(0)
  })

  it('lets callbacks arm and cancel timers: a 0 ms timer armed at an instant fires at that instant', () => {
    const c = new ManualClock(T0)
    const seen: string[] = []
    const later = c.setTimeout(() => seen.push('later'), 5000)
    const iv = c.setInterval(() => {
      seen.push(`tick ${c.now() - T0}`)
      c.setTimeout(() => seen.push(`echo ${c.now() - T0}`), 0)
      if (c.now() - T0 >= 2000) {
        iv.cancel()
        later.cancel()
      }
    }, 1000)
    c.advance(10_000)
    expect(seen).toEqual(['tick 1000', 'echo 1000', 'tick 2000', 'echo 2000'])
    expect(c.pending()).toBe(0)
  })

  it('runNext fires one timer at a time, never moving time backwards; until bounds it', () => {
    const c = new ManualClock(T0)
    let n = 0
    c.setTimeout(() => n++, 10)
    c.setTimeout(() => n++, 20)
    expect(c.runNext(T0 + 5)).toBe(false)
    expect(c.runNext()).toBe(true)
    expect([n, c.now()]).toEqual([1, T0 + 10])
    c.advanceTo(T0 + 15)
    expect(c.runNext()).toBe(true)
    expect([n, c.now()]).toEqual([2, T0 + 20])
    expect(c.runNext()).toBe(false)
    c.advanceTo(T0) // the past: nothing moves
    expect(c.now()).toBe(T0 + 20)
  })

  it('refuses bad input and a timer that re-arms itself at 0 ms forever', () => {
    const c = new ManualClock(T0)
    expect(() => c.advance(-1)).toThrow(RangeError)
    expect(() => c.advance(Infinity)).toThrow(RangeError)
    expect(() => new ManualClock(NaN)).toThrow(RangeError)
    const loop = (): void => void c.setTimeout(loop, 0)
    loop()
    expect(() => c.advance(1)).toThrow(/without time passing/)
    expect(MAX_FIRES_PER_INSTANT).toBeGreaterThan(8640) // a day of 10 s frames fits many times over
  })
})

describe('systemClock', () => {
  it('is Date.now, and its timers are Node timers that can be cancelled', async () => {
    const before = Date.now()
    const now = systemClock.now()
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())
    const fired: string[] = []
    systemClock.setTimeout(() => fired.push('cancelled'), 1).cancel()
    const iv = systemClock.setInterval(() => {
      fired.push('interval')
      iv.cancel()
    }, 1)
    // Node runs timers in due order: the later one fires after both of the above were due
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 20))
    expect(fired).toEqual(['interval'])
  })
})
