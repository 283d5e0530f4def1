/**
 * Diagnosis reports as files to hand over: JSON (the {@link DiagnosisReport} as is) and a
 * self-contained HTML page (no script, no external resource). A report never holds a key:
 * {@link assertNoKey} guards that before anything is written.
 */
import type { CheckResult, DiagnosisReport, EvidenceValue } from '../../shared/diagnostics'
import { createFormat, DEFAULT_TIME_ZONE } from '../../shared/i18n/format'
import { evidenceUnit, reportLookup, reportText } from '../../shared/i18n/report'
import { translator, type Locale, type MessageParams } from '../../shared/i18n/translate'
import { wordDiagnosisCheck, wordVerdictSummary, type Wording } from '../../shared/i18n/wording'
import { wordState } from '../../shared/i18n/enumerations'

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)

const STATUS_MARK: Record<CheckResult['status'], string> = { pass: '✔', warn: '▲', fail: '✖', skip: '–' }

/** Evidence keys whose values are data as the meter or the port gave them (not words): shown as they are, marked translate="no". */
const DATA_KEYS = new Set([
  'port',
  'settings',
  'tried',
  'working',
  'systemTitle',
  'serialFromSystemTitle',
  'identification',
  'dsmrVersion',
  'meterId',
  'message'
])

/**
 * Throw if a report's text contains `keyHex` (any case). Used before saving.
 * @throws Error('the report would contain the P1 key') when it does.
 */
export function assertNoKey(text: string, keyHex: string | null | undefined): void {
  if (keyHex && keyHex.length >= 16 && text.toUpperCase().includes(keyHex.toUpperCase())) {
    throw new Error('the report would contain the P1 key')
  }
}

/** The report as pretty JSON (UTF-8 text). */
export function reportJson(r: DiagnosisReport): string {
  return JSON.stringify(r, null, 2) + '\n'
}

/**
 * The report as a standalone HTML page (UTF-8 text) in `lang` (English, French or German;
 * default English), for the installer and the customer: the verdict and every check in words
 * (src/shared/i18n's `wordVerdictSummary`, `wordDiagnosisCheck`, the same sentences as the app),
 * evidence figures with their names and units ("listened 17.8 s", "share of zero bytes 0.1 %"),
 * times in the meter's zone (`zone`, default Europe/Luxembourg), 24-hour. A sentence the
 * language has no wording for yet keeps the main side's English, marked `lang="en"`; data
 * (paths, ids, hex) is marked `translate="no"`. The JSON report ({@link reportJson}) keeps the
 * stable keys. Strings: src/shared/i18n/report/{en,fr,de}.ts and the main catalogues.
 */
