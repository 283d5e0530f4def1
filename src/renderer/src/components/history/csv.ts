/**
 * CSV files of the History tab, one scheme for all: column headers in English by default
 * (stable for scripts and spreadsheets: snake_case with the unit last — `import_kWh`,
 * `above_class_kWh`, `class_kW`), in the language shown when the user ticks the option; times
 * as ISO 8601 meter-local time with offset; file names `p1studio-<what>-<meter id>[-<date>].csv`.
 */
import { translate, type MessageParams } from '@shared/i18n'
import { useHistoryStore } from '../../stores/history'
import { t } from '../../i18n'
import { download, toCsv } from '../../util/download'

/** The header `csv.<key>` in English, or in the language shown when the option is on. */
export function csvHeader(key: string, params: MessageParams = {}): string {
  return useHistoryStore().csvLocalHeaders ? t(`csv.${key}`, params) : translate('en', `csv.${key}`, params)
}

/** A file name part from a meter id: letters, digits, `-` and `_` only. */
export function fileSafe(s: string): string {
  return s.replace(/[^\w-]+/g, '_').slice(0, 80) || 'meter'
}

/** `p1studio-<what>-<meter>[-<suffix>].<ext>` for the meter shown. */
export function historyFileName(what: string, ext: string, suffix?: string): string {
  return `p1studio-${what}-${fileSafe(useHistoryStore().meterId)}${suffix ? `-${fileSafe(suffix)}` : ''}.${ext}`
}

/** Offer rows as `p1studio-<what>-<meter>[-<suffix>].csv`, headers by key (`csv.<key>`). */
export function downloadCsv(what: string, keys: string[], rows: (string | number | null)[][], suffix?: string): void {
  download(
    historyFileName(what, 'csv', suffix),
    toCsv(
      keys.map((k) => csvHeader(k)),
      rows
    ),
    'text/csv'
  )
}
