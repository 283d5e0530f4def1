/**
 * The nightly report on a day of the virtual meter (a household peaking at 7 kW, PV export at
 * noon, an hour of silence): driven by a ManualClock, it runs 5 minutes after the meter-local
 * midnight and not a moment before; its figures equal an independent computation from the
 * readings (counter differences at the midnights, 15-minute demand with the 60 s boundary
 * rule); the PNG is a real 1200×600 image with the import and export curves drawn in it; the
 * files are 0600; the mail arrives at a local SMTP sink (smtp-server) over STARTTLS with
 * login, and over implicit TLS, with the figures in the body and the same PNG attached; a
 * wrong password is a plain error without the password; a report missed while down is
 * made at start; another language's words are used where given.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Recorder } from '../../src/main/history/recorder'
import { HistoryStore } from '../../src/main/history/store'
import { ManualClock } from '../../src/main/line/clock'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { NightlyReporter, type NightlyReportResult, type SmtpOptions } from '../../src/main/output/nightly-report'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { readingOf, type Reading } from '../../src/shared/history'
import { freePort } from '../helpers/mosquitto'

const METER = 'SAG1030700089067'
const DATE = '2026-03-28'
const M0 = Date.parse('2026-03-27T23:00:00Z') // 2026-03-28 00:00 CET
const M1 = Date.parse('2026-03-28T23:00:00Z') // 2026-03-29 00:00 CET
const SILENT: [number, number] = [Date.parse('2026-03-28T09:00:00Z'), Date.parse('2026-03-28T10:00:00Z')]
const CLASS_KW = 3
const PRICE = 0.1139
const dir = mkdtempSync(join(tmpdir(), 'p1s-nightly-'))
const readings: Reading[] = []
let store: HistoryStore

/** A self-signed certificate for 127.0.0.1 (openssl). */
function certificate(): { key: string; cert: string } {
  const keyPath = join(dir, 'key.pem')
  const certPath = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost'
    ],
    { stdio: 'ignore' }
  )
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') }
}

interface Received {
  from: string
  to: string[]
  user: string | undefined
  secure: boolean
  raw: string
}

/** A local SMTP sink: login as `user`/`pass`, TLS from the start or by STARTTLS. */
async function smtpSink(
  tls: { key: string; cert: string },
  secure: boolean
): Promise<{ port: number; mails: Received[]; next(): Promise<Received>; close(): Promise<void> }> {
  const mails: Received[] = []
  const waiting: ((m: Received) => void)[] = []
  const server = new SMTPServer({
    secure,
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'meter@example.lu' && auth.password === 's3cret-pass') cb(null, { user: auth.username })
      else cb(new Error('Invalid username or password'))
    },
    onData(stream, session, cb) {
      const parts: Buffer[] = []
      stream.on('data', (d: Buffer) => parts.push(d))
      stream.on('end', () => {
        const m = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw: Buffer.concat(parts).toString('latin1')
        }
        mails.push(m)
        waiting.shift()?.(m)
        cb()
      })
    },
    logger: false
  })
  server.on('error', () => undefined) // a client refusing our certificate closes mid-handshake: expected in one test
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return {
    port,
    mails,
    next: () => new Promise((r) => waiting.push(r)),
    close: () => new Promise((r) => server.close(() => r()))
  }
}

interface Part {
  headers: Record<string, string>
  body: Buffer
}

/** A minimal MIME reader (multipart, base64, quoted-printable) for nodemailer's output. */
function mimeParts(raw: string): Part[] {
  const split = raw.indexOf('\r\n\r\n')
  const headerText = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ')
  const headers: Record<string, string> = {}
  for (const line of headerText.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
  }
  const bodyText = raw.slice(split + 4)
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1]
  if (boundary && /^multipart\//i.test(headers['content-type'])) {
    return bodyText
      .split(`--${boundary}`)
      .slice(1, -1)
      .flatMap((p) => mimeParts(p.replace(/^\r\n/, '')))
  }
  const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase()
  const body =
    enc === 'base64'
      ? Buffer.from(bodyText.replace(/\s+/g, ''), 'base64')
      : enc === 'quoted-printable'
        ? Buffer.from(
            bodyText.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1'
          )
        : Buffer.from(bodyText, 'latin1')
  return [{ headers, body }]
}

