/**
 * Errors and warnings of the main side in the language shown (issue 16): worded from their
 * stable code and params (src/shared/contract/errors.ts, docs/verdict-codes.md) when the
 * catalogue knows the code — `errors.<code>`, else a decode failure's explanation
 * `decode.explain.<code>` — and the main side's English sentence, marked lang="en", only for a
 * code the catalogue does not know. Params are put in the language's form: sizes (`limit`,
 * `bytes`) as "16 MB", counts grouped, port owners and request fields in words.
 */
import type { WireError } from '@shared/contract'
import { fmt, hasText, serverLang, t } from '../i18n'
import { size } from '../format'

/** A code, its English sentence and params: an ApiError, a status's errorInfo, a coded warning. */
export type Coded = Pick<WireError, 'code' | 'message'> & { params?: WireError['params'] }

/** A message in words, with the language it is in (undefined: the language shown). */
export interface Worded {
  text: string
  lang: 'en' | undefined
  /** Values in the sentence that are data (paths, names): kept out of translation. */
  data: string[]
}

/** Params that hold a size in bytes. */
const SIZE_PARAMS = new Set(['limit', 'bytes'])
/** Params that are names of files, ports, brokers, meters, network addresses: data, never words. */
const DATA_PARAMS = new Set(['path', 'name', 'host', 'file', 'meter', 'systemTitle', 'url', 'topic', 'source', 'keyFile', 'fields', 'address', 'addresses'])

/** Params named in words from a catalogue section: a port's owner, a request's field, a TCP problem. */
const WORDED_PARAMS: Record<string, string> = { owner: 'errors.owners', field: 'errors.fields', problem: 'errors.tcpProblems' }

/** The param whose number chooses a message's plural form, per code. */
const COUNT_PARAMS: Record<string, string> = { capture_damaged: 'places', nothing_decoded: 'frames', frames_kept_as_is: 'frames' }

/** Codes worded by one of several messages, chosen from their params (`<code>_<variant>`). */
const VARIANTS: Record<string, (p: WireError['params']) => string | null> = {
  nothing_decoded: (p) => (Number(p.missingKey) > 0 ? 'key' : Number(p.frames) > 0 ? null : 'empty')
}

function param(key: string, v: string | number | boolean | null): string | number {
  if (v === null) return ''
  if (typeof v === 'number') return SIZE_PARAMS.has(key) ? size(v) : fmt.value.count(v)
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no')
  const section = WORDED_PARAMS[key]
  const id = v.replace(/[.-]/g, '_')
  if (section && hasText(`${section}.${id}`)) return t(`${section}.${id}`)
  return v
}

/**
 * `e` in the language shown.
 * @param prefix where the catalogue words this kind of code first (`errors` for API errors and source errors, `warnings` for
 *   warnings); then the other one, then a decode failure's explanation
 */
export function wordCoded(e: Coded, prefix = 'errors'): Worded {
  const params = e.params ?? {}
  const variant = VARIANTS[e.code]?.(params)
  const code = variant ? `${e.code}_${variant}` : e.code
  // a board secret that cannot be read, thrown by a request (docs/board.md): worded as on its field
  const board = code.startsWith('secret_') ? [`board.codes.${code}`] : []
  const key = [`${prefix}.${code}`, `errors.${code}`, `warnings.${code}`, `decode.explain.${code}`, ...board].find(
    (k) => e.code !== 'unknown' && e.code !== 'failed' && hasText(k)
  )
  if (!key) return { text: e.message, lang: serverLang.value, data: [] }
  const worded = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, param(k, v)]))
  const data = Object.entries(params)
    .filter(([k, v]) => DATA_PARAMS.has(k) && typeof v === 'string' && v.length > 1)
    .map(([, v]) => String(v))
  const n = params[COUNT_PARAMS[e.code] ?? '']
  return { text: typeof n === 'number' ? t(key, worded, n) : t(key, worded), lang: undefined, data }
}
