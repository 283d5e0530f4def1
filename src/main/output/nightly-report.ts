/**
 * The nightly report: after each meter-local midnight (the meter's zone, default
 * Europe/Luxembourg; each meter's own zone as the history keeps it), the day that ended
 * — kWh imported and exported, the peak 15-minute demand against the power class, the energy
 * above the class and its cost (the pure functions of src/shared/history.ts, the same numbers
 * as the History tab and `p1studio stats`), the gaps in the recording — and the day's power
 * chart as a PNG (report-chart.ts). Saved in the data folder (`reports/<meter>/<date>.png`,
 * `.json`, `.html`; 0600, folders 0700) and, if configured, mailed through the user's SMTP
 * server (nodemailer; implicit TLS, STARTTLS or — on a trusted network only — none).
 *
 * The day is driven by the clock (a ManualClock in tests): the report of a day runs
 * `delayMs` after the midnight that ends it, when the first reading of the next day is in.
 * At start, a report missed while P1 Studio was down (yesterday's, not on disk) is made.
 *
 * Words: a message lookup `t(key, params)` (nightly-report-messages.ts: English, French,
 * German) over the English texts below; numbers and dates in the given locale. Credentials
 * are used for the SMTP login only: never logged, reported or written into a report; the
 * password is kept like the board secrets (host/smtp-secret.ts) and opened only to send.
 *
 * Why one file over 400 lines: the day's figures, the scheduler on the clock, the saved page and
 * the mail belong to one report; the chart and the wording are already in their own modules.
 */
import { EventEmitter } from 'node:events'
import { promises as fsp } from 'node:fs'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import { DEFAULT_PRICE_EUR_PER_KWH, HISTORY_TIME_ZONE, dailyStats, localDate, localMidnight, nextDate, quarterStats } from '../../shared/history'
import { systemClock, type Clock, type ClockTimer } from '../line/clock'
import { outagesOf, type Outage } from '../history/recorder'
import type { HistoryStore } from '../history/store'
import { haId } from './ha-discovery'
import { renderDayChartPng } from './report-chart'

/** A message lookup: key and parameters → text. */
export type MessageLookup = (key: string, params?: Record<string, string | number>) => string

/** The English texts of the report, keyed for translation ({name} = parameter). */
export const NIGHTLY_REPORT_MESSAGES: Record<string, string> = {
  'nightlyReport.subject': 'P1 Studio: {date}, {imported} kWh imported',
  'nightlyReport.title': 'Your electricity on {date}',
  'nightlyReport.meter': 'Meter {meterId}',
  'nightlyReport.imported': 'Imported',
  'nightlyReport.exported': 'Exported',
  'nightlyReport.peakDemand': 'Highest 15-minute average',
  'nightlyReport.peakAt': 'at {time}',
  'nightlyReport.powerClass': 'Power class',
  'nightlyReport.aboveClass': 'Energy above the power class',
  'nightlyReport.aboveCost': 'Its cost at {price} per kWh',
  'nightlyReport.gaps': 'Gaps in the recording',
  'nightlyReport.gapsValue': '{count} ({minutes} min)',
  'nightlyReport.none': 'none',
  'nightlyReport.noValue': 'no reading',
  'nightlyReport.chartTitle': 'Power on {date}',
  'nightlyReport.chartImport': 'Import',
  'nightlyReport.chartExport': 'Export',
  'nightlyReport.chartDemand': '15-minute average import',
  'nightlyReport.chartClass': 'Power class {kw} kW',
  'nightlyReport.chartAxisKW': 'kW',
  'nightlyReport.chartAxisTime': 'Local time',
  'nightlyReport.footer': 'Sent by P1 Studio {version}. The chart is attached.'
}

/** {name} → value in an English text. */
function english(key: string, params: Record<string, string | number> = {}): string {
  const raw = NIGHTLY_REPORT_MESSAGES[key] ?? key
  return raw.replace(/\{(\w+)\}/g, (w, n: string) => (params[n] === undefined ? w : String(params[n])))
}

