/**
 * The meter's zone (issue 14) through the session: an Irish meter (Europe/Dublin: W = UTC+0,
 * S = UTC+1) opened with `zone: 'Europe/Dublin'` writes its telegram times in Irish local time;
 * the decoder reads them in that zone, the recorder keeps the zone with the meter in the
 * history, and its days begin at Irish midnights (00:00 UTC in winter), not at Luxembourg's
 * (23:00 UTC the day before). Plain DSMR 5 telegrams (CRC-16/ARC, DSMR 5.0.2 §6.12) built here
 * with Irish local times; a day whose consumption is all in the hour between the two
 * midnights shows which one the figures use.
 *
 * The nightly report of that meter as `serve --nightly-report --zone Europe/Dublin --smtp …`
 * wires it (host/live-outputs.ts), in-process on a ManualClock (a virtual day, not a process:
 * a real serve cannot be driven through a day): recorded by the session's recorder, made at
 * 00:05 Irish time and not before, its figures from Irish midnights, mailed to a local SMTP
 * sink (smtp-server) with the chart attached.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createServer, type Socket } from 'node:net'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import { LiveOutputs } from '../../src/main/host/live-outputs'
import { HistoryStore } from '../../src/main/history/store'
import { StudioSession } from '../../src/main/host/session'
import { ManualClock } from '../../src/main/line/clock'
import { dayFigures } from '../../src/main/output/nightly-report'
import { crc16Arc, formatCrc } from '../../src/main/p1/crc16'
import { localDate } from '../../src/shared/history'
import { FakeSource } from '../helpers/fake-source'
import { freePort } from '../helpers/mosquitto'

const METER = 'E0045003882416517' // an Irish-looking equipment id (made up)
const DUBLIN = 'Europe/Dublin'
const Q = 15 * 60_000
const DAY0 = Date.UTC(2026, 0, 14) // 2026-01-14 00:00 in Dublin (winter: UTC+0)
const BUSY = [Date.UTC(2026, 0, 14, 23), Date.UTC(2026, 0, 15)] // 23:00–24:00 Irish time: 10 kWh

/** `YYMMDDhhmmssX` of an instant in Irish local time (X = W winter, S summer: Irish Standard Time). */
function irishTimestamp(ms: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: DUBLIN,
      year: '2-digit',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23'
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value])
  )
  const summer = localHourOffset(ms) === 1
  return `${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}${summer ? 'S' : 'W'}`
}

/** Dublin's offset from UTC at `ms`, hours (0 in winter, 1 in summer). */
function localHourOffset(ms: number): number {
  const wall = new Intl.DateTimeFormat('en-GB', { timeZone: DUBLIN, hour: '2-digit', hourCycle: 'h23' }).format(new Date(ms))
  return (Number(wall) - new Date(ms).getUTCHours() + 24) % 24
}

/** A plain DSMR 5 telegram of the Irish meter at meter time `ms` with import register `kWh`. */
function irishTelegram(ms: number, kWh: number): Buffer {
  const id = Buffer.from(METER, 'latin1').toString('hex').toUpperCase()
  const body =
    '/ISK5\\2M550E-1013\r\n\r\n' +
    '1-3:0.2.8(50)\r\n' +
    `0-0:1.0.0(${irishTimestamp(ms)})\r\n` +
    `0-0:96.1.1(${id})\r\n` +
    `1-0:1.8.0(${kWh.toFixed(3).padStart(10, '0')}*kWh)\r\n` +
    '1-0:2.8.0(000000.000*kWh)\r\n' +
    '1-0:1.7.0(00.500*kW)\r\n' +
    '1-0:2.7.0(00.000*kW)\r\n' +
    '!'
  const bytes = Buffer.from(body, 'latin1')
  return Buffer.concat([bytes, Buffer.from(formatCrc(crc16Arc(bytes)) + '\r\n', 'latin1')])
}

