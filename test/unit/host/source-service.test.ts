/**
 * The session's source (src/main/host/source-service.ts) with real parts: the bundled demo on a
 * virtual clock, a serial port that does not exist (serialport's own open error), a TCP
 * source against a closed port (a real refused connection), captures of the demo meter's own
 * frames (resources/demo/demo-day.bin) and of the published E1 frame.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEMO_SYSTEM_TITLE_HEX } from '../../../src/main/host/source-service'
import { StudioSession, maskKey } from '../../../src/main/host/session'
import { ManualClock } from '../../../src/main/line/clock'
import { DEMO_KEY_HEX, DemoSource, demoFilePath, splitFrames } from '../../../src/main/line/demo-source'
import { SerialSource } from '../../../src/main/line/serial-source'
import { TcpSource } from '../../../src/main/line/tcp-source'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { parseGloHeader } from '../../../src/main/p1/dlms'
import type { SourceRequest } from '../../../src/shared/contract'
import { FakeSource } from '../../helpers/fake-source'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'

const E1 = Buffer.from(readFileSync(resolve(__dirname, '../../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const dir = mkdtempSync(join(tmpdir(), 'p1s-src-'))
const sessions: StudioSession[] = []
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.dispose()
})

function session(opts: { clock?: ManualClock; factory?: (req: SourceRequest) => import('../../../src/main/line/source').ByteSource; key?: string } = {}) {
  const s = new StudioSession({
    version: 't',
    key: opts.key,
    clock: opts.clock,
    sourceFactory: opts.factory,
    portLister: async () => [],
    captureDir: join(dir, 'captures'),
    historyPath: join(dir, 'h.duckdb'),
    boardsDir: join(dir, 'boards'),
    statusThrottleMs: 0
  })
  sessions.push(s)
  return s
}

/** The session's default sources (demo, serial) on a virtual clock. */
const realFactory = (clock: ManualClock) => (req: SourceRequest) => {
  if (req.kind === 'demo') return new DemoSource({ clock, startIndex: 0 })
  if (req.kind === 'serial') return new SerialSource(req.path, req.settings, { clock })
  throw new Error('not here')
}

/** Let the event loop run (reads, timers of the system) until `cond` holds. */
async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 20_000
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('opening a source', () => {
  it('a port that does not open leaves the running demo running, with its key, and says nothing in the status', async () => {
    const clock = new ManualClock()
    const s = session({ clock, factory: realFactory(clock) })
    await s.api.openSource({ kind: 'demo' })
    clock.advance(0)
    await until(async () => (await s.api.getStatus()).stats.decoded === 1, 'the first demo frame')
    const missing = join(dir, 'no-such-tty')
    await expect(s.api.openSource({ kind: 'serial', path: missing })).rejects.toMatchObject({ code: 'port_not_found' })
    const st = await s.api.getStatus()
    expect(st.source.kind).toBe('demo')
    expect(st.key).toMatchObject({ hasKey: true, masked: maskKey(DEMO_KEY_HEX) })
    expect(st.error).toBeNull()
    expect(st.errorInfo).toBeNull()
    // the demo goes on: the next frame 10 s later decodes with the demo key
    clock.advance(10_000)
    await until(async () => (await s.api.getStatus()).stats.decoded === 2, 'the second demo frame')
    expect((await s.api.getStatus()).stats.failed).toEqual({})
    expect((await s.api.getStatus()).stats.line.state).toBe('ok')
  })

  it('with nothing open, a port that does not open is the status error, as a code with its path', async () => {
    const clock = new ManualClock()
    const s = session({ clock, factory: realFactory(clock) })
    const missing = join(dir, 'no-such-tty')
    await expect(s.api.openSource({ kind: 'serial', path: missing })).rejects.toThrow(/No serial port/)
    const st = await s.api.getStatus()
    expect(st.source).toEqual({ kind: 'none' })
    expect(st.errorInfo).toEqual({ code: 'port_not_found', message: st.error, params: { path: missing } })
    expect(st.stats.line.state).toBe('none')
  })

  it('a pulled cable is port_disconnected {path}; the line then goes silent on the clock', async () => {
    const clock = new ManualClock()
    const src = new FakeSource()
    const s = session({ clock, factory: () => src, key: 'D491470F47126332B07D1923B3504188' })
    await s.api.openSource({ kind: 'serial', path: '/dev/fake' })
    src.emit('data', E1, clock.now())
    expect((await s.api.getStatus()).stats.line.state).toBe('ok')
    src.emit('end', 'Port /dev/fake disconnected. Check the cable, then open it again.')
    const st = await s.api.getStatus()
    expect(st.errorInfo).toEqual({ code: 'port_disconnected', message: st.error, params: { path: '/dev/fake' } })
    clock.advance(12_001)
    expect((await s.api.getStatus()).stats.line).toMatchObject({ state: 'no_bytes', framesFound: 1, meter: 'SAG1030700114004' })
  })

  it('a frame whose last byte could begin a header (0xDB, "/") is decoded once the line is quiet for 2 s, not with the next frame', async () => {
    // the virtual meter's frames until one ends in 0xDB or "/" (the GCM tag's last byte: ≈ 0.8 % of frames)
    const key = Buffer.from('D491470F47126332B07D1923B3504188', 'hex')
    const meter = new VirtualMeter({ key, write: () => undefined })
    let frame: Buffer | null = null
    for (let i = 0; i < 5000 && frame === null; i++) {
      const f = meter.nextFrame(new Date(Date.UTC(2026, 5, 20, 8, 0, 0) + i * 10_000))!
      if (f[f.length - 1] === 0xdb || f[f.length - 1] === 0x2f) frame = f
    }
    expect(frame).not.toBeNull()
    const clock = new ManualClock()
    const src = new FakeSource()
    const s = session({ clock, factory: () => src, key: key.toString('hex') })
    await s.api.openSource({ kind: 'serial', path: '/dev/fake' })
    src.emit('data', frame!, clock.now())
    // held: its last byte may begin the next frame's header
    expect((await s.api.getStatus()).stats.decoded).toBe(0)
    clock.advance(1_999)
    expect((await s.api.getStatus()).stats.decoded).toBe(0)
    clock.advance(2)
    expect((await s.api.getStatus()).stats).toMatchObject({ decoded: 1, failed: {} })
  })

  it('a TCP source that is refused is tcp_reconnecting {source, problem, retryS}; bytes end it', async () => {
    // a port that refuses: bound, then closed
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((r) => server.close(() => r()))
    const clock = new ManualClock()
    const tcp = new TcpSource({ host: '127.0.0.1', port, clock })
    const s = session({ clock, factory: () => tcp })
    await s.api.openSource({ kind: 'serial', path: `tcp://127.0.0.1:${port}` })
    const st = await s.api.getStatus()
    expect(st.errorInfo).toEqual({
      code: 'tcp_reconnecting',
      message: `tcp://127.0.0.1:${port}: connection refused (nothing listens on that port: is ser2net / the stream server running?), retrying in 1 s.`,
      params: { source: `tcp://127.0.0.1:${port}`, problem: 'connection_refused', retryS: 1, failures: 1 }
    })
    tcp.emit('data', E1, clock.now())
    expect((await s.api.getStatus()).errorInfo).toBeNull()
  })
})

