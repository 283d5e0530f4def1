/**
 * `p1studio diagnose`: the installation diagnostics wizard on the command line.
 * Exit 0 when the verdict is `ok`, 1 otherwise, 2 for wrong arguments.
 */
import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import type { DiagnosisReport } from '../../shared/diagnostics'
import { runDiagnosis } from '../diagnostics/runner'
import { ReplaySource } from '../capture/replay-source'
import { assertNoKey, reportHtml, reportJson } from '../diagnostics/report'
import { writeFileSafely } from '../capture/safe-file'
import { isLocale } from '../../shared/i18n/translate'
import { isTcpSpec, parseTcpSpec } from '../line/tcp-source'
import { UsageError, appVersion, intOpt, keyOpt, lineSettings, parse } from './args'
import { refuseLineSettingsOverTcp } from './source-opts'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { DIAGNOSE_USAGE } from './usage'

const MARK: Record<string, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'skip' }

/** The report as text for a terminal. */
export function reportText(r: DiagnosisReport): string {
  const lines = [`Verdict: ${r.verdict} — ${r.summary}`, '']
  for (const c of r.checks) {
    lines.push(`${MARK[c.status].padEnd(4)}  ${c.title}${c.code ? ` [${c.code}]` : ''}: ${c.summary}`)
    if (c.advice && c.status !== 'pass') lines.push(`      next: ${c.advice}`)
  }
  const m = r.meter
  if (m.systemTitle || m.meterId)
    lines.push('', `Meter: ${m.meterId ?? '(id not decoded)'}, system title ${m.systemTitle ?? '—'}, ${m.identification ?? ''}`.trimEnd())
  return lines.join('\n') + '\n'
}

async function cmdDiagnose(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    capture: { type: 'string' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    duration: { type: 'string' },
    cadence: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string', multiple: true },
    force: { type: 'boolean' },
    'no-retry': { type: 'boolean' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' },
    lang: { type: 'string' }
  })
  if (!values.port === !values.capture) throw new UsageError('diagnose needs --port PATH, --port tcp://HOST:PORT or --capture FILE (one of them)')
  // over TCP the line's settings are the reader's: none is given here, none is retried (diagnostics/tcp-checks.ts)
  refuseLineSettingsOverTcp(values.port, values)
  if (typeof values.port === 'string' && isTcpSpec(values.port) && !parseTcpSpec(values.port))
    throw new UsageError(`--port ${values.port}: write tcp://HOST:PORT, e.g. tcp://192.168.1.20:2000 or tcp://[fd00::5]:2000`)
  const reports = ((values as Record<string, unknown>).report as string[] | undefined) ?? []
  for (const f of reports) {
    if (!['.html', '.htm', '.json'].includes(extname(f).toLowerCase())) throw new UsageError(`--report ${f}: the name must end in .html or .json`)
    // before the run, not after a minute of listening: reports never silently replace a file
    if (values.force !== true && existsSync(f)) throw new Error(`${f} already exists: P1 Studio does not overwrite reports (use --force to replace it).`)
  }
  // every argument is checked before a replay starts: a wrong one must not leave it running (the CLI hung)
  const lang = values.lang ?? 'en'
  if (!isLocale(lang)) throw new UsageError(`--lang ${lang}: the report's language is en, fr or de`)
  const key = keyOpt(values.key, 'P1 key')
  const authKey = keyOpt(values['auth-key'], 'Authentication key')
  const cadenceS = intOpt(values.cadence, 'cadence', 0.1, 3600) ?? 10
  const settings = lineSettings(values)
  const durationS = values.capture ? (intOpt(values.duration, 'duration', 1, 31 * 86400) ?? 3600) : intOpt(values.duration, 'duration', 1, 3600)
  const tty = process.stderr.isTTY
  let lastLine = 0
  let replay: ReplaySource | null = null
  if (values.capture) {
    replay = new ReplaySource(String(values.capture), { speed: Infinity, paused: true })
    // a torn or damaged capture is read anyway: its warning goes to stderr
    replay.on('error', (e) => process.stderr.write(`${e.message}\n`))
    await replay.start()
  }
  const run = runDiagnosis({
    ...(replay
      ? {
          source: replay,
          clock: 'data' as const,
          sourceLabel: `capture ${String(values.capture)}`
        }
      : {}),
    path: values.port ? String(values.port) : undefined,
    settings,
    key,
    authKey,
    durationS,
    cadenceS,
    retrySettings: values['no-retry'] !== true,
    appVersion: appVersion(),
    onProgress: (p) => {
      if (p.phase === 'done') {
        if (tty) process.stderr.write('\r\x1b[K')
        return
      }
      const line = `[${p.elapsedS.toFixed(1)}/${p.limitS} s] ${p.message}`
      if (tty) process.stderr.write(`\r\x1b[K${line}`)
      else if (Date.now() - lastLine > 2000 || p.phase !== 'listening') {
        lastLine = Date.now()
        process.stderr.write(line + '\n')
      }
    }
  })
  // a replay starts once the run listens: nothing recorded is missed
  replay?.setPaused(false)
  const report = await run
  await replay?.stop()
  for (const f of reports) {
    const text = /\.json$/i.test(f) ? reportJson(report) : reportHtml(report, lang)
    assertNoKey(text, key)
    // whole or not at all, 0600, linked into place (an existing file kept unless --force)
    writeFileSafely(f, text, { force: values.force === true, what: 'the report' })
    process.stderr.write(`report saved: ${f}\n`)
  }
  process.stdout.write(values.json ? JSON.stringify(report) + '\n' : reportText(report))
  return report.verdict === 'ok' ? 0 : 1
}

/** Command name → run(args) → exit status. */
export const diagnoseCommands: Record<string, (args: string[]) => Promise<number>> = { diagnose: cmdDiagnose }
