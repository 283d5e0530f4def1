/**
 * `p1studio serve` always on (issue 17), as a Raspberry Pi runs it: real processes end to end.
 *
 * - `--record --daily-captures`: the virtual meter (`p1studio simulate`) writes encrypted frames
 *   into a socat pty pair, serve reads the other end; every telegram is journaled at once (the
 *   test waits on the journal, never on a duration), committed to the history when serve stops,
 *   and `p1studio history meters` lists them with the meter's zone; the run ended on purpose,
 *   no outage; the day's capture file holds the bytes; the choice is kept 0600.
 * - `/metrics` on serve's port: 401 without the serve token, 200 with `Authorization: Bearer`,
 *   the demo meter's values in it, `promtool check metrics` (Debian's prometheus) passes; a
 *   Host the operator did not name is refused (403) even with the token, `--host-name` admits it.
 * - `--mqtt-publish` with `--ha-discovery` to a real Mosquitto that wants a login (the password
 *   from `--mqtt-password-file`, never on the command line or in serve's output): `online`, the
 *   telegram JSON, one retained topic per value equal to it, Home Assistant discovery documents
 *   pointing at them; `offline` when serve stops.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { connectAsync } from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { startMosquitto } from '../helpers/mosquitto'
import { openPtyPair } from '../helpers/pty'
import { rawHttp, ROOT, startServe, stopServe, type ServeProcess } from '../helpers/serve'

const KEY = '5B2E8C1F0A3D6E9B4C7F2A5D8E1B3C6F' // test key, not a meter's
const METER = 'SAG1030700089067' // the virtual meter's id

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Resolve when `cond` holds, polling every 100 ms; fail with `what()` after the guard (only a stuck run reaches it). */
async function waitFor(cond: () => boolean, what: () => string, guardMs = 90_000): Promise<void> {
  const end = Date.now() + guardMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting: ${what()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (c) => r(c)))
}

/** Serve's frame, telegram and failure counters from its /metrics, for a failure message. */
async function serveCounters(serve: ServeProcess): Promise<string> {
  try {
    const r = await fetch(`${serve.origin}/metrics`, { headers: { authorization: `Bearer ${serve.token}` }, signal: AbortSignal.timeout(10_000) })
    const lines = (await r.text()).split('\n').filter((l) => /^p1_(frames|telegrams|decode_failures|skipped_bytes)_total/.test(l) && !/ 0$/.test(l))
    return lines.join('; ') || 'all zero'
  } catch (e) {
    return `unavailable (${(e as Error).message})`
  }
}

/** Readings journaled by serve's recorder so far (one JSON line each). */
function journaled(path: string): { m: string; r: { t: number } }[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"m"'))
    .map((l) => JSON.parse(l) as { m: string; r: { t: number } })
}