/** The figures of one meter's day. Energies kWh, powers kW, cost in the price's currency (€), times ms. */
export interface NightlyFigures {
  meterId: string
  /** Local date in the meter's zone, "2026-03-28". */
  date: string
  /** The meter's zone (IANA name): where its day begins and ends. */
  zone: string
  /** The day's two midnights (23 or 25 h apart on DST days). */
  from: number
  to: number
  importKWh: number | null
  exportKWh: number | null
  peakDemandKW: number | null
  /** Start of the quarter hour with the peak, ms. */
  peakAt: number | null
  classKW: number
  aboveClassKWh: number
  aboveClassCost: number
  priceEurPerKWh: number
  /** Readings of the day. */
  readings: number
  /** Recorded outages overlapping the day (recorder.ts). */
  outages: Outage[]
  /** Minutes of those outages inside the day. */
  outageMinutes: number
}

/**
 * The figures of `date` for one meter, from the history. @returns null when the history has
 * no reading in that day.
 * @param zone the meter's zone (default: as the history keeps it for the meter, else Europe/Luxembourg).
 */
export async function dayFigures(
  store: HistoryStore,
  meterId: string,
  date: string,
  classKW: number,
  price: number = DEFAULT_PRICE_EUR_PER_KWH,
  zone?: string
): Promise<NightlyFigures | null> {
  zone ??= await store.zoneOf(meterId)
  const from = localMidnight(date, zone)
  const to = localMidnight(nextDate(date), zone)
  const rows = await store.counters(meterId, from - 3600_000, to + 3600_000)
  const readings = rows.filter((r) => r.t >= from && r.t < to).length
  if (readings === 0) return null
  const day = dailyStats(rows, classKW, price, zone).find((d) => d.date === date)
  const qs = quarterStats(rows, from, to, classKW)
  let peakAt: number | null = null
  let peak = -Infinity
  for (const q of qs) {
    if (q.demandKW === null || q.demandKW <= peak) continue
    peak = q.demandKW
    peakAt = q.start
  }
  const outages = await outagesOf(store, meterId, from, to)
  const outageMs = outages.reduce((s, o) => s + Math.max(0, Math.min(o.end, to) - Math.max(o.start, from)), 0)
  return {
    meterId,
    date,
    zone,
    from,
    to,
    importKWh: day?.importKWh ?? null,
    exportKWh: day?.exportKWh ?? null,
    peakDemandKW: day?.peakDemandKW ?? null,
    peakAt,
    classKW,
    aboveClassKWh: day?.aboveClassKWh ?? 0,
    aboveClassCost: day?.aboveClassCost ?? 0,
    priceEurPerKWh: price,
    readings,
    outages,
    outageMinutes: Math.round(outageMs / 60_000)
  }
}

