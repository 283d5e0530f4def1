/**
 * The diagnostics checks: from what was heard (one {@link AttemptEvidence} per set of line
 * settings tried) to pass / warn / fail with a sentence, the figures and the next thing to
 * try. Pure: no I/O, no clock. Verdict codes: docs/verdict-codes.md.
 *
 * Physics and sources behind the thresholds:
 * - a Smarty sends one frame every 10 s, the frame counter rises by one per frame
 *   (Luxmetering E-Meter P1 spec v1.1.3 §3.2.1, §3.2.5); a frame takes ~0.1 s at 115200 baud;
 * - voltage limits 230 V ±10 % = 207…253 V (EN 50160);
 * - P1 pins (RJ12): 1 = +5 V, 2 = data request, 3/6 = GND, 5 = data, open collector,
 *   inverted (DSMR 5.0.2 P1 §5.7).
 *
 * Titles, skip sentences and fixed advice are the English catalogue's (src/shared/i18n/messages/en/*.json
 * `diag.*`), so their wording lives in one place; sentences with figures are written here and a
 * unit test compares them with the catalogue's wording (src/shared/i18n/wording.ts).
 *
 * Why one file over 400 lines: one pure function per check, in the order the report shows
 * them, each with its sentences; they share the evidence helpers at the top.
 */
import type { CheckId, CheckResult, CheckStatus, CheckWarningCode, EvidenceValue, MeterIdentity, VerdictCode } from '../../shared/diagnostics'
import { formatLineSettings } from '../../shared/line-settings'
import type { DecodedTelegram, LineSettings } from '../../shared/types'
import { en } from '../../shared/i18n/messages/en'
import type { AttemptEvidence, FrameSeen } from './evidence'

/** Check titles, as the wizard shows them (the English catalogue's `diag.titles`). */
export const CHECK_TITLES: Record<CheckId, string> = en.diag.titles

/** What the port check found (done by the runner, which opens the port). */
export interface PortOutcome {
  ok: boolean
  /** Port path or source label. */
  label: string
  code?: 'port_not_found' | 'port_busy' | 'port_permission_denied' | 'port_error'
  message?: string
}

/** Context of an evaluation. */
export interface EvaluationContext {
  port: PortOutcome
  /** Attempts in the order tried; the last one is the one kept (working settings, or the last tried). */
  attempts: AttemptEvidence[]
  /** Whether a P1 key was given. */
  keyGiven: boolean
  /** Expected interval between frames, s. */
  cadenceS: number
  /** Whether the source is a port whose settings can be changed (false for replays and the demo). */
  canRetry: boolean
}

const NO_SIGNAL_ADVICE = en.diag.signal.failAdvice
const INVERTED_ADVICE = en.diag.line.invertedAdvice

