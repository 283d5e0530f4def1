/**
 * Serve's front door on a real server (src/main/host/web.ts + web-guard.ts): a rebound Host
 * gets 403 on every request and upgrade (DNS rebinding), an upgrade needs the server's own
 * Origin, and the names given with --host-name are accepted. Raw HTTP, so the headers are
 * exactly what an attacker's browser would send.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import { rawHttp, upgradeRequest } from '../helpers/serve'

const staticDir = mkdtempSync(join(tmpdir(), 'p1s-guard-'))
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>P1 Studio guard test</title>')

let session: StudioSession
let server: WebServer
const get = (target: string, host: string, extra = ''): string => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}Connection: close\r\n\r\n`

beforeAll(async () => {
  session = new StudioSession({ version: 'guard' })
  server = await startWebServer({ session, port: 0, staticDir, hostNames: ['p1.example.org'] })
})
afterAll(async () => {
  await server.close()
  await session.dispose()
})

describe('Host (DNS rebinding)', () => {
  it('a rebound name gets 403 for the page, with or without the token', async () => {
    const p = server.port
    for (const host of [`rebind.attacker.example:${p}`, `attacker.example:${p}`, `127.0.0.1.nip.io:${p}`, `localhost.attacker.example:${p}`]) {
      expect((await rawHttp(p, get('/', host))).status, host).toBe(403)
      expect((await rawHttp(p, get(`/?token=${server.token}`, host))).status, host).toBe(403)
      expect((await rawHttp(p, get('/', host, `Authorization: Bearer ${server.token}\r\n`))).status, host).toBe(403)
    }
    const r = await rawHttp(p, get(`/?token=${server.token}`, `attacker.example:${p}`))
    expect(r.text).not.toContain('P1 Studio guard test')
    expect(r.text).not.toMatch(/set-cookie/i)
  })

  it('loopback literals with the server port and configured names are served', async () => {
    const p = server.port
    for (const host of [`127.0.0.1:${p}`, `localhost:${p}`, `[::1]:${p}`, `LOCALHOST:${p}`, 'p1.example.org', `p1.example.org:${p}`]) {
      const r = await rawHttp(p, get(`/?token=${server.token}`, host))
      expect(r.status, host).toBe(200)
      expect(r.text).toContain('P1 Studio guard test')
    }
    expect((await rawHttp(p, get(`/?token=${server.token}`, `127.0.0.1:${p + 1}`))).status).toBe(403)
    expect((await rawHttp(p, get(`/?token=${server.token}`, 'localhost'))).status).toBe(403)
    expect((await rawHttp(p, `GET /?token=${server.token} HTTP/1.0\r\n\r\n`)).status).toBe(403) // no Host at all
  })
})

describe('WebSocket upgrades', () => {
  const token = () => `/ws?token=${server.token}`
  const self = () => ({ Host: `127.0.0.1:${server.port}`, Origin: `http://127.0.0.1:${server.port}` })

  it('the page’s own origin is accepted (101)', async () => {
    expect((await rawHttp(server.port, upgradeRequest(token(), self()), 200)).status).toBe(101)
  })

  it('a missing or foreign Origin gets 403, even with the token', async () => {
    const p = server.port
    const { Host } = self()
    expect((await rawHttp(p, upgradeRequest(token(), { Host }))).status).toBe(403)
    for (const Origin of [`http://127.0.0.1:${p + 1}`, 'http://attacker.example', `http://localhost:${p}`, 'null', `https://127.0.0.1:${p}.attacker.example`]) {
      const r = await rawHttp(p, upgradeRequest(token(), { Host, Origin }))
      expect(r.status, Origin).toBe(403)
      expect(r.text).not.toMatch(/Sec-WebSocket-Accept/i)
    }
  })

  it('a rebound Host gets 403 even when Origin matches it', async () => {
    const p = server.port
    const r = await rawHttp(p, upgradeRequest(token(), { Host: `attacker.example:${p}`, Origin: `http://attacker.example:${p}` }))
    expect(r.status).toBe(403)
  })

  it('a configured name with its own origin is accepted', async () => {
    const r = await rawHttp(server.port, upgradeRequest(token(), { Host: 'p1.example.org', Origin: 'https://p1.example.org' }), 200)
    expect(r.status).toBe(101)
  })
})