export function reportHtml(r: DiagnosisReport, lang: Locale = 'en', zone: string = DEFAULT_TIME_ZONE): string {
  const f = createFormat(lang, zone)
  const t = translator(lang)
  const w: Wording = { t, f }
  const rt = (key: string, params: MessageParams = {}, count?: number): string => reportText(lang, key, params, count)
  /** Text in the page's language, or the main side's English marked as such. */
  const say = (text: string, en: 'en' | null): string => (en ? `<span lang="en">${esc(text)}</span>` : esc(text))
  const data = (text: string): string => `<span translate="no">${esc(text)}</span>`
  /** A report message whose parameters are HTML already (escaped data, marked spans). */
  const rtHtml = (key: string, html: Record<string, string>): string =>
    esc(reportLookup(lang, key) ?? reportLookup('en', key) ?? key).replace(/\{(\w+)\}/g, (_, k: string) => html[k] ?? '')
  const none = esc(t('common.none'))

  const one = (key: string, v: number | string): string => {
    if (typeof v === 'string') return DATA_KEYS.has(key) ? data(v) : esc(v)
    switch (evidenceUnit(key)) {
      case 's':
        return esc(rt('units.s', { n: f.number(v) }))
      case 'V':
        return esc(rt('units.V', { n: f.number(v) }))
      case 'bytes':
        return esc(rt('units.bytes', { n: f.count(v) }, v))
      case 'share':
        return esc(f.percent(v, 1))
      default:
        // counts grouped as the language writes them ("3,702" / "3.702"), other figures as they are
        return esc(Number.isInteger(v) ? f.count(v) : f.number(v))
    }
  }
  const figure = (key: string, v: EvidenceValue): string => {
    if (v === null || (Array.isArray(v) && v.length === 0)) return none
    if (typeof v === 'boolean') return esc(t(v ? 'common.yes' : 'common.no'))
    if (Array.isArray(v)) return v.map((x) => one(key, x)).join(', ')
    if (evidenceUnit(key) === 'time' && typeof v === 'string') return esc(f.dateTime(v))
    if (key === 'breakerState') {
      const state = wordState('0-0:96.3.10', v, w)
      if (state) return esc(rt('breaker', { state: state.text, value: String(v) }))
    }
    return one(key, v)
  }
  const label = (key: string): string => {
    const own = reportLookup(lang, `evidence.${key}`)
    return own !== null ? esc(own) : data(key)
  }

  const summary = wordVerdictSummary(r, w)
  const stopped = r.interrupted
    ? reportLookup(lang, `interrupted.${r.interrupted.code}`) !== null
      ? esc(rt('stoppedEarly', { reason: rt(`interrupted.${r.interrupted.code}`, r.interrupted.params as MessageParams) }))
      : `${esc(rt('stoppedEarly', { reason: '' }))}<span lang="en">${esc(r.interrupted.message)}</span>`
    : null

  const m = r.meter
  const identified = m.meterId !== null || m.systemTitle !== null || m.identification !== null
  const meterRows: [string, string | null][] = [
    ['meterId', m.meterId === null ? null : data(m.meterId)],
    ['systemTitle', m.systemTitle === null ? null : data(m.systemTitle)],
    ['serial', m.serialFromSystemTitle === null ? null : data(m.serialFromSystemTitle)],
    ['identification', m.identification === null ? null : data(m.identification)],
    ['dsmrVersion', m.dsmrVersion === null ? null : data(m.dsmrVersion)],
    ['security', m.security === null ? null : esc(rt(`security.${m.security}`))],
    [
      'frameCounter',
      m.firstFrameCounter === null
        ? null
        : esc(rt('frameCounterRange', { first: f.count(m.firstFrameCounter), last: f.count(m.lastFrameCounter ?? m.firstFrameCounter) }))
    ],
    ['perPhase', m.perPhase === null ? null : esc(t(m.perPhase ? 'common.yes' : 'common.no'))],
    ['frameBytes', m.frameBytes === null ? null : esc(rt('units.bytes', { n: f.count(m.frameBytes) }, m.frameBytes))]
  ]
  const meter = identified
    ? `<table>${meterRows.map(([k, v]) => `<tr><th>${esc(rt(`meterRows.${k}`))}</th><td>${v ?? none}</td></tr>`).join('')}</table>`
    : `<p>${esc(rt('meterNotIdentified'))}</p>`

  const checks = r.checks
    .map((c) => {
      const worded = wordDiagnosisCheck(c, r.checks, w)
      const rows = Object.entries(c.evidence)
      return `<section class="check ${c.status}">
<h3><span class="mark">${STATUS_MARK[c.status]} ${esc(t(`checks.status.${c.status}`))}</span> ${esc(worded.title)}${c.code ? ` <code>${esc(c.code)}</code>` : ''}</h3>
<p>${say(worded.summary, worded.lang)}</p>${worded.advice ? `\n<p class="advice">${worded.lang ? `<span lang="en">${esc(worded.advice)}</span>` : esc(t('common.next', { advice: worded.advice }))}</p>` : ''}
${
  rows.length
    ? `<table><caption>${esc(rt('figures', { title: worded.title }))}</caption><tr><th>${esc(rt('figure'))}</th><th>${esc(rt('value'))}</th></tr>${rows
        .map(([k, v]) => `<tr><th>${label(k)}</th><td>${figure(k, v)}</td></tr>`)
        .join('')}</table>`
    : ''
}
</section>`
    })
    .join('\n')
  const hex = r.firstFrameHex ? (r.firstFrameHex.match(/.{1,64}/g) ?? []).map((l) => l.replace(/(..)/g, '$1 ').trim()).join('\n') : null
  const settings = r.source.settings ? data(r.source.settings) : esc(rt('noLineSetting'))
  const tried = r.source.tried.length ? data(r.source.tried.join(', ')) : none
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(rt('pageTitle', { verdict: r.verdict }))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}.verdict{font-size:1.2rem;padding:.6rem .9rem;border-radius:6px;background:#eef}
.verdict.ok{background:#e3f6e8}.verdict.bad{background:#fde8e8}
.check{border-left:4px solid #bbb;padding:.2rem .8rem;margin:.8rem 0}.check.pass{border-color:#2e9d4d}
.check.warn{border-color:#d99a00}.check.fail{border-color:#d33}.check h3{margin:.3rem 0;font-size:1rem}
.advice{font-style:italic}table{border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.1rem .6rem .1rem 0;vertical-align:top}
caption{text-align:left;font-size:.8rem;color:#555}th{font-weight:600;color:#444}pre{background:#f5f5f5;padding:.6rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>${esc(rt('title'))}</h1>
<p class="verdict ${r.verdict === 'ok' ? 'ok' : 'bad'}"><strong>${esc(rt('verdict'))}</strong> <code>${esc(r.verdict)}</code> — ${say(summary.text, summary.lang)}</p>
${stopped ? `<p class="stopped">${stopped}</p>\n` : ''}<h2>${esc(rt('source'))}</h2>
<table>
<tr><th>${esc(t('common.port'))}</th><td>${data(r.source.label)}</td></tr>
<tr><th>${esc(rt('lineSettings'))}</th><td>${rtHtml('lineSettingsTried', { settings, tried })}</td></tr>
<tr><th>${esc(rt('key'))}</th><td>${esc(rt(r.keyTested ? 'keyTested' : 'keyNotGiven'))}</td></tr>
<tr><th>${esc(rt('started'))}</th><td>${esc(f.dateTime(r.startedAt))}</td></tr>
<tr><th>${esc(rt('duration'))}</th><td>${esc(rt('units.s', { n: f.number(r.durationS) }))}</td></tr>
<tr><th>${esc(rt('app'))}</th><td>${esc(rt('appVersion', { version: r.appVersion }))}</td></tr>
</table>
<p class="note">${rtHtml('timeNote', { zone: data(f.zone) })}</p>
<h2>${esc(rt('meter'))}</h2>
${meter}
<h2>${esc(rt('checks'))}</h2>
${checks}
<h2>${esc(rt('firstFrame'))}</h2>
${hex ? `<pre>${esc(hex)}</pre>` : `<p>${esc(rt('noFrame'))}</p>`}
</body></html>
`
}