function result(
  id: CheckId,
  status: CheckStatus,
  code: VerdictCode | CheckWarningCode | null,
  summary: string,
  evidence: Record<string, EvidenceValue>,
  advice: string | null = null
): CheckResult {
  return { id, title: CHECK_TITLES[id], status, code, summary, evidence, advice }
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits
const skip = (id: CheckId, why: string): CheckResult => result(id, 'skip', null, why, {})

/** Evaluate every check. @returns one result per check, in {@link CHECK_IDS} order. */
export function evaluateChecks(ctx: EvaluationContext): CheckResult[] {
  const out: CheckResult[] = []
  if (!ctx.port.ok) {
    out.push(
      result(
        'port',
        'fail',
        ctx.port.code ?? 'port_error',
        ctx.port.message ?? `Could not open ${ctx.port.label}.`,
        { port: ctx.port.label },
        portAdvice(ctx.port.code)
      )
    )
    for (const id of ['signal', 'line', 'framing', 'cadence', 'key', 'telegram'] as const) out.push(skip(id, en.diag.skip.portFailed))
    return out
  }
  const first = ctx.attempts[0]
  const kept = keptAttempt(ctx.attempts)
  out.push(result('port', 'pass', null, `${ctx.port.label} opened.`, { port: ctx.port.label, settings: formatLineSettings(first.settings) }))
  const totalBytes = ctx.attempts.reduce((n, a) => n + a.bytes, 0)
  const listenedS = round(ctx.attempts.reduce((n, a) => n + (a.endedAt - a.startedAt), 0) / 1000, 1)
  if (totalBytes === 0) {
    out.push(
      result(
        'signal',
        'fail',
        'no_signal',
        `No byte arrived in ${listenedS} s: the meter is not sending, or nothing reaches the port.`,
        { listenedS, bytes: 0 },
        NO_SIGNAL_ADVICE
      )
    )
    for (const id of ['line', 'framing', 'cadence', 'key', 'telegram'] as const) out.push(skip(id, en.diag.skip.noSignal))
    return out
  }
  out.push(signalCheck(first, listenedS, totalBytes))
  const line = lineCheck(ctx)
  out.push(line)
  if (line.status === 'fail' && line.code === 'inverted_signal') {
    for (const id of ['framing', 'cadence', 'key', 'telegram'] as const) out.push(skip(id, en.diag.skip.noFrame))
    return out
  }
  out.push(framingCheck(kept))
  out.push(cadenceCheck(kept, ctx.cadenceS))
  const key = keyCheck(kept, ctx.keyGiven)
  out.push(key)
  out.push(telegramCheck(kept))
  return out
}

/** The overall verdict: the first failing check's code, else `key_not_tested` or `ok`. */
export function overallVerdict(checks: CheckResult[]): VerdictCode {
  const failed = checks.find((c) => c.status === 'fail')
  if (failed) return failed.code as VerdictCode
  const key = checks.find((c) => c.id === 'key')
  if (key?.status === 'skip' && key.code === 'key_not_tested') return 'key_not_tested'
  return 'ok'
}

function portAdvice(code: PortOutcome['code']): string {
  return en.diag.port.advice[code ?? 'port_error']
}

function signalCheck(a: AttemptEvidence, listenedS: number, totalBytes: number): CheckResult {
  const bursts = a.bursts
  const gaps = bursts.slice(1).map((b, i) => (b.start - bursts[i].end) / 1000)
  return result('signal', 'pass', null, `Bytes arrive: ${totalBytes} bytes in ${bursts.length} burst${bursts.length === 1 ? '' : 's'}.`, {
    listenedS,
    bytes: totalBytes,
    bursts: bursts.length,
    meanBurstBytes: bursts.length ? Math.round(bursts.reduce((n, b) => n + b.bytes, 0) / bursts.length) : 0,
    longestBurstS: bursts.length ? round(Math.max(...bursts.map((b) => b.end - b.start)) / 1000, 3) : 0,
    idleGapsS: gaps.map((g) => round(g, 2))
  })
}

const framesIn = (a: AttemptEvidence): number => a.frames.length

/** The attempt the later checks judge: the last one that heard frames, else the last one. */
export function keptAttempt(attempts: AttemptEvidence[]): AttemptEvidence {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i].frames.length > 0) return attempts[i]
  return attempts[attempts.length - 1]
}