describe('p1studio serve, always on: real processes', () => {
  it('--record --daily-captures: the virtual meter over a pty lands in the history, each telegram once, with its zone', async () => {
    const data = mkdtempSync(join(tmpdir(), 'p1s-serve-rec-'))
    const env = { P1STUDIO_DATA_DIR: data }
    const pty = await openPtyPair()
    cleanups.push(() => pty.close())
    const serve: ServeProcess = await startServe(
      ['--port', pty.b, '--key', KEY, '--listen', '127.0.0.1:0', '--record', '--daily-captures', '--zone', 'Europe/Dublin'],
      env
    )
    cleanups.push(() => stopServe(serve))
    expect(serve.output()).toContain(`recording to the history and daily captures (${join(data, 'history.duckdb')})`)
    const choice = join(data, 'recording.json')
    expect(JSON.parse(readFileSync(choice, 'utf8'))).toEqual({ history: true, dailyCaptures: true })
    expect(statSync(choice).mode & 0o777).toBe(0o600)

    // 4 frames 3 s apart: meter times (whole seconds) all differ
    const COUNT = 4
    const sim = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/p1studio.mjs'), 'simulate', '--port', pty.a, '--key', KEY, '--interval', '3', '--count', String(COUNT)],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe']
      }
    )
    let simErr = ''
    sim.stderr!.on('data', (d: Buffer) => (simErr += d.toString()))
    expect(await exited(sim)).toBe(0)
    expect(simErr.match(/^frame \d+: \d+ bytes$/gm)).toHaveLength(COUNT)
    const journal = join(data, 'history.duckdb.journal')
    await waitFor(
      () => journaled(journal).length >= COUNT,
      () => `${journaled(journal).length} of ${COUNT} readings journaled; serve said: ${serve.output()}`
    ).catch(async (e: Error) => {
      // which step lost them: the bytes (frames), the decoding (telegrams, failures) or the recorder
      throw new Error(`${e.message}\nserve's counters: ${await serveCounters(serve)}`)
    })
    const j = journaled(journal)
    expect(j.map((e) => e.m)).toEqual(Array(COUNT).fill(METER))
    await stopServe(serve)
    expect(serve.child.exitCode).toBe(0)
    expect(existsSync(journal)).toBe(false) // committed and removed on a clean stop

    const db = join(data, 'history.duckdb')
    const meters = cli(['history', 'meters', '--json', '--history', db], env)
    expect(meters.stderr).toBe('')
    const list = JSON.parse(meters.stdout) as { meterId: string; zone: string | null; readings: number; first: number; last: number }[]
    expect(list).toEqual([expect.objectContaining({ meterId: METER, zone: 'Europe/Dublin', readings: COUNT, first: j[0].r.t, last: j[COUNT - 1].r.t })])
    // the day's capture file of the port, 0600, holding the frames' bytes
    const caps = readdirSync(join(data, 'captures')).filter((n) => n.endsWith('.p1cap'))
    expect(caps).toHaveLength(1)
    expect(caps[0]).toMatch(new RegExp(`^p1studio-${basename(pty.b).replace(/[^A-Za-z0-9._-]+/g, '_')}-\\d{4}-\\d{2}-\\d{2}\\.p1cap$`))
    const capPath = join(data, 'captures', caps[0])
    expect(statSync(capPath).mode & 0o777).toBe(0o600)
    const again = cli(['history', 'import', capPath, '--key', KEY, '--history', join(data, 'check.duckdb')], env)
    expect(again.stderr).toContain(`${COUNT} telegrams, ${COUNT} new readings of ${METER}`)
  }, 180_000)

  it('/metrics: 401 without the token, 200 with it as a bearer token, promtool check metrics passes; other Host names 403 unless --host-name', async () => {
    const data = mkdtempSync(join(tmpdir(), 'p1s-serve-metrics-'))
    const env = { P1STUDIO_DATA_DIR: data }
    const serve = await startServe(['--demo', '--listen', '127.0.0.1:0', '--host-name', 'raspberrypi.local'], env)
    cleanups.push(() => stopServe(serve))
    const url = `${serve.origin}/metrics`
    const none = await fetch(url)
    expect(none.status).toBe(401)
    expect(await none.text()).not.toMatch(/^p1_/m)
    expect((await fetch(url, { headers: { authorization: 'Bearer not-the-token-0123456789' } })).status).toBe(401)
    const auth = { authorization: `Bearer ${serve.token}` }
    // the demo's first telegram comes at once: wait for its values (never for a duration)
    let body = ''
    for (let i = 0; i < 600 && !/^p1_energy_import_kwh_total\{/m.test(body); i++) {
      const r = await fetch(url, { headers: auth })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
      body = await r.text()
      if (!/^p1_energy_import_kwh_total\{/m.test(body)) await new Promise((r) => setTimeout(r, 100))
    }
    expect(body).toMatch(/^p1_telegrams_total\{meter_id="[^"]+"\} [1-9]\d*$/m)
    expect(body).toMatch(/^p1_voltage_volts\{[^}]*phase="L1"[^}]*\} \d+(\.\d+)?$/m)
    expect(body).toMatch(/^# TYPE p1_energy_import_kwh_total counter$/m)
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' })
    expect(check.error).toBeUndefined()
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('')
    expect(check.status).toBe(0)
    // the Host check: a name serve was not told is refused even with the token
    const host = (name: string): Promise<{ status: number | null }> =>
      rawHttp(serve.port, `GET /metrics HTTP/1.1\r\nHost: ${name}:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\nConnection: close\r\n\r\n`)
    expect((await host('raspberrypi.local')).status).toBe(200)
    expect((await host('other.local')).status).toBe(403)
  }, 120_000)

  it('--mqtt-publish --ha-discovery: a real Mosquitto with a login gets the telegram, one retained topic per value and the discovery documents', async () => {
    const PASSWORD = 'mqtt-secret-7d1f0c'
    const broker = await startMosquitto({ users: { p1pi: PASSWORD } })
    cleanups.push(() => broker.stop())
    const data = mkdtempSync(join(tmpdir(), 'p1s-serve-mqtt-'))
    const pwFile = join(data, 'mqtt-password')
    writeFileSync(pwFile, PASSWORD + '\n', { mode: 0o600 })
    const sub = await connectAsync(broker.url, { username: 'p1pi', password: PASSWORD, reconnectPeriod: 0 })
    cleanups.push(() => sub.endAsync())
    const msgs: { topic: string; payload: string; retain: boolean }[] = []
    sub.on('message', (topic, payload, packet) => msgs.push({ topic, payload: payload.toString(), retain: packet.retain }))
    await sub.subscribeAsync(['home/p1/#', 'homeassistant/#'], { qos: 1 })
    const until = async (pred: (m: (typeof msgs)[number]) => boolean, what: string): Promise<(typeof msgs)[number]> => {
      await waitFor(
        () => msgs.some(pred),
        () => `${what}; got ${msgs.map((m) => m.topic).join(', ')}`,
        60_000
      )
      return msgs.find(pred)!
    }

    const args = ['--demo', '--listen', '127.0.0.1:0', '--mqtt-publish', broker.url, '--mqtt-prefix', 'home/p1', '--ha-discovery']
    const serve = await startServe([...args, '--mqtt-user', 'p1pi', '--mqtt-password-file', pwFile], { P1STUDIO_DATA_DIR: data })
    cleanups.push(() => stopServe(serve))
    await until((m) => m.topic === 'home/p1/status' && m.payload === 'online', 'the birth message')
    const tg = JSON.parse((await until((m) => m.topic === 'home/p1/telegram', 'the telegram JSON')).payload) as {
      meter_id: string
      values: Record<string, number | string>
      units: Record<string, string>
    }
    expect(tg.meter_id).toMatch(/^[A-Z0-9]{6,}$/)
    expect(typeof tg.values.energy_import).toBe('number')
    expect(tg.units).toMatchObject({ energy_import: 'kWh', power_import: 'kW', voltage_l1: 'V' })
    const energy = await until((m) => m.topic === 'home/p1/energy_import', 'the energy import topic')
    expect(energy.payload).toBe(String(tg.values.energy_import))
    const node = `p1studio_${tg.meter_id}`
    const docMsg = await until((m) => m.topic === `homeassistant/sensor/${node}/energy_import/config`, 'the discovery document')
    expect(JSON.parse(docMsg.payload)).toMatchObject({
      unique_id: `${node}_energy_import`,
      state_topic: 'home/p1/energy_import',
      unit_of_measurement: 'kWh',
      device_class: 'energy',
      state_class: 'total_increasing',
      availability_topic: 'home/p1/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      device: { identifiers: [node], serial_number: tg.meter_id },
      origin: { name: 'P1 Studio' }
    })
    for (const m of msgs.filter((x) => x.topic.startsWith('homeassistant/'))) {
      const c = JSON.parse(m.payload) as { state_topic: string }
      expect(c.state_topic).toMatch(/^home\/p1\/[a-z0-9_]+$/)
    }
    // retained: a client that comes later gets the state at once
    const late = await connectAsync(broker.url, { username: 'p1pi', password: PASSWORD, reconnectPeriod: 0 })
    cleanups.push(() => late.endAsync())
    const kept = new Promise<{ payload: string; retain: boolean }>((r) =>
      late.once('message', (_t, payload, packet) => r({ payload: payload.toString(), retain: packet.retain }))
    )
    await late.subscribeAsync(`homeassistant/sensor/${node}/energy_import/config`, { qos: 1 })
    expect(await kept).toEqual({ payload: docMsg.payload, retain: true })
    expect(serve.output()).toContain('MQTT publish: Publishing to')
    expect(serve.output()).not.toContain(PASSWORD)
    await stopServe(serve)
    expect(serve.child.exitCode).toBe(0)
    await until((m) => m.topic === 'home/p1/status' && m.payload === 'offline', 'offline on a clean stop')
  }, 120_000)
})
