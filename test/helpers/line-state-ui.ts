/**
 * The line-state Chromium tests' bench (issue 15), as a user sets it up: a socat pty pair,
 * `p1studio serve --port B --key KEY` on one end with Debian's Chromium on its UI (English,
 * 1280×800), and optionally the virtual meter, `p1studio simulate --port A --key K --peer B …`,
 * on the other end at the real 10 s cadence (spawned as users run it). With `--peer B` the
 * meter delivers an inverted or wrong-baud line as the serving end's UART reads it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { openPtyPair } from './pty'
import { ROOT } from './serve'
import { openStudio } from './studio'

/** The P1 key serve opens the port with (a test key, not a meter's). */
export const SERVE_KEY = '5A1B2C3D4E5F60718293A4B5C6D7E8F9'

/** The virtual meter's default system title (src/main/line/virtual-meter.ts DEFAULT_SYSTEM_TITLE): "SAGgp" + serial 0x015BEB = 089067. */
export const METER_SYSTEM_TITLE = '5341476770015BEB'

/** What the virtual meter sends: `simulate --key KEY ARGS` (e.g. `['--fault', 'inverted']`). */
export interface MeterSetup {
  /** The P1 key the meter encrypts with (32 hex digits). */
  key: string
  /** More `simulate` arguments: `--fault NAME`, `--frame-counter N`… */
  args?: string[]
}

/** A running bench; `close()` stops the meter (SIGINT, as Ctrl-C), the browser, serve and socat. */
export interface LineStateBench {
  page: Page
  /** `Date.now()` just before serve was spawned: the port opened after it. */
  startedAt: number
  /** What the virtual meter printed on stderr so far ("virtual meter on …", "frame N: L bytes"). */
  meterLog(): string
  close(): Promise<void>
}

/**
 * Serve on a pty with the UI in Chromium, and the virtual meter on its other end (none when
 * `meter` is null: a silent line).
 * @throws Error if socat, Chromium or the built renderer is missing (see openStudio).
 */
export async function openLineStateBench(meter: MeterSetup | null): Promise<LineStateBench> {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-linestate-'))
  const pty = await openPtyPair()
  const startedAt = Date.now()
  let studio: Awaited<ReturnType<typeof openStudio>>
  try {
    // serve first: the virtual meter models the receiving UART with the port's settings (--peer)
    studio = await openStudio(
      [
        '--port',
        pty.b,
        '--allow-port',
        pty.b,
        '--key',
        SERVE_KEY,
        '--listen',
        '127.0.0.1:0',
        '--capture-dir',
        join(dir, 'captures'),
        '--history',
        join(dir, 'h.duckdb')
      ],
      { viewport: { width: 1280, height: 800 }, locale: 'en-US' }
    )
  } catch (e) {
    await pty.close()
    throw e
  }
  let sim: ChildProcess | null = null
  let log = ''
  if (meter) {
    sim = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/p1studio.mjs'), 'simulate', '--port', pty.a, '--key', meter.key, ...(meter.args ?? []), '--peer', pty.b],
      {
        stdio: ['ignore', 'ignore', 'pipe']
      }
    )
    sim.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  }
  return {
    page: studio.page,
    startedAt,
    meterLog: () => log,
    async close() {
      if (sim && sim.exitCode === null && sim.signalCode === null) {
        const exited = new Promise((r) => sim!.once('exit', r))
        sim.kill('SIGINT')
        await exited
      }
      await studio.close()
      await pty.close()
    }
  }
}

/** The line state and counters as the UI shows them, read in one go (one renderer task: no status update in between). */
export interface LineStateView {
  /** The Live tab's line-state panel (empty state or banner): its text and `data-state`, null if absent. */
  panel: { text: string; state: string | null } | null
  /** The status bar's line state, null if absent. */
  bar: { text: string; state: string | null } | null
  /** The status bar's "Decoded: N" and "Failed: N (…)". */
  decoded: string
  failed: string
  /** The whole page's text. */
  body: string
}

/** Read {@link LineStateView} from `page`. */
export async function readLineState(page: Page): Promise<LineStateView> {
  // a string, not a function: the test's transpiler may wrap functions in helpers the page lacks
  return page.evaluate(`(() => {
    const el = (id) => document.querySelector('[data-testid="' + id + '"]')
    const part = (id) => {
      const e = el(id)
      return e ? { text: e.innerText.trim(), state: e.getAttribute('data-state') } : null
    }
    return {
      panel: part('line-state'),
      bar: part('status-line'),
      decoded: el('status-decoded')?.innerText.trim() ?? '',
      failed: el('status-failed')?.innerText.trim() ?? '',
      body: document.body.innerText
    }
  })()`) as Promise<LineStateView>
}

/**
 * Poll {@link readLineState} until `accept` holds.
 * @returns the accepted view. @throws Error with the last view seen after `timeoutMs`.
 */
export async function waitForLineState(page: Page, accept: (v: LineStateView) => boolean, timeoutMs: number): Promise<LineStateView> {
  const deadline = Date.now() + timeoutMs
  let last: LineStateView | null = null
  while (Date.now() < deadline) {
    last = await readLineState(page)
    if (accept(last)) return last
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`timed out waiting for the line state; last seen: ${JSON.stringify({ ...last, body: undefined })}`)
}

/** Save a full-page screenshot as $P1S_SCREENSHOTS/`name` when that variable is set. */
export async function screenshotIfAsked(page: Page, name: string): Promise<void> {
  const shots = process.env.P1S_SCREENSHOTS
  if (!shots) return
  mkdirSync(shots, { recursive: true })
  await page.screenshot({ path: join(shots, name), fullPage: true })
}
