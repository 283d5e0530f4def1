/**
 * The diagnostics wizard in Debian's Chromium against `p1studio serve` on one end of a pty
 * pair, the virtual meter on the other: walk the wizard to a verdict, save the report, then
 * pull the meter's plug and get `no_signal`.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { DiagnosisReport } from '../../src/shared/diagnostics'
import { openPtyPair } from '../helpers/pty'
import { waitForText } from '../helpers/chromium'
import { openStudio } from '../helpers/studio'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import { sttyFormat } from '../../src/main/line/faults'

const KEY = '0F1E2D3C4B5A69788796A5B4C3D2E1F0' // test key, not a meter's

describe('diagnostics wizard in Chromium', () => {
  let pty: Awaited<ReturnType<typeof openPtyPair>>
  let studio: Awaited<ReturnType<typeof openStudio>>
  let writer: Awaited<ReturnType<typeof openSerialWriter>>
  let meter: VirtualMeter
  let page: Page

  beforeAll(async () => {
    pty = await openPtyPair()
    studio = await openStudio(['--port', pty.b, '--key', KEY, '--listen', '127.0.0.1:0'], { viewport: { width: 1280, height: 900 }, acceptDownloads: true })
    page = studio.page
    writer = await openSerialWriter(pty.a)
    const peer = pty.b
    meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), intervalMs: 600, receiver: () => sttyFormat(peer), write: (f) => writer.write(f) })
    meter.start()
  }, 60_000)

  afterAll(async () => {
    meter?.stop()
    await studio?.close()
    await writer?.close().catch(() => undefined)
    await pty?.close()
  })

  it('walks the wizard to a verdict, shows progress and every check, saves a report without the key', async () => {
    await page.getByTestId('tab-diagnose').click()
    // the session's own port is the default target
    expect(await page.getByTestId('diag-port-select').inputValue()).toBe(pty.b)
    await page.locator('details summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('diag-cadence').fill('0.6')
    await page.getByTestId('diag-start').click()
    await waitForText(page.getByTestId('diag-progress'), (t) => /Listening|Opening|Waiting/.test(t), 10_000)
    const code = await waitForText(page.getByTestId('diag-verdict-code'), (t) => t.length > 0, 30_000)
    expect(code).toBe('ok')
    for (const id of ['port', 'signal', 'line', 'framing', 'cadence', 'key', 'telegram']) {
      expect(await page.getByTestId(`diag-check-${id}`).getAttribute('class')).toContain('pass')
    }
    expect(await page.getByTestId('diag-check-telegram').innerText()).toContain('SAG1030700089067')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diag-save-json').click()])
    const file = await download.path()
    const text = readFileSync(file, 'utf8')
    expect(text.toUpperCase()).not.toContain(KEY)
    const report = JSON.parse(text) as DiagnosisReport
    expect(report.verdict).toBe('ok')
    expect(report.keyTested).toBe(true)
    expect(report.firstFrameHex).toMatch(/^DB08/)

    // the live source was given back after the check
    const src = await waitForText(page.getByTestId('status-source'), (t) => t.includes(pty.b) && !t.includes('closed'))
    expect(src).toContain('115200 8N1')
  }, 60_000)

  it('says no_signal, with the pins to check, when the meter goes quiet', async () => {
    meter.stop()
    await page.getByTestId('tab-live').click()
    await page.getByTestId('tab-diagnose').click()
    await page.locator('details summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('diag-cadence').fill('0.6')
    await page.getByTestId('diag-start').click()
    const code = await waitForText(page.getByTestId('diag-verdict-code'), (t) => t === 'no_signal', 10_000)
    expect(code).toBe('no_signal')
    const signal = await page.getByTestId('diag-check-signal').innerText()
    expect(signal).toMatch(/No byte arrived/)
    expect(signal).toMatch(/pin 1/)
  }, 30_000)
})
