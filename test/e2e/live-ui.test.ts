/**
 * The real UI in Debian's Chromium, against `p1studio serve` (spawned as users run it),
 * fed by the virtual meter through a socat pty pair. Needs the renderer built
 * (`npm run build:renderer`, part of `npm test`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openPtyPair } from '../helpers/pty'
import { waitForText } from '../helpers/chromium'
import { openStudio } from '../helpers/studio'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import { parseTelegram } from '../../src/main/p1/telegram'

const KEY = '5A1B2C3D4E5F60718293A4B5C6D7E8F9'
const SYSTEM_TITLE = Buffer.from('5341476770112233', 'hex') // "SAGgp" + 112233

describe('UI in Chromium on serve fed by the virtual meter through a pty', () => {
  let pty: Awaited<ReturnType<typeof openPtyPair>>
  let studio: Awaited<ReturnType<typeof openStudio>>
  let writer: Awaited<ReturnType<typeof openSerialWriter>>
  let meter: VirtualMeter
  let page: Page

  beforeAll(async () => {
    pty = await openPtyPair()
    studio = await openStudio(['--port', pty.b, '--key', KEY, '--listen', '127.0.0.1:0'], { viewport: { width: 1280, height: 800 } })
    page = studio.page
    writer = await openSerialWriter(pty.a)
    meter = new VirtualMeter({
      key: Buffer.from(KEY, 'hex'),
      systemTitle: SYSTEM_TITLE,
      frameCounter: 4242,
      intervalMs: 400,
      write: (f) => writer.write(f)
    })
    meter.start()
  }, 60_000)

  afterAll(async () => {
    meter?.stop()
    await studio?.close()
    await writer?.close().catch(() => undefined)
    await pty?.close()
  })

  it('live view shows the value just sent, raw view the frame system title', async () => {
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