/** The import register at `ms`: 0.25 kWh a quarter hour, 2.5 kWh a quarter in the busy hour. */
function registerAt(ms: number): number {
  let kWh = 1000
  for (let t = DAY0; t < ms; t += Q) kWh += t >= BUSY[0] && t < BUSY[1] ? 2.5 : 0.25
  return kWh
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function irishSession(clock?: ManualClock): Promise<{ session: StudioSession; src: FakeSource; dir: string; historyPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-zone-'))
  const src = new FakeSource()
  const historyPath = join(dir, 'history.duckdb')
  const session = new StudioSession({
    version: 't',
    sourceFactory: () => src,
    captureDir: join(dir, 'captures'),
    historyPath,
    boardsDir: join(dir, 'boards'),
    dataDir: dir,
    statusThrottleMs: 0,
    clock
  })
  cleanups.push(() => session.dispose())
  await session.api.setRecording({ history: true })
  await session.api.openSource({ kind: 'serial', path: '/dev/ttyIRL0', zone: DUBLIN })
  return { session, src, dir, historyPath }
}

describe('the meter zone: an Irish meter', () => {
  it('Europe/Dublin: telegram times read in Irish time, the zone kept with the meter, its day from Irish midnight to Irish midnight', async () => {
    const { session, src, historyPath } = await irishSession()
    expect((await session.api.getStatus()).source).toMatchObject({ kind: 'serial', zone: DUBLIN })
    const times: number[] = []
    session.on('frame', (f) => {
      if (f.ok) times.push(Date.parse(f.telegram.meterTime!))
    })
    // two Irish days and the midnight after them, a reading every quarter hour
    for (let t = DAY0; t <= DAY0 + 2 * 86_400_000; t += Q) src.emit('data', irishTelegram(t, registerAt(t)), t + 1500)
    expect(times).toHaveLength(2 * 96 + 1)
    // "260115000000W" is midnight in Dublin = 00:00 UTC (Luxembourg's reading would be 23:00 UTC)
    expect(irishTimestamp(DAY0 + 86_400_000)).toBe('260115000000W')
    expect(times[96]).toBe(Date.UTC(2026, 0, 15, 0, 0, 0))
    await session.record.flush()
    expect((await session.api.getStatus()).recording).toMatchObject({ history: true, telegrams: 2 * 96 + 1 })

    const store = await HistoryStore.open(historyPath)
    cleanups.push(() => store.close())
    expect(await store.meters()).toEqual([{ meterId: METER, systemTitle: null, zone: DUBLIN, readings: 2 * 96 + 1, first: DAY0, last: DAY0 + 2 * 86_400_000 }])
    expect(await store.zoneOf(METER)).toBe(DUBLIN)
    // the busy hour (23:00–24:00 Irish time) belongs to 14 January in Dublin
    const d14 = await dayFigures(store, METER, '2026-01-14', 7)
    expect(d14).toMatchObject({ zone: DUBLIN, from: Date.UTC(2026, 0, 14), to: Date.UTC(2026, 0, 15), readings: 96 })
    expect(d14!.importKWh).toBeCloseTo(23 + 10, 6)
    const d15 = await dayFigures(store, METER, '2026-01-15', 7)
    expect(d15).toMatchObject({ from: Date.UTC(2026, 0, 15), to: Date.UTC(2026, 0, 16), readings: 96 })
    expect(d15!.importKWh).toBeCloseTo(24, 6)
    // counted at Luxembourg's midnights the same readings give other days: the zone matters
    const lux15 = await dayFigures(store, METER, '2026-01-15', 7, undefined, 'Europe/Luxembourg')
    expect(lux15!.from).toBe(Date.UTC(2026, 0, 14, 23))
    expect(lux15!.importKWh).toBeCloseTo(10 + 23, 6)
    // …and Luxembourg's 14 January (from the first reading on, to 23:00 UTC) misses the busy hour
    expect((await dayFigures(store, METER, '2026-01-14', 7, undefined, 'Europe/Luxembourg'))!.importKWh).toBeCloseTo(23, 6)

    // the History tab's days and quarter hours (history namespace) are Irish days too
    const { days } = await session.api.historyDays({ meterId: METER, classKW: 7, price: 0.1 })
    const tab14 = days.find((d) => d.date === '2026-01-14')
    expect(tab14!.importKWh).toBeCloseTo(23 + 10, 6)
    const { quarters } = await session.api.historyQuarters({ meterId: METER, date: '2026-01-15', classKW: 7 })
    expect(quarters[0].start).toBe(Date.UTC(2026, 0, 15, 0, 0))
    expect(quarters).toHaveLength(96)

    // summer: S = Irish Standard Time (UTC+1): 1 July 00:00 in Dublin is 30 June 23:00 UTC
    const july = Date.UTC(2026, 5, 30, 23)
    expect(irishTimestamp(july)).toBe('260701000000S')
    src.emit('data', irishTelegram(july, 5000), july + 1500)
    expect(times.at(-1)).toBe(july)
    expect(localDate(july, DUBLIN)).toBe('2026-07-01')
  }, 60_000)

  it('nightly report (in-process, ManualClock): made at 00:05 Irish time from the recorded day, mailed to an SMTP sink', async () => {
    const mails: { to: string[]; raw: string }[] = []
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, cb) {
        const parts: Buffer[] = []
        stream.on('data', (d: Buffer) => parts.push(d))
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(parts).toString('latin1') })
          cb()
        })
      }
    })
    const port = await freePort()
    await new Promise<void>((r) => sink.listen(port, '127.0.0.1', () => r()))
    cleanups.push(() => new Promise<void>((r) => sink.close(() => r())))

    const clock = new ManualClock(DAY0 - 60_000)
    const { session, src, dir } = await irishSession(clock)
    const outputs = new LiveOutputs(session, {
      dataDir: dir,
      nightly: { classKW: 7, zone: DUBLIN, smtp: { host: '127.0.0.1', port, security: 'none', from: 'pi@example.ie', to: ['home@example.ie'] } },
      log: () => undefined
    })
    cleanups.push(() => outputs.close())
    await outputs.start()
    const reports: string[] = []
    outputs.reporter!.on('report', (r) => reports.push(`${r.figures.meterId} ${r.figures.date} ${r.mailedTo?.join(',')}`))
    const errors: string[] = []
    outputs.reporter!.on('error', (e) => errors.push(e.message))

    // the Irish day at the meter's real cadence (a telegram every 10 s, on the clock): 3 Wh per
    // 10 s, 30 Wh per 10 s in the busy hour (23:00-24:00 Irish time)
    const midnight = Date.UTC(2026, 0, 15) // 00:00 in Dublin; Luxembourg's was an hour before
    const due = midnight + 5 * 60_000
    let wh = 1_000_000
    let checked = false
    for (let t = DAY0; t <= due + 60_000; t += 10_000) {
      if (!checked && t + 1500 >= due) {
        // just before 00:05 Irish time: everything is in the history, no report yet
        await session.record.flush()
        await outputs.reporter!.idle()
        expect(reports).toEqual([])
        checked = true
      }
      clock.advanceTo(t + 1500)
      src.emit('data', irishTelegram(t, wh / 1000), t + 1500)
      wh += t >= BUSY[0] && t < BUSY[1] ? 30 : 3
    }
    await outputs.reporter!.idle()
    expect(errors).toEqual([])
    expect(reports).toEqual([`${METER} 2026-01-14 home@example.ie`])

    const json = join(dir, 'reports', METER, '2026-01-14.json')
    expect(statSync(json).mode & 0o777).toBe(0o600)
    const f = JSON.parse(readFileSync(json, 'utf8')) as { zone: string; from: number; to: number; importKWh: number; readings: number }
    expect(f).toMatchObject({ zone: DUBLIN, from: Date.UTC(2026, 0, 14), to: midnight, readings: 8640 })
    expect(f.importKWh).toBeCloseTo(23 * 360 * 0.003 + 360 * 0.03, 6) // 35.64 kWh
    expect(mails).toHaveLength(1)
    expect(mails[0].to).toEqual(['home@example.ie'])
    expect(mails[0].raw).toMatch(/^From: pi@example\.ie\r$/m)
    expect(mails[0].raw).toMatch(/Content-Type: image\/png; name=p1studio-E0045003882416517-2026-01-14\.png/)
    expect(mails[0].raw).toContain(METER)
  }, 60_000)

  it('p1studio decode --zone and stats --zone read the Irish telegram times in Irish time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-zone-cli-'))
    const file = join(dir, 'irish.txt')
    const ts: number[] = []
    for (let t = DAY0; t <= DAY0 + 86_400_000; t += Q) ts.push(t)
    writeFileSync(file, Buffer.concat(ts.map((t) => irishTelegram(t, registerAt(t)))))
    const run = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
      spawnSync(process.execPath, [resolve(__dirname, '../../bin/p1studio.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 })
    const irish = run(['decode', '--zone', DUBLIN, file])
    expect(irish.status).toBe(0)
    const lines = irish.stdout.trim().split('\n')
    expect(lines).toHaveLength(ts.length)
    expect(lines[96]).toContain('"2026-01-15T00:00:00+00:00"')
    const lux = run(['decode', file])
    expect(lux.stdout.trim().split('\n')[96]).toContain('"2026-01-15T00:00:00+01:00"')
    const bad = run(['decode', '--zone', 'Europe/Atlantis', file])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--zone: unknown time zone "Europe/Atlantis"')

    const stats = run(['stats', '--zone', DUBLIN, '--json', file])
    expect(stats.status).toBe(0)
    const out = JSON.parse(stats.stdout) as { zone: string; days: { date: string; importKWh: number | null }[] }
    expect(out.zone).toBe(DUBLIN)
    expect(out.days.map((d) => d.date)).toEqual(['2026-01-14', '2026-01-15'])
    expect(out.days[0].importKWh).toBeCloseTo(33, 6)
  }, 60_000)

  it("a capture exported from the app (capture namespace) reads and writes times in the open source's zone, as export --zone does", async () => {
    const { session, dir } = await irishSession()
    const raw = join(dir, 'irish.txt')
    writeFileSync(raw, Buffer.concat([DAY0 + 86_400_000 - Q, DAY0 + 86_400_000].map((t) => irishTelegram(t, registerAt(t)))))
    const imported = await session.api.importFile({ path: raw })
    const csv = await session.api.exportCapture({ path: imported.path, format: 'csv' })
    const rows = readFileSync(csv.path, 'utf8').trim().split('\r\n')
    expect(rows).toHaveLength(3)
    // the meter's 00:00:00W at Irish midnight is 00:00 UTC, +00:00 in Dublin (Luxembourg's reading: +01:00)
    expect(rows[2]).toContain('2026-01-15T00:00:00+00:00')
    expect(rows[2]).not.toContain('+01:00')
  }, 60_000)

  it('p1studio monitor --port tcp://… --zone reads the Irish telegram times in Irish time', async () => {
    let sock: Socket | null = null
    const accepted = new Promise<Socket>((r) => {
      const server = createServer((s) => {
        s.on('error', () => undefined)
        sock = s
        r(s)
      })
      server.listen(0, '127.0.0.1')
      cleanups.push(() => new Promise<void>((done) => (sock?.destroy(), server.close(() => done()))))
      server.once('listening', () => (port = (server.address() as { port: number }).port))
    })
    let port = 0
    while (port === 0) await new Promise((r) => setImmediate(r))
    const run = (zone: string[]): Promise<{ code: number | null; out: string; err: string }> => {
      const child = spawn(
        process.execPath,
        [resolve(__dirname, '../../bin/p1studio.mjs'), 'monitor', '--port', `tcp://127.0.0.1:${port}`, '--count', '1', ...zone],
        {
          stdio: ['ignore', 'pipe', 'pipe']
        }
      )
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      return new Promise((r) => child.on('exit', (code) => r({ code, out, err })))
    }
    const irish = run(['--zone', DUBLIN])
    ;(await accepted).write(irishTelegram(Date.UTC(2026, 0, 15), 1000))
    const r = await irish
    expect(r.code).toBe(0)
    expect(r.out).toContain('"2026-01-15T00:00:00+00:00"')
    const bad = spawnSync(
      process.execPath,
      [resolve(__dirname, '../../bin/p1studio.mjs'), 'monitor', '--port', `tcp://127.0.0.1:${port}`, '--zone', 'Europe/Atlantis'],
      {
        encoding: 'utf8',
        timeout: 60_000
      }
    )
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--zone: unknown time zone "Europe/Atlantis"')
    const baud = spawnSync(process.execPath, [resolve(__dirname, '../../bin/p1studio.mjs'), 'monitor', '--port', `tcp://127.0.0.1:${port}`, '--baud', '9600'], {
      encoding: 'utf8',
      timeout: 60_000
    })
    expect(baud.status).toBe(2)
    expect(baud.stderr).toContain('do not apply to a TCP source')
  }, 120_000)
})
