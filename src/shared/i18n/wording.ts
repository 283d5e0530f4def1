/**
 * Diagnostics and board-verification results in words, in any language, from what the main
 * side sends: a check's id, status, stable code and evidence (docs/verdict-codes.md), a
 * verdict code, a progress phase with its figures. The English wording is the one
 * src/main/diagnostics/checks.ts and runner.ts write (a unit test compares them on real
 * checks), so the HTML report and the CLI can use this module as well. Pure.
 */
import type { CheckResult, DiagnosisProgress, DiagnosisReport, EvidenceValue } from '../diagnostics'
import type { MqttCheckResult, MqttVerifyReport } from '../board'
import { MESSAGES, lookup, type Translate } from './translate'
import type { Format } from './format'

/** What a wording function needs: the translator and the formatters of one language. */
export interface Wording {
  t: Translate
  f: Format
}

/** A check in words. `lang` is 'en' when the sentence is the main side's English text (no wording for its code yet). */
export interface WordedCheck {
  title: string
  summary: string
  advice: string | null
  lang: 'en' | null
}

const has = (w: Wording, key: string): boolean => lookup(MESSAGES[w.f.locale], key) !== null

/** An evidence figure: numbers in the language's form, lists joined, booleans as yes/no, null or empty → "—". */
export function wordEvidence(v: EvidenceValue | undefined, w: Wording): string {
  if (v === null || v === undefined) return w.t('common.none')
  if (typeof v === 'boolean') return w.t(v ? 'common.yes' : 'common.no')
  if (typeof v === 'number') return w.f.number(v)
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'number' ? w.f.number(x) : x)).join(', ') : w.t('common.none')
  return v
}

/** The label of an evidence key, e.g. meanIntervalS → "mean interval (s)"; the key itself when unknown. */
export function wordEvidenceKey(key: string, w: Wording): string {
  return has(w, `diag.evidence.${key}`) ? w.t(`diag.evidence.${key}`) : key
}

const num = (v: EvidenceValue | undefined, w: Wording): string => (typeof v === 'number' ? w.f.number(v) : v === null || v === undefined ? '' : String(v))
const list = (v: EvidenceValue | undefined, w: Wording, sep: string): string =>
  Array.isArray(v) ? v.map((x) => (typeof x === 'number' ? w.f.number(x) : x)).join(sep) : num(v, w)
const count = (v: EvidenceValue | undefined): number => (typeof v === 'number' ? v : 0)

/** Why a check was skipped when an earlier one stopped the run (its own evidence is empty). */
function skipReason(all: readonly CheckResult[], w: Wording): string {
  const failed = (id: string) => all.find((c) => c.id === id && c.status === 'fail')
  if (failed('port')) return w.t('diag.skip.portFailed')
  if (failed('signal')) return w.t('diag.skip.noSignal')
  const line = failed('line')
  if (line?.code === 'inverted_signal' || line?.evidence.transport === 'tcp') return w.t('diag.skip.noFrame')
  return w.t('diag.skip.other')
}

