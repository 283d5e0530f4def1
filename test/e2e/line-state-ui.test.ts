/**
 * The line state in Debian's Chromium (issue 15): `p1studio serve` on one end of a socat pty
 * pair, the virtual meter (`p1studio simulate --fault inverted --peer B`, as users run it) on
 * the other, sending its frames at the real 10 s cadence on an inverted line. The bytes reach
 * the serving end through the bit-level UART model of its 115200 8N1 settings: they arrive,
 * but never as a frame. The Live tab's empty state and the status bar say so in words — never
 * "waiting for the meter" — and send the user to Diagnose. Needs the renderer built
 * (`npm run build:renderer`, part of `npm test`). A screenshot of the Live tab goes to
 * $P1S_SCREENSHOTS (e.g. /work/notes/screenshots) when set.
 */
import { describe, expect, it } from 'vitest'
import { benchForSuite } from '../helpers/e2e-bench'
import { waitForText } from '../helpers/chromium'
import { SERVE_KEY, openLineStateBench, screenshotIfAsked } from '../helpers/line-state-ui'

describe('line state in Chromium: an inverted line', () => {
  const bench = benchForSuite(() => openLineStateBench({ key: SERVE_KEY, args: ['--fault', 'inverted'] }), 90_000)

  it('Live says bytes but no frame, the line may be inverted, and offers Diagnose; so does the status bar', async () => {
    const { page, meterLog } = bench()
    await page.getByTestId('tab-live').click()
    const panel = page.getByTestId('line-state')
    // a frame every 10 s: the first burst arrives within one cadence (a generous bound under load)
    const text = await waitForText(panel, (t) => /bytes in/.test(t), 60_000)
    expect(meterLog()).toMatch(/fault inverted/)
    expect(await panel.getAttribute('data-state')).toBe('bytes_no_frames')
    expect(text).toMatch(/^[\d,]+ bytes in \d+ bursts?, no frame — the line may be inverted, or its settings are wrong: run Diagnose\.\s*Run Diagnose$/)
    const bytes = Number(/^([\d,]+) bytes/.exec(text)![1].replace(/,/g, ''))
    expect(bytes).toBeGreaterThan(100)
    const bar = page.getByTestId('status-line')
    expect(await bar.getAttribute('data-state')).toBe('bytes_no_frames')
    expect(await bar.innerText()).toMatch(/^[\d,]+ bytes in \d+ bursts?, no frame — the line may be inverted, or its settings are wrong: run Diagnose\.$/)
    expect(await page.locator('body').innerText()).not.toMatch(/waiting for the meter/i)
    expect(await page.getByTestId('status-decoded').innerText()).toMatch(/Decoded: 0\b/)

    await screenshotIfAsked(page, 'live-inverted-en.png')

    // the way out: Diagnose, one click away
    await page.getByTestId('line-go-diagnose').click()
    expect(await page.getByTestId('tab-diagnose').getAttribute('aria-selected')).toBe('true')
  }, 90_000)
})
