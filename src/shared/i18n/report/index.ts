/**
 * The diagnosis report's own strings in English, French and German (./en.ts, ./fr.ts, ./de.ts)
 * and their lookup, worded as the main catalogues are (`{name}`, `one | other` with CLDR plural
 * rules: src/shared/i18n/translate.ts), and the units of the diagnostics' evidence figures (the
 * JSON report keeps the stable keys with the unit in the name: `listenedS`, `voltageMinV`; the
 * HTML report says "listened 17.8 s"). Pure.
 */
import { interpolate, pluralIndex, type Locale, type MessageParams } from '../translate'
import { reportDe } from './de'
import { reportEn, type ReportMessages } from './en'
import { reportFr } from './fr'

export type { ReportMessages } from './en'

/** The report catalogues, per language. */
export const REPORT_MESSAGES: Record<Locale, ReportMessages> = { en: reportEn, fr: reportFr, de: reportDe }

/** The raw report message at a dotted path, or null. */
export function reportLookup(locale: Locale, key: string): string | null {
  let node: unknown = REPORT_MESSAGES[locale]
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object') return null
    node = (node as Record<string, unknown>)[part]
  }
  return typeof node === 'string' ? node : null
}

/**
 * The report message `key` in `locale` with its parameters; with `count`, its plural form
 * (`one | other`). English when the language lacks it; the key itself when no catalogue has it.
 */
export function reportText(locale: Locale, key: string, params: MessageParams = {}, count?: number): string {
  const raw = reportLookup(locale, key) ?? reportLookup('en', key)
  if (raw === null) return key
  const forms = raw.split(' | ')
  const form = forms.length > 1 && count !== undefined ? forms[pluralIndex(locale, count, forms.length)] : forms[0]
  return interpolate(form, params)
}

/** How an evidence figure is measured: seconds, volts, bytes, a share (0…1 shown as %), an instant, or a plain count or text. */
export type EvidenceUnit = 's' | 'V' | 'bytes' | 'share' | 'time' | null

/** Evidence keys measured in bytes (the others take their unit from their name: …S seconds, …V volts). */
const BYTE_KEYS = new Set(['meanBurstBytes', 'bytesPerBurst', 'frameBytes', 'truncatedAtBytes', 'declaredBytes', 'skippedBytes'])

/** The unit of an evidence key (src/main/diagnostics/checks.ts names them: `meanIntervalS`, `voltageMinV`, `zeroShare`). */
export function evidenceUnit(key: string): EvidenceUnit {
  if (key === 'meterTime') return 'time'
  if (/Share(AtFirst)?$/.test(key) || key === 'zeroShare') return 'share'
  if (BYTE_KEYS.has(key)) return 'bytes'
  if (/[a-z]S$/.test(key)) return 's'
  if (/[a-z]V$/.test(key)) return 'V'
  return null
}
