/**
 * `diagnose` over a TCP source (`tcp://HOST:PORT`: ser2net, ESPHome's stream server, P1
 * dongles), on real loopback sockets serving the published Luxembourg frame E1
 * (test/fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex, key published) at the real
 * 10 s cadence on a ManualClock: the run connects (no serial settings, none retried), and the
 * line check says plainly that baud and polarity are the reader's, not "line not inverted at
 * 115200 8N1"; bytes that are no P1 frame fail as the reader's line settings, naming every cause,
 * never "inverted" alone; a refused connection fails the port check with the reader's advice.
 * Waits are on bytes received, never on a duration. The CLI takes `--port tcp://…` too.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { DiagnosisProgress, DiagnosisReport } from '../../src/shared/diagnostics'
import { runDiagnosis } from '../../src/main/diagnostics/runner'
import { StudioSession } from '../../src/main/host/session'
import { ManualClock } from '../../src/main/line/clock'
import { TcpSource } from '../../src/main/line/tcp-source'
import { freePort } from '../helpers/mosquitto'

const E1 = Buffer.from(readFileSync(join(__dirname, '../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').replace(/\s+/g, ''), 'hex')
const E1_KEY = 'D491470F47126332B07D1923B3504188'
const T0 = Date.parse('2018-01-30T09:21:18Z') // four seconds before the frame's own time (10:21:22 CET)
const check = (r: DiagnosisReport, id: string) => r.checks.find((c) => c.id === id)!

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** A loopback server; `accepted` resolves with its first connection. */
async function server(): Promise<{ port: number; accepted: Promise<Socket> }> {
  let take: (s: Socket) => void = () => undefined
  const accepted = new Promise<Socket>((r) => (take = r))
  const sockets: Socket[] = []
  const srv = createServer((s) => {
    s.on('error', () => undefined)
    sockets.push(s)
    take(s)
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  cleanup.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), srv.close(() => r()))))
  return { port: (srv.address() as { port: number }).port, accepted }
}

/**
 * Drive `run` on `clock` to its end. The clock moves on only once `src()` holds every byte
 * written so far (`sent()`, after `writing()`) and is not connecting: the TCP stack's speed
 * decides nothing. Nothing on the clock while the run closes its socket (real I/O): a real turn.
 */
async function drive<T>(clock: ManualClock, run: Promise<T>, src: () => TcpSource | undefined, sent: () => number, writing: () => Promise<void>): Promise<T> {
  let done = false
  void run.finally(() => (done = true)).catch(() => undefined)
  let idle = 0
  for (let i = 0; !done; i++) {
    await new Promise((r) => setImmediate(r))
    const s = src()
    if (done) break
    // not while connecting (its timeout is on this clock), nor before the bytes written are in
    if (!s || s.state === null || s.state.state === 'connecting') continue
    await writing()
    if (s.connected && s.stats.bytes < sent()) continue
    if (clock.runNext()) idle = 0
    else if (++idle > 5000) throw new Error('the run did not end')
    else await new Promise((r) => setTimeout(r, 2))
    if (i > 200_000) throw new Error('the run did not end')
  }
  return run
}

/** The server's writes of `frames`, 4, 14, 24 s after `schedule` is called, on `clock`. */
function writer(clock: ManualClock, accepted: Promise<Socket> | null, frames: Buffer[]): { schedule(): void; sent(): number; writing(): Promise<void> } {
  let sent = 0
  let writing: Promise<void> = Promise.resolve()
  return {
    schedule: () =>
      frames.forEach((f, i) =>
        clock.setTimeout(
          () => {
            sent += f.length
            writing = accepted!.then((s) => new Promise<void>((r, j) => s.write(f, (e) => (e ? j(e) : r()))))
          },
          4000 + i * 10_000
        )
      ),
    sent: () => sent,
    writing: () => writing
  }
}

