/**
 * The line state in Debian's Chromium (issue 15) with a wrong P1 key: `p1studio serve --key K`
 * on one end of a socat pty pair, the virtual meter (`p1studio simulate --key K2`, another key,
 * as a user who typed the key wrong sees it) on the other, at the real 10 s cadence. Frames
 * arrive and deframe, but none opens: the Live tab's empty state and the status bar say so,
 * with the meter's system title and serial — never "waiting for the meter" — and send the user
 * to the P1 key on the Connect tab. Needs the renderer built (`npm run build:renderer`). A
 * screenshot of the Live tab goes to $P1S_SCREENSHOTS/live-wrongkey-en.png when set.
 */
import { describe, expect, it } from 'vitest'
import { benchForSuite } from '../helpers/e2e-bench'
import { METER_SYSTEM_TITLE, SERVE_KEY, openLineStateBench, screenshotIfAsked, waitForLineState } from '../helpers/line-state-ui'

const METER_KEY = '00112233445566778899AABBCCDDEEFF' // the meter's key: not the one serve was given
const SENTENCE = new RegExp(
  `^(\\d+) frames?, none opens with this key \\(system title ${METER_SYSTEM_TITLE}, meter …089067\\): check the P1 key on the Connect tab\\.`
)

describe('line state in Chromium: frames that do not open with the P1 key', () => {
  const bench = benchForSuite(async () => {
    expect(METER_KEY).not.toBe(SERVE_KEY)
    return openLineStateBench({ key: METER_KEY })
  }, 90_000)

  it('Live and the status bar say frames arrive but none opens with this key, name the meter, and offer the key', async () => {
    const { page, meterLog } = bench()
    await page.getByTestId('tab-live').click()
    // the meter's first frame goes out at once, then one every 10 s: a generous bound under load
    const view = await waitForLineState(page, (v) => v.panel?.state === 'frames_not_decoded', 60_000)
    expect(meterLog()).toMatch(/virtual meter on .*, a frame every 10 s/)

    expect(view.panel!.text).toMatch(new RegExp(SENTENCE.source + '\\s*Check the P1 key$'))
    const frames = Number(SENTENCE.exec(view.panel!.text)![1])
    expect(frames).toBeGreaterThanOrEqual(1)
    expect(view.bar).toEqual({ state: 'frames_not_decoded', text: view.panel!.text.replace(/\s*Check the P1 key$/, '') })
    // every frame found failed on its GCM tag: the same count in the status bar, nothing decoded
    expect(view.decoded).toBe('Decoded: 0')
    expect(view.failed).toBe(`Failed: ${frames} (wrong key or corrupted: ${frames})`)
    expect(view.body).not.toMatch(/waiting for the meter/i)
    expect(view.body).not.toMatch(/no frame|inverted/i)
    expect(await page.getByTestId('live-empty').count()).toBe(1)

    await screenshotIfAsked(page, 'live-wrongkey-en.png')

    // the way out: the P1 key on the Connect tab, one click away
    await page.getByTestId('line-go-connect').click()
    expect(await page.getByTestId('tab-connect').getAttribute('aria-selected')).toBe('true')
  }, 90_000)
})