function lineCheck(ctx: EvaluationContext): CheckResult {
  const first = ctx.attempts[0]
  const kept = keptAttempt(ctx.attempts)
  const tried = ctx.attempts.map((a) => formatLineSettings(a.settings))
  const zeroShare = (a: AttemptEvidence): number => (a.bytes ? round(a.zeros() / a.bytes, 3) : 0)
  if (framesIn(first) > 0) {
    return result('line', 'pass', null, `Frames read at ${tried[0]}, line not inverted.`, { settings: tried[0], frames: framesIn(first), tried })
  }
  if (first.sevenBitTelegrams > 0) {
    const s7: LineSettings = { ...first.settings, dataBits: 7, parity: 'even' }
    return result(
      'line',
      'fail',
      'wrong_line_settings',
      `The meter sends 7-bit characters with parity: it works at ${formatLineSettings(s7)}, not ${tried[0]}.`,
      { tried, working: formatLineSettings(s7), telegramsAs7E1: first.sevenBitTelegrams },
      `Set the port to ${formatLineSettings(s7)} (a DSMR 2/3/4 meter).`
    )
  }
  if (ctx.attempts.length > 1 && framesIn(kept) > 0 && kept !== first) {
    const working = formatLineSettings(kept.settings)
    return result(
      'line',
      'fail',
      'wrong_line_settings',
      `No frame at ${tried[0]}, but frames arrive at ${working}: the line settings are wrong.`,
      { tried, working, zeroShareAtFirst: zeroShare(first), frames: framesIn(kept) },
      `Set the port (or the board's firmware) to ${working}. A Smarty sends 115200 8N1; 9600 7E1 is a DSMR 2/3 meter.`
    )
  }
  const bursts = first.bursts
  const periods = bursts.slice(1).map((b, i) => round((b.start - bursts[i].start) / 1000, 2))
  return result(
    'line',
    'fail',
    'inverted_signal',
    `Bytes arrive in bursts but no frame can be read at ${tried.join(', ')}: the line is most likely inverted (or not a P1 signal).`,
    {
      tried,
      bursts: bursts.length,
      burstPeriodsS: periods,
      bytesPerBurst: bursts.map((b) => b.bytes),
      zeroShare: zeroShare(first),
      spuriousFrameStarts: ctx.attempts.reduce((n, x) => n + x.spuriousFrames, 0),
      retried: ctx.canRetry
    },
    INVERTED_ADVICE
  )
}

function framingCheck(a: AttemptEvidence): CheckResult {
  const frames = a.frames
  const truncated = frames.filter((f) => f.outcome === 'truncated_frame')
  const complete = frames.filter((f) => f.outcome !== 'truncated_frame')
  const sizes = [...new Set(complete.map((f) => f.bytes))].sort((x, y) => x - y)
  const evidence: Record<string, EvidenceValue> = {
    frames: frames.length,
    complete: complete.length,
    truncated: truncated.length,
    frameBytes: sizes,
    skippedBytes: a.skippedBytes
  }
  if (frames.length === 0) return result('framing', 'skip', null, en.diag.framing.none, evidence)
  if (truncated.length > 0) {
    const cut = [...new Set(truncated.map((f) => f.bytes))].sort((x, y) => x - y)
    const declared = [...new Set(truncated.map((f) => f.declaredBytes).filter((n): n is number => n !== null))]
    evidence.truncatedAtBytes = cut
    evidence.declaredBytes = declared
    if (truncated.length * 2 >= frames.length) {
      const fixed = cut.length === 1 ? ` at ${cut[0]} bytes` : ''
      return result(
        'framing',
        'fail',
        'truncated_frames',
        `${truncated.length} of ${frames.length} frames end early${fixed}${declared.length ? ` (the meter announced ${declared.join('/')} bytes)` : ''}.`,
        evidence,
        cut.length === 1
          ? `Frames are cut at a fixed size: the reader's buffer is too small (old SmartyReader firmware stops at 1024 bytes; a Smarty with per-phase values sends ~1,200). Update the firmware or enlarge the serial buffer to 4 kB.`
          : en.diag.framing.varyingAdvice
      )
    }
    return result(
      'framing',
      'warn',
      'some_truncated_frames',
      `${truncated.length} of ${frames.length} frames ended early; the others are complete.`,
      evidence,
      en.diag.framing.someAdvice
    )
  }
  return result(
    'framing',
    'pass',
    null,
    `${frames.length} complete frame${frames.length === 1 ? '' : 's'}${sizes.length ? ` of ${sizes.join('/')} bytes` : ''}.`,
    evidence
  )
}

