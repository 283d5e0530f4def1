/**
 * CSV column headers of the History tab: English by default (stable for scripts and
 * spreadsheets), in the language shown when the user ticks the option.
 */
import { translate, type MessageParams } from '@shared/i18n'
import { useHistoryStore } from '../../stores/history'
import { t } from '../../i18n'

/** The header `csv.<key>` in English, or in the language shown when the option is on. */
export function csvHeader(key: string, params: MessageParams = {}): string {
  return useHistoryStore().csvLocalHeaders ? t(`csv.${key}`, params) : translate('en', `csv.${key}`, params)
}
