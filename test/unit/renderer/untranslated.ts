/**
 * Finding text a user would read in English on a French or German page. Used by the
 * component tests (happy-dom) and the Chromium tests (the walker runs in the page).
 *
 * English-only words: every word of the English catalogue and OBIS names that the target
 * language's catalogue and OBIS names never use (so shared terms such as "Port", "Live",
 * "MQTT" are not flagged). Text that is not the interface's own words is skipped: data
 * (`translate="no"`: paths, meter ids, values), identifiers (`code`, `pre`), and text marked
 * as another language (`lang="en"`: the main side's English sentences without a code yet).
 */
import { MESSAGES, OBIS_CATALOGUE_NAMES, obisName, type Locale } from './untranslated-data'

type Tree = { [k: string]: string | Tree }
function messages(o: Tree): string[] {
  return Object.values(o).flatMap((v) => (typeof v === 'string' ? [v] : messages(v)))
}

/** Pure-letter words of 3+ letters, lower case (tokens with digits or underscores are identifiers, not words). */
export function wordsOf(text: string): string[] {
  return text
    .replace(/\{[^}]*\}/g, ' ')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length >= 3 && /^\p{L}+$/u.test(w))
    .map((w) => w.toLowerCase())
}

function vocabulary(l: Locale): Set<string> {
  const texts = [...messages(MESSAGES[l] as unknown as Tree), ...OBIS_CATALOGUE_NAMES.map((n) => obisName(l, n))]
  return new Set(texts.flatMap(wordsOf))
}

/** Words of the English interface that `locale`'s interface never uses. */
export function englishOnlyWords(locale: Exclude<Locale, 'en'>): string[] {
  const target = vocabulary(locale)
  return [...vocabulary('en')].filter((w) => !target.has(w)).sort()
}

/** One finding: the text (or attribute) and the English words in it. */
export interface Untranslated {
  text: string
  words: string[]
  where: string
}

/** The little of the DOM the walker uses (typed here: this file also compiles without the DOM library, for the Chromium tests). */
export interface WalkElement {
  tagName: string
  className: unknown
  parentElement: WalkElement | null
  getAttribute(name: string): string | null
  querySelectorAll(selector: string): ArrayLike<WalkElement>
  ownerDocument: {
    createTreeWalker(root: WalkElement, whatToShow: number): { nextNode(): { textContent: string | null; parentElement: WalkElement | null } | null }
  } | null
}

/**
 * Walk `root` and report text nodes and user-facing attributes (placeholder, aria-label,
 * title, alt) holding English-only words. Self-contained (no imports, no closures) so that
 * Chromium tests can run it in the page through `page.evaluate`.
 */
export function findUntranslated(root: WalkElement, locale: string, englishOnly: string[]): Untranslated[] {
  const words = new Set(englishOnly)
  const skipTags = new Set(['CODE', 'PRE', 'SCRIPT', 'STYLE', 'KBD', 'SAMP', 'TEMPLATE', 'NOSCRIPT'])
  const skipped = (el: WalkElement | null): boolean => {
    for (let e = el; e; e = e.parentElement) {
      if (skipTags.has(e.tagName)) return true
      if (e.getAttribute('translate') === 'no') return true
      const lang = e.getAttribute('lang')
      if (lang) return lang.split('-')[0] !== locale
    }
    return false
  }
  const english = (text: string): string[] =>
    text
      .split(/[^\p{L}\p{N}_]+/u)
      .filter((w) => w.length >= 3 && /^\p{L}+$/u.test(w))
      .map((w) => w.toLowerCase())
      .filter((w) => words.has(w))
  const describe = (el: WalkElement): string => {
    const id = el.getAttribute('data-testid')
    return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''}`
  }
  const out: Untranslated[] = []
  const walker = root.ownerDocument!.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */)
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement
    const text = (n.textContent ?? '').trim()
    if (!text || skipped(el)) continue
    const found = english(text)
    if (found.length) out.push({ text, words: found, where: el ? describe(el) : '#text' })
  }
  for (const el of Array.from(root.querySelectorAll('[placeholder], [aria-label], [title], [alt]'))) {
    if (skipped(el)) continue
    for (const attr of ['placeholder', 'aria-label', 'title', 'alt']) {
      const v = el.getAttribute(attr)
      if (!v) continue
      const found = english(v)
      if (found.length) out.push({ text: `${attr}="${v}"`, words: found, where: describe(el) })
    }
  }
  return out
}