/** The sentence and advice of one diagnostics check; null when this module has no wording for its variant. */
function diagnosisSentences(c: CheckResult, all: readonly CheckResult[], w: Wording): { summary: string; advice: string | null } | null {
  const e = c.evidence
  const t = w.t
  const n = (k: string) => num(e[k], w)
  const empty = Object.keys(e).length === 0
  if (c.status === 'skip' && empty && c.code === null) return { summary: skipReason(all, w), advice: null }
  switch (c.id) {
    case 'port':
      if (e.transport === 'tcp')
        return c.status === 'pass'
          ? { summary: t('diag.tcp.portPass', { port: n('port') }), advice: null }
          : {
              summary: t('diag.tcp.portFail', { port: n('port'), reason: t(`diag.tcp.reasons.${String(e.tcpProblem ?? 'tcp_error')}`) }),
              advice: t('diag.tcp.portAdvice')
            }
      if (c.status === 'pass') return { summary: t('diag.port.pass', { port: n('port') }), advice: null }
      if (c.code && has(w, `diag.port.${c.code}`)) return { summary: t(`diag.port.${c.code}`, { port: n('port') }), advice: t(`diag.port.advice.${c.code}`) }
      return null
    case 'signal':
      if (c.code === 'no_signal') return { summary: t('diag.signal.fail', { listened: n('listenedS') }), advice: t('diag.signal.failAdvice') }
      if (c.status === 'pass') return { summary: t('diag.signal.pass', { bytes: n('bytes'), n: n('bursts') }, count(e.bursts)), advice: null }
      return null
    case 'line': {
      const tried = Array.isArray(e.tried) ? (e.tried as string[]) : []
      // over TCP the reader sets the line (tcp-checks.ts): frames → skip, else every cause at the reader
      if (e.transport === 'tcp' && c.status === 'skip') return { summary: t('diag.tcp.lineFrames'), advice: null }
      if (e.transport === 'tcp' && 'telegramsAs7E1' in e) return { summary: t('diag.tcp.lineSevenBit'), advice: t('diag.tcp.lineSevenBitAdvice') }
      if (e.transport === 'tcp') return { summary: t('diag.tcp.lineNoFrame'), advice: t('diag.tcp.lineAdvice') }
      if (c.status === 'pass') return { summary: t('diag.line.pass', { settings: n('settings') }), advice: null }
      if (c.code === 'wrong_line_settings' && 'telegramsAs7E1' in e)
        return {
          summary: t('diag.line.sevenBit', { working: n('working'), tried: tried[0] ?? '' }),
          advice: t('diag.line.sevenBitAdvice', { working: n('working') })
        }
      if (c.code === 'wrong_line_settings')
        return {
          summary: t('diag.line.otherSettings', { tried: tried[0] ?? '', working: n('working') }),
          advice: t('diag.line.otherSettingsAdvice', { working: n('working') })
        }
      if (c.code === 'inverted_signal') return { summary: t('diag.line.inverted', { tried: tried.join(', ') }), advice: t('diag.line.invertedAdvice') }
      return null
    }
    case 'framing': {
      if (c.status === 'skip') return { summary: t('diag.framing.none'), advice: null }
      const declared = Array.isArray(e.declaredBytes) && e.declaredBytes.length ? t('diag.framing.declared', { sizes: list(e.declaredBytes, w, '/') }) : ''
      const cut = Array.isArray(e.truncatedAtBytes) ? e.truncatedAtBytes : []
      const figures = { truncated: n('truncated'), frames: n('frames'), declared }
      if (c.code === 'truncated_frames')
        return cut.length === 1
          ? { summary: t('diag.framing.truncatedAt', { ...figures, cut: num(cut[0], w) }), advice: t('diag.framing.fixedAdvice') }
          : { summary: t('diag.framing.truncated', figures), advice: t('diag.framing.varyingAdvice') }
      if (c.code === 'some_truncated_frames') return { summary: t('diag.framing.some', figures), advice: t('diag.framing.someAdvice') }
      if (c.status === 'pass') {
        const sizes = Array.isArray(e.frameBytes) && e.frameBytes.length ? t('diag.framing.sizes', { sizes: list(e.frameBytes, w, '/') }) : ''
        return { summary: t('diag.framing.pass', { n: n('frames'), sizes }, count(e.frames)), advice: null }
      }
      return null
    }
    case 'cadence': {
      if (c.code === 'irregular_cadence' && e.frames === 1) {
        const listened = all.find((x) => x.id === 'signal')?.evidence.listenedS
        return {
          summary: t('diag.cadence.oneFrame', { listened: num(listened, w), cadence: n('expectedIntervalS') }),
          advice: t('diag.cadence.oneFrameAdvice')
        }
      }
      if (c.code === 'irregular_cadence')
        return {
          summary: t('diag.cadence.irregular', { min: n('minIntervalS'), max: n('maxIntervalS'), cadence: n('expectedIntervalS') }),
          advice: t('diag.cadence.irregularAdvice')
        }
      if (c.code === 'few_frames') return { summary: t('diag.cadence.few', { n: n('frames') }, count(e.frames)), advice: t('diag.cadence.fewAdvice') }
      if (c.code === 'missed_frames') {
        const key = 'firstFrameCounter' in e ? 'diag.cadence.missedCounter' : 'diag.cadence.missedTime'
        return { summary: t(key, { n: n('missedFrames'), max: n('maxIntervalS') }, count(e.missedFrames)), advice: t('diag.cadence.missedAdvice') }
      }
      if (c.code === 'frame_counter_reset') return { summary: t('diag.cadence.reset', { mean: n('meanIntervalS') }), advice: null }
      if (c.status === 'pass')
        return { summary: t('diag.cadence.pass', { mean: n('meanIntervalS'), min: n('minIntervalS'), max: n('maxIntervalS') }), advice: null }
      return null
    }
    case 'key': {
      if (c.code === 'plain_telegrams') return { summary: t('diag.key.plain'), advice: null }
      if (c.code === 'key_not_tested') return { summary: t('diag.key.notTested', { title: n('systemTitle') }), advice: t('diag.key.notTestedAdvice') }
      if (c.status === 'skip') return { summary: t('diag.key.none'), advice: null }
      if (c.code === 'auth_key_mismatch')
        return { summary: t('diag.key.auth', { auth: n('openedWithoutTag'), frames: n('encryptedFrames') }), advice: t('diag.key.authAdvice') }
      if (c.code === 'wrong_key') {
        const serial = typeof e.serialFromSystemTitle === 'string' ? e.serialFromSystemTitle : null
        return {
          summary: t(
            'diag.key.wrong',
            { bad: n('tagFailed'), title: n('systemTitle'), serial: serial ? t('diag.key.serial', { serial }) : '' },
            count(e.tagFailed)
          ),
          advice: t('diag.key.wrongAdvice', { serial: serial ?? t('diag.key.serialUnknown') })
        }
      }
      if (c.code === 'corrupted_frames')
        return { summary: t('diag.key.corrupted', { bad: n('tagFailed'), frames: n('encryptedFrames') }), advice: t('diag.key.corruptedAdvice') }
      if (c.status === 'pass') return { summary: t('diag.key.pass', { n: n('tagVerified') }, count(e.tagVerified)), advice: null }
      return null
    }
    case 'telegram': {
      if (c.status === 'skip') return { summary: t('diag.telegram.none'), advice: null }
      if (c.code === 'crc_errors') {
        const passed = count(e.decoded) ? t('diag.telegram.passed', { n: n('decoded') }) : ''
        return { summary: t('diag.telegram.crc', { n: n('crcErrors'), passed }, count(e.crcErrors)), advice: t('diag.telegram.crcAdvice') }
      }
      if (c.status !== 'pass' && c.status !== 'warn') return null
      const base = t('diag.telegram.base', {
        identification: n('identification'),
        meter: e.meterId === null || e.meterId === undefined ? t('diag.telegram.meterUnknown') : n('meterId'),
        phases: t(e.perPhase ? 'diag.telegram.perPhase' : 'diag.telegram.noPerPhase')
      })
      const warnings: string[] = []
      const vMin = e.voltageMinV
      const vMax = e.voltageMaxV
      if (typeof vMin === 'number' && typeof vMax === 'number' && (vMin < 207 || vMax > 253))
        warnings.push(t('diag.telegram.voltage', { min: num(vMin, w), max: num(vMax, w) }))
      if (typeof e.clockOffsetS === 'number' && Math.abs(e.clockOffsetS) > 60) warnings.push(t('diag.telegram.clock', { offset: n('clockOffsetS') }))
      if (e.breakerState !== undefined && e.breakerState !== null && Number(e.breakerState) !== 1)
        warnings.push(t('diag.telegram.breaker', { state: n('breakerState') }))
      return {
        summary: warnings.length
          ? t('diag.telegram.warn', { base, warnings: warnings.join(t('diag.telegram.warningsJoin')) })
          : t('diag.telegram.pass', { base }),
        advice: null
      }
    }
  }
  return null
}

