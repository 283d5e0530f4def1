/**
 * The line state in Debian's Chromium (issue 15) on a silent line: `p1studio serve` on one end
 * of a socat pty pair, nothing on the other (a cable on the wrong port, no 5 V, no data
 * request). Serve judges silence on its real clock: after 1.2 cadences (12 s at the Smarty's
 * 10 s) without a byte, the Live tab's empty state and the status bar say no byte came and
 * what to check, and offer Diagnose. The one test that waits on real time for it: the bounds
 * are generous (the sentence within 40 s of the page first saying the port listens; never
 * before 12 s after serve started, which load cannot break).
 * Needs the renderer built (`npm run build:renderer`).
 */
import { describe, expect, it } from 'vitest'
import { benchForSuite } from '../helpers/e2e-bench'
import { openLineStateBench, readLineState } from '../helpers/line-state-ui'

/** serve's port was already open when the page connected, so no "… s ago": the sentence is fixed. */
const SENTENCE =
  'No byte since the port was opened: check the cable and its pins (5 V on pin 1, data request on pin 2), and that this is the port of the P1 reader.'
const WAITING = 'Port open, listening: a Smarty sends one frame every 10 seconds.'

describe('line state in Chromium: no byte on the line', () => {
  const bench = benchForSuite(() => openLineStateBench(null), 90_000)

  it('after 12 s of silence Live and the status bar say no byte came and what to check; before, that the port listens', async () => {
    const { page, startedAt } = bench()
    await page.getByTestId('tab-live').click()
    // watch the state change on the real clock: what is seen, and how long after serve started
    const seen: { afterMs: number; panel: string | null; bar: string | null; text: string | null }[] = []
    let view = await readLineState(page)
    // the port is open once the page says it listens: "no byte" is due 12 s later; allow 40 s
    // from there (serve's own start-up, before it, can take long on a loaded machine)
    let listeningAt: number | null = null
    for (;;) {
      const afterMs = Date.now() - startedAt
      seen.push({ afterMs, panel: view.panel?.state ?? null, bar: view.bar?.state ?? null, text: view.bar?.text ?? null })
      if (view.panel?.state === 'no_bytes' && view.bar?.state === 'no_bytes') break
      if (listeningAt === null && view.panel?.state === 'waiting') listeningAt = afterMs
      if (afterMs - (listeningAt ?? afterMs) > 40_000 || afterMs > 100_000)
        throw new Error(
          `no "no byte" state within 40 s of listening (listening seen ${listeningAt} ms after serve started): ${JSON.stringify([seen[0], ...seen.slice(-3)])}`
        )
      await new Promise((r) => setTimeout(r, 250))
      view = await readLineState(page)
    }
    // first "listening", then "no byte" — never before 1.2 cadences after the port opened
    // (serve opened it after startedAt and each figure is taken after its reading, so load
    // only makes it larger); nothing at all while the page still connects
    for (const s of seen) {
      expect(s.bar).toBe(s.panel)
      if (s.panel === null) continue
      if (s.panel === 'waiting') expect(s.text).toBe(WAITING)
      else expect(s).toMatchObject({ panel: 'no_bytes', text: SENTENCE })
      if (s.panel === 'no_bytes') expect(s.afterMs).toBeGreaterThanOrEqual(12_000)
    }

    expect(view.panel!.text).toMatch(/\s+Run Diagnose$/)
    expect(view.panel!.text.replace(/\s+Run Diagnose$/, '')).toBe(SENTENCE)
    expect(view.bar!.text).toBe(SENTENCE)
    expect(view.decoded).toBe('Decoded: 0')
    expect(view.failed).toBe('Failed: 0')
    expect(view.body).not.toMatch(/waiting for the meter/i)
    expect(view.body).not.toContain(WAITING)

    await page.getByTestId('line-go-diagnose').click()
    expect(await page.getByTestId('tab-diagnose').getAttribute('aria-selected')).toBe('true')
  }, 120_000)
})
