/**
 * The line state in Debian's Chromium (issue 15) on a good line: `p1studio serve --key K` on
 * one end of a socat pty pair, the virtual meter (`p1studio simulate --key K`, the same key)
 * on the other, at the real 10 s cadence. Telegrams decode: the Live tab shows the meter's
 * values instead of an empty state, with no line-trouble banner, and the status bar says the
 * line is OK with the count of telegrams decoded. Needs the renderer built
 * (`npm run build:renderer`).
 */
import { describe, expect, it } from 'vitest'
import { benchForSuite } from '../helpers/e2e-bench'
import { METER_SYSTEM_TITLE, SERVE_KEY, openLineStateBench, readLineState, waitForLineState } from '../helpers/line-state-ui'

/** The meter's first frame counter: frames are numbered from it (`simulate --frame-counter`). */
const FIRST_FC = 4242

describe('line state in Chromium: telegrams decoded', () => {
  const bench = benchForSuite(() => openLineStateBench({ key: SERVE_KEY, args: ['--frame-counter', String(FIRST_FC)] }), 90_000)

  it('Live shows the values of the telegrams and the status bar says the line is OK with the count', async () => {
    const { page, meterLog } = bench()
    await page.getByTestId('tab-live').click()
    // the meter's first frame goes out at once, then one every 10 s: a generous bound under load
    await waitForLineState(page, (v) => v.bar?.state === 'ok', 60_000)
    // the telegram and the counters come as separate pushes: read once the telegram shows
    await page.getByTestId('live-frame-counter').waitFor({ timeout: 30_000 })
    const view = await readLineState(page)
    const n = Number(/^Decoded: (\d+)$/.exec(view.decoded)?.[1])
    expect(n).toBeGreaterThanOrEqual(1)
    expect(view.bar).toEqual({ state: 'ok', text: n === 1 ? 'Line OK: 1 telegram decoded.' : `Line OK: ${n} telegrams decoded.` })
    expect(view.failed).toBe('Failed: 0')
    // no empty state and no line-trouble banner: the panel is gone once a telegram shows
    expect(view.panel).toBeNull()
    expect(view.body).not.toMatch(/waiting for the meter|No telegram yet|no frame|none opens/i)

    // the values of a telegram the meter sent: its frame counter (one the meter logged), system
    // title, and the registers with their units
    const fc = Number(await page.getByTestId('live-frame-counter').innerText())
    expect(fc).toBeGreaterThanOrEqual(FIRST_FC)
    expect(meterLog()).toContain(`frame ${fc}: `)
    expect(await page.getByTestId('live-system-title').innerText()).toMatch(new RegExp(`^${METER_SYSTEM_TITLE} \\(SAG`))
    expect((await page.getByTestId('live-value-1-0:1.8.0').innerText()).replace(/\s+/g, ' ')).toMatch(/^[\d,.]+ kWh/)
    expect((await page.getByTestId('live-value-1-0:32.7.0').innerText()).replace(/\s+/g, ' ')).toMatch(/^[\d,.]+ V$/)
    expect(await page.getByTestId('live-empty').count()).toBe(0)
    expect(await page.getByTestId('live-line-trouble').count()).toBe(0)

    // the count follows the meter: the next telegram, a cadence later, is counted and said
    const later = await waitForLineState(page, (v) => Number(/^Decoded: (\d+)$/.exec(v.decoded)?.[1]) > n, 40_000)
    const m = Number(/^Decoded: (\d+)$/.exec(later.decoded)![1])
    expect(later.bar).toEqual({ state: 'ok', text: `Line OK: ${m} telegrams decoded.` })
    expect((await readLineState(page)).panel).toBeNull()
  }, 120_000)
})