function subjectOf(raw: string): string {
  const m = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)![1].replace(/\r\n[ \t]/g, '')
  // RFC 2047 encoded words
  return m
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, e: string, t: string) =>
      e.toUpperCase() === 'B'
        ? Buffer.from(t, 'base64').toString('utf8')
        : Buffer.from(
            t.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1'
          ).toString('utf8')
    )
    .replace(/\?=\s+=\?/g, '')
}

/** Independent figures from the readings: counters at the midnights, quarters with the 60 s rule. */
function expected(): { imp: number; exp: number; peak: number; above: number; cost: number } {
  const at = (t: number): Reading => readings.find((r) => r.t >= t)!
  const imp = at(M1).importKWh! - at(M0).importKWh!
  const exp = at(M1).exportKWh! - at(M0).exportKWh!
  let peak = 0
  let above = 0
  for (let q = M0; q < M1; q += 900_000) {
    const a = readings.find((r) => r.t >= q)
    const b = readings.find((r) => r.t >= q + 900_000)
    if (!a || !b || a.t - q > 60_000 || b.t - (q + 900_000) > 60_000) continue
    const e = b.importKWh! - a.importKWh!
    peak = Math.max(peak, e / 0.25)
    above += Math.max(0, e - CLASS_KW * 0.25)
  }
  return { imp, exp, peak, above, cost: above * PRICE }
}

const sinks: { close(): Promise<void> }[] = []
let tls: { key: string; cert: string }
beforeAll(async () => {
  tls = certificate()
  store = await HistoryStore.open(join(dir, 'history.duckdb'))
  // a recorded day: plain telegrams of the virtual meter every 10 s, an hour of silence (an outage)
  const recorder = await Recorder.open({ store, clock: new ManualClock(M0) })
  const meter = new VirtualMeter({ key: Buffer.alloc(16, 1), plain: true, model: new SmartyModel({ seed: 4, pvPeakKW: 5 }), write: () => undefined })
  const d = new P1Decoder()
  for (let t = M0 - 2 * 3600_000; t < M1 + 1800_000; t += 10_000) {
    const f = meter.nextFrame(new Date(t))!
    if (t >= SILENT[0] && t < SILENT[1]) continue
    for (const ev of d.push(f, t + 40)) {
      if (ev.type !== 'telegram') continue
      recorder.telegram(ev.telegram)
      readings.push(readingOf(ev.telegram.telegram, ev.telegram.receivedAt))
    }
  }
  await recorder.close()
}, 240_000) // 9,540 telegrams of the household model: seconds on a quiet machine, more under load
afterAll(async () => {
  for (const s of sinks) await s.close()
  store?.close()
})

