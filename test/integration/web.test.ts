/** Serve mode transport: HTTP static files, WebSocket contract, token on loopback too. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import { DemoSource } from '../../src/main/line/demo-source'
import { pageSocket, socketOpen, wsCall as rpc } from '../helpers/serve'

const staticDir = mkdtempSync(join(tmpdir(), 'p1s-web-'))
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>P1 Studio test</title>')
mkdirSync(join(staticDir, 'assets'))
writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')

const servers: WebServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

/** Events of a socket, batches expanded (serve coalesces 'frame' and 'status'). */
function onEvent(ws: WebSocket, listener: (event: string, data: unknown) => void): void {
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw))
    if (Array.isArray(m.batch)) for (const e of m.batch) listener(e.event, e.data)
    else if (typeof m.event === 'string') listener(m.event, m.data)
  })
}

describe('serve transport', () => {
  it('serves the UI with a CSP, refuses traversal, and carries the contract over /ws with frame events', async () => {
    const session = new StudioSession({ version: '1.2.3', sourceFactory: () => new DemoSource({ intervalMs: 50, startIndex: 0 }) })
    const server = await startWebServer({ session, port: 0, staticDir })
    servers.push(server)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    const csp = page.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toMatch(/connect-src 'self';/) // the page's own origin only (no ws: wildcard)
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await page.text()).toContain('P1 Studio test')
    const cookie = page.headers.get('set-cookie')!.split(';')[0]
    expect((await fetch(`http://127.0.0.1:${server.port}/assets/app.js`, { headers: { cookie } })).headers.get('content-type')).toContain('javascript')
    const trav = await fetch(`http://127.0.0.1:${server.port}/..%2f..%2f..%2fetc%2fpasswd`, { headers: { cookie } })
    expect(await trav.text()).not.toContain('root:')

    const ws = await pageSocket(server)
    const frames: { ok: boolean; dlms?: { frameCounter: number } }[] = []
    onEvent(ws, (event, data) => {
      if (event === 'frame') frames.push(data as (typeof frames)[0])
    })
    const st = await rpc(ws, 1, 'getStatus')
    expect(st.result).toMatchObject({ version: '1.2.3', source: { kind: 'none' } })
    const opened = await rpc(ws, 2, 'openSource', { kind: 'demo' })
    expect(opened.result).toMatchObject({ source: { kind: 'demo' }, key: { hasKey: true } })
    const deadline = Date.now() + 5000
    while (frames.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(frames.length).toBeGreaterThanOrEqual(3)
    expect(frames.every((f) => f.ok)).toBe(true)
    expect(frames[1].dlms!.frameCounter).toBe(frames[0].dlms!.frameCounter + 1)
    const bad = await rpc(ws, 3, 'setKey', { key: 'zz' })
    expect(bad.error!.message).toMatch(/32 hex digits/)
    const unknown = await rpc(ws, 4, 'rm -rf', {})
    expect(unknown.error!.message).toMatch(/Unknown method/)
    const recent = await rpc(ws, 5, 'getRecentFrames')
    expect((recent.result as unknown[]).length).toBeGreaterThanOrEqual(3)
    ws.close()
    await session.dispose()
  })

  it('on loopback too a token is required for the page and the socket: query once, then the cookie; Bearer for scripts', async () => {
    const session = new StudioSession({ version: '1' })
    const server = await startWebServer({ session, port: 0, staticDir })
    servers.push(server)
    expect(server.token).toMatch(/^[0-9a-f]{64}$/)
    const base = `http://127.0.0.1:${server.port}/`
    expect((await fetch(base)).status).toBe(401)
    expect(await (await fetch(base)).text()).toMatch(/access token/)
    expect((await fetch(`${base}?token=wrong`)).status).toBe(401)
    const first = await fetch(`${base}?token=${server.token}`)
    expect(first.status).toBe(200)
    const setCookie = first.headers.get('set-cookie')!
    expect(setCookie).toMatch(new RegExp(`^p1s_token_${server.port}=${server.token};`))
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Strict')
    const cookie = setCookie.split(';')[0]
    const again = await fetch(base, { headers: { cookie } })
    expect(again.status).toBe(200)
    expect(again.headers.get('set-cookie')).toBeNull()
    expect((await fetch(base, { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(200)
    expect((await fetch(base, { headers: { authorization: 'Bearer nope' } })).status).toBe(401)

    const origin = `http://127.0.0.1:${server.port}`
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin })
    const status = await new Promise<number | string>((r) => {
      refused.once('unexpected-response', (_req, res) => r(res.statusCode!))
      refused.once('open', () => r('opened'))
      refused.once('error', () => undefined)
    })
    expect(status).toBe(401)
    const viaCookie = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin, headers: { cookie } })
    await socketOpen(viaCookie)
    expect((await rpc(viaCookie, 1, 'getStatus')).result).toBeDefined()
    viaCookie.close()
    await session.dispose()
  })

  it('beyond loopback the given token is used and the URL names the bound address', async () => {
    const session = new StudioSession({ version: '1' })
    const token = 'f'.repeat(40)
    const server = await startWebServer({ session, host: '0.0.0.0', port: 0, staticDir, token })
    servers.push(server)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${token}`)
    expect((await fetch(server.url)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(401)
    await session.dispose()
  })

  it('extra routes (e.g. /metrics) sit behind the same token: Bearer for scripts, nothing without it', async () => {
    const session = new StudioSession({ version: '1' })
    const server = await startWebServer({ session, port: 0, staticDir, routes: { '/metrics': (_req, res) => void res.end('p1_frames_total 3\n') } })
    servers.push(server)
    const url = `http://127.0.0.1:${server.port}/metrics`
    expect((await fetch(url)).status).toBe(401)
    const ok = await fetch(url, { headers: { authorization: `Bearer ${server.token}` } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe('p1_frames_total 3\n')
    // only the exact path: anything else is the UI
    expect(await (await fetch(`${url}x`, { headers: { authorization: `Bearer ${server.token}` } })).text()).toContain('P1 Studio test')
    await session.dispose()
  })
})
