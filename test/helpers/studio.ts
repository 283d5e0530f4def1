/**
 * The UI as a user opens it, for the Chromium tests: `p1studio serve ARGS` and Debian's
 * Chromium on the URL it prints.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { BrowserContextOptions, Page } from 'playwright-core'
import { launchChromium } from './chromium'
import { ROOT, startServe, type ServeProcess } from './serve'

/**
 * Start `p1studio serve` with `serveArgs`, launch Chromium and load the UI in a new page, as
 * a user opens it: the URL serve prints carries the access token (`?token=`); the page then
 * holds serve's cookie and drops the token from its address, so reloads and links just work.
 * @returns the page, the serve process (`serve.token`, `serve.origin`) and `close()` (browser
 *   closed, serve stopped).
 * @throws Error if the renderer is not built (`npm run build:renderer`; `npm test` does it),
 *   serve prints no URL, or Chromium is missing.
 */
export async function openStudio(
  serveArgs: string[],
  pageOptions: BrowserContextOptions = {}
): Promise<{ page: Page; serve: ServeProcess; close(): Promise<void> }> {
  if (!existsSync(resolve(ROOT, 'out/renderer/index.html'))) throw new Error('renderer not built: run `npm run build:renderer` (npm test does)')
  const serve = await startServe(serveArgs)
  try {
    const chromium = await launchChromium()
    const page = await chromium.browser.newPage(pageOptions)
    await page.goto(serve.url)
    return {
      page,
      serve,
      async close() {
        await chromium.close()
        serve.child.kill('SIGTERM')
      }
    }
  } catch (e) {
    serve.child.kill('SIGTERM')
    throw e
  }
}