/** The words of a report. */
export interface ReportTexts {
  subject: string
  text: string
  /** HTML body; `chartSrc` is where the image is (a cid: in mail, the file name on disk). */
  html: (chartSrc: string) => string
  /** Rows label → value, as shown. */
  rows: [string, string][]
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** Word a report (numbers and dates in `locale`). */
export function reportTexts(f: NightlyFigures, t: MessageLookup, locale = 'en-GB', version = '', timeZone = HISTORY_TIME_ZONE): ReportTexts {
  const n = (v: number | null, digits: number): string =>
    v === null ? t('nightlyReport.noValue') : new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
  const money = (v: number): string =>
    new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(v)
  const dateText = new Intl.DateTimeFormat(locale, { timeZone, weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(
    new Date(f.from + 12 * 3600_000)
  )
  const time = (ms: number): string => new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms))
  const rows: [string, string][] = [
    [t('nightlyReport.imported'), `${n(f.importKWh, 3)} kWh`],
    [t('nightlyReport.exported'), `${n(f.exportKWh, 3)} kWh`],
    [t('nightlyReport.peakDemand'), `${n(f.peakDemandKW, 2)} kW${f.peakAt !== null ? ` ${t('nightlyReport.peakAt', { time: time(f.peakAt) })}` : ''}`],
    [t('nightlyReport.powerClass'), `${n(f.classKW, 0)} kW`],
    [t('nightlyReport.aboveClass'), `${n(f.aboveClassKWh, 3)} kWh`],
    [t('nightlyReport.aboveCost', { price: money(f.priceEurPerKWh) }), money(f.aboveClassCost)],
    [t('nightlyReport.gaps'), f.outages.length ? t('nightlyReport.gapsValue', { count: f.outages.length, minutes: f.outageMinutes }) : t('nightlyReport.none')]
  ]
  const title = t('nightlyReport.title', { date: dateText })
  const meter = t('nightlyReport.meter', { meterId: f.meterId })
  const footer = t('nightlyReport.footer', { version })
  const text = [title, meter, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', footer, ''].join('\n')
  return {
    subject: t('nightlyReport.subject', { date: f.date, imported: n(f.importKWh, 1) }),
    text,
    rows,
    html: (src) =>
      `<!DOCTYPE html><html lang="${esc(locale.split('-')[0])}"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body style="font-family:sans-serif">` +
      `<h1 style="font-size:1.3em">${esc(title)}</h1><p>${esc(meter)}</p><table style="border-collapse:collapse">` +
      rows.map(([k, v]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0">${esc(k)}</th><td style="text-align:right">${esc(v)}</td></tr>`).join('') +
      `</table><p><img src="${esc(src)}" alt="${esc(t('nightlyReport.chartTitle', { date: f.date }))}" width="1200" height="600" style="max-width:100%;height:auto"></p><p style="color:#666">${esc(footer)}</p></body></html>`
  }
}

/** The user's SMTP server. Credentials come from the caller: the password sealed by the app's secret store (host/smtp-secret.ts). */
export interface SmtpOptions {
  host: string
  /** Default 465 with 'tls', 587 with 'starttls', 25 with 'none'. */
  port?: number
  /** 'tls' (implicit, port 465), 'starttls' (required, port 587), 'none' (plain: trusted networks only). Default 'starttls'. */
  security?: 'tls' | 'starttls' | 'none'
  user?: string
  /** The password, or a function giving it when a mail is sent (kept sealed by a secret store meanwhile). */
  password?: string | (() => string)
  from: string
  to: string[]
  /** PEM CA of a server with its own CA. */
  ca?: string
  /** Check the server's certificate (default true). */
  rejectUnauthorized?: boolean
}

/** A sending failure in plain words (never the password). */
export function explainMailError(e: Error & { code?: string; responseCode?: number }, smtp: SmtpOptions): string {
  const where = `${smtp.host}:${smtp.port ?? ''}`.replace(/:$/, '')
  const m = `${e.code ?? ''} ${e.message}`
  if (e.code === 'EAUTH') return `The mail server ${where} refused the user name or password.`
  if (e.code === 'ETLS' || /certificate|self[- ]signed|SSL|TLS|wrong version number|EPROTO/i.test(m))
    return `TLS with the mail server ${where} failed: check the security setting (TLS on port 465, STARTTLS on 587) and the server's certificate.`
  if (/ECONNREFUSED/.test(m)) return `Nothing accepts connections at ${where}: check the mail server's name and port.`
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return `The mail server's name ${smtp.host} does not resolve.`
  if (e.code === 'EENVELOPE') return `The mail server ${where} refused the sender or a recipient (${smtp.from} → ${smtp.to.join(', ')}).`
  return `Sending the report through ${where} failed (${e.code ?? 'error'}).`
}

/**
 * Send one report. @returns the recipients the server accepted.
 * @throws Error in plain words ({@link explainMailError}).
 */
export async function mailReport(
  smtp: SmtpOptions,
  msg: { subject: string; text: string; html: string; png: Buffer; pngName: string }
): Promise<{ accepted: string[] }> {
  const security = smtp.security ?? 'starttls'
  // a password that cannot be read throws here (host/smtp-secret.ts): an error, never an empty login
  const pass = typeof smtp.password === 'function' ? smtp.password() : smtp.password
  if (smtp.user && !pass) throw new Error(`No SMTP password for ${smtp.user}: store it with p1studio smtp-password set --from-file FILE.`)
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port ?? (security === 'tls' ? 465 : security === 'starttls' ? 587 : 25),
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    auth: smtp.user ? { user: smtp.user, pass } : undefined,
    tls: { ca: smtp.ca, rejectUnauthorized: smtp.rejectUnauthorized ?? true },
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000
  })
  try {
    const info = await transport.sendMail({
      from: smtp.from,
      to: smtp.to,
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
      attachments: [{ filename: msg.pngName, content: msg.png, contentType: 'image/png', cid: 'chart@p1studio' }]
    })
    return { accepted: (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address)) }
  } catch (e) {
    throw new Error(explainMailError(e as Error & { code?: string }, smtp), { cause: e })
  } finally {
    transport.close()
  }
}

/** Options of {@link NightlyReporter}. */
export interface NightlyReportOptions {
  store: HistoryStore
  /** The data folder: reports go to `<dataDir>/reports/<meter>/`. */
  dataDir: string
  /** Power class, kW (3, 7, 12… : the Luxembourg grid tariff). */
  classKW: number
  /** The zone whose midnights start the reports (default Europe/Luxembourg); each meter's figures use its own zone from the history. */
  zone?: string
  /** € per kWh above the class (default the SmartyReader v1.7 firmware's 0.1139). */
  priceEurPerKWh?: number
  /** One meter; default every meter with readings that day. */
  meterId?: string
  clock?: Clock
  /** Run this long after midnight, ms (default 5 min: the next day's first reading is in). */
  delayMs?: number
  /** At start, make yesterday's report if it is not on disk (default true). */
  catchUp?: boolean
  /** Mail each report. */
  smtp?: SmtpOptions
  /** Words (default English) and the locale of numbers and dates (default "en-GB"). */
  t?: MessageLookup
  locale?: string
  appVersion?: string
}

/** One report made. */
export interface NightlyReportResult {
  figures: NightlyFigures
  files: { png: string; json: string; html: string }
  /** Recipients that accepted the mail, null when not mailed. */
  mailedTo: string[] | null
}

/** Write a file atomically with mode 0600. */
async function writePrivate(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await fsp.writeFile(tmp, data, { mode: 0o600 })
  await fsp.rename(tmp, path)
}

/** Makes the nightly reports. Events: 'report' (one per meter and day), 'error' (plain words; the next night comes anyway). */
export class NightlyReporter extends EventEmitter<{ report: [NightlyReportResult]; error: [Error] }> {
  private readonly clock: Clock
  private readonly delayMs: number
  private timer: ClockTimer | null = null
  private running: Promise<unknown> = Promise.resolve()

