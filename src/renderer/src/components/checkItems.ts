/**
 * Check results (diagnostics or MQTT verification) as rows of a CheckList: the worded
 * sentences next to the result's status, code and evidence, and the evidence's text values
 * as data to keep out of translation.
 */
import type { CheckStatus, EvidenceValue } from '@shared/diagnostics'
import type { WordedCheck } from '@shared/i18n'
import type { CheckItem } from './types'

/** What both kinds of check results have. */
interface ResultLike {
  id: string
  status: CheckStatus
  code: string | null
  evidence: Record<string, EvidenceValue>
}

/** The text values of every result's evidence (labels, settings, system titles, meter ids, URLs…). */
export function evidenceStrings(results: readonly ResultLike[]): string[] {
  return results.flatMap((c) =>
    Object.values(c.evidence).flatMap((v) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []))
  )
}

/**
 * One row per id, in order: worded by `word` when the report has a result for it, else just
 * titled by `title` (a check not run yet).
 */
export function checkItems<R extends ResultLike>(
  ids: readonly string[],
  results: readonly R[] | undefined,
  title: (id: string) => string,
  word: (r: R) => WordedCheck
): CheckItem[] {
  const data = evidenceStrings(results ?? [])
  return ids.map((id) => {
    const r = results?.find((c) => c.id === id)
    if (!r) return { id, title: title(id), result: null }
    const w = word(r)
    return { id, title: w.title, result: { status: r.status, code: r.code, summary: w.summary, advice: w.advice, evidence: r.evidence, lang: w.lang, data } }
  })
}