/**
 * A diagnostics check in words: its title, the sentence saying what was found and the next
 * thing to try, worded from its id, status, code and evidence. A variant this module does
 * not know keeps the main side's English sentence (`lang: 'en'` outside English).
 */
export function wordDiagnosisCheck(c: CheckResult, all: readonly CheckResult[], w: Wording): WordedCheck {
  const title = has(w, `diag.titles.${c.id}`) ? w.t(`diag.titles.${c.id}`) : c.title
  const s = diagnosisSentences(c, all, w)
  if (s) return { title, summary: s.summary, advice: s.advice, lang: null }
  return { title, summary: c.summary, advice: c.advice, lang: w.f.locale === 'en' ? null : 'en' }
}

/** The one sentence for the whole installation (the report's summary), from the verdict and its checks. */
export function wordVerdictSummary(r: Pick<DiagnosisReport, 'verdict' | 'checks' | 'summary'>, w: Wording): { text: string; lang: 'en' | null } {
  if (r.verdict === 'ok') {
    const mean = r.checks.find((c) => c.id === 'cadence')?.evidence.meanIntervalS
    return { text: mean ? w.t('diag.summary.ok', { mean: num(mean, w) }) : w.t('diag.summary.okNoMean'), lang: null }
  }
  if (r.verdict === 'key_not_tested') return { text: w.t('diag.summary.key_not_tested'), lang: null }
  const failed = r.checks.find((c) => c.status === 'fail')
  if (!failed) return { text: r.summary, lang: w.f.locale === 'en' ? null : 'en' }
  const worded = wordDiagnosisCheck(failed, r.checks, w)
  return { text: worded.summary, lang: worded.lang }
}

