/**
 * Serve mode against a hostile web page, in Debian's Chromium (issue 12): the user has the real
 * UI open (so the browser holds serve's cookie), then visits a page of another origin — a
 * second HTTP server on another port of 127.0.0.1, which is the SAME SITE for cookies, so the
 * cookie rides along and only the Origin check stands between that page and the meter. The page
 * tries the WebSocket on every loopback name and reads nothing. A DNS-rebinding page (a name
 * that resolves to 127.0.0.1 through Chromium's --host-resolver-rules) gets 403.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, waitForText } from '../helpers/chromium'
import { startServe, stopServe, type ServeProcess } from '../helpers/serve'

/** The attacker's page: tries the socket (with and without a guessed token) and a credentialed fetch, records what it gets. */
const ATTACK_PAGE = (port: number): string => `<!doctype html><title>attacker</title><script>
window.report = { opened: [], messages: [], closes: [], fetches: [] };
function tryWs(url) {
  return new Promise((done) => {
    let ws;
    try { ws = new WebSocket(url); } catch (e) { report.closes.push({ url, code: 'throw' }); return done(); }
    ws.onopen = () => {
      report.opened.push(url);
      ws.send(JSON.stringify({ id: 1, method: 'listPorts' }));
      ws.send(JSON.stringify({ id: 2, method: 'getRecentFrames' }));
      ws.send(JSON.stringify({ id: 3, method: 'openSource', params: { kind: 'file', path: '/etc/passwd' } }));
    };
    ws.onmessage = (e) => { report.messages.push(String(e.data).slice(0, 200)); ws.close(); };
    ws.onclose = (e) => { report.closes.push({ url, code: e.code }); done(); };
  });
}
async function tryFetch(url) {
  try { const r = await fetch(url, { credentials: 'include' }); report.fetches.push({ url, status: r.status, text: (await r.text()).slice(0, 100) }); }
  catch (e) { report.fetches.push({ url, error: String(e) }); }
}
window.attack = () => Promise.all([
  tryWs('ws://127.0.0.1:${port}/ws'),
  tryWs('ws://localhost:${port}/ws'),
  tryWs('ws://[::1]:${port}/ws'),
  tryWs('ws://127.0.0.1:${port}/ws?token=guess'),
  tryFetch('http://127.0.0.1:${port}/'),
]).then(() => report);
</script>`

describe('a page from another origin in Chromium', () => {
  let serve: ServeProcess
  let attacker: Server
  let attackerPort: number
  let browser: Browser
  let closeBrowser: () => Promise<void>
  let context: BrowserContext
  let ui: Page

  beforeAll(async () => {
    serve = await startServe(['--demo', '--listen', '127.0.0.1:0'])
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(ATTACK_PAGE(serve.port))
    })
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()))
    attackerPort = (attacker.address() as AddressInfo).port
    const c = await launchChromium([`--host-resolver-rules=MAP rebind.test 127.0.0.1`])
    browser = c.browser
    closeBrowser = c.close
    context = await browser.newContext()
    ui = await context.newPage()
    await ui.goto(serve.url)
  }, 90_000)

  afterAll(async () => {
    await closeBrowser?.()
    await new Promise((r) => attacker?.close(r))
    await stopServe(serve)
  })

  it('the real UI opens from the printed URL, keeps the token in an HttpOnly SameSite=Strict cookie and out of its address', async () => {
    expect(serve.url).toMatch(/\?token=[0-9a-f]{64}$/)
    // the status bar is filled over the WebSocket: the socket passed the CSP (connect-src 'self') and the guard
    await waitForText(ui.getByTestId('status-source'), (t) => /demo/i.test(t), 30_000)
    expect(ui.url()).toBe(`${serve.origin}/`)
    const cookies = await context.cookies(serve.origin)
    expect(cookies).toEqual([expect.objectContaining({ name: `p1s_token_${serve.port}`, value: serve.token, httpOnly: true, sameSite: 'Strict' })])
    // a reload (no token in the address any more) still works through the cookie
    await ui.reload()
    await waitForText(ui.getByTestId('status-source'), (t) => /demo/i.test(t), 30_000)
  })

  it('gets nothing: no socket opens, no message, no data, although the cookie is sent', async () => {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${attackerPort}/`)
    const report = (await page.evaluate('window.attack()')) as {
      opened: string[]
      messages: string[]
      closes: { url: string; code: number | string }[]
      fetches: { url: string; status?: number; text?: string; error?: string }[]
    }
    expect(report.opened).toEqual([])
    expect(report.messages).toEqual([])
    expect(report.closes).toHaveLength(4)
    expect(report.closes.map((c) => c.code)).toEqual([1006, 1006, 1006, 1006]) // handshake refused
    // the credentialed fetch is refused by the server (no CORS either): nothing readable
    expect(report.fetches).toHaveLength(1)
    expect(report.fetches[0].text ?? '').not.toContain('P1 Studio</title>')
    // the real UI is unaffected
    await waitForText(ui.getByTestId('status-source'), (t) => /demo/i.test(t))
    await page.close()
  })

  it('a DNS-rebinding page (another name for 127.0.0.1) gets 403 and no socket', async () => {
    const page = await context.newPage()
    const res = await page.goto(`http://rebind.test:${serve.port}/?token=guess`)
    expect(res!.status()).toBe(403)
    expect(await page.content()).not.toContain('id="app"')
    const opened = await page.evaluate(
      (port) =>
        new Promise<string>((done) => {
          const ws = new WebSocket(`ws://rebind.test:${port}/ws`)
          ws.onopen = () => done('opened')
          ws.onclose = () => done('closed')
        }),
      serve.port
    )
    expect(opened).toBe('closed')
    await page.close()
  })
})
