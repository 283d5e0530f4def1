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
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { openPtyPair } from '../helpers/pty'
import { waitForText } from '../helpers/chromium'
import { ROOT } from '../helpers/serve'
import { openStudio } from '../helpers/studio'

const KEY = '5A1B2C3D4E5F60718293A4B5C6D7E8F9' // test key, not a meter's

describe('line state in Chromium: an inverted line', () => {
  let pty: Awaited<ReturnType<typeof openPtyPair>>
  let studio: Awaited<ReturnType<typeof openStudio>>
  let sim: ChildProcess | null = null
  let simErr = ''
  let page: Page
  const dir = mkdtempSync(join(tmpdir(), 'p1s-linestate-'))

  beforeAll(async () => {
    pty = await openPtyPair()
    // serve first: the virtual meter models the receiving UART with the port's settings (--peer)
    studio = await openStudio(
      [
        '--port',
        pty.b,
        '--allow-port',
        pty.b,
        '--key',
        KEY,
        '--listen',
        '127.0.0.1:0',
        '--capture-dir',
        join(dir, 'captures'),
        '--history',
        join(dir, 'h.duckdb')
      ],
      { viewport: { width: 1280, height: 800 }, locale: 'en-US' }
    )
    page = studio.page
    sim = spawn(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), 'simulate', '--port', pty.a, '--key', KEY, '--fault', 'inverted', '--peer', pty.b], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
    sim.stderr!.on('data', (d: Buffer) => (simErr += d.toString()))
  }, 90_000)

  afterAll(async () => {
    if (sim && sim.exitCode === null) {
      const exited = new Promise((r) => sim!.once('exit', r))
      sim.kill('SIGINT')
      await exited
    }
    await studio?.close()
    await pty?.close()
  })

  it('Live says bytes but no frame, the line may be inverted, and offers Diagnose; so does the status bar', async () => {
    await page.getByTestId('tab-live').click()
    const panel = page.getByTestId('line-state')
    // a frame every 10 s: the first burst arrives within one cadence (a generous bound under load)
    const text = await waitForText(panel, (t) => /bytes in/.test(t), 60_000)
    expect(simErr).toMatch(/fault inverted/)
    expect(await panel.getAttribute('data-state')).toBe('bytes_no_frames')
    expect(text).toMatch(/^[\d,]+ bytes in \d+ bursts?, no frame — the line may be inverted, or its settings are wrong: run Diagnose\.\s*Run Diagnose$/)
    const bytes = Number(/^([\d,]+) bytes/.exec(text)![1].replace(/,/g, ''))
    expect(bytes).toBeGreaterThan(100)
    const bar = page.getByTestId('status-line')
    expect(await bar.getAttribute('data-state')).toBe('bytes_no_frames')
    expect(await bar.innerText()).toMatch(/^[\d,]+ bytes in \d+ bursts?, no frame — the line may be inverted, or its settings are wrong: run Diagnose\.$/)
    expect(await page.locator('body').innerText()).not.toMatch(/waiting for the meter/i)
    expect(await page.getByTestId('status-decoded').innerText()).toMatch(/Decoded: 0\b/)

    const shots = process.env.P1S_SCREENSHOTS
    if (shots) {
      mkdirSync(shots, { recursive: true })
      await page.screenshot({ path: join(shots, 'live-inverted-en.png'), fullPage: true })
    }

    // the way out: Diagnose, one click away
    await page.getByTestId('line-go-diagnose').click()
    expect(await page.getByTestId('tab-diagnose').getAttribute('aria-selected')).toBe('true')
  }, 90_000)
})