/** Diagnose `tcp://127.0.0.1:port` (the CLI's way: a path) on a ManualClock while the server sends `frames`. */
async function diagnoseOverTcp(
  port: number,
  accepted: Promise<Socket> | null,
  frames: Buffer[]
): Promise<{ report: DiagnosisReport; opened: TcpSource[]; progress: DiagnosisProgress[] }> {
  const clock = new ManualClock(T0)
  const opened: TcpSource[] = []
  const progress: DiagnosisProgress[] = []
  const w = writer(clock, accepted, frames)
  const run = runDiagnosis({
    path: `tcp://127.0.0.1:${port}`,
    key: E1_KEY,
    appVersion: 'test',
    clock,
    meterClock: false,
    onProgress: (p) => progress.push(p),
    openSource: () => {
      const src = new TcpSource({ host: '127.0.0.1', port, clock })
      opened.push(src)
      w.schedule()
      return src
    }
  })
  const report = await drive(clock, run, () => opened.at(-1), w.sent, w.writing)
  for (const s of opened) await s.stop()
  return { report, opened, progress }
}

describe('diagnose over TCP', { timeout: 120_000 }, () => {
  it('published frames over TCP: connected, the key opens them, and the line check says the reader sets baud and polarity', async () => {
    const { port, accepted } = await server()
    const { report: r, opened, progress } = await diagnoseOverTcp(port, accepted, [E1, E1, E1])
    expect(check(r, 'port')).toMatchObject({ status: 'pass', summary: `Connected to tcp://127.0.0.1:${port}.` })
    expect(check(r, 'port').evidence).toEqual({ port: `tcp://127.0.0.1:${port}`, transport: 'tcp' })
    expect(check(r, 'signal').status).toBe('pass')
    const line = check(r, 'line')
    expect(line.status).toBe('skip')
    expect(line.code).toBeNull()
    expect(line.summary).toMatch(/^Frames arrive over TCP, so the serial line is set right at the reader .*not checked here/)
    expect(line.summary).not.toMatch(/115200|inverted/)
    expect(line.evidence.transport).toBe('tcp')
    expect(check(r, 'key').status).toBe('pass')
    expect(check(r, 'framing').status).toBe('pass')
    expect(r.meter).toMatchObject({ systemTitle: '534147677001BD54', meterId: 'SAG1030700114004' })
    // no line settings are P1 Studio's over TCP: none worked, none tried, one connection
    expect(r.source).toEqual({ label: `tcp://127.0.0.1:${port}`, settings: null, tried: [] })
    expect(opened).toHaveLength(1)
    expect(progress.some((p) => p.phase === 'retrying')).toBe(false)
    expect(r.verdict).not.toMatch(/inverted_signal|wrong_line_settings|port_/)
  })

  it('bytes that are no P1 frame: the reader’s line settings fail, every cause named, never "inverted" alone; nothing is retried', async () => {
    const { port, accepted } = await server()
    // what a reader gives that reads the inverted line as it is: every bit turned over
    const garbage = Buffer.from(E1.map((b) => b ^ 0xff))
    const { report: r, opened } = await diagnoseOverTcp(port, accepted, [garbage, garbage, garbage])
    expect(r.verdict).toBe('wrong_line_settings')
    const line = check(r, 'line')
    expect(line).toMatchObject({ status: 'fail', code: 'wrong_line_settings' })
    expect(line.summary).toContain('Bytes arrive over TCP but none is a P1 frame')
    expect(line.summary).toContain('cannot be told apart')
    expect(line.advice).toContain('115200 8N1')
    expect(line.advice).toContain('inverted: true')
    expect(line.evidence.transport).toBe('tcp')
    expect(line.evidence).not.toHaveProperty('tried')
    for (const id of ['framing', 'cadence', 'key', 'telegram'])
      expect(check(r, id)).toMatchObject({ status: 'skip', summary: 'Not checked: no frame could be read.' })
    expect(r.source.tried).toEqual([])
    expect(opened).toHaveLength(1)
  })

  it('a refused connection fails the port check in plain words with the reader’s advice, at once', async () => {
    const port = await freePort()
    const { report: r, opened } = await diagnoseOverTcp(port, null, [])
    expect(r.verdict).toBe('port_error')
    expect(check(r, 'port')).toMatchObject({
      status: 'fail',
      code: 'port_error',
      summary: `Could not connect to tcp://127.0.0.1:${port}: nothing accepts connections on that port.`
    })
    expect(check(r, 'port').advice).toContain('ser2net')
    expect(opened).toHaveLength(1)
    expect(opened[0].connected).toBe(false)
  })

  it('the wizard on an open TCP source (the session, its clock): the same TCP wording, no serial verdict', async () => {
    const { port, accepted } = await server()
    const clock = new ManualClock(T0)
    const dir = mkdtempSync(join(tmpdir(), 'p1s-diag-tcp-'))
    const session = new StudioSession({
      version: 't',
      clock,
      allowTcp: [`127.0.0.1:${port}`],
      captureDir: join(dir, 'captures'),
      historyPath: join(dir, 'history.duckdb'),
      boardsDir: join(dir, 'boards'),
      dataDir: dir
    })
    cleanup.push(() => session.dispose())
    await session.api.openSource({ kind: 'tcp', host: '127.0.0.1', port })
    const src = session.source.current as TcpSource
    expect(src).toBeInstanceOf(TcpSource)
    const garbage = Buffer.from(E1.map((b) => b ^ 0xff))
    const w = writer(clock, accepted, [garbage, garbage, garbage])
    w.schedule()
    const r = await drive(clock, session.api.diagnose({ key: E1_KEY }), () => src, w.sent, w.writing)
    expect(r.verdict).toBe('wrong_line_settings')
    expect(check(r, 'line').summary).toContain('Bytes arrive over TCP but none is a P1 frame')
    expect(check(r, 'line').evidence.transport).toBe('tcp')
    expect(r.source.label).toBe(`tcp://127.0.0.1:${port}`)
  })

  it('the wizard given tcp://… as its port: a TCP run (no serial port of that name), a browser only where the operator allowed it', async () => {
    const port = await freePort()
    const target = `tcp://127.0.0.1:${port}`
    const dir = mkdtempSync(join(tmpdir(), 'p1s-diag-tcp-'))
    const open = (allowTcp: string[]) =>
      new StudioSession({
        version: 't',
        allowTcp,
        captureDir: join(dir, 'captures'),
        historyPath: join(dir, 'history.duckdb'),
        boardsDir: join(dir, 'boards'),
        dataDir: dir
      })
    const session = open([])
    cleanup.push(() => session.dispose())
    // the desktop window and the CLI: any TCP source
    const r = await session.api.diagnose({ path: target })
    expect(r.verdict).toBe('port_error')
    expect(check(r, 'port')).toMatchObject({ summary: `Could not connect to ${target}: nothing accepts connections on that port.` })
    expect(check(r, 'port').evidence).toEqual({ port: target, transport: 'tcp', tcpProblem: 'connection_refused' })
    expect(r.source).toEqual({ label: target, settings: null, tried: [] })
    // a browser: refused unless serve --allow-tcp names it
    await expect(session.diagnosis.diagnose({ path: target }, session.access.browser)).rejects.toMatchObject({ code: 'forbidden_path' })
    const allowed = open([`127.0.0.1:${port}`])
    cleanup.push(() => allowed.dispose())
    expect((await allowed.diagnosis.diagnose({ path: target }, allowed.access.browser)).verdict).toBe('port_error')
  })

  it('p1studio diagnose --port tcp://… runs over TCP (a refused port: exit 1, port_error); line flags are refused', async () => {
    const port = await freePort()
    const bin = resolve(__dirname, '../../bin/p1studio.mjs')
    const r = spawnSync(process.execPath, [bin, 'diagnose', '--port', `tcp://127.0.0.1:${port}`, '--json'], { encoding: 'utf8', timeout: 90_000 })
    expect(r.status).toBe(1)
    const report = JSON.parse(r.stdout) as DiagnosisReport
    expect(report.verdict).toBe('port_error')
    expect(check(report, 'port').summary).toBe(`Could not connect to tcp://127.0.0.1:${port}: nothing accepts connections on that port.`)
    expect(report.source).toEqual({ label: `tcp://127.0.0.1:${port}`, settings: null, tried: [] })
    const baud = spawnSync(process.execPath, [bin, 'diagnose', '--port', `tcp://127.0.0.1:${port}`, '--baud', '9600'], { encoding: 'utf8', timeout: 90_000 })
    expect(baud.status).toBe(2)
    expect(baud.stderr).toContain('do not apply to a TCP source')
  })
})