function cadenceCheck(a: AttemptEvidence, cadenceS: number): CheckResult {
  const frames = a.frames
  const times = frames.map((f) => f.at)
  const intervals = times.slice(1).map((t, i) => (t - times[i]) / 1000)
  const evidence: Record<string, EvidenceValue> = { frames: frames.length, expectedIntervalS: cadenceS }
  if (intervals.length > 0) {
    evidence.meanIntervalS = round(intervals.reduce((x, y) => x + y, 0) / intervals.length)
    evidence.minIntervalS = round(Math.min(...intervals))
    evidence.maxIntervalS = round(Math.max(...intervals))
    evidence.intervalsS = intervals.map((i) => round(i))
  }
  // frame counter continuity (DLMS frames whose header was read)
  const counters = frames.map((f) => f.frameCounter)
  let missedByCounter = 0
  let counterKnown = false
  let reset = false
  for (let i = 1; i < counters.length; i++) {
    const p = counters[i - 1]
    const c = counters[i]
    if (p === null || c === null) continue
    counterKnown = true
    if (c > p + 1) missedByCounter += c - p - 1
    else if (c <= p) reset = true
  }
  // without counters (plain telegrams): intervals near a multiple of the cadence
  let missedByTime = 0
  for (const iv of intervals) {
    const k = Math.round(iv / cadenceS)
    if (k >= 2 && Math.abs(iv - k * cadenceS) <= 0.25 * cadenceS) missedByTime += k - 1
  }
  const missed = counterKnown ? missedByCounter : missedByTime
  evidence.missedFrames = missed
  if (counterKnown) {
    evidence.firstFrameCounter = counters.find((c) => c !== null) ?? null
    evidence.lastFrameCounter = [...counters].reverse().find((c) => c !== null) ?? null
  }
  const listenedS = (a.endedAt - a.startedAt) / 1000
  if (frames.length < 2) {
    // what "only one frame in … s" is measured on (the attempt judged, not the whole run)
    evidence.listenedS = round(listenedS, 1)
    if (frames.length === 1 && listenedS > 2.5 * cadenceS) {
      return result(
        'cadence',
        'fail',
        'irregular_cadence',
        `Only one frame in ${round(listenedS, 1)} s; a frame every ${cadenceS} s was expected.`,
        evidence,
        en.diag.cadence.oneFrameAdvice
      )
    }
    return result(
      'cadence',
      'warn',
      'few_frames',
      `Only ${frames.length} frame${frames.length === 1 ? '' : 's'} heard: not enough to judge the cadence.`,
      evidence,
      en.diag.cadence.fewAdvice
    )
  }
  if (missed > 0) {
    return result(
      'cadence',
      'fail',
      'missed_frames',
      `${missed} frame${missed === 1 ? '' : 's'} missed ${counterKnown ? '(gap in the frame counter)' : `(interval of ${evidence.maxIntervalS} s)`}.`,
      evidence,
      en.diag.cadence.missedAdvice
    )
  }
  const off = intervals.filter((iv) => Math.abs(iv - cadenceS) > 0.2 * cadenceS)
  if (off.length > 0) {
    return result(
      'cadence',
      'fail',
      'irregular_cadence',
      `Intervals between frames range ${evidence.minIntervalS}–${evidence.maxIntervalS} s; the meter sends every ${cadenceS} s.`,
      evidence,
      en.diag.cadence.irregularAdvice
    )
  }
  if (reset) {
    return result(
      'cadence',
      'warn',
      'frame_counter_reset',
      `A frame every ${evidence.meanIntervalS} s; the frame counter went back (the key was renewed?).`,
      evidence
    )
  }
  return result(
    'cadence',
    'pass',
    null,
    `A frame every ${evidence.meanIntervalS} s (${evidence.minIntervalS}–${evidence.maxIntervalS} s), none missed.`,
    evidence
  )
}

