/**
 * The diagnostics run: open the port (or take an open source), listen, reopen at other line
 * settings when the bytes are not frames, stop as soon as there is enough evidence, and
 * turn it into a {@link DiagnosisReport}. Used by the session (wizard) and `p1studio diagnose`.
 *
 * Timing (Smarty, cadence 10 s): a verdict needs three frames (≤ 30 s), `no_signal` comes
 * after 1.2 cadences without a byte (12 s); each retry at other settings waits for one burst.
 *
 * Time is an input: the receive times of the bytes are the time base, and the run's own
 * timers (silence, limits, idle flush) run on the {@link Clock} the source stamps its bytes
 * with: the system clock for a live line, a ManualClock in tests (the real 10 s cadence,
 * exactly), or the recorded receive times of a replay (`clock: 'data'`).
 */
import type { WireError } from '../../shared/contract/errors'
import type { DiagnoseRequest, DiagnosisProgress, DiagnosisReport } from '../../shared/diagnostics'
import { formatLineSettings } from '../../shared/line-settings'
import { DEFAULT_LINE_SETTINGS, type LineSettings } from '../../shared/types'
import { systemClock, type Clock } from '../line/clock'
import { PortOpenError, SerialSource } from '../line/serial-source'
import type { ByteSource } from '../line/source'
import { TcpSource, isTcpSpec, sourceFromSpec, type TcpProblemCode } from '../line/tcp-source'
import { evaluateChecks, keptAttempt, meterIdentity, overallVerdict, type PortOutcome } from './checks'
import { AttemptEvidence } from './evidence'
import { tcpChecks, tcpConnectFailure } from './tcp-checks'

/** Options of {@link runDiagnosis}: the request plus how to reach the line. */
export interface RunOptions extends DiagnoseRequest {
  appVersion: string
  /**
   * Open a source at given settings (default: a {@link SerialSource} on `path`, stamping
   * with the run's clock). It is started and stopped by the run; its receive times must come
   * from the same clock as the run's.
   */
  openSource?: (settings: LineSettings) => ByteSource
  /**
   * Or: a source that is already running and owned by someone else (a replay, the demo).
   * Settings are then not retried, and with `clock: 'data'` time is the receive times'.
   */
  source?: ByteSource
  /** Label of `source` in the report. */
  sourceLabel?: string
  /**
   * What time is. A {@link Clock} (default {@link systemClock}; 'wall' is the same): the
   * clock the source stamps its bytes with, which also runs the run's timers and dates the
   * report (`startedAt`, `durationS`, progress `elapsedS`). 'data': the recorded receive
   * times of a replay are what is judged; the system clock runs the timers and dates the report.
   */
  clock?: Clock | 'wall' | 'data'
  /**
   * How the bytes come: 'serial' (a port whose settings the run may change) or 'tcp' (raw P1
   * bytes over TCP, `tcp://HOST:PORT`: the line's settings and polarity are the reader's, so
   * none is retried and the line check says what it can — tcp-checks.ts). Default: 'tcp' when
   * `path` is a `tcp://` spec, else 'serial'.
   */
  transport?: 'serial' | 'tcp'
  /** Compare the meter's clock with the receive times (default true; false for the demo, whose day is fixed). */
  meterClock?: boolean
  onProgress?: (p: DiagnosisProgress) => void
  /** Abort: the run stops and reports what it has. */
  signal?: AbortSignal
}

/** Line settings tried after the first ones, most likely first (DSMR 2/3 first). */
export const RETRY_SETTINGS: LineSettings[] = [
  { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 },
  { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }
]

const MIN_FRAMES = 3
const TICK_MS = 100

/**
 * Diagnose a P1 installation.
 * @returns the report (never contains the key). Never throws for line problems: a port that
 *   does not open is the `port` check's verdict.
 * @throws TypeError for a key that is not 32 hex digits (validate input first).
 */