/**
 * What a running diagnosis is doing, from its progress event. `target` is what it listens to
 * (a port path, or the open source's label) and `isPort` whether it opened a port itself.
 */
export function wordDiagnosisProgress(p: DiagnosisProgress | null, target: string, isPort: boolean, w: Wording): string {
  if (!p) return w.t('diag.progress.starting')
  if (p.phase === 'opening') return w.t('diag.progress.opening', { label: target })
  if (p.phase === 'retrying') return w.t('diag.progress.retrying', { settings: p.settings })
  if (p.frames > 0) return w.t('diag.progress.frames', { settings: p.settings, n: w.f.number(p.frames) }, p.frames)
  if (p.bytes > 0) return w.t('diag.progress.bytes', { settings: p.settings, bytes: w.f.number(p.bytes) })
  return isPort ? w.t('diag.progress.waiting', { settings: p.settings }) : w.t('diag.progress.listeningTo', { label: target })
}

/** Generic sentences of the MQTT checks, by id and status/code, for languages other than the verifier's English. */
function mqttSentence(c: MqttCheckResult, w: Wording): string | null {
  const t = w.t
  if (c.status === 'fail' && c.code && has(w, `mqtt.verdict.${c.code}`)) return t(`mqtt.verdict.${c.code}`)
  if (c.code === 'values_not_compared') return t('mqtt.verdict.values_not_compared')
  if (c.code && has(w, `mqtt.check.${c.code}`)) return t(`mqtt.check.${c.code}`)
  if (c.status === 'pass' && has(w, `mqtt.check.${c.id}Pass`)) return t(`mqtt.check.${c.id}Pass`)
  if (c.id === 'interval' && c.status === 'warn') return t('mqtt.check.intervalOne')
  if (c.id === 'values' && c.status === 'warn') return t('mqtt.check.valuesUnmatched')
  if (c.status === 'skip' && c.code === null) return t('mqtt.check.skipped')
  return null
}

/**
 * A check of the board's MQTT verification in words. English keeps the verifier's own
 * detailed sentences (src/main/board); other languages word the check from its id, status
 * and code (the figures stay in the evidence table) until the verifier sends parameters.
 */
export function wordMqttCheck(c: MqttCheckResult, w: Wording): WordedCheck {
  const title = has(w, `mqtt.titles.${c.id}`) ? w.t(`mqtt.titles.${c.id}`) : c.title
  if (w.f.locale === 'en') return { title, summary: c.summary, advice: c.advice, lang: null }
  const summary = mqttSentence(c, w)
  const advice = c.code && has(w, `mqtt.advice.${c.code}`) ? w.t(`mqtt.advice.${c.code}`) : null
  if (summary === null) return { title, summary: c.summary, advice: c.advice, lang: 'en' }
  return { title, summary, advice, lang: null }
}

/** The verification's one sentence, from its verdict code. */
export function wordMqttVerdict(r: Pick<MqttVerifyReport, 'verdict' | 'summary'>, w: Wording): { text: string; lang: 'en' | null } {
  if (w.f.locale === 'en') return { text: r.summary, lang: null }
  if (has(w, `mqtt.verdict.${r.verdict}`)) return { text: w.t(`mqtt.verdict.${r.verdict}`), lang: null }
  return { text: r.summary, lang: 'en' }
}
