/**
 * The installation diagnostics for the app (namespace `diagnose`; runner → evidence → pure
 * checks → report in src/main/diagnostics). On a port: the port is leased to the diagnosis
 * (the session's own P1 source and a board monitor there are closed for the run) and the P1
 * source is reopened afterwards at the settings that worked. Without a port: the open source
 * is diagnosed as it plays (recorded receive times for files and replays). The key is the
 * request's, else the session's; it never appears in the report.
 */
import { EventEmitter } from 'node:events'
import { ApiError, DIAGNOSE, type Handlers, type RequestOut, type SourceRequest } from '../../shared/contract'
import type { DiagnosisProgress, DiagnosisReport } from '../../shared/diagnostics'
import { parseLineLabel } from '../../shared/line-settings'
import { reportHtml, reportJson } from '../diagnostics/report'
import { runDiagnosis } from '../diagnostics/runner'
import type { Clock } from '../line/clock'
import { parseTcpSpec } from '../line/tcp-source'
import type { ByteSource } from '../line/source'
import type { Caller } from './caller'
import type { KeyService } from './keys'
import type { PortRegistry } from './port-registry'
import type { SourceService } from './source-service'

export interface DiagnoseServiceOptions {
  version: string
  clock: Clock
  keys: KeyService
  source: SourceService
  ports: PortRegistry
  /** Builds the serial sources of a run (the session's factory). */
  factory: (req: SourceRequest) => ByteSource
}

export class DiagnoseService extends EventEmitter<{ diagnosis: [DiagnosisProgress] }> implements Handlers<typeof DIAGNOSE, Caller> {
  private running: AbortController | null = null
  private last: DiagnosisReport | null = null

  constructor(private readonly o: DiagnoseServiceOptions) {
    super()
  }

  /** @throws ApiError already_running, no_source, port_in_use, forbidden_path. */
  async diagnose(req: RequestOut<(typeof DIAGNOSE.methods)['diagnose']>, caller: Caller): Promise<DiagnosisReport> {
    if (this.running) throw new ApiError('already_running', 'A diagnosis is already running.')
    const ac = new AbortController()
    this.running = ac
    const common = {
      key: req.key ?? this.o.keys.key ?? undefined,
      authKey: req.authKey ?? this.o.keys.authKey,
      durationS: req.durationS,
      cadenceS: req.cadenceS,
      appVersion: this.o.version,
      signal: ac.signal,
      onProgress: (p: DiagnosisProgress) => this.emit('diagnosis', p)
    }
    try {
      const tcp = req.path ? parseTcpSpec(req.path) : null
      if (req.path && tcp) {
        // tcp://HOST:PORT (ser2net, a P1 dongle): allowed like an opened TCP source; no device to lease
        caller.checkTcp(tcp.host, tcp.port)
        this.last = await runDiagnosis({ ...common, path: req.path, transport: 'tcp', clock: this.o.clock })
        return this.last
      }
      if (req.path) {
        const path = await caller.serialPort(req.path)
        const st = this.o.source.state()
        const own = st.kind === 'serial' && st.path === path ? st : null
        const lease = await this.o.ports.lease(path, 'diagnosis')
        let report: DiagnosisReport
        try {
          report = await runDiagnosis({
            ...common,
            path,
            settings: req.settings ?? own?.settings,
            retrySettings: req.retrySettings,
            clock: this.o.clock,
            openSource: (settings) => this.o.factory({ kind: 'serial', path, settings })
          })
        } finally {
          lease.release()
        }
        if (own) {
          const working = report.source.settings ? parseLineLabel(report.source.settings) : own.settings
          await this.o.source.openSource({ kind: 'serial', path, settings: working ?? own.settings }, caller).catch(() => undefined)
        }
        this.last = report
        return report
      }
      const source = this.o.source.current
      if (!source) throw new ApiError('no_source', 'Open a source first, or choose a port to diagnose.')
      const kind = this.o.source.state().kind
      this.last = await runDiagnosis({
        ...common,
        source,
        sourceLabel: source.label,
        clock: kind === 'file' || kind === 'capture' ? 'data' : this.o.clock,
        // an open TCP source: the line's settings and polarity are the reader's (diagnostics/tcp-checks.ts)
        transport: kind === 'tcp' ? 'tcp' : undefined,
        meterClock: kind !== 'demo'
      })
      return this.last
    } finally {
      this.running = null
    }
  }

  /** Stop a running diagnosis (it resolves with what it heard). */
  async cancelDiagnosis(): Promise<void> {
    this.running?.abort()
  }

  /** The last report as HTML (in `lang`, default English; times in the open source's zone) or JSON text, null before the first diagnosis. */
  async getDiagnosisReport(req: RequestOut<(typeof DIAGNOSE.methods)['getDiagnosisReport']>): Promise<string | null> {
    if (!this.last) return null
    const { format, lang } = typeof req === 'string' ? { format: req, lang: undefined } : req
    // times in the open meter's zone (the source's, default Europe/Luxembourg)
    const st = this.o.source.state()
    const zone = st.kind !== 'none' ? st.zone : undefined
    return format === 'html' ? reportHtml(this.last, lang, zone) : reportJson(this.last)
  }

  dispose(): void {
    this.running?.abort()
  }
}