export async function runDiagnosis(opts: RunOptions): Promise<DiagnosisReport> {
  const cadenceS = opts.cadenceS ?? 10
  const cadenceMs = cadenceS * 1000
  const durationMs = (opts.durationS ?? 3 * cadenceS + 2) * 1000
  const first: LineSettings = { ...DEFAULT_LINE_SETTINGS, ...opts.settings }
  const tcp = opts.transport === 'tcp' || (opts.transport === undefined && !opts.source && isTcpSpec(opts.path ?? ''))
  const canRetry = !opts.source && !tcp && opts.retrySettings !== false
  const label = opts.source ? (opts.sourceLabel ?? opts.source.label) : (opts.path ?? 'port')
  const dataTime = opts.clock === 'data'
  /** Runs the timers; for a live line also the time base (the source stamps with it). */
  const clock: Clock = typeof opts.clock === 'object' ? opts.clock : systemClock
  const openSource =
    opts.openSource ?? ((s: LineSettings) => (tcp ? sourceFromSpec(opts.path ?? '', { clock }) : new SerialSource(opts.path ?? '', s, { clock })))
  const runStart = clock.now()
  const evidenceOpts = (settings: LineSettings) => ({
    settings,
    key: opts.key ?? null,
    authKey: opts.authKey,
    burstGapMs: Math.min(500, cadenceMs / 4),
    meterClock: opts.meterClock,
    // a frame's bytes come back to back: a pause as long as a burst gap ends it
    idleGapMs: Math.min(500, cadenceMs / 4)
  })
  // throws TypeError on a bad key before anything is opened
  new AttemptEvidence(evidenceOpts(first), runStart)

  const attempts: AttemptEvidence[] = []
  let port: PortOutcome = { ok: true, label }
  /** Why the run stopped early (a code with params, the English words as message), null if it ran its course. */
  let interrupted: WireError | null = null
  /** Why the first TCP connection failed (TcpSource's code), for the port check's words. */
  let tcpProblem: TcpProblemCode | null = null
  const portPath = opts.path ?? label
  const candidates = RETRY_SETTINGS.filter((s) => formatLineSettings(s) !== formatLineSettings(first))
  const retries = canRetry ? 2 : 0
  const limitMs = durationMs + retries * (1.5 * cadenceMs + 1000)
  /** Receive time of the last chunk heard (data time), null before the first. */
  let dataNow: number | null = null
  /** Now in the run's time base: the clock's, or (replays) the last receive time. */
  const now = (): number => (dataTime ? (dataNow ?? clock.now()) : clock.now())
  const progress = (phase: DiagnosisProgress['phase'], message: string): void => {
    const a = attempts[attempts.length - 1]
    opts.onProgress?.({
      phase,
      elapsedS: Math.round((clock.now() - runStart) / 100) / 10,
      limitS: Math.round(limitMs / 1000),
      settings: a ? formatLineSettings(a.settings) : formatLineSettings(first),
      bytes: attempts.reduce((n, x) => n + x.bytes, 0),
      frames: a?.frames.length ?? 0,
      message
    })
  }

  /** Listen at `settings` until the attempt decides; resolves with what to do next. */
  const listen = (src: ByteSource, settings: LineSettings, owned: boolean): Promise<'done' | 'retry'> =>
    new Promise((resolve) => {
      const attempt = new AttemptEvidence(evidenceOpts(settings), dataTime ? 0 : clock.now())
      // with data time, the attempt starts at the first receive time heard
      let started = !dataTime
      let finished = false
      attempts.push(attempt)
      let lastProgress: number | null = null
      const finish = (next: 'done' | 'retry'): void => {
        if (finished) return
        finished = true
        timer.cancel()
        src.off('data', onData)
        src.off('end', onEnd)
        opts.signal?.removeEventListener('abort', onAbort)
        // a replay that sent nothing listened for no time at all
        attempt.finish(started ? now() : attempt.startedAt)
        resolve(next)
      }
      const onData = (chunk: Buffer, at: number): void => {
        if (dataTime) {
          dataNow = at
          if (!started) {
            started = true
            attempt.startedAt = at
          }
        }
        attempt.push(chunk, at)
        check()
      }
      const onEnd = (reason: string): void => {
        if (owned || dataTime) interrupted = owned ? portEnded(reason, portPath) : null
        finish('done')
      }
      const onAbort = (): void => {
        interrupted = { code: 'diagnosis_cancelled', message: 'Stopped by the user.', params: {} }
        finish('done')
      }
      const check = (): void => {
        if (finished || !started) return
        const t = now()
        attempt.tick(t)
        const inAttempt = t - attempt.startedAt
        const frames = attempt.frames.length
        const wall = clock.now()
        if (lastProgress === null || wall - lastProgress > 250) {
          lastProgress = wall
          progress(
            'listening',
            frames
              ? `Listening at ${formatLineSettings(settings)}: ${frames} frame${frames === 1 ? '' : 's'} so far.`
              : attempt.bytes
                ? `Listening at ${formatLineSettings(settings)}: ${attempt.bytes} bytes, no frame yet.`
                : `Waiting for the first byte at ${formatLineSettings(settings)}…`
          )
        }
        if (frames >= MIN_FRAMES) return finish('done')
        if (!dataTime && t - runStart > limitMs) return finish('done')
        if (dataTime && inAttempt > durationMs && frames > 0) return finish('done')
        if (frames > 0) return
        if (attempt.sevenBitTelegrams > 0) return finish('done')
        if (attempt.bytes === 0) {
          if (inAttempt > 1.2 * cadenceMs) return finish(attempts.length > 1 && canRetry && candidates.length ? 'retry' : 'done')
          return
        }
        const complete = attempt.completeBursts(t)
        if (complete.length >= 1 && canRetry && candidates.length > 0) return finish('retry')
        if (complete.length >= 2 || (complete.length >= 1 && inAttempt > 1.5 * cadenceMs)) return finish('done')
      }
      const timer = clock.setInterval(check, TICK_MS)
      src.on('data', onData)
      src.on('end', onEnd)
      opts.signal?.addEventListener('abort', onAbort)
      if (opts.signal?.aborted) onAbort()
    })

  if (opts.source) {
    progress('listening', `Listening to ${label}…`)
    await listen(opts.source, first, false)
  } else {
    let settings = first
    for (;;) {
      progress(attempts.length ? 'retrying' : 'opening', attempts.length ? `Trying ${formatLineSettings(settings)}…` : `Opening ${label}…`)
      const src = openSource(settings)
      src.on('error', () => undefined)
      try {
        await src.start()
      } catch (e) {
        const err = e as Error
        if (attempts.length === 0) port = { ok: false, label, code: err instanceof PortOpenError ? err.code : 'port_error', message: err.message }
        else interrupted = { code: err instanceof PortOpenError ? err.code : 'port_error', message: err.message, params: { path: portPath } }
        break
      }
      // a TCP source keeps retrying on its own: a first attempt that failed is the port check's verdict
      if (src instanceof TcpSource && !src.connected) {
        tcpProblem = src.state?.code ?? null
        const failed = tcpConnectFailure(label, tcpProblem)
        await src.stop()
        if (attempts.length === 0) port = { ok: false, label, ...failed }
        else interrupted = { ...failed, params: { path: portPath } }
        break
      }
      const next = await listen(src, settings, true)
      await src.stop()
      if (next === 'done' || interrupted) break
      const a = attempts[attempts.length - 1]
      if (attempts.length === 1) {
        // A slow meter read too fast gives mostly 0x00 (every low stretch is a break): try the
        // slower settings. Garbage with few 0x00 at the right baud is the inverted line's
        // pattern: one retry (DSMR 2/3's 9600 7E1) is then enough.
        const zeroShare = a.bytes ? a.zeros() / a.bytes : 0
        if (zeroShare < 0.2) candidates.splice(1)
        else candidates.sort((x, y) => x.baudRate - y.baudRate)
        candidates.splice(retries)
      }
      const nextSettings = candidates.shift()
      if (!nextSettings) break
      settings = nextSettings
    }
  }

  const evaluated = evaluateChecks({ port, attempts, keyGiven: Boolean(opts.key), cadenceS, canRetry })
  const checks = tcp ? tcpChecks(evaluated, label, tcpProblem) : evaluated
  const verdict = overallVerdict(checks)
  const kept = attempts.length ? keptAttempt(attempts) : undefined
  const working = kept && kept.frames.length > 0 ? formatLineSettings(kept.settings) : null
  const report: DiagnosisReport = {
    verdict,
    summary: summarise(verdict, checks, interrupted?.message ?? null),
    interrupted,
    checks,
    meter: meterIdentity(attempts),
    // over TCP no line setting is P1 Studio's: none worked, none was tried
    source: tcp ? { label, settings: null, tried: [] } : { label, settings: working, tried: attempts.map((a) => formatLineSettings(a.settings)) },
    keyTested: Boolean(opts.key),
    firstFrameHex: attempts.map((a) => a.firstFrameHex).find((h) => h !== null) ?? firstFrameOf(attempts),
    startedAt: new Date(runStart).toISOString(),
    durationS: Math.round((clock.now() - runStart) / 100) / 10,
    appVersion: opts.appVersion
  }
  progress('done', report.summary)
  return report
}

/** A port that ended under the run: pulled (`port_disconnected`) or closed by someone else (`port_closed`). */
function portEnded(reason: string, path: string): WireError {
  return { code: /disconnected/.test(reason) ? 'port_disconnected' : 'port_closed', message: reason, params: { path } }
}

function firstFrameOf(attempts: AttemptEvidence[]): string | null {
  for (const a of attempts) if (a.firstFailedFrameHex) return a.firstFailedFrameHex
  return null
}

function summarise(verdict: DiagnosisReport['verdict'], checks: DiagnosisReport['checks'], interrupted: string | null): string {
  const tail = interrupted ? ` (${interrupted})` : ''
  if (verdict === 'ok') {
    const cad = checks.find((c) => c.id === 'cadence')
    return `Installation OK: frames arrive${cad?.evidence.meanIntervalS ? ` every ${cad.evidence.meanIntervalS} s` : ''}, the key opens them and the CRC is right.${tail}`
  }
  if (verdict === 'key_not_tested') return `No fault found on the line and in the framing; the P1 key was not tested (no key given).${tail}`
  const failed = checks.find((c) => c.status === 'fail')
  return `${failed?.summary ?? verdict}${tail}`
}