describe('the demo capture keeps the demo key', () => {
  const demo = splitFrames(readFileSync(demoFilePath())).slice(0, 3)

  it('the constant is the bundled demo meter’s system title', () => {
    const h = parseGloHeader(demo[0], 0)
    expect(h.status === 'ok' && h.header.systemTitle).toBe(DEMO_SYSTEM_TITLE_HEX)
  })

  for (const form of ['capture', 'raw dump'] as const) {
    it(`replaying the demo's own frames (${form}) without a key decodes them with the demo key`, async () => {
      const path = join(dir, `demo-${form === 'capture' ? 'c.p1cap' : 'r.bin'}`)
      if (form === 'capture') {
        const w = new CaptureWriter({ path, source: 'demo', appVersion: 't' })
        demo.forEach((f, i) => w.write(f, Date.UTC(2026, 5, 21, 8, 0, i * 10)))
        w.close()
      } else writeFileSync(path, Buffer.concat(demo))
      const s = session()
      await s.api.openSource({ kind: 'capture', path, speed: 'max' })
      await until(async () => (await s.api.getStatus()).stats.decoded === 3, 'three telegrams')
      const st = await s.api.getStatus()
      expect(st.stats.failed).toEqual({})
      expect(st.key).toMatchObject({ hasKey: true, masked: maskKey(DEMO_KEY_HEX) })
      expect(st.stats.line).toMatchObject({ state: 'ok', meter: 'SAG1030700DEMO01' })
      // a real meter's port afterwards does not inherit it
      const fake = new FakeSource()
      const s2 = session({ factory: () => fake })
      await s2.api.openSource({ kind: 'capture', path, speed: 'max' })
      await s2.api.openSource({ kind: 'serial', path: '/dev/fake' })
      expect((await s2.api.getStatus()).key).toMatchObject({ hasKey: false })
    })
  }

  it('another meter’s capture gets no key', async () => {
    const path = join(dir, 'e1.bin')
    writeFileSync(path, E1)
    const s = session()
    await s.api.openSource({ kind: 'capture', path, speed: 'max' })
    await until(async () => (await s.api.getStatus()).stats.failed.missing_key === 1, 'the frame')
    const st = await s.api.getStatus()
    expect(st.key.hasKey).toBe(false)
    expect(st.stats.line).toMatchObject({ state: 'frames_not_decoded', lastFailure: { code: 'missing_key', systemTitle: '534147677001BD54' } })
  })

  it('a key set by the user is kept for the demo capture', async () => {
    const path = join(dir, 'demo-k.bin')
    writeFileSync(path, Buffer.concat(demo))
    const s = session({ key: 'D491470F47126332B07D1923B3504188' })
    await s.api.openSource({ kind: 'capture', path, speed: 'max' })
    await until(async () => (await s.api.getStatus()).stats.failed.gcm_tag_mismatch === 3, 'three failures')
    expect((await s.api.getStatus()).key.masked).toBe(maskKey('D491470F47126332B07D1923B3504188'))
  })
})