describe('nightly report', () => {
  it('runs 5 minutes after the meter-local midnight with the right figures, a real PNG, files 0600, mailed over STARTTLS', async () => {
    const sink = await smtpSink(tls, false)
    sinks.push(sink)
    const clock = new ManualClock(Date.parse('2026-03-28T20:00:00Z'))
    const smtp: SmtpOptions = {
      host: '127.0.0.1',
      port: sink.port,
      security: 'starttls',
      user: 'meter@example.lu',
      password: 's3cret-pass',
      from: 'P1 Studio <meter@example.lu>',
      to: ['home@example.lu'],
      ca: tls.cert
    }
    const data = join(dir, 'data1')
    const reporter = new NightlyReporter({ store, dataDir: data, classKW: CLASS_KW, priceEurPerKWh: PRICE, clock, smtp, appVersion: '1.2.3', catchUp: false })
    const reports: NightlyReportResult[] = []
    const errors: string[] = []
    reporter.on('report', (r) => reports.push(r))
    reporter.on('error', (e) => errors.push(e.message))
    const mail = sink.next()
    reporter.start()
    expect(reporter.nextRunAt).toBe(M1 + 5 * 60_000)
    clock.advanceTo(M1 + 5 * 60_000 - 1)
    await reporter.idle()
    expect(reports).toEqual([])
    clock.advance(1)
    await reporter.idle()
    expect(errors).toEqual([])
    expect(reports).toHaveLength(1)
    expect(reporter.nextRunAt).toBe(Date.parse('2026-03-29T22:05:00Z')) // next night (the 29th has 23 hours)
    reporter.stop()

    const f = reports[0].figures
    const x = expected()
    expect(f).toMatchObject({ meterId: METER, date: DATE, from: M0, to: M1, classKW: CLASS_KW, priceEurPerKWh: PRICE })
    expect(f.importKWh).toBeCloseTo(x.imp, 6)
    expect(f.exportKWh).toBeCloseTo(x.exp, 6)
    expect(f.peakDemandKW).toBeCloseTo(x.peak, 5)
    expect(f.peakDemandKW!).toBeGreaterThan(CLASS_KW)
    expect(f.aboveClassKWh).toBeCloseTo(x.above, 5)
    expect(f.aboveClassCost).toBeCloseTo(x.cost, 3)
    expect(f.readings).toBe(24 * 360 - 360)
    expect(f.outages).toEqual([{ meterId: METER, start: SILENT[0] - 10_000, end: SILENT[1], reason: 'no_telegrams', failedFrames: 0 }])
    expect(f.outageMinutes).toBe(60)

    // files: 0600 in a 0700 folder; the PNG is a real image with both curves drawn
    for (const p of Object.values(reports[0].files)) expect(statSync(p).mode & 0o777).toBe(0o600)
    expect(statSync(join(data, 'reports', METER)).mode & 0o777).toBe(0o700)
    const png = readFileSync(reports[0].files.png)
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const img = await loadImage(png)
    expect([img.width, img.height]).toEqual([1200, 600])
    const c = createCanvas(img.width, img.height)
    const g = c.getContext('2d')
    g.drawImage(img, 0, 0)
    const px = g.getImageData(0, 0, img.width, img.height).data
    let red = 0
    let green = 0
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] === 0xd6 && px[i + 1] === 0x27 && px[i + 2] === 0x28) red++
      if (px[i] === 0x2c && px[i + 1] === 0xa0 && px[i + 2] === 0x2c) green++
    }
    expect(red).toBeGreaterThan(500) // the import curve
    expect(green).toBeGreaterThan(100) // the PV export below the axis
    const saved = JSON.parse(readFileSync(reports[0].files.json, 'utf8'))
    expect(saved.importKWh).toBe(f.importKWh)
    expect(readFileSync(reports[0].files.html, 'utf8')).toContain(`<img src="${DATE}.png"`)

    // the mail: over STARTTLS, logged in, figures in the body, the same PNG attached
    const m = await mail
    expect(reports[0].mailedTo).toEqual(['home@example.lu'])
    expect(m).toMatchObject({ from: 'meter@example.lu', to: ['home@example.lu'], user: 'meter@example.lu', secure: true })
    const fmt = (v: number, d: number): string => v.toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d })
    expect(subjectOf(m.raw)).toBe(`P1 Studio: ${DATE}, ${fmt(x.imp, 1)} kWh imported`)
    const parts = mimeParts(m.raw)
    const text = parts.find((p) => p.headers['content-type'].startsWith('text/plain'))!.body.toString('utf8')
    const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Luxembourg', weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(
      new Date(M0 + 12 * 3600_000)
    )
    expect(day).toMatch(/Saturday,? 28 March 2026/)
    expect(text).toContain(`Your electricity on ${day}`)
    expect(text).toContain(`Imported: ${fmt(x.imp, 3)} kWh`)
    expect(text).toContain(`Exported: ${fmt(x.exp, 3)} kWh`)
    expect(text).toContain(`Highest 15-minute average: ${fmt(x.peak, 2)} kW at `)
    expect(text).toContain(`Energy above the power class: ${fmt(x.above, 3)} kWh`)
    expect(text).toContain('Gaps in the recording: 1 (60 min)')
    const html = parts.find((p) => p.headers['content-type'].startsWith('text/html'))!.body.toString('utf8')
    expect(html).toContain('src="cid:chart@p1studio"')
    const att = parts.find((p) => p.headers['content-type'].startsWith('image/png'))!
    expect(att.headers['content-id']).toBe('<chart@p1studio>')
    expect(att.body.equals(png)).toBe(true)
    expect(m.raw).not.toContain('s3cret-pass')
  })

  it('mails over implicit TLS, and says so in plain words when the password is wrong', async () => {
    const sink = await smtpSink(tls, true)
    sinks.push(sink)
    const base: SmtpOptions = {
      host: '127.0.0.1',
      port: sink.port,
      security: 'tls',
      user: 'meter@example.lu',
      password: 's3cret-pass',
      from: 'meter@example.lu',
      to: ['a@example.lu', 'b@example.lu'],
      ca: tls.cert
    }
    const ok = new NightlyReporter({ store, dataDir: join(dir, 'data2'), classKW: 7, smtp: base, clock: new ManualClock(M1 + 3600_000), catchUp: false })
    const mail = sink.next()
    const [r] = await ok.runFor(DATE)
    expect(r.mailedTo).toEqual(['a@example.lu', 'b@example.lu'])
    expect((await mail).secure).toBe(true)
    expect(r.figures.aboveClassKWh).toBeLessThan(expected().above) // class 7 kW: less above it

    const bad = new NightlyReporter({
      store,
      dataDir: join(dir, 'data3'),
      classKW: 7,
      smtp: { ...base, password: 'wrong-pass' },
      clock: new ManualClock(M1 + 3600_000),
      catchUp: false
    })
    const errors: string[] = []
    bad.on('error', (e) => errors.push(e.message))
    expect(await bad.runFor(DATE)).toEqual([])
    expect(errors).toEqual([`The mail server 127.0.0.1:${sink.port} refused the user name or password.`])
    const selfSigned = new NightlyReporter({ store, dataDir: join(dir, 'data4'), classKW: 7, smtp: { ...base, ca: undefined }, catchUp: false })
    const e2: string[] = []
    selfSigned.on('error', (e) => e2.push(e.message))
    await selfSigned.runFor(DATE)
    expect(e2[0]).toMatch(/^TLS with the mail server 127\.0\.0\.1:\d+ failed/)
  })

  it('makes a report missed while P1 Studio was down at start, once, in the words given', async () => {
    const data = join(dir, 'data5')
    const clock = new ManualClock(Date.parse('2026-03-29T07:00:00Z')) // the morning after: the 28th's report is missing
    const fr: Record<string, string> = { 'nightlyReport.imported': 'Importé', 'nightlyReport.title': 'Votre électricité du {date}' }
    const reporter = new NightlyReporter({
      store,
      dataDir: data,
      classKW: CLASS_KW,
      clock,
      locale: 'fr-LU',
      t: (k, p) => (fr[k] ? fr[k].replace(/\{(\w+)\}/g, (_, n: string) => String(p?.[n])) : k)
    })
    const reports: NightlyReportResult[] = []
    reporter.on('report', (r) => reports.push(r))
    reporter.start()
    await reporter.idle()
    reporter.stop()
    expect(reports.map((r) => r.figures.date)).toEqual([DATE])
    const html = readFileSync(reports[0].files.html, 'utf8')
    expect(html).toContain('Votre électricité du samedi 28 mars 2026')
    const imp = reports[0].figures.importKWh!.toLocaleString('fr-LU', { minimumFractionDigits: 3, maximumFractionDigits: 3 })
    expect(html).toContain(`<th style="text-align:left;padding:2px 12px 2px 0">Importé</th><td style="text-align:right">${imp} kWh</td>`)
    expect(html).toContain('Exported') // no French text given: English
    // started again the same morning: the report is on disk, not made twice
    const again = new NightlyReporter({ store, dataDir: data, classKW: CLASS_KW, clock })
    const more: NightlyReportResult[] = []
    again.on('report', (r) => more.push(r))
    again.start()
    await again.idle()
    again.stop()
    expect(more).toEqual([])
  })
})
