/**
 * The pure lookup behind every user-facing string: a message catalogue per locale
 * (./messages/{en,fr,de}/*.json, typed and completed by ./messages/{en,fr,de}.ts),
 * `translate(locale, key, params, count)`, locale negotiation and plural rules.
 * The renderer hands the same catalogues to vue-i18n; the main process (HTML report, CLI)
 * can word with this module alone. No I/O, no DOM.
 *
 * Message syntax, the subset of vue-i18n's that both understand identically (a unit test
 * compares them on every message): text, `{name}` for a parameter, `{'x'}` for a literal
 * (used for `@`, `{`, `}`, `|`), and `one | other` plural forms chosen with
 * `Intl.PluralRules` (French: 0 and 1 are "one", unlike vue-i18n's default rule).
 */
import { en, type Messages } from './messages/en'
import { fr } from './messages/fr'
import { de } from './messages/de'

/** Languages of the interface, in the order the language switch offers them. */
export const LOCALES = ['en', 'fr', 'de'] as const
/** One of {@link LOCALES}. */
export type Locale = (typeof LOCALES)[number]

/** Each language in its own words, for the language switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français', de: 'Deutsch' }

/** The `Intl` locale of each language: 24-hour clock everywhere, decimal comma in French and German (Luxembourg's conventions). */
export const INTL_LOCALES: Record<Locale, string> = { en: 'en-GB', fr: 'fr-LU', de: 'de-LU' }

/** The catalogues, per language. */
export const MESSAGES: Record<Locale, Messages> = { en, fr, de }

/** Parameters of a message: names to values (numbers are written as given; format them first). */
export type MessageParams = Record<string, string | number>

/** Dotted paths of every message, e.g. "connect.title". */
export type MessageKey = Paths<Messages>
type Paths<T> = { [K in keyof T & string]: T[K] extends string ? K : `${K}.${Paths<T[K]>}` }[keyof T & string]

/** Is `x` one of {@link LOCALES}? */
export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x)
}

/**
 * The language to show for the user's preferred languages (navigator.languages, the OS
 * locale): the first one P1 Studio speaks ("fr-LU" → fr); Luxembourgish ("lb") reads German
 * when no supported language comes first; else English.
 */
export function negotiateLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0]
    if (isLocale(primary)) return primary
  }
  if (preferred.some((t) => t.toLowerCase().split(/[-_]/)[0] === 'lb')) return 'de'
  return 'en'
}

const pluralRules = new Map<string, Intl.PluralRules>()
/**
 * Index of the plural form for `count` among `forms` forms: 0 for CLDR "one" (English and
 * German: 1; French: 0 and 1), else the last form. Also given to vue-i18n (`pluralRules`).
 */
export function pluralIndex(locale: string, count: number, forms = 2): number {
  if (forms < 2) return 0
  let rules = pluralRules.get(locale)
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(isLocale(locale) ? INTL_LOCALES[locale] : locale)))
  return rules.select(Math.abs(count)) === 'one' ? 0 : forms - 1
}

/** Split a message into its plural forms at `|` outside `{…}`. */
function pluralForms(message: string): string[] {
  const out: string[] = []
  let depth = 0
  let quote = false
  let cur = ''
  for (const ch of message) {
    if (quote) {
      if (ch === "'") quote = false
    } else if (depth > 0 && ch === "'") quote = true
    else if (ch === '{') depth++
    else if (ch === '}') depth = Math.max(0, depth - 1)
    else if (ch === '|' && depth === 0) {
      out.push(cur.trim())
      cur = ''
      continue
    }
    cur += ch
  }
  out.push(out.length ? cur.trim() : cur)
  return out
}

/** Replace `{name}` by its parameter and `{'x'}` by x. An unknown parameter stays as `{name}`. */
export function interpolate(message: string, params: MessageParams = {}): string {
  return message.replace(/\{\s*(?:'([^']*)'|([A-Za-z_$][\w$]*))\s*\}/g, (whole, literal: string | undefined, name: string | undefined) => {
    if (literal !== undefined) return literal
    const v = params[name!]
    return v === undefined ? whole : String(v)
  })
}

/** The raw message at a dotted path, or null. */
export function lookup(messages: Messages, key: string): string | null {
  let node: unknown = messages
  for (const part of key.split('.')) {
    if (!node || typeof node !== 'object') return null
    node = (node as Record<string, unknown>)[part]
  }
  return typeof node === 'string' ? node : null
}

/**
 * The message `key` in `locale` with its parameters (English when the locale lacks it; the
 * key itself when no catalogue has it). With `count`, the plural form for it is chosen.
 * @example translate('fr', 'capture.frames', { n: 3 }, 3)
 */
export function translate(locale: Locale, key: MessageKey | string, params: MessageParams = {}, count?: number): string {
  const raw = lookup(MESSAGES[locale], key) ?? lookup(MESSAGES.en, key)
  if (raw === null) return key
  let text = raw
  if (count !== undefined) {
    const forms = pluralForms(raw)
    text = forms[Math.min(forms.length - 1, pluralIndex(locale, count, forms.length))]
  } else if (raw.includes('|')) {
    text = pluralForms(raw)[0]
  }
  return interpolate(text, params)
}

/** A translator bound to one locale: `t(key, params?, count?)`. */
export type Translate = (key: MessageKey | string, params?: MessageParams, count?: number) => string

/** {@link translate} bound to `locale`. */
export function translator(locale: Locale): Translate {
  return (key, params, count) => translate(locale, key, params, count)
}