/** Serial number at the end of a Smarty system title: last 3 bytes as a decimal, e.g. 01BD54 → "114004". */
export function serialFromSystemTitle(titleHex: string | null): string | null {
  if (!titleHex || titleHex.length !== 16) return null
  return String(parseInt(titleHex.slice(10), 16)).padStart(6, '0')
}

function keyCheck(a: AttemptEvidence, keyGiven: boolean): CheckResult {
  const dlms = a.frames.filter((f) => f.kind === 'dlms' && f.outcome !== 'truncated_frame')
  const title = dlms.find((f) => f.systemTitle)?.systemTitle ?? null
  const evidence: Record<string, EvidenceValue> = { encryptedFrames: dlms.length, systemTitle: title, serialFromSystemTitle: serialFromSystemTitle(title) }
  if (dlms.length === 0) {
    if (a.frames.some((f) => f.kind === 'plain')) return result('key', 'pass', 'plain_telegrams', en.diag.key.plain, evidence)
    return result('key', 'skip', null, en.diag.key.none, evidence)
  }
  if (!keyGiven) {
    return result(
      'key',
      'skip',
      'key_not_tested',
      `The frames are encrypted (system title ${title}) but no P1 key was given: the key was not tested.`,
      evidence,
      en.diag.key.notTestedAdvice
    )
  }
  const ok = dlms.filter((f) => f.outcome === 'ok').length
  const auth = dlms.filter((f) => f.outcome === 'auth_key_mismatch').length
  const bad = dlms.filter((f) => f.outcome === 'gcm_tag_mismatch').length
  Object.assign(evidence, { tagVerified: ok, openedWithoutTag: auth, tagFailed: bad })
  if (auth > 0) {
    return result(
      'key',
      'fail',
      'auth_key_mismatch',
      `The P1 key is right, but the GCM tag fails with the authentication key in use on ${auth} of ${dlms.length} frames: this meter uses another authentication key.`,
      evidence,
      en.diag.key.authAdvice
    )
  }
  if (ok === 0 && bad > 0) {
    const serial = serialFromSystemTitle(title)
    return result(
      'key',
      'fail',
      'wrong_key',
      bad === 1
        ? `The P1 key does not open the frame from system title ${title}${serial ? ` (meter serial …${serial})` : ''}.`
        : `The P1 key does not open any of the ${bad} frames from system title ${title}${serial ? ` (meter serial …${serial})` : ''}.`,
      evidence,
      `Check that the key belongs to this meter: its serial number (on the meter's label, the end of 0-0:42.0.0) must end in ${serial ?? "the system title's digits"}; ask the grid operator for this meter's key.`
    )
  }
  if (bad > 0) {
    return result(
      'key',
      'fail',
      'corrupted_frames',
      `${bad} of ${dlms.length} frames fail the GCM tag while the others open: the key is right, frames get corrupted on the way.`,
      evidence,
      en.diag.key.corruptedAdvice
    )
  }
  return result(
    'key',
    'pass',
    null,
    ok === 1 ? 'The P1 key opens the frame (GCM tag verified).' : `The P1 key opens all ${ok} frames (GCM tag verified).`,
    evidence
  )
}

function textOf(t: DecodedTelegram | null, ...codes: string[]): string | null {
  if (!t) return null
  for (const c of codes) {
    const o = t.telegram.objects.find((x) => x.obis === c)
    if (o && o.value !== null) return String(o.value)
  }
  return null
}

