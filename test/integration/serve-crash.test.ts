/**
 * No request can crash `p1studio serve` (issue 12): each vector that killed the process
 * (an exception outside a try in the request or upgrade handler, or an unhandled rejection
 * in the message handler) is sent to a real serve process; it must answer 400 (or an error
 * message) and keep serving the page afterwards. A vector that kills it leaves the next
 * test a fresh process, so each test fails on its own.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { pageSocket, rawHttp, startServe, stopServe, upgradeRequest, type ServeProcess } from '../helpers/serve'

let serve: ServeProcess | undefined

beforeEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    // a process that still runs but no longer answers is dying: wait for it, then start anew
    if ((await fetch(serve.url).catch(() => null))?.status === 200) return
    await stopServe(serve)
  }
  serve = await startServe(['--demo', '--listen', '127.0.0.1:0'])
}, 90_000)

afterAll(() => stopServe(serve))

/** The process is running and still serves the page to its own address with the token. */
async function stillServes(): Promise<void> {
  const page = await fetch(serve!.url).catch((e: Error) => ({ status: `fetch failed: ${(e.cause as Error | undefined)?.message ?? e.message}` }))
  expect({ exitCode: serve!.child.exitCode, signal: serve!.child.signalCode, status: page.status }).toEqual({ exitCode: null, signal: null, status: 200 })
}

const host = () => `127.0.0.1:${serve!.port}`
const BAD_COOKIE = () => `p1s_token=%E0%A4%A; p1s_token_${serve!.port}=%E0%A4%A`

describe('serve survives hostile requests', () => {
  it('GET // → 400', async () => {
    const r = await rawHttp(serve!.port, `GET // HTTP/1.1\r\nHost: ${host()}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(400)
    await stillServes()
  })

  it('a damaged token cookie (not percent-encoding) → 400', async () => {
    const r = await rawHttp(serve!.port, `GET / HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${BAD_COOKIE()}\r\nConnection: close\r\n\r\n`)
    expect(r.status).toBe(400)
    expect(r.text).not.toMatch(/URIError|at .*\.ts:\d+/)
    await stillServes()
  })

  it('a WebSocket upgrade to // → 400', async () => {
    const r = await rawHttp(serve!.port, upgradeRequest('//', { Host: host(), Origin: serve!.origin }))
    expect(r.status).toBe(400)
    await stillServes()
  })

  it('a WebSocket upgrade with a damaged token cookie → 400', async () => {
    const r = await rawHttp(serve!.port, upgradeRequest('/ws', { Host: host(), Origin: serve!.origin, Cookie: BAD_COOKIE() }))
    expect(r.status).toBe(400)
    await stillServes()
  })

  it('refused upgrades whose clients reset the connection at once', async () => {
    const { connect } = await import('node:net')
    for (let i = 0; i < 50; i++) {
      await new Promise<void>((r) => {
        const s = connect(serve!.port, '127.0.0.1', () => {
          s.write(upgradeRequest('/ws', { Host: host(), Origin: 'http://evil.example' }))
          s.resetAndDestroy()
          r()
        })
        s.on('error', () => r())
      })
    }
    await stillServes()
  })

  it('messages that are JSON but not objects (null, [], "x", 1) are answered with an error', async () => {
    const ws = await pageSocket(serve!)
    const answers: { id: unknown; error?: { message: string } }[] = []
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw))
      if ('id' in m) answers.push(m)
    })
    for (const text of ['null', '[]', '"x"', '1', '{"id":1,"method":"constructor"}', '{"id":2,"method":"__proto__"}']) ws.send(text)
    const deadline = Date.now() + 20_000
    while (answers.length < 6 && Date.now() < deadline && serve!.child.exitCode === null) await new Promise((r) => setTimeout(r, 20))
    ws.close()
    expect(answers).toHaveLength(6)
    expect(answers.every((a) => typeof a.error?.message === 'string')).toBe(true)
    await stillServes()
  })
})
