/**
 * Paths are not parameters from a browser (issue 12), over a real WebSocket against a session
 * in serve mode: every refusal (an absolute path — even one inside the capture folder —, `..`,
 * a symlink out of the folder, /dev/zero, a tty that is neither listed nor allowed, a broker not
 * allowed, answered before any connection so an open port and a closed one look alike), and the
 * allowed forms working: a capture by name, an allowed pty, an upload (0600) imported and
 * exported, the export downloaded through GET /download/<name>, an allowed broker and a saved
 * profile's broker reached.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import { CaptureWriter } from '../../src/main/capture/writer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import type { MqttVerifyReport } from '../../src/shared/board'
import type { CaptureFileInfo, ExportResult, SessionStatus, UploadState } from '../../src/shared/contract'
import { freeLowPort, freePort } from '../helpers/mosquitto'
import { openPtyPair } from '../helpers/pty'
import { pageSocket, wsCall } from '../helpers/serve'

const KEY = '3C1D5E7F9A0B2C4D6E8F0A1B3C5D7E9F' // test key, not a meter's
const root = mkdtempSync(join(tmpdir(), 'p1s-paths-'))
const captureDir = join(root, 'captures')
const firmwareDir = join(root, 'firmware')
const staticDir = join(root, 'ui')

/** A capture of the virtual meter at the real 10 s cadence. */
function makeCapture(path: string, frames: number): Buffer[] {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  const w = new CaptureWriter({ path, source: 'test', appVersion: 't' })
  const t0 = Date.parse('2026-03-02T10:00:00Z')
  const out: Buffer[] = []
  for (let i = 0; i < frames; i++) {
    const f = meter.nextFrame(new Date(t0 + i * 10_000))!
    out.push(f)
    w.write(f, t0 + i * 10_000)
  }
  w.close()
  return out
}

let session: StudioSession
let server: WebServer
let ws: WebSocket
let allowed: Awaited<ReturnType<typeof openPtyPair>>
let other: Awaited<ReturnType<typeof openPtyPair>>
let openBroker: Server
let openBrokerPort: number
let brokerConnections = 0
let closedPort: number
let allowedBrokerPort: number
let nextId = 1
const call = async (method: string, params?: unknown) => wsCall(ws, nextId++, method, params)

