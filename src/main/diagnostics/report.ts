/**
 * Diagnosis reports as files to hand over: JSON (the {@link DiagnosisReport} as is) and a
 * self-contained HTML page (no script, no external resource). A report never holds a key:
 * {@link assertNoKey} guards that before anything is written.
 */
import type { DiagnosisReport, EvidenceValue } from '../../shared/diagnostics'

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)

function fmt(v: EvidenceValue): string {
  if (v === null) return '—'
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—'
  return String(v)
}

const STATUS_MARK: Record<string, string> = { pass: '✔ pass', warn: '▲ warn', fail: '✖ fail', skip: '– skip' }

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

/** The report as a standalone HTML page (UTF-8 text). */
export function reportHtml(r: DiagnosisReport, _lang?: 'en' | 'fr' | 'de'): string {
  const m = r.meter
  const meterRows: [string, string | number | boolean | null][] = [
    ['Meter id (0-0:42.0.0)', m.meterId],
    ['System title', m.systemTitle],
    ['Serial in system title', m.serialFromSystemTitle],
    ['Identification', m.identification],
    ['P1 version', m.dsmrVersion],
    ['Security', m.security],
    ['Frame counter', m.firstFrameCounter === null ? null : `${m.firstFrameCounter} … ${m.lastFrameCounter}`],
    ['Per-phase values', m.perPhase],
    ['Frame size (bytes)', m.frameBytes]
  ]
  const checks = r.checks
    .map(
      (c) => `<section class="check ${c.status}">
<h3><span class="mark">${STATUS_MARK[c.status]}</span> ${esc(c.title)}${c.code ? ` <code>${esc(c.code)}</code>` : ''}</h3>
<p>${esc(c.summary)}</p>${c.advice ? `\n<p class="advice">Next: ${esc(c.advice)}</p>` : ''}
${
  Object.keys(c.evidence).length
    ? `<table>${Object.entries(c.evidence)
        .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(fmt(v))}</td></tr>`)
        .join('')}</table>`
    : ''
}
</section>`
    )
    .join('\n')
  const hex = r.firstFrameHex ? (r.firstFrameHex.match(/.{1,64}/g) ?? []).map((l) => l.replace(/(..)/g, '$1 ').trim()).join('\n') : 'none received'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>P1 Studio diagnosis — ${esc(r.verdict)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}.verdict{font-size:1.2rem;padding:.6rem .9rem;border-radius:6px;background:#eef}
.verdict.ok{background:#e3f6e8}.verdict.bad{background:#fde8e8}
.check{border-left:4px solid #bbb;padding:.2rem .8rem;margin:.8rem 0}.check.pass{border-color:#2e9d4d}
.check.warn{border-color:#d99a00}.check.fail{border-color:#d33}.check h3{margin:.3rem 0;font-size:1rem}
.advice{font-style:italic}table{border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.1rem .6rem .1rem 0;vertical-align:top}
th{font-weight:600;color:#444}pre{background:#f5f5f5;padding:.6rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>P1 Studio — installation diagnosis</h1>
<p class="verdict ${r.verdict === 'ok' ? 'ok' : 'bad'}"><strong>Verdict: <code>${esc(r.verdict)}</code></strong> — ${esc(r.summary)}</p>
<table>
<tr><th>Source</th><td>${esc(r.source.label)}</td></tr>
<tr><th>Line settings</th><td>${esc(r.source.settings ?? 'none worked')} (tried: ${esc(r.source.tried.join(', ') || '—')})</td></tr>
<tr><th>P1 key</th><td>${r.keyTested ? 'tested (not shown)' : 'not given: not tested'}</td></tr>
<tr><th>Started</th><td>${esc(r.startedAt)}, ${r.durationS} s</td></tr>
<tr><th>P1 Studio</th><td>${esc(r.appVersion)}</td></tr>
</table>
<h2>Meter</h2>
<table>${meterRows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v === null ? '—' : String(v))}</td></tr>`).join('')}</table>
<h2>Checks</h2>
${checks}
<h2>First frame</h2>
<pre>${esc(hex)}</pre>
</body></html>
`
}