  constructor(private readonly opts: NightlyReportOptions) {
    super()
    if (!(opts.classKW > 0)) throw new RangeError('The power class must be a power in kW greater than 0.')
    this.clock = opts.clock ?? systemClock
    this.delayMs = opts.delayMs ?? 5 * 60_000
    this.zone = opts.zone ?? HISTORY_TIME_ZONE
  }

  /** The zone whose midnights start the reports. */
  private readonly zone: string

  /** Words: the caller's lookup, English where it has no text. */
  private t: MessageLookup = (key, params) => {
    const s = this.opts.t?.(key, params)
    return s && s !== key ? s : english(key, params)
  }

  /** When the next report runs, ms since the epoch (null when stopped). */
  nextRunAt: number | null = null

  /** Schedule the reports (and catch up yesterday's if missing). Idempotent. */
  start(): void {
    if (this.timer) return
    if (this.opts.catchUp !== false) {
      const now = this.clock.now()
      const today = localDate(now, this.zone)
      if (now >= localMidnight(today, this.zone) + this.delayMs) {
        const yesterday = localDate(localMidnight(today, this.zone) - 1, this.zone)
        this.running = this.running.then(() => this.runFor(yesterday, { onlyMissing: true })).catch(() => undefined)
      }
    }
    this.schedule()
  }

