/**
 * Serve's limits (issue 12): frame events coalesced per client (a replay at full speed reaches
 * a browser as ≤ ~10 messages a second, every frame accounted for), a cap on connections and on
 * requests in flight per connection, and a client that stops reading is dropped before the
 * server's memory grows (RSS of a real serve process measured).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import type { FrameRecord, P1StudioClient, SessionStatus } from '../../src/shared/contract'
import { pageSocket, ROOT, socketOpen, startServe, stopServe, upgradeRequest, type ServeProcess } from '../helpers/serve'

const DEMO = join(ROOT, 'resources/demo/demo-day.bin')

/**
 * The renderer's WebSocket client (src/renderer/src/api/ws-client.ts), loaded at run time: it is
 * type-checked with the renderer (tsconfig.web.json, DOM types), not with this Node test.
 */
const WS_CLIENT = '../../src/renderer/src/api/ws-client'
type CreateWsClient = (url: string, makeSocket: (url: string) => unknown) => P1StudioClient & { close(): void }
const staticDir = mkdtempSync(join(tmpdir(), 'p1s-limits-'))
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>limits</title>')

const cleanup: (() => Promise<unknown> | unknown)[] = []
afterAll(async () => {
  for (const f of cleanup.reverse()) await f()
})

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const socketTo = (server: WebServer): WebSocket =>
  new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` })

describe('serve limits', () => {
  it('a replay at full speed reaches the page as ≤ 10 batches a second; the client hands every batched frame to its listeners in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-limits-cap-'))
    copyFileSync(DEMO, join(dir, 'demo-day.bin'))
    const session = new StudioSession({ version: 'limits', captureDir: dir, historyPath: join(dir, 'h.duckdb') })
    const server = await startWebServer({ session, port: 0, staticDir })
    cleanup.push(
      () => session.dispose(),
      () => server.close()
    )

    let emitted = 0
    session.on('frame', () => emitted++)
    const raw = { messages: 0, batches: 0, dropped: 0, bytes: 0 }
    const { createWsClient } = (await import(WS_CLIENT)) as { createWsClient: CreateWsClient }
    const client = createWsClient(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, (u) => {
      const ws = new WebSocket(u, { origin: `http://127.0.0.1:${server.port}` })
      ws.on('message', (data) => {
        raw.messages++
        raw.bytes += (data as Buffer).length
        const m = JSON.parse(String(data))
        if (Array.isArray(m.batch)) {
          raw.batches++
          raw.dropped += m.dropped
        }
      })
      return ws
    })
    cleanup.push(() => client.close())
    const seen: FrameRecord[] = []
    let lastStatus: SessionStatus | null = null
    client.on('frame', (f) => seen.push(f))
    client.on('status', (s) => (lastStatus = s))
    await client.getStatus()

    const t0 = Date.now()
    const before = raw.messages
    await client.openSource({ kind: 'capture', path: 'demo-day.bin', speed: 'max' }) // a browser names a file of the capture folder
    await until('the replay to end', () => (lastStatus?.source.kind === 'capture' && lastStatus.source.replay.done) || false, 120_000)
    await until('every frame to be sent or counted as dropped', () => seen.length + raw.dropped >= emitted)
    const elapsedMs = Date.now() - t0
    const messages = raw.messages - before - 1 // less the openSource answer
    console.log(
      `replay at max: ${emitted} frame events in ${elapsedMs} ms → ${messages} messages (${raw.batches} batches, ${(raw.bytes / 1e6).toFixed(1)} MB), ${seen.length} frames delivered, ${raw.dropped} left out`
    )
    expect(emitted).toBeGreaterThan(8000)
    // the batch timer fires at most once per 100 ms, so this bound holds at any machine speed
    expect(messages).toBeLessThanOrEqual(Math.ceil(elapsedMs / 100) + 2)
    expect(seen.length + raw.dropped).toBe(emitted)
    expect(seen.map((f) => f.seq)).toEqual([...seen.map((f) => f.seq)].sort((a, b) => a - b))
    expect(seen.at(-1)!.seq).toBe(emitted) // the newest frame is never the one left out
  }, 180_000)

  it('at most 16 connections: the 17th gets 503, a closed one frees its place', async () => {
    const session = new StudioSession({ version: 'limits' })
    const server = await startWebServer({ session, port: 0, staticDir })
    cleanup.push(
      () => session.dispose(),
      () => server.close()
    )
    const sockets = Array.from({ length: 16 }, () => socketTo(server))
    await Promise.all(sockets.map(socketOpen))
    const extra = socketTo(server)
    const status = await new Promise<number | string>((r) => {
      extra.once('unexpected-response', (_q, res) => r(res.statusCode!))
      extra.once('open', () => r('opened'))
      extra.once('error', () => undefined)
    })
    expect(status).toBe(503)
    sockets[0].close()
    await until('the server to see the close', () => server.clients === 15)
    const again = await pageSocket(server)
    for (const s of [...sockets, again]) s.close()
  })

  it('at most 8 requests in flight per connection: the others are answered at once with an error', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const session = new StudioSession({ version: 'limits', portLister: async () => (await gate, []) })
    const server = await startWebServer({ session, port: 0, staticDir })
    cleanup.push(
      () => session.dispose(),
      () => server.close()
    )
    const ws = await pageSocket(server)
    const answers = new Map<number, { result?: unknown; error?: { message: string; code?: string } }>()
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw))
      if (typeof m.id === 'number') answers.set(m.id, m)
    })
    for (let id = 1; id <= 12; id++) ws.send(JSON.stringify({ id, method: 'listPorts' }))
    await until('the excess requests to be refused', () => answers.size >= 4, 20_000)
    expect([...answers.keys()].sort((a, b) => a - b)).toEqual([9, 10, 11, 12])
    for (const a of answers.values()) expect(a.error).toMatchObject({ code: 'busy', message: expect.stringMatching(/Too many requests at once/) })
    release()
    await until('the 8 answers', () => answers.size === 12)
    for (let id = 1; id <= 8; id++) expect(answers.get(id)).toMatchObject({ result: [] })
    // with the answers out, the connection takes requests again
    ws.send(JSON.stringify({ id: 13, method: 'listPorts' }))
    await until('answer 13', () => answers.has(13))
    expect(answers.get(13)).toMatchObject({ result: [] })
    ws.close()
  })
})

