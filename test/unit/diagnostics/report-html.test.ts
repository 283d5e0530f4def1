/**
 * The HTML diagnosis report in English, French and German (issue 16), from real diagnosis
 * report objects: runDiagnosis on a ManualClock at the real 10 s cadence, fed by the virtual
 * meter (ok, frames encrypted with another key, a silent line, a run stopped by the user).
 * The page is parsed (happy-dom) and walked as the interface's views are
 * (test/unit/renderer/untranslated.ts): no English-only word in French or German outside data
 * (`translate="no"`, code, pre), no sentence left in English (`lang="en"`), figures with words
 * and units, and never the P1 key.
 */
import { describe, expect, it } from 'vitest'
import { Window } from 'happy-dom'
import type { DiagnosisReport } from '../../../src/shared/diagnostics'
import { runDiagnosis } from '../../../src/main/diagnostics/runner'
import { reportHtml, reportJson } from '../../../src/main/diagnostics/report'
import { ManualClock } from '../../../src/main/line/clock'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import type { MeterFault } from '../../../src/main/line/faults'
import { REPORT_MESSAGES } from '../../../src/shared/i18n/report'
import { MESSAGES } from '../../../src/shared/i18n/translate'
import { FakeSource } from '../../helpers/fake-source'
import { driveClock } from '../../helpers/drive-clock'
import { englishOnlyWords, findUntranslated, wordsOf, type WalkElement } from '../renderer/untranslated'

const KEY = '8E1D2C3B4A5968778695A4B3C2D1E0FF' // test key, not a meter's
const T0 = Date.UTC(2026, 2, 12, 9, 0, 0)

/** A real diagnosis of the virtual meter with `fault` (null: a silent line), on a ManualClock. */
async function diagnose(fault: MeterFault | null, opts: { abortAfterMs?: number } = {}): Promise<DiagnosisReport> {
  const clock = new ManualClock(T0)
  const abort = new AbortController()
  if (opts.abortAfterMs) clock.setTimeout(() => abort.abort(), opts.abortAfterMs)
  let meter: VirtualMeter | null = null
  const r = await driveClock(
    clock,
    runDiagnosis({
      path: '/dev/ttyUSB0',
      key: KEY,
      appVersion: '0.1.0',
      clock,
      retrySettings: false,
      signal: abort.signal,
      openSource: () => {
        const src = new FakeSource()
        if (fault) {
          meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), clock, fault, write: (f) => void (src.started && src.emit('data', f, clock.now())) })
          clock.setTimeout(() => meter!.start(), 4000)
        }
        return src
      }
    })
  )
  ;(meter as VirtualMeter | null)?.stop()
  return r
}

const window = new Window()
function parse(html: string): WalkElement {
  const doc = new window.DOMParser().parseFromString(html, 'text/html')
  return doc.documentElement as unknown as WalkElement
}
const text = (root: WalkElement): string => (root as unknown as { textContent: string }).textContent

type Tree = { [k: string]: string | Tree }
const strings = (o: Tree): string[] => Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : strings(v)))
/** English-only words of the interface and of the report's own catalogue. */
function englishOnly(locale: 'fr' | 'de'): string[] {
  const target = new Set([...strings(REPORT_MESSAGES[locale] as unknown as Tree), ...strings(MESSAGES[locale] as unknown as Tree)].flatMap(wordsOf))
  const own = strings(REPORT_MESSAGES.en as unknown as Tree)
    .flatMap(wordsOf)
    .filter((w) => !target.has(w))
  return [...new Set([...englishOnlyWords(locale), ...own])].filter((w) => !target.has(w))
}

describe('the HTML diagnosis report in three languages', () => {
  let reports: Record<string, DiagnosisReport>
  const get = async (): Promise<Record<string, DiagnosisReport>> =>
    (reports ??= {
      ok: await diagnose({ name: 'none' }),
      wrongKey: await diagnose({ name: 'wrong-key' }),
      silent: await diagnose(null),
      stopped: await diagnose({ name: 'none' }, { abortAfterMs: 15_000 })
    })

  it('the runs give the verdicts the report is about', { timeout: 60_000 }, async () => {
    const r = await get()
    expect(r.ok.verdict).toBe('ok')
    expect(r.wrongKey.verdict).toBe('wrong_key')
    expect(r.silent.verdict).toBe('no_signal')
    expect(r.stopped.interrupted).toEqual({ code: 'diagnosis_cancelled', message: 'Stopped by the user.', params: {} })
  })

  it('English: evidence in words and units, the meter, times in Luxembourg, no stable key as a label', { timeout: 60_000 }, async () => {
    const r = await get()
    const page = text(parse(reportHtml(r.ok, 'en')))
    expect(page).toContain('P1 Studio — installation diagnosis')
    // 09:00 UTC on 12 March 2026 is 10:00 in Luxembourg (CET)
    expect(page).toContain('2026-03-12 10:00:00')
    expect(page).toMatch(/average interval10 s/)
    expect(page).toMatch(/listened\d+(\.\d)? s/)
    expect(page).not.toMatch(/meanIntervalS|listenedS|zeroShare/)
    expect(page).toContain('encrypted (DLMS, AES-128-GCM)')
    const silent = text(parse(reportHtml(r.silent, 'en')))
    expect(silent).toContain('no line setting gave a frame')
    expect(silent).toContain('meter not identified')
    expect(silent).not.toMatch(/none worked|meter unknown/)
    const stopped = text(parse(reportHtml(r.stopped, 'en')))
    expect(stopped).toContain('The check stopped early: stopped by the user.')
    // the JSON report keeps the stable keys
    expect(JSON.parse(reportJson(r.ok)).checks.find((c: { id: string }) => c.id === 'cadence').evidence).toHaveProperty('meanIntervalS', 10)
  })

  for (const locale of ['fr', 'de'] as const) {
    it(`${locale}: every report without an English-only word or an English sentence, and never the key`, { timeout: 60_000 }, async () => {
      const r = await get()
      const words = englishOnly(locale)
      for (const [name, report] of Object.entries(r)) {
        const html = reportHtml(report, locale)
        expect(html).toMatch(new RegExp(`<html lang="${locale}">`))
        expect(findUntranslated(parse(html), locale, words), `${locale} ${name}`).toEqual([])
        expect(html, `${locale} ${name}`).not.toContain('lang="en"')
        expect(html.toUpperCase()).not.toContain(KEY)
      }
      const page = text(parse(reportHtml(r.ok, locale)))
      expect(page).toContain(locale === 'fr' ? 'intervalle moyen' : 'mittlerer Abstand')
      expect(page).toMatch(/10 s/)
      expect(page).toContain('2026-03-12 10:00:00')
    })
  }

  it('the report catalogues have the same keys and parameters in the three languages', () => {
    const shape = (o: Tree, at = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'string' ? [`${at}${k}:${(v.match(/\{\w+\}/g) ?? []).sort().join()}`] : shape(v, `${at}${k}.`)))
    const en = shape(REPORT_MESSAGES.en as unknown as Tree).filter((s) => !s.startsWith('lang:'))
    for (const l of ['fr', 'de'] as const) expect(shape(REPORT_MESSAGES[l] as unknown as Tree).filter((s) => !s.startsWith('lang:'))).toEqual(en)
  })
})
