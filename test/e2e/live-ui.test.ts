/**
 * The real UI in Debian's Chromium, against `p1studio serve` (spawned as users run it),
 * fed by the virtual meter through a socat pty pair. Needs the renderer built
 * (`npm run build:renderer`, part of `npm test`).
 */
import { describe, expect, it } from 'vitest'
import { waitForText } from '../helpers/chromium'
import { benchForSuite, openMeterStudio } from '../helpers/e2e-bench'
import { parseTelegram } from '../../src/main/p1/telegram'

const KEY = '5A1B2C3D4E5F60718293A4B5C6D7E8F9'
const SYSTEM_TITLE = Buffer.from('5341476770112233', 'hex') // "SAGgp" + 112233

describe('UI in Chromium on serve fed by the virtual meter through a pty', () => {
  const bench = benchForSuite(async () => {
    const b = await openMeterStudio({
      key: KEY,
      page: { viewport: { width: 1280, height: 800 } },
      meter: { systemTitle: SYSTEM_TITLE, frameCounter: 4242, intervalMs: 400 }
    })
    b.meter.start()
    return b
  }, 60_000)

  it('live view shows the value just sent, raw view the frame system title', async () => {
    const { page, meter } = bench()
    // let a few frames through, then freeze the meter so "the value just sent" is stable
    await waitForText(page.getByTestId('status-decoded'), (t) => /\b([3-9]|\d\d+)\b/.test(t), 20_000)
    meter.stop()
    const sent = parseTelegram(meter.lastTelegram!)
    const energy = sent.objects.find((o) => o.obis === '1-0:1.8.0')!
    const voltage = sent.objects.find((o) => o.obis === '1-0:32.7.0')!
    const digits = (raw: string): string => String(Number(raw.split('*')[0]))
    const sentCounter = meter.lastFrameCounter!

    await page.getByTestId('tab-live').click()
    const energyText = await waitForText(page.getByTestId('live-value-1-0:1.8.0'), (t) =>
      t.replace(/\s/g, '').includes(Number(energy.values[0].raw.split('*')[0]).toFixed(3))
    )
    expect(energyText).toContain('kWh')
    await waitForText(
      page.getByTestId('live-value-1-0:32.7.0'),
      (t) => t.includes(digits(voltage.values[0].raw)) || t.includes(Number(voltage.value).toFixed(1))
    )
    await waitForText(page.getByTestId('live-frame-counter'), (t) => t.replace(/[^\d]/g, '') === String(sentCounter))

    await page.getByTestId('tab-raw').click()
    await page.getByTestId('raw-frame-row').first().click()
    const title = await waitForText(page.getByTestId('raw-system-title'), (t) => t.length > 0)
    expect(title.replace(/\s/g, '').toUpperCase()).toContain(SYSTEM_TITLE.toString('hex').toUpperCase())
  }, 60_000)
})
