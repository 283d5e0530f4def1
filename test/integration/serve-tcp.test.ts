/**
 * A TCP source in a real `p1studio serve` (issue 17): `--port tcp://HOST:PORT` reads raw P1
 * bytes from a TCP server (as ser2net or an Ethernet dongle serves them: here the virtual
 * meter's encrypted frames on a real socket) and `--record` keeps its telegrams; from a browser
 * page only the TCP sources the operator allowed (`--allow-tcp`, and the one serve was started
 * with) open — another is refused before any connection is made.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import type { SessionStatus } from '../../src/shared/contract'
import { pageSocket, ROOT, startServe, stopServe, wsCall } from '../helpers/serve'

const KEY = '5B2E8C1F0A3D6E9B4C7F2A5D8E1B3C6F' // test key, not a meter's
const METER = 'SAG1030700089067'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Meter times (the telegrams' 0-0:1.0.0) of every frame the meter servers wrote. */
const written = new Set<string>()

/** A TCP server sending the virtual meter's frames every 2 s to each client; counts connections; stop() ends its meters. */
async function meterServer(): Promise<{ port: number; connections: () => number; stop: () => void }> {
  let n = 0
  const sockets = new Set<Socket>()
  const meters = new Set<VirtualMeter>()
  const server: Server = createServer((sock) => {
    n++
    sockets.add(sock)
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), intervalMs: 2000, write: (f) => void sock.write(f) })
    m.on('frame', (_f, telegram) => written.add(/0-0:1\.0\.0\((\d{12}[SW])\)/.exec(telegram.toString('latin1'))![1]))
    meters.add(m)
    sock.on('error', () => undefined)
    sock.on('close', () => {
      m.stop()
      sockets.delete(sock)
    })
    m.start()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const m of meters) m.stop()
        for (const s of sockets) s.destroy()
        server.close(() => r())
      })
  )
  const stop = (): void => {
    for (const m of meters) m.stop()
    server.close()
  }
  return { port: (server.address() as { port: number }).port, connections: () => n, stop }
}

async function waitFor(cond: () => boolean, what: () => string, guardMs = 60_000): Promise<void> {
  const end = Date.now() + guardMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Meter times (ms) of the readings serve's recorder journaled so far. */
const journaledTimes = (path: string): number[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"m"'))
        .map((l) => (JSON.parse(l) as { r: { t: number } }).r.t)
    : []
const journaled = (path: string): number => journaledTimes(path).length

describe('serve --port tcp://', () => {
  it('records the telegrams of a TCP source; a page opens only the allowed TCP sources', async () => {
    const first = await meterServer()
    const allowed = await meterServer()
    const other = await meterServer()
    const data = mkdtempSync(join(tmpdir(), 'p1s-serve-tcp-'))
    const serve = await startServe(
      ['--port', `tcp://127.0.0.1:${first.port}`, '--key', KEY, '--listen', '127.0.0.1:0', '--record', '--allow-tcp', `127.0.0.1:${allowed.port}`],
      { P1STUDIO_DATA_DIR: data }
    )
    cleanups.push(() => stopServe(serve))
    const journal = join(data, 'history.duckdb.journal')
    await waitFor(
      () => journaled(journal) >= 2,
      () => `${journaled(journal)} readings journaled; serve said ${serve.output()}`
    )
    expect(first.connections()).toBe(1)

    const ws = await pageSocket(serve)
    cleanups.push(() => ws.close())
    const refused = await wsCall(ws, 1, 'openSource', { kind: 'tcp', host: '127.0.0.1', port: other.port })
    expect(refused.error).toMatchObject({ code: 'forbidden_path', params: { path: `tcp://127.0.0.1:${other.port}` } })
    expect(other.connections()).toBe(0) // refused before connecting
    const ok = await wsCall(ws, 2, 'openSource', { kind: 'tcp', host: '127.0.0.1', port: allowed.port })
    expect(ok.error).toBeUndefined()
    expect((ok.result as SessionStatus).source).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: allowed.port, zone: 'Europe/Luxembourg' })
    await waitFor(
      () => allowed.connections() === 1,
      () => 'no connection to the allowed TCP source'
    )
    // a reading of the allowed source: a meter time after every one of the first source
    const lastOfFirst = Math.max(...journaledTimes(journal))
    await waitFor(
      () => journaledTimes(journal).some((t) => t > lastOfFirst),
      () => `no reading from the allowed source; serve said ${serve.output()}`
    )
    // the meters stop; every meter time they wrote is journaled once
    first.stop()
    allowed.stop()
    await waitFor(
      () => new Set(journaledTimes(journal)).size === written.size,
      () => `${new Set(journaledTimes(journal)).size} meter times journaled of ${written.size} written`
    )
    ws.close()
    await stopServe(serve)
    expect(serve.child.exitCode).toBe(0)
    const meters = spawnSync(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), 'history', 'meters', '--json', '--history', join(data, 'history.duckdb')], {
      encoding: 'utf8',
      timeout: 60_000
    })
    const list = JSON.parse(meters.stdout) as { meterId: string; readings: number }[]
    expect(list).toHaveLength(1)
    expect(list[0].meterId).toBe(METER)
    // each meter time once (both virtual meters are the same meter on the same wall clock: a
    // second they share is one reading)
    expect(list[0].readings).toBe(written.size)
    expect(list[0].readings).toBeGreaterThanOrEqual(3)
  }, 120_000)
})
