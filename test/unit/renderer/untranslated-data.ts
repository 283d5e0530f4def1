/** The catalogues and OBIS names the untranslated-text check compares (re-exported for untranslated.ts). */
import { OBIS_CATALOGUE } from '../../../src/shared/obis'
export { LOCALES, MESSAGES, obisName, type Locale } from '../../../src/shared/i18n'

/** Every English name of the OBIS catalogue. */
export const OBIS_CATALOGUE_NAMES: string[] = [...new Set(OBIS_CATALOGUE.map((o) => o.name))]
