/**
 * Debian's Chromium driven by playwright-core (no browser download: `npx playwright install`
 * cannot work on this machine or CI). Flags from the project brief.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Locator, type Page } from 'playwright-core'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Launch headless Chromium (playwright gives it a fresh temporary profile). Throws a plain
 * message if it is not installed.
 * @param extraArgs more command-line switches, e.g. `--host-resolver-rules=MAP rebind.test 127.0.0.1`
 *   (a name that resolves to this machine, as DNS rebinding makes it)
 */
export async function launchChromium(extraArgs: string[] = []): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium`)
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...extraArgs
    ]
  })
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined)
    }
  }
}

/**
 * Poll a locator's text until `accept` returns true (playwright-core has no `expect`).
 * @returns the accepted text. @throws Error naming the last text seen after `timeoutMs`.
 */
export async function waitForText(locator: Locator, accept: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  let last = '<not found>'
  while (Date.now() < deadline) {
    if ((await locator.count()) > 0) {
      last = (await locator.first().innerText()).trim()
      if (accept(last)) return last
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for text; last seen: ${JSON.stringify(last)}`)
}

/**
 * Follow the contract requests a page sends over serve's WebSocket (`{id, method, params}`,
 * answered by `{id, result | error}`; pushed events carry no id). Attach before the page
 * loads (before `goto`) so its first socket is seen.
 * @returns `settled()`: resolves once every request the page has sent so far is answered and
 *   the page has painted twice since (two animation frames: Vue's update is in the DOM) —
 *   what "the tab has its content" means, instead of a fixed sleep. @throws Error naming the
 *   unanswered request count after `timeoutMs`.
 */
export function watchRequests(page: Page): { settled(timeoutMs?: number): Promise<void> } {
  const inFlight = new Set<number>()
  const idOf = (payload: string | Buffer): number | null => {
    try {
      const m = JSON.parse(String(payload)) as { id?: unknown }
      return typeof m.id === 'number' ? m.id : null
    } catch {
      return null
    }
  }
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => {
      const id = idOf(f.payload)
      if (id !== null) inFlight.add(id)
    })
    ws.on('framereceived', (f) => {
      const id = idOf(f.payload)
      if (id !== null) inFlight.delete(id)
    })
    ws.on('close', () => inFlight.clear())
  })
  const painted = (): Promise<unknown> => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
  return {
    async settled(timeoutMs = 30_000) {
      await painted() // a click's watchers have sent what they send
      const deadline = Date.now() + timeoutMs
      while (inFlight.size > 0) {
        if (Date.now() > deadline) throw new Error(`${inFlight.size} request(s) of the page still unanswered`)
        await new Promise((r) => setTimeout(r, 25))
      }
      await painted()
    }
  }
}
