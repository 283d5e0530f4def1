/**
 * The renderer's languages: vue-i18n over the shared catalogues (src/shared/i18n), the
 * language from the browser/OS (navigator.languages) unless the user chose one in the header
 * (remembered in localStorage), `<html lang>` kept in step, and the formatters of the chosen
 * language in the meter's time zone. Components use {@link useText}; it works with or
 * without `app.use(i18n)` (component tests mount views alone).
 */
import { computed, ref, type Plugin } from 'vue'
import { createI18n } from 'vue-i18n'
import {
  DEFAULT_TIME_ZONE,
  LOCALES,
  MESSAGES,
  createFormat,
  isLocale,
  lookup,
  negotiateLocale,
  pluralIndex,
  type Format,
  type Locale,
  type MessageParams,
  type Wording
} from '@shared/i18n'

/** localStorage key of the language the user chose. */
export const LOCALE_STORAGE_KEY = 'p1studio.locale'

function storedLocale(): Locale | null {
  try {
    const v = globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY)
    return isLocale(v) ? v : null
  } catch {
    return null
  }
}

function preferredLanguages(): readonly string[] {
  const n = globalThis.navigator
  if (!n) return []
  return n.languages?.length ? n.languages : n.language ? [n.language] : []
}

/** The language to start with: the user's choice, else the browser's/OS's. */
export function initialLocale(): Locale {
  return storedLocale() ?? negotiateLocale(preferredLanguages())
}

/** The vue-i18n instance (composition mode) over the shared catalogues; `app.use(i18n)` installs it. */
export const i18n: Plugin = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: MESSAGES,
  pluralRules: Object.fromEntries(LOCALES.map((l) => [l, (count: number, forms: number) => pluralIndex(l, count, forms)])),
  missingWarn: false,
  fallbackWarn: false,
  warnHtmlMessage: false
} as never)

/** The global composer, typed by what this module uses (the full message-schema typing of vue-i18n is too deep for these catalogues). */
interface Composer {
  locale: { value: string }
  t(key: string, named: MessageParams, plural?: number): string
}
const composer = (i18n as unknown as { global: Composer }).global

const meterZone = ref(DEFAULT_TIME_ZONE)

/** The meter's IANA time zone every instant is shown in (one place: a source setting may set it later). */
export function meterTimeZone(): string {
  return meterZone.value
}
/** Show instants in another zone (e.g. a source's meter zone). */
export function setMeterTimeZone(zone: string): void {
  meterZone.value = zone
}

/** The language shown. */
export const locale = computed<Locale>(() => composer.locale.value as Locale)

function applyDocumentLanguage(l: Locale): void {
  if (globalThis.document?.documentElement) document.documentElement.lang = l
}
applyDocumentLanguage(locale.value)

/** Switch the language and remember the choice. */
export function setLocale(l: Locale): void {
  composer.locale.value = l
  applyDocumentLanguage(l)
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, l)
  } catch {
    // private mode: the choice lasts for this page
  }
}

/** Formatters of the language shown, in the meter's zone. */
export const fmt = computed<Format>(() => createFormat(locale.value, meterZone.value))

/** A message in the language shown (vue-i18n); `count` picks the plural form. */
export function t(key: string, params: MessageParams = {}, count?: number): string {
  return count === undefined ? composer.t(key, params) : composer.t(key, params, count)
}

/** Is there a message `key` (in English, the reference catalogue)? */
export function hasText(key: string): boolean {
  return lookup(MESSAGES.en, key) !== null
}

/**
 * The `lang` attribute for English text the main side sends without a code (a source error,
 * a board note…): undefined in English, 'en' otherwise, so screen readers pronounce it right
 * and the untranslated-text check knows it is the main side's.
 */
export const serverLang = computed<'en' | undefined>(() => (locale.value === 'en' ? undefined : 'en'))

/** What the shared wording functions need, for the language shown. */
export const wording = computed<Wording>(() => ({ t, f: fmt.value }))

/** For components: `t`, the formatters, the language and the wording context (all reactive to a language switch). */
export function useText() {
  return { t, fmt, locale, wording, serverLang }
}
