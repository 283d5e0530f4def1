/**
 * What an always-on P1 Studio hands the tools people run (issue 17), wired to a session:
 *
 * - **Prometheus metrics** (output/metrics.ts): every telegram and failure of the open source,
 *   the bytes that belong to no frame (the line state's `unreadableBytes`); served by
 *   `p1studio serve` at `/metrics` through web.ts's `routes`, so behind the same token and Host
 *   checks as everything else (`Authorization: Bearer TOKEN`).
 * - **MQTT publish** with Home Assistant discovery (output/mqtt-publish.ts): every decoded
 *   telegram of the open source (`serve --mqtt-publish URL`).
 * - **The nightly report** (output/nightly-report.ts): after each meter-local midnight, the day
 *   from the history (saved in the data folder, mailed if an SMTP server is given), in the
 *   language asked for (nightly-report-messages.ts).
 *
 * Telegrams opened through the authentication-key fallback that the user has not confirmed
 * (host/keys.ts) are counted in the metrics but neither published nor shown as meter values:
 * Home Assistant and Prometheus keep what they get, as the history does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FrameRecord } from '../../shared/contract'
import type { DecodedTelegram } from '../../shared/types'
import { HistoryStore } from '../history/store'
import type { Clock } from '../line/clock'
import type { ByteSource } from '../line/source'
import { P1Metrics } from '../output/metrics'
import { MqttPublisher, type MqttPublishOptions } from '../output/mqtt-publish'
import { NightlyReporter, type NightlyReportResult, type SmtpOptions } from '../output/nightly-report'
import { nightlyReportLookup } from '../output/nightly-report-messages'
import type { StudioSession } from './session'

/** The nightly report's settings (`serve --nightly-report …`). */
export interface NightlyOutputOptions {
  /** Power class, kW. */
  classKW: number
  /** € per kWh above the class (default 0.1139). */
  priceEurPerKWh?: number
  /** Language of the words: en, fr, de (default en). */
  lang?: string
  /** The zone whose midnights start the reports (default Europe/Luxembourg). */
  zone?: string
  /** Mail each report through this server. */
  smtp?: SmtpOptions
  /** Run this long after midnight, ms (default 5 min). */
  delayMs?: number
}

/** Options of {@link LiveOutputs}. */
export interface LiveOutputsOptions {
  /** The data folder: reports go to `<dataDir>/reports/`. */
  dataDir: string
  /** MQTT publish (`serve --mqtt-publish`), without the app version. */
  mqtt?: Omit<MqttPublishOptions, 'appVersion'>
  nightly?: NightlyOutputOptions
  /** What to tell the operator (serve: stderr), one line each. Never a secret. */
  log?: (line: string) => void
}

const INTL: Record<string, string> = { en: 'en-GB', fr: 'fr-LU', de: 'de-LU' }

/** The outputs of one session. Create, then {@link start}; {@link close} at exit. */
export class LiveOutputs {
  readonly metrics: P1Metrics
  readonly publisher: MqttPublisher | null
  reporter: NightlyReporter | null = null
  private reportStore: HistoryStore | null = null
  /** The source whose unreadable bytes were counted last, and how many. */
  private skipped: { src: ByteSource | null; n: number } = { src: null, n: 0 }
  private readonly onFrame = (f: FrameRecord): void => this.frame(f)

  /** @throws RangeError in plain words for an MQTT prefix that cannot be used. */
  constructor(
    private readonly session: StudioSession,
    private readonly opts: LiveOutputsOptions
  ) {
    const clock: Clock = session.clock
    this.metrics = new P1Metrics({ clock })
    this.publisher = opts.mqtt ? new MqttPublisher({ ...opts.mqtt, appVersion: session.status.snapshot().version }) : null
    session.on('frame', this.onFrame)
  }

  /**
   * Connect to the broker (in the background: it keeps trying) and schedule the nightly
   * reports. @throws Error in plain words for a broker URL that cannot be used or a history
   * that cannot be opened.
   */
  async start(): Promise<void> {
    const log = this.opts.log ?? (() => undefined)
    if (this.publisher) {
      this.publisher.on('status', (s) => log(`MQTT publish: ${s.message}`))
      this.publisher.start()
    }
    const n = this.opts.nightly
    if (n) {
      this.reportStore = await HistoryStore.open(this.session.history.path)
      const lang = n.lang ?? 'en'
      const reporter = new NightlyReporter({
        store: this.reportStore,
        dataDir: this.opts.dataDir,
        classKW: n.classKW,
        priceEurPerKWh: n.priceEurPerKWh,
        zone: n.zone,
        clock: this.session.clock,
        delayMs: n.delayMs,
        smtp: n.smtp,
        t: nightlyReportLookup(lang),
        locale: INTL[lang] ?? 'en-GB',
        appVersion: this.session.status.snapshot().version
      })
      reporter.on('report', (r: NightlyReportResult) =>
        log(`Nightly report of ${r.figures.date} for ${r.figures.meterId} saved as ${r.files.html}${r.mailedTo ? `, mailed to ${r.mailedTo.join(', ')}` : ''}.`)
      )
      reporter.on('error', (e) => log(`Nightly report: ${e.message}`))
      reporter.start()
      this.reporter = reporter
    }
  }

  /** GET routes for the web server: `/metrics` (Prometheus text format 0.0.4). */
  routes(): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
    return {
      '/metrics': async (req, res) => {
        const body = await this.scrape()
        res.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)) })
        res.end(req.method === 'HEAD' ? undefined : body)
      }
    }
  }

  /** The metrics text now (what `/metrics` answers). */
  async scrape(): Promise<string> {
    this.countSkipped()
    return this.metrics.render()
  }

  /** Stop publishing (the broker is told `offline`), stop the reports. Idempotent. */
  async close(): Promise<void> {
    this.session.off('frame', this.onFrame)
    this.reporter?.stop()
    await this.reporter?.idle()
    this.reporter = null
    this.reportStore?.close()
    this.reportStore = null
    await this.publisher?.close().catch(() => undefined)
  }

  private frame(f: FrameRecord): void {
    if (!f.ok) {
      this.metrics.failure(f)
      return
    }
    const t: DecodedTelegram = f
    const admitted = this.session.keys.admitToHistory(t.warnings, t.dlms?.systemTitle ?? null)
    this.metrics.telegram(t, admitted)
    if (admitted) this.publisher?.publish(t)
  }

  /** Unreadable bytes of the open source since the last scrape (the line state counts them per source). */
  private countSkipped(): void {
    const src = this.session.source.current
    const n = this.session.source.stats().line?.unreadableBytes ?? 0
    if (src !== this.skipped.src) this.skipped = { src, n: 0 }
    if (n > this.skipped.n) this.metrics.skippedBytes(n - this.skipped.n)
    this.skipped.n = Math.max(this.skipped.n, n)
  }
}
