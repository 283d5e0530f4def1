/**
 * The TCP source (`tcp://HOST:PORT`: ser2net, ESPHome's stream server, Ethernet P1 dongles) on
 * real loopback sockets, with the source's clock virtual: frames split across TCP writes are
 * reassembled by the decoder with the clock's receive times; a server restart is followed by
 * a reconnect 1 s later; a refused port is retried after 1, 2, 4 … 60 s and the back-off starts
 * again from 1 s after a good connection; a silent connection is dropped after the idle time.
 * Waits are on events (bytes received, state changes), never on a duration.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readCapture } from '../../src/main/capture/reader'
import { ManualClock } from '../../src/main/line/clock'
import { SerialSource } from '../../src/main/line/serial-source'
import { TcpSource, formatDelay, parseTcpSpec, sourceFromSpec, type TcpConnectionEvent } from '../../src/main/line/tcp-source'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { freePort } from '../helpers/mosquitto'

const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const T0 = Date.parse('2026-03-28T12:00:00Z')

/** A loopback server that remembers its sockets; `connected()` resolves with the next accepted one. */
async function serve(port = 0): Promise<{ port: number; sockets: Socket[]; connected: () => Promise<Socket>; close(): Promise<void> }> {
  const sockets: Socket[] = []
  const unclaimed: Socket[] = []
  const waiting: ((s: Socket) => void)[] = []
  const server: Server = createServer((s) => {
    s.setNoDelay(true)
    s.on('error', () => undefined)
    sockets.push(s)
    const w = waiting.shift()
    if (w) w(s)
    else unclaimed.push(s)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    connected: () =>
      new Promise<Socket>((resolve) => {
        const s = unclaimed.shift()
        if (s) resolve(s)
        else waiting.push(resolve)
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

/** The next connection change of `src` that matches `pred`. */
function nextChange(src: TcpSource, pred: (e: TcpConnectionEvent) => boolean): Promise<TcpConnectionEvent> {
  return new Promise((resolve) => {
    const on = (e: TcpConnectionEvent): void => {
      if (!pred(e)) return
      src.connection.off('change', on)
      resolve(e)
    }
    src.connection.on('change', on)
  })
}

/** Resolve once `src` has received `n` bytes in total. */
function bytesReceived(src: TcpSource, n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (src.stats.bytes < n) return
      src.off('data', check)
      resolve()
    }
    src.on('data', check)
    check()
  })
}

function write(s: Socket, b: Buffer): Promise<void> {
  return new Promise((resolve, reject) => s.write(b, (e) => (e ? reject(e) : resolve())))
}

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

function meter(): VirtualMeter {
  return new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
}

describe('tcp://HOST:PORT specs', () => {
  it('parses host and port, IPv6 in brackets, and refuses malformed specs', () => {
    expect(parseTcpSpec('tcp://192.168.1.20:2000')).toEqual({ host: '192.168.1.20', port: 2000 })
    expect(parseTcpSpec('TCP://smartyreader.local:23')).toEqual({ host: 'smartyreader.local', port: 23 })
    expect(parseTcpSpec('tcp://[fd00::5]:2000')).toEqual({ host: 'fd00::5', port: 2000 })
    for (const bad of ['tcp://host', 'tcp://host:0', 'tcp://host:70000', 'tcp://:2000', 'tcp://[nothex]:1', '/dev/ttyUSB0', 'tcp://a b:1'])
      expect(parseTcpSpec(bad)).toBeNull()
  })

  it('sourceFromSpec gives a TCP source for tcp:// and a serial source for a path', () => {
    const t = sourceFromSpec('tcp://127.0.0.1:2000')
    expect(t).toBeInstanceOf(TcpSource)
    expect(t.label).toBe('tcp://127.0.0.1:2000')
    expect(sourceFromSpec('tcp://[::1]:2000').label).toBe('tcp://[::1]:2000')
    const s = sourceFromSpec('/dev/ttyUSB0', { settings: { baudRate: 9600, dataBits: 7, parity: 'even' } })
    expect(s).toBeInstanceOf(SerialSource)
    expect(s.label).toBe('/dev/ttyUSB0 9600 7E1')
    expect(() => sourceFromSpec('tcp://dongle')).toThrow(/tcp:\/\/HOST:PORT/)
  })

  it('formats delays in plain words', () => {
    expect([1000, 4000, 60_000, 90_000].map(formatDelay)).toEqual(['1 s', '4 s', '1 min', '1 min 30 s'])
  })
})

describe('TcpSource on loopback sockets', () => {
  it('reassembles frames split across TCP writes, stamped with the clock', async () => {
    const srv = await serve()
    cleanup.push(() => srv.close())
    const clock = new ManualClock(T0)
    const src = new TcpSource({ host: '127.0.0.1', port: srv.port, clock })
    const decoder = new P1Decoder({ key: KEY })
    const telegrams: { fc: number | null; at: number }[] = []
    src.on('data', (chunk, at) => {
      for (const ev of decoder.push(chunk, at)) {
        expect(ev.type).toBe('telegram')
        if (ev.type === 'telegram') telegrams.push({ fc: ev.telegram.dlms?.frameCounter ?? null, at: ev.telegram.receivedAt })
      }
    })
    cleanup.push(() => src.stop())
    const accepted = srv.connected()
    await src.start()
    expect(src.connected).toBe(true)
    const sock = await accepted
    const m = meter()
    let sent = 0
    // three frames 10 s apart; each cut at other places (1 byte, inside the header, mid-ciphertext, inside the tag)
    const cuts = [
      [1, 18, 400],
      [5, 9, 700],
      [14, 15, 16]
    ]
    for (let i = 0; i < 3; i++) {
      const frame = m.nextFrame(new Date(clock.now()))!
      const at = [0, ...cuts[i], frame.length - 3, frame.length]
      for (let k = 0; k + 1 < at.length; k++) {
        const part = frame.subarray(at[k], at[k + 1])
        await write(sock, part)
        sent += part.length
        await bytesReceived(src, sent) // this piece was read on its own
      }
      clock.advance(10_000)
    }
    expect(telegrams).toEqual([
      { fc: 1, at: T0 },
      { fc: 2, at: T0 + 10_000 },
      { fc: 3, at: T0 + 20_000 }
    ])
  })

  it('reconnects 1 s after the server restarts, and the stream goes on', async () => {
    let srv = await serve()
    const port = srv.port
    cleanup.push(() => srv.close())
    const clock = new ManualClock(T0)
    const src = new TcpSource({ host: '127.0.0.1', port, clock })
    const decoder = new P1Decoder({ key: KEY })
    const counters: number[] = []
    src.on('data', (chunk, at) => {
      for (const ev of decoder.push(chunk, at)) if (ev.type === 'telegram') counters.push(ev.telegram.dlms!.frameCounter)
    })
    cleanup.push(() => src.stop())
    const first = srv.connected()
    await src.start()
    const m = meter()
    const f1 = m.nextFrame(new Date(clock.now()))!
    await write(await first, f1)
    await bytesReceived(src, f1.length)

    // ser2net restarts: the connection closes, nothing listens for a moment
    const lost = nextChange(src, (e) => e.state === 'waiting')
    await srv.close()
    const w = await lost
    expect(w).toMatchObject({ code: 'connection_closed', retryInMs: 1000 })
    expect(w.message).toBe(`tcp://127.0.0.1:${port}: connection closed by the other side, retrying in 1 s.`)
    expect(clock.nextDue()).toBe(clock.now() + 1000)
    srv = await serve(port)
    const again = srv.connected()
    const up = nextChange(src, (e) => e.state === 'connected')
    clock.advance(999)
    expect(src.state?.state).toBe('waiting') // not a moment early
    clock.advance(1)
    expect(src.state?.state).toBe('connecting')
    await up
    clock.advance(9_000)
    const f2 = m.nextFrame(new Date(clock.now()))!
    await write(await again, f2)
    await bytesReceived(src, f1.length + f2.length)
    expect(counters).toEqual([1, 2])
    expect(src.stats.connects).toBe(2)
  })

  it('backs off 1, 2, 4 … 60 s on a refused port, then starts from 1 s after a good connection', async () => {
    const port = await freePort()
    const clock = new ManualClock(T0)
    const src = new TcpSource({ host: '127.0.0.1', port, clock })
    const errors: string[] = []
    src.on('error', (e) => errors.push(e.message))
    cleanup.push(() => src.stop())
    const delays: number[] = []
    let refused = nextChange(src, (e) => e.state === 'waiting')
    await src.start()
    for (let i = 0; i < 8; i++) {
      const w = await refused
      expect(w.code).toBe('connection_refused')
      expect(w.failures).toBe(i + 1)
      delays.push(w.retryInMs!)
      expect(clock.nextDue()).toBe(clock.now() + w.retryInMs!) // the next attempt waits exactly that long
      refused = nextChange(src, (e) => e.state === 'waiting')
      clock.advance(w.retryInMs!)
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
    expect(errors[2]).toBe(
      `tcp://127.0.0.1:${port}: connection refused (nothing listens on that port: is ser2net / the stream server running?), retrying in 4 s.`
    )
    const ninth = await refused
    expect(ninth.retryInMs).toBe(60_000)

    // the dongle comes up: connect, receive a frame (a good connection), lose it → 1 s again
    const srv = await serve(port)
    cleanup.push(() => srv.close())
    const accepted = srv.connected()
    const up = nextChange(src, (e) => e.state === 'connected')
    clock.advance(60_000)
    await up
    const f = meter().nextFrame(new Date(clock.now()))!
    const sock = await accepted
    await write(sock, f)
    await bytesReceived(src, f.length)
    const lost = nextChange(src, (e) => e.state === 'waiting')
    sock.destroy()
    const w = await lost
    expect(w).toMatchObject({ code: 'connection_closed', retryInMs: 1000, failures: 1 })
  })

  it('drops a connection that stays silent for the idle time and reconnects', async () => {
    const srv = await serve()
    cleanup.push(() => srv.close())
    const clock = new ManualClock(T0)
    const src = new TcpSource({ host: '127.0.0.1', port: srv.port, clock, idleTimeoutMs: 60_000 })
    cleanup.push(() => src.stop())
    const accepted = srv.connected()
    await src.start()
    const sock = await accepted
    const closedByUs = new Promise<void>((r) => sock.once('close', () => r()))
    const idle = nextChange(src, (e) => e.state === 'waiting')
    clock.advance(59_999)
    expect(src.connected).toBe(true)
    clock.advance(1)
    const w = await idle
    // up for 30 s (stable) before it fell silent: a good connection, so the retry is 1 s away
    expect(w).toMatchObject({ code: 'idle_timeout', retryInMs: 1000 })
    expect(w.message).toBe(`tcp://127.0.0.1:${srv.port}: no data for 1 min, retrying in 1 s.`)
    await closedByUs
    const second = srv.connected()
    const up = nextChange(src, (e) => e.state === 'connected')
    clock.advance(1000)
    await Promise.all([second, up])
    expect(srv.sockets.length).toBe(2)
  })

  it('stop() closes the connection, cancels retries and ends once', async () => {
    const port = await freePort()
    const clock = new ManualClock(T0)
    const src = new TcpSource({ host: '127.0.0.1', port, clock })
    const ends: string[] = []
    src.on('end', (r) => ends.push(r))
    await src.start()
    expect(src.state?.state).toBe('waiting')
    expect(clock.pending()).toBe(1)
    await src.stop()
    await src.stop()
    expect(clock.pending()).toBe(0)
    expect(ends).toEqual([`Closed tcp://127.0.0.1:${port}.`])
    expect(src.state?.state).toBe('stopped')
  })
})

/** A CLI process with its output so far and waits on it. */
function cli(args: string[]): {
  out: () => string
  err: () => string
  until(re: RegExp, stream?: 'out' | 'err'): Promise<void>
  kill(sig: NodeJS.Signals): void
  exit: Promise<number | null>
} {
  const child = spawn(process.execPath, [resolve(__dirname, '../../bin/p1studio.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  const poke = (): void => {
    for (const w of waiters.splice(0)) w()
  }
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), poke()))
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), poke()))
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  return {
    out: () => out,
    err: () => err,
    until: (re, stream = 'out') =>
      new Promise<void>((res, rej) => {
        const check = (): void => {
          if (re.test(stream === 'out' ? out : err)) res()
          else waiters.push(check)
        }
        void exit.then((c) => rej(new Error(`exited ${c} before ${re}: ${err}`)))
        check()
      }),
    kill: (sig) => child.kill(sig),
    exit
  }
}