/** A client-to-server WebSocket text frame (RFC 6455 §5.2: masked). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  if (payload.length > 0xffff) throw new Error('frame too long for this helper')
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78])
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))
  return Buffer.concat([head, mask, body])
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

describe('a client that stops reading', () => {
  let serve: ServeProcess | undefined
  afterAll(() => stopServe(serve))

  it('is dropped before the server grows: 4,000 getRecentFrames (about 0.3 MB each) unread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-limits-rss-'))
    copyFileSync(DEMO, join(dir, 'demo-day.bin'))
    serve = await startServe(['--capture', join(dir, 'demo-day.bin'), '--capture-dir', dir, '--history', join(dir, 'h.duckdb'), '--listen', '127.0.0.1:0'])
    const pid = serve.child.pid!
    // fill the raw view's 100 frames: replay the day at full speed, through a well-behaved client
    const good = new WebSocket(`ws://127.0.0.1:${serve.port}/ws?token=${serve.token}`, { origin: serve.origin })
    await socketOpen(good)
    const answers = new Map<number, { result?: unknown }>()
    good.on('message', (raw) => {
      const m = JSON.parse(String(raw))
      if (typeof m.id === 'number') answers.set(m.id, m)
    })
    good.send(JSON.stringify({ id: 1, method: 'setReplay', params: { speed: 'max' } }))
    let n = 1
    await until(
      'the replay to end',
      () => {
        const st = answers.get(n)?.result as SessionStatus | undefined
        if (st?.source.kind === 'capture' && st.source.replay.done) return true
        if (answers.has(n)) good.send(JSON.stringify({ id: ++n, method: 'getStatus' }))
        return false
      },
      120_000
    )
    good.send(JSON.stringify({ id: 1000, method: 'getRecentFrames' }))
    await until('recent frames', () => answers.has(1000))
    const answerBytes = JSON.stringify(answers.get(1000)).length
    good.close()
    expect(answerBytes).toBeGreaterThan(200_000)

    const baseline = rssMB(pid)
    const sock: Socket = connect(serve.port, '127.0.0.1')
    let handshake = ''
    let ended: string | null = null
    sock.on('error', (e) => (ended ??= (e as NodeJS.ErrnoException).code ?? e.message))
    sock.on('close', () => (ended ??= 'closed'))
    await new Promise<void>((r) => sock.once('connect', () => r()))
    sock.write(upgradeRequest(`/ws?token=${serve.token}`, { Host: `127.0.0.1:${serve.port}`, Origin: serve.origin }))
    await new Promise<void>((r) => {
      const onData = (d: Buffer): void => {
        handshake += d.toString('latin1')
        if (handshake.includes('\r\n\r\n')) {
          sock.off('data', onData)
          sock.pause() // from now on this client reads nothing
          r()
        }
      }
      sock.on('data', onData)
    })
    expect(handshake).toMatch(/^HTTP\/1\.1 101/)

    let peak = baseline
    let sent = 0
    while (sent < 4000 && ended === null) {
      const batch: Buffer[] = []
      for (let i = 0; i < 8 && sent < 4000; i++) batch.push(textFrame(JSON.stringify({ id: ++sent, method: 'getRecentFrames' })))
      sock.write(Buffer.concat(batch))
      await new Promise((r) => setTimeout(r, 10))
      peak = Math.max(peak, rssMB(pid))
      if (peak - baseline > 400) break // the server is buffering without bound: stop before it takes the machine
    }
    await until(
      'the server to drop the client (or grow)',
      () => {
        peak = Math.max(peak, rssMB(pid))
        if (ended === null && !sock.destroyed) sock.write(textFrame('{"id":0,"method":"getStatus"}'))
        return ended !== null || peak - baseline > 400
      },
      60_000
    )
    console.log(
      `unread client: ${sent} requests sent, answer ${(answerBytes / 1e6).toFixed(2)} MB each; serve RSS ${baseline.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB (+${(peak - baseline).toFixed(0)} MB); connection: ${ended ?? 'still open'}`
    )
    sock.destroy()
    expect(peak - baseline).toBeLessThan(150)
    expect(ended).not.toBeNull()
    expect(serve.child.exitCode).toBeNull()
    expect((await fetch(serve.url)).status).not.toBe(0)
  }, 240_000)
})