function telegramCheck(a: AttemptEvidence): CheckResult {
  const crcBad = a.frames.filter((f) => f.outcome === 'crc_mismatch').length
  const t = a.lastTelegram
  const fig = a.figures
  const evidence: Record<string, EvidenceValue> = { decoded: fig.decoded, crcErrors: crcBad }
  if (!t && crcBad === 0) return result('telegram', 'skip', null, en.diag.telegram.none, evidence)
  if (t) {
    Object.assign(evidence, {
      identification: t.telegram.identification,
      dsmrVersion: textOf(t, '1-3:0.2.8', '0-0:96.1.4', '1-0:0.2.8'),
      meterId: textOf(t, '0-0:42.0.0', '0-0:96.1.1'),
      perPhase: hasPerPhase(t),
      frameBytes: t.frameHex.length / 2,
      voltageMinV: fig.voltageMinV,
      voltageMaxV: fig.voltageMaxV,
      meterTime: t.telegram.meterTime,
      clockOffsetS: fig.clockOffsetMaxS,
      breakerState: textOf(t, '0-0:96.3.10'),
      powerFailures: textOf(t, '0-0:96.7.21'),
      message: textOf(t, '0-0:96.13.0') || null
    })
  }
  if (crcBad > 0) {
    return result(
      'telegram',
      'fail',
      'crc_errors',
      `${crcBad} telegram${crcBad === 1 ? '' : 's'} failed the CRC-16 check${fig.decoded ? `, ${fig.decoded} passed` : ''}.`,
      evidence,
      en.diag.telegram.crcAdvice
    )
  }
  const warns: string[] = []
  let code: CheckWarningCode | null = null
  if (fig.voltageMinV !== null && fig.voltageMaxV !== null && (fig.voltageMinV < 207 || fig.voltageMaxV > 253)) {
    warns.push(`voltage ${fig.voltageMinV}–${fig.voltageMaxV} V is outside 207–253 V (EN 50160)`)
    code = 'voltage_out_of_range'
  }
  if (fig.clockOffsetMaxS !== null && Math.abs(fig.clockOffsetMaxS) > 60) {
    warns.push(`the meter clock is ${fig.clockOffsetMaxS} s off this computer's clock`)
    code ??= 'clock_drift'
  }
  const breaker = evidence.breakerState
  if (breaker !== undefined && breaker !== null && Number(breaker) !== 1) {
    warns.push(`the breaker state is ${breaker} (1 = connected)`)
    code ??= 'breaker_not_connected'
  }
  const base = `CRC OK, ${evidence.identification}, meter ${evidence.meterId ?? en.diag.telegram.meterUnknown}, ${evidence.perPhase ? en.diag.telegram.perPhase : en.diag.telegram.noPerPhase}`
  if (warns.length) return result('telegram', 'warn', code, `${base}; but ${warns.join('; ')}.`, evidence)
  return result('telegram', 'pass', null, `${base}.`, evidence)
}

function hasPerPhase(t: DecodedTelegram): boolean {
  return t.telegram.objects.some((o) => /^1-0:(21|22|41|42|61|62|32|52|72)\.7\.0/.test(o.obis))
}

/** The meter's identity as far as it was heard. */
export function meterIdentity(attempts: AttemptEvidence[]): MeterIdentity {
  const a = attempts.length ? keptAttempt(attempts) : undefined
  const frames: FrameSeen[] = a?.frames ?? []
  const title = frames.find((f) => f.systemTitle)?.systemTitle ?? null
  const counters = frames.map((f) => f.frameCounter).filter((c): c is number => c !== null)
  const t = a?.lastTelegram ?? null
  const complete = frames.filter((f) => f.outcome !== 'truncated_frame')
  return {
    systemTitle: title,
    serialFromSystemTitle: serialFromSystemTitle(title),
    meterId: textOf(t, '0-0:42.0.0', '0-0:96.1.1'),
    identification: t?.telegram.identification ?? null,
    dsmrVersion: textOf(t, '1-3:0.2.8', '0-0:96.1.4', '1-0:0.2.8'),
    firstFrameCounter: counters[0] ?? null,
    lastFrameCounter: counters[counters.length - 1] ?? null,
    perPhase: t ? hasPerPhase(t) : null,
    frameBytes: complete.length ? complete[complete.length - 1].bytes : null,
    security: frames.length === 0 ? null : frames.some((f) => f.kind === 'dlms') ? 'encrypted' : 'plain'
  }
}
