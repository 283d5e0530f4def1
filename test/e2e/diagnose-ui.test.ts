/**
 * The diagnostics wizard in Debian's Chromium against `p1studio serve`, with verdicts that do
 * not depend on how fast the machine is:
 * - on the session's own port (a pty pair, nothing sending): `no_signal` at the real 10 s
 *   cadence (no byte in 12 s, whatever the load), the port given back afterwards;
 * - on a capture of the virtual meter with its recorded 10 s receive times, replayed ×10 from
 *   the Capture tab: the wizard judges the recorded times (data time), so `ok` with exactly
 *   10 s intervals; saves a report without the key.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { DiagnosisReport } from '../../src/shared/diagnostics'
import { CaptureWriter } from '../../src/main/capture/writer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { openPtyPair } from '../helpers/pty'
import { waitForText } from '../helpers/chromium'
import { openStudio } from '../helpers/studio'

const KEY = '0F1E2D3C4B5A69788796A5B4C3D2E1F0' // test key, not a meter's
/** Recorded start of the capture: 2026-05-04 07:30:00 UTC. */
const T0 = Date.UTC(2026, 4, 4, 7, 30, 0)

/**
 * An hour of the virtual meter at the real cadence, as P1 Studio records it: each frame in
 * three chunks a few ms apart (as a UART delivers it), receive time = the meter's time.
 */
function recordHour(path: string): void {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), frameCounter: 9000, write: () => undefined })
  const w = new CaptureWriter({ path, source: 'virtual meter (test)', lineSettings: '115200 8N1', appVersion: 'test' })
  for (let i = 0; i < 360; i++) {
    const t = T0 + i * 10_000
    const frame = meter.nextFrame(new Date(t))!
    for (let o = 0, k = 0; o < frame.length; o += 512, k++) w.write(frame.subarray(o, o + 512), t + k * 4)
  }
  w.close()
}

describe('diagnostics wizard in Chromium', () => {
  let pty: Awaited<ReturnType<typeof openPtyPair>>
  let studio: Awaited<ReturnType<typeof openStudio>>
  let page: Page
  const dir = mkdtempSync(join(tmpdir(), 'p1s-diagui-'))

  beforeAll(async () => {
    recordHour(join(dir, 'smarty-10s.p1cap'))
    pty = await openPtyPair()
    studio = await openStudio(['--port', pty.b, '--key', KEY, '--listen', '127.0.0.1:0', '--capture-dir', dir], {
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true
    })
    page = studio.page
  }, 150_000) // serve and Chromium start in 5 s at idle, over 60 s at load 30 on two cores

  afterAll(async () => {
    await studio?.close()
    await pty?.close()
  })

  it('says no_signal, with the pins to check, when the meter is quiet, and gives the port back', async () => {
    await page.getByTestId('tab-diagnose').click()
    // the session's own port is the default target
    expect(await page.getByTestId('diag-port-select').inputValue()).toBe(pty.b)
    await page.locator('details summary', { hasText: 'Advanced' }).click()
    await page.getByTestId('diag-cadence').fill('10')
    await page.getByTestId('diag-start').click()
    await waitForText(page.getByTestId('diag-progress'), (t) => /Listening|Opening|Waiting/.test(t), 10_000)
    // 1.2 cadences of silence: 12 s at the real cadence
    const code = await waitForText(page.getByTestId('diag-verdict-code'), (t) => t.length > 0, 60_000)
    expect(code).toBe('no_signal')
    const signal = await page.getByTestId('diag-check-signal').innerText()
    expect(signal).toMatch(/No byte arrived/)
    expect(signal).toMatch(/pin 1/)
    expect(await page.getByTestId('diag-check-port').getAttribute('class')).toContain('pass')

    // the live source was given back after the check
    const src = await waitForText(page.getByTestId('status-source'), (t) => t.includes(pty.b) && !t.includes('closed'))
    expect(src).toContain('115200 8N1')
  }, 120_000)

  it('walks the wizard to a verdict on a replayed capture, shows every check, saves a report without the key', async () => {
    await page.getByTestId('tab-capture').click()
    await page.getByTestId('open-speed').selectOption('10')
    await page.getByTestId('capture-open').first().click()
    await waitForText(page.getByTestId('status-source'), (t) => t.includes('replay smarty-10s.p1cap'))

    await page.getByTestId('tab-diagnose').click()
    // with a replay open, the open source is the default target
    expect(await page.getByTestId('diag-port-select').inputValue()).toBe('')
    await page.getByTestId('diag-start').click()
    const code = await waitForText(page.getByTestId('diag-verdict-code'), (t) => t.length > 0, 60_000)
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
    // judged on the recorded receive times: the real cadence, exactly
    const cad = report.checks.find((c) => c.id === 'cadence')!.evidence
    expect(cad.expectedIntervalS).toBe(10)
    expect(cad.intervalsS).toEqual([10, 10])
    expect(report.meter.lastFrameCounter! - report.meter.firstFrameCounter!).toBe(2)
  }, 120_000)
})
