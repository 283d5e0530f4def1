/**
 * The Capture tab in Debian's Chromium on `p1studio serve` fed by the virtual meter through
 * a pty: capture a few frames, stop, find the file in the list, replay it all at once and
 * see its last telegram in the live view; export it as CSV.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { waitForText } from '../helpers/chromium'
import { benchForSuite, openMeterStudio } from '../helpers/e2e-bench'
import { parseTelegram } from '../../src/main/p1/telegram'

const KEY = '2468ACE013579BDF2468ACE013579BDF' // test key, not a meter's

describe('Capture tab in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-capui-'))
  const bench = benchForSuite(
    () =>
      openMeterStudio({
        key: KEY,
        serveArgs: ['--capture-dir', dir],
        page: { viewport: { width: 1280, height: 900 } },
        meter: { frameCounter: 700, intervalMs: 200 }
      }),
    60_000
  )

  it('captures, lists, replays all at once into the live view, exports CSV', async () => {
    const { page, meter } = bench()
    await page.getByTestId('tab-capture').click()
    await page.getByTestId('capture-name').fill('site-visit')
    await page.getByTestId('capture-start').click()
    await waitForText(page.getByTestId('capture-status'), (t) => t.includes('capturing') && t.includes('site-visit.p1cap'))
    meter.start()
    await waitForText(page.getByTestId('capture-frames'), (t) => Number(t) >= 5, 15_000)
    meter.stop()
    await new Promise((r) => setTimeout(r, 400))
    const sentLast = parseTelegram(meter.lastTelegram!)
    const frames = Number(await page.getByTestId('capture-frames').innerText())
    await page.getByTestId('capture-stop').click()
    await waitForText(page.getByTestId('capture-message'), (t) => t.includes('site-visit.p1cap'))
    expect(readdirSync(dir)).toEqual(['site-visit.p1cap'])
    expect(readFileSync(join(dir, 'site-visit.p1cap')).toString('latin1').toUpperCase()).not.toContain(KEY)

    await page.getByTestId('open-speed').selectOption('max')
    await page.getByTestId('capture-open').first().click()
    // the app switches to the live view, fed by the replay
    await waitForText(page.getByTestId('status-source'), (t) => t.includes('replay site-visit.p1cap'))
    const counter = await waitForText(page.getByTestId('live-frame-counter'), (t) => t.replace(/[^\d]/g, '') === String(meter.lastFrameCounter))
    expect(counter).toBeTruthy()
    const energy = sentLast.objects.find((o) => o.obis === '1-0:1.8.0')!
    await waitForText(page.getByTestId('live-value-1-0:1.8.0'), (t) => t.replace(/\s/g, '').includes(Number(energy.value).toFixed(3)))
    expect(frames).toBeGreaterThanOrEqual(5)

    await page.getByTestId('tab-capture').click()
    await waitForText(page.getByTestId('replay-position'), (t) => /end/.test(t))
    await page.getByTestId('capture-export-csv').first().click()
    const msg = await waitForText(page.getByTestId('capture-message'), (t) => t.startsWith('Exported'))
    expect(msg).toMatch(/Exported \d+ telegrams to .*site-visit\.csv/)
    const csv = readFileSync(join(dir, 'site-visit.csv'), 'utf8').trim().split('\r\n')
    expect(
      csv.slice(1).map((l) => l.split(',')[2]),
      'frame counters'
    ).toEqual(Array.from({ length: meter.lastFrameCounter! - 700 + 1 }, (_, i) => String(700 + i)))
  }, 60_000)
})