beforeAll(async () => {
  for (const d of [captureDir, firmwareDir, staticDir]) mkdirSync(d, { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>paths</title>')
  makeCapture(join(captureDir, 'day.p1cap'), 6)
  makeCapture(join(root, 'outside.p1cap'), 2)
  symlinkSync(join(root, 'outside.p1cap'), join(captureDir, 'link.p1cap'))
  allowed = await openPtyPair()
  other = await openPtyPair()
  // a TCP port that is open (something listens) and one that is closed
  openBroker = createServer((s) => {
    brokerConnections++
    s.destroy()
  })
  await new Promise<void>((r) => openBroker.listen(0, '127.0.0.1', () => r()))
  openBrokerPort = (openBroker.address() as { port: number }).port
  closedPort = await freePort()
  allowedBrokerPort = await freePort()
  session = new StudioSession({
    version: 'paths',
    key: KEY,
    captureDir,
    firmwareDir,
    historyPath: join(root, 'h.duckdb'),
    boardsDir: join(root, 'boards'),
    portLister: async () => [],
    allowPorts: [allowed.b],
    allowBrokers: [`127.0.0.1:${allowedBrokerPort}`],
    statusThrottleMs: 0
  })
  server = await startWebServer({ session, port: 0, staticDir })
  ws = await pageSocket(server)
}, 60_000)

afterAll(async () => {
  ws?.close()
  await server?.close()
  await session?.dispose()
  await allowed?.close()
  await other?.close()
  openBroker?.close()
})

describe('from a browser, refused', () => {
  it('files: an absolute path (even inside the folder), .., a symlink out of the folder, /dev/zero, a name not there', async () => {
    const refusals: [string, unknown, string][] = [
      ['openSource', { kind: 'capture', path: join(captureDir, 'day.p1cap') }, 'forbidden_path'],
      ['openSource', { kind: 'capture', path: '../outside.p1cap' }, 'forbidden_path'],
      ['openSource', { kind: 'file', path: 'link.p1cap' }, 'forbidden_path'],
      ['openSource', { kind: 'file', path: '/etc/passwd' }, 'forbidden_path'],
      ['importFile', { path: '/dev/zero' }, 'forbidden_path'],
      ['importFile', { path: '..' }, 'forbidden_path'],
      ['historyImport', { path: '/etc/shadow' }, 'forbidden_path'],
      ['exportCapture', { path: 'sub/day.p1cap', format: 'csv' }, 'forbidden_path'],
      ['boardFlash', { path: allowed.b, reset: 'none', images: [{ path: '/dev/zero', offset: 0 }] }, 'forbidden_path'],
      ['openSource', { kind: 'capture', path: 'nope.p1cap' }, 'not_found']
    ]
    for (const [method, params, code] of refusals) {
      const r = await call(method, params)
      expect(r.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code })
      expect(r.error!.message).not.toMatch(/root:|ENOENT|at \w+ \(/)
    }
    const link = await call('openSource', { kind: 'capture', path: 'link.p1cap' })
    expect(link.error).toMatchObject({
      code: 'forbidden_path',
      message: 'link.p1cap in the capture folder leads outside it: P1 Studio does not follow it for a browser.'
    })
    expect(((await call('getStatus')).result as SessionStatus).source).toEqual({ kind: 'none' })
  })

  it('serial devices neither listed nor allowed, for every operation that opens one', async () => {
    for (const [method, params] of [
      ['openSource', { kind: 'serial', path: other.b }],
      ['diagnose', { path: other.b, durationS: 1 }],
      ['boardMonitorStart', { path: other.b }],
      ['boardInfo', { path: other.b, reset: 'none' }],
      ['improvProvision', { path: other.b, ssid: 'x' }],
      ['openSource', { kind: 'serial', path: '/dev/tty' }]
    ] as const) {
      const r = await call(method, params)
      expect(r.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code: 'forbidden_path', params: { path: params.path } })
    }
  })

  it('brokers not allowed, before any connection: an open port and a closed one get the same answer', async () => {
    const open = await call('mqttVerify', { url: `mqtt://127.0.0.1:${openBrokerPort}`, topic: 't', durationS: 1 })
    const closed = await call('mqttVerify', { url: `mqtt://127.0.0.1:${closedPort}`, topic: 't', durationS: 1 })
    const live = await call('mqttSourceOpen', { url: `mqtt://127.0.0.1:${openBrokerPort}`, topic: 't' })
    for (const r of [open, closed, live]) expect(r.error).toMatchObject({ code: 'broker_not_allowed', params: { host: '127.0.0.1' } })
    expect(open.error!.message.replace(String(openBrokerPort), 'N')).toBe(closed.error!.message.replace(String(closedPort), 'N'))
    expect(brokerConnections).toBe(0)
  })

  it('uploads over their folder’s cap', async () => {
    const r = await call('uploadBegin', { folder: 'firmware', name: 'big.bin', bytes: 17 * 1024 * 1024 })
    expect(r.error).toMatchObject({ code: 'too_large', params: { limit: 16 * 1024 * 1024 } })
  })
})

describe('from a browser, allowed', () => {
  it('a capture by its name in the folder; a port the operator allowed', async () => {
    const st = (await call('openSource', { kind: 'capture', path: 'day.p1cap', speed: 'max' })).result as SessionStatus
    expect(st.source).toMatchObject({ kind: 'capture', path: join(captureDir, 'day.p1cap') })
    const serial = await call('openSource', { kind: 'serial', path: allowed.b })
    expect(serial.error).toBeUndefined()
    expect((serial.result as SessionStatus).source).toMatchObject({ kind: 'serial', path: allowed.b, open: true })
    expect(session.ports.holder(allowed.b)).toBe('p1-source')
    await call('closeSource')
  })

  it('an upload (0600) imported as a capture, exported, and the export downloaded through /download/<name>', async () => {
    const frames = makeCapture(join(root, 'src.p1cap'), 3)
    const hex = Buffer.from(
      Buffer.concat(frames)
        .toString('hex')
        .replace(/(.{64})/g, '$1\n')
    )
    expect((await call('uploadBegin', { folder: 'captures', name: 'site dump.hex', bytes: hex.length })).error).toMatchObject({ code: 'invalid_request' })
    const begin = (await call('uploadBegin', { folder: 'captures', name: 'site-dump.hex', bytes: hex.length })).result as UploadState
    expect(begin).toMatchObject({ name: 'site-dump.hex', received: 0, bytes: hex.length })
    let offset = 0
    for (const size of [1000, 2000, hex.length]) {
      const part = hex.subarray(offset, Math.min(offset + size, hex.length))
      if (part.length === 0) break
      const r = await call('uploadChunk', { uploadId: begin.uploadId, offset, data: part.toString('base64') })
      expect(r.error).toBeUndefined()
      offset += part.length
    }
    const wrong = await call('uploadChunk', { uploadId: begin.uploadId, offset: 0, data: 'AA==' })
    expect(wrong.error).toMatchObject({ code: 'invalid_request' })
    const file = (await call('uploadEnd', { uploadId: begin.uploadId })).result as CaptureFileInfo
    expect(readFileSync(file.path).equals(hex)).toBe(true)
    expect(statSync(file.path).mode & 0o777).toBe(0o600)

    const imported = (await call('importFile', { path: file.name })).result as CaptureFileInfo
    expect(imported.path.startsWith(captureDir)).toBe(true)
    const exported = await call('exportCapture', { path: imported.name, format: 'csv' })
    expect(exported.error).toBeUndefined()
    const exp = exported.result as ExportResult
    expect(exp.telegrams).toBe(3)

    const page = await fetch(server.url)
    const cookie = page.headers.get('set-cookie')!.split(';')[0]
    const got = await fetch(`http://127.0.0.1:${server.port}/download/${encodeURIComponent(exp.name)}`, { headers: { cookie } })
    expect(got.status).toBe(200)
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${exp.name}"`)
    expect(await got.text()).toBe(readFileSync(exp.path, 'utf8'))
    // no token, no file; names only, inside the folder only
    expect((await fetch(`http://127.0.0.1:${server.port}/download/${encodeURIComponent(exp.name)}`)).status).toBe(401)
    for (const bad of ['..%2Fh.duckdb', 'link.p1cap', '%2Fetc%2Fpasswd', 'missing.csv']) {
      const r = await fetch(`http://127.0.0.1:${server.port}/download/${bad}`, { headers: { cookie } })
      expect([403, 404], bad).toContain(r.status)
      expect(await r.text()).not.toContain('root:')
    }
  })

  it('the history imports a capture by name', async () => {
    const r = await call('historyImport', { path: 'day.p1cap' })
    expect(r.error).toBeUndefined()
    expect(r.result).toMatchObject({ telegrams: 6 })
  })

  it('an allowed broker and a saved profile’s own broker are reached (nothing listens there: unreachable, a verdict)', async () => {
    const allowedRun = await call('mqttVerify', { url: `mqtt://127.0.0.1:${allowedBrokerPort}`, topic: 't', durationS: 1 })
    expect(allowedRun.error).toBeUndefined()
    expect((allowedRun.result as MqttVerifyReport).verdict).toBe('broker_unreachable')
    const profilePort = await freeLowPort() // the sketch keeps the MQTT port in a short
    const p = await call('boardSaveProfile', {
      name: 'Weber',
      settings: { MY_WIFI_SSID: 'Maison', MQTT_SERVER: '127.0.0.1', MY_MQTT_PORT: profilePort, MQTT_TOPIC_OUT: 'weber' }
    })
    const id = (p.result as { id: string }).id
    const viaProfile = await call('mqttVerify', { profileId: id, durationS: 1 })
    expect(viaProfile.error).toBeUndefined()
    expect((viaProfile.result as MqttVerifyReport).verdict).toBe('broker_unreachable')
    // the profile's broker only: another URL with the profile is refused
    const elsewhere = await call('mqttVerify', { profileId: id, url: `mqtt://127.0.0.1:${openBrokerPort}`, durationS: 1 })
    expect(elsewhere.error).toMatchObject({ code: 'broker_not_allowed' })
  })
})
