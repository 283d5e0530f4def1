/** Serve mode transport: HTTP static files, WebSocket contract, token enforcement. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import { DemoSource } from '../../src/main/line/demo-source'

const staticDir = mkdtempSync(join(tmpdir(), 'p1s-web-'))
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>P1 Studio test</title>')
mkdirSync(join(staticDir, 'assets'))
writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)')

const servers: WebServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

function rpc(ws: WebSocket, id: number, method: string, params?: unknown): Promise<{ id: number; result?: unknown; error?: { message: string } }> {
  return new Promise((resolve) => {
    const onMsg = (raw: WebSocket.RawData): void => {
      const m = JSON.parse(String(raw))
      if (m.id === id) {
        ws.off('message', onMsg)
        resolve(m)
      }
    }
    ws.on('message', onMsg)
    ws.send(JSON.stringify({ id, method, params }))
  })
}

describe('serve transport', () => {
  it('serves the UI with a CSP, refuses traversal, and carries the contract over /ws with frame events', async () => {
    const session = new StudioSession({ version: '1.2.3', sourceFactory: () => new DemoSource({ intervalMs: 50, startIndex: 0 }) })
    const server = await startWebServer({ session, port: 0, staticDir })
    servers.push(server)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(await page.text()).toContain('P1 Studio test')
    expect((await fetch(server.url + 'assets/app.js')).headers.get('content-type')).toContain('javascript')
    const trav = await fetch(server.url + '..%2f..%2f..%2fetc%2fpasswd')
    expect(await trav.text()).not.toContain('root:')

    const ws = new WebSocket(server.url.replace('http', 'ws') + 'ws')
    await new Promise((r) => ws.once('open', r))
    const frames: { ok: boolean; dlms?: { frameCounter: number } }[] = []
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw))
      if (m.event === 'frame') frames.push(m.data)
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

  it('beyond loopback a token is required for the page and the socket', async () => {
    const session = new StudioSession({ version: '1' })
    const server = await startWebServer({ session, host: '0.0.0.0', port: 0, staticDir })
    servers.push(server)
    expect(server.token).toMatch(/^[0-9a-f]{32}$/)
    expect(server.url).toContain(`?token=${server.token}`)
    const base = `http://127.0.0.1:${server.port}/`
    expect((await fetch(base)).status).toBe(401)
    expect((await fetch(`${base}?token=wrong`)).status).toBe(401)
    expect((await fetch(`${base}?token=${server.token}`)).status).toBe(200)
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/ws`)
    const err = await new Promise<string>((r) => {
      refused.once('error', (e) => r(String(e.message)))
      refused.once('open', () => r('opened'))
    })
    expect(err).not.toBe('opened')
    const ok = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)
    await new Promise((r, j) => {
      ok.once('open', r)
      ok.once('error', j)
    })
    expect((await rpc(ok, 1, 'getStatus')).result).toBeDefined()
    ok.close()
  })
})