// each CLI run starts node (and tsx when the bundle is stale): seconds under load, never a verdict
describe('tcp:// in the CLI', { timeout: 240_000 }, () => {
  it('monitor --port tcp://… decodes frames from a TCP server', async () => {
    const srv = await serve()
    cleanup.push(() => srv.close())
    const accepted = srv.connected()
    const p = cli(['monitor', '--port', `tcp://127.0.0.1:${srv.port}`, '--key', KEY, '--count', '2'])
    const sock = await accepted
    const m = meter()
    await write(sock, m.nextFrame(new Date(T0))!)
    await p.until(/"frameCounter":1/)
    await write(sock, m.nextFrame(new Date(T0 + 10_000))!)
    expect(await p.exit).toBe(0)
    const lines = p
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.frameCounter)).toEqual([1, 2])
    expect(p.err()).toContain(`monitoring tcp://127.0.0.1:${srv.port}`)
  })

  it('capture --port tcp://… records the bytes; a refused port is retried and said', async () => {
    const port = await freePort()
    const out = join(mkdtempSync(join(tmpdir(), 'p1s-tcpcap-')), 'tcp.p1cap')
    const p = cli(['capture', '--port', `tcp://127.0.0.1:${port}`, '--out', out])
    await p.until(/connection refused .*retrying in 2 s/, 'err') // 1 s, then 2 s: the back-off in the words users read
    const srv = await serve(port)
    cleanup.push(() => srv.close())
    const sock = await srv.connected()
    const m = meter()
    for (let i = 0; i < 3; i++) await write(sock, m.nextFrame(new Date(T0 + i * 10_000))!)
    // the capture holds the three frames once their bytes are written (one write per record)
    for (;;) {
      const d = new P1Decoder({ key: KEY })
      let n = 0
      for await (const r of readCapture(out)) if (r.type === 'data') for (const ev of d.push(r.bytes, r.time)) if (ev.type === 'telegram') n++
      if (n >= 3) break
      await new Promise((r) => setTimeout(r, 100)) // a poll of the file, not a verdict
    }
    p.kill('SIGINT')
    expect(await p.exit).toBe(0)
    const header = (await readCapture(out).next()).value
    expect(header).toMatchObject({ type: 'metadata', meta: { source: `tcp://127.0.0.1:${port}`, lineSettings: null } })
  })
})
