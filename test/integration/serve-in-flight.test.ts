/**
 * The renderer's WebSocket client keeps to serve's limit of requests in flight (issue 11): serve
 * answers a 9th request of a connection at once with 'busy' and never runs it, so a page that
 * asks for more at once on a slow machine — the History tab after an import asks for 4 series,
 * the days and the meters, a zoom gesture 4 series per step — lost the request beyond the 8th.
 * Under CPU load, "Import the demo day" clicked while the zoom's queries were still running was
 * such a 9th request: refused, the import never ran, and its message never came
 * (test/e2e/history-ui.test.ts, 2 of 5 runs at load 8–14).
 *
 * Here the requests are held in flight by a port lister that answers only when the test says so:
 * no clock decides anything.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer } from '../../src/main/host/web'
import { MAX_REQUESTS_IN_FLIGHT, type HistoryImportSummary, type P1StudioClient } from '../../src/shared/contract'

/** The renderer's client (src/renderer/src/api/ws-client.ts), loaded at run time: it is type-checked with the renderer (DOM types). */
const WS_CLIENT = '../../src/renderer/src/api/ws-client'
type CreateWsClient = (
  url: string,
  makeSocket: (url: string) => unknown
) => P1StudioClient & { close(): void; onConnection(l: (s: string) => void): () => void }

const dir = mkdtempSync(join(tmpdir(), 'p1s-inflight-'))
const staticDir = mkdtempSync(join(tmpdir(), 'p1s-inflight-static-'))
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>in flight</title>')

/** Serve for `session` on a free port, and the renderer's client on it, open; `close()` stops all three. */
async function serveAndClient(session: StudioSession, makeSocket: (url: string, origin: string) => WebSocket = (u, origin) => new WebSocket(u, { origin })) {
  const server = await startWebServer({ session, port: 0, staticDir })
  const { createWsClient } = (await import(WS_CLIENT)) as { createWsClient: CreateWsClient }
  const client = createWsClient(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, (u) => makeSocket(u, `http://127.0.0.1:${server.port}`))
  await new Promise<void>((open) => client.onConnection((s) => s === 'open' && open()))
  return {
    client,
    async close() {
      client.close()
      await session.dispose()
      await server.close()
    }
  }
}

describe('requests in flight over serve mode’s WebSocket', () => {
  it('the client sends at most 8 at once and holds the rest in order: an import asked while 8 queries run is run, not refused', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const session = new StudioSession({ version: 'inflight', captureDir: dir, historyPath: join(dir, 'h.duckdb'), portLister: async () => (await gate, []) })
    const sent: string[] = []
    const answers: { id: number; error?: { code: string } }[] = []
    const { client, close } = await serveAndClient(session, (u, origin) => {
      const ws = new WebSocket(u, { origin })
      const send = ws.send.bind(ws)
      ws.send = ((text: string) => (sent.push(JSON.parse(text).method), send(text))) as typeof ws.send
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw))
        if (typeof m.id === 'number') answers.push(m)
      })
      return ws
    })
    try {
      // what the History tab does on a slow machine: queries still running, then a click on "Import the demo day"
      const held = Array.from({ length: MAX_REQUESTS_IN_FLIGHT }, () => client.listPorts())
      const imported = client.historyImportDemo() as Promise<HistoryImportSummary>
      const meters = client.historyMeters()
      expect(sent).toEqual(Array(MAX_REQUESTS_IN_FLIGHT).fill('listPorts'))

      release()
      const summary = await imported
      expect(summary.telegrams).toBe(8641)
      expect(summary.meters).toEqual([{ meterId: 'SAG1030700DEMO01', added: 8641 }])
      expect(await Promise.all(held)).toEqual(Array(MAX_REQUESTS_IN_FLIGHT).fill([]))
      expect(Array.isArray(await meters)).toBe(true) // held too, then run (alongside the import: it may see the history before it)
      expect((await client.historyMeters()).map((m) => m.meterId)).toContain('SAG1030700DEMO01')
      // in the order asked, and nothing refused
      expect(sent).toEqual([...Array(MAX_REQUESTS_IN_FLIGHT).fill('listPorts'), 'historyImportDemo', 'historyMeters', 'historyMeters'])
      expect(answers.filter((a) => a.error)).toEqual([])
    } finally {
      await close()
    }
  }, 120_000)

  it('30 requests at once all get their answer (the History tab after an import asks for 10)', async () => {
    const session = new StudioSession({ version: 'inflight', captureDir: dir, historyPath: join(dir, 'h2.duckdb'), portLister: async () => [] })
    const { client, close } = await serveAndClient(session)
    try {
      const all = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => (i % 2 ? client.historyMeters() : client.listPorts())))
      expect(all.filter((r) => r.status === 'rejected')).toEqual([])
    } finally {
      await close()
    }
  }, 120_000)
})