  private schedule(): void {
    const now = this.clock.now()
    const today = localDate(now, this.zone)
    let due = localMidnight(today, this.zone) + this.delayMs
    if (due <= now) due = localMidnight(nextDate(today), this.zone) + this.delayMs
    this.nextRunAt = due
    this.timer = this.clock.setTimeout(() => {
      const date = localDate(due - this.delayMs - 1, this.zone) // the day that just ended
      this.running = this.running.then(() => this.runFor(date)).catch(() => undefined)
      this.schedule()
    }, due - now)
  }

  /** Stop scheduling (a report being made finishes). */
  stop(): void {
    this.timer?.cancel()
    this.timer = null
    this.nextRunAt = null
  }

  /** Resolves when the reports started so far are done. */
  async idle(): Promise<void> {
    await this.running
  }

  /**
   * Make (save, mail) the report of `date` for each meter. Failures of one meter are 'error'
   * events; the others go on. @param o.onlyMissing skip meters whose report is on disk.
   */
  async runFor(date: string, o: { onlyMissing?: boolean } = {}): Promise<NightlyReportResult[]> {
    const { store } = this.opts
    const meters = this.opts.meterId ? [this.opts.meterId] : (await store.meters()).map((m) => m.meterId)
    const out: NightlyReportResult[] = []
    for (const meterId of meters) {
      try {
        const dir = join(this.opts.dataDir, 'reports', haId(meterId))
        const files = { png: join(dir, `${date}.png`), json: join(dir, `${date}.json`), html: join(dir, `${date}.html`) }
        if (
          o.onlyMissing &&
          (await fsp.stat(files.json).then(
            () => true,
            () => false
          ))
        )
          continue
        const f = await dayFigures(store, meterId, date, this.opts.classKW, this.opts.priceEurPerKWh)
        if (!f) continue
        const locale = this.opts.locale ?? 'en-GB'
        const texts = reportTexts(f, this.t, locale, this.opts.appVersion ?? '', f.zone)
        const series = await store.series(meterId, ['import_kw', 'export_kw'], f.from, f.to, 288)
        const png = await renderDayChartPng({
          from: f.from,
          to: f.to,
          power: series.points.map((p) => ({ t: p.t, importKW: p.max[0], exportKW: p.max[1] })),
          quarters: quarterStats(await store.counters(meterId, f.from - 3600_000, f.to + 3600_000), f.from, f.to, f.classKW),
          classKW: f.classKW,
          locale,
          timeZone: f.zone,
          labels: {
            title: this.t('nightlyReport.chartTitle', { date }),
            import: this.t('nightlyReport.chartImport'),
            export: this.t('nightlyReport.chartExport'),
            demand: this.t('nightlyReport.chartDemand'),
            powerClass: this.t('nightlyReport.chartClass', { kw: f.classKW }),
            axisKW: this.t('nightlyReport.chartAxisKW'),
            axisTime: this.t('nightlyReport.chartAxisTime')
          }
        })
        await fsp.mkdir(dir, { recursive: true, mode: 0o700 })
        await writePrivate(files.png, png)
        await writePrivate(files.html, texts.html(`${date}.png`))
        await writePrivate(files.json, JSON.stringify({ ...f, texts: Object.fromEntries(texts.rows) }, null, 2))
        let mailedTo: string[] | null = null
        if (this.opts.smtp) {
          const r = await mailReport(this.opts.smtp, {
            subject: texts.subject,
            text: texts.text,
            html: texts.html('cid:chart@p1studio'),
            png,
            pngName: `p1studio-${haId(meterId)}-${date}.png`
          })
          mailedTo = r.accepted
        }
        const result = { figures: f, files, mailedTo }
        out.push(result)
        this.emit('report', result)
      } catch (e) {
        if (this.listenerCount('error')) this.emit('error', e instanceof Error ? e : new Error(String(e)))
      }
    }
    return out
  }
}
