/**
 * The message catalogues (src/shared/i18n): every key in every language, the same parameters
 * and plural forms, vue-i18n and the shared lookup word every message alike, no English left
 * in French or German beyond the trade's international terms, OBIS names in each language,
 * language negotiation, plural rules, `Intl` formats in the meter's zone and the zoned
 * calendar arithmetic of the chart axis (across both daylight-saving changes). An extra key in
 * fr.json or de.json (one en.json lacks) fails "have the same keys"; the typecheck catches only a
 * missing one (i18n-catalogue-files.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { LOCALES, MESSAGES, negotiateLocale, pluralIndex, translate, type Locale } from '../../../src/shared/i18n/translate'
import { createFormat } from '../../../src/shared/i18n/format'
import { hasObisName, obisName } from '../../../src/shared/i18n/obis-names'
import { addUnits, diffUnits, instantOf, startOf, wallTime } from '../../../src/shared/i18n/zoned'
import { OBIS_CATALOGUE } from '../../../src/shared/obis'

type Tree = { [k: string]: string | Tree }
function flat(o: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string') out.set(prefix + k, v)
    else for (const [kk, vv] of flat(v, `${prefix}${k}.`)) out.set(kk, vv)
  }
  return out
}
const FLAT = Object.fromEntries(LOCALES.map((l) => [l, flat(MESSAGES[l] as unknown as Tree)])) as Record<Locale, Map<string, string>>
const params = (m: string): string[] => [...new Set([...m.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((x) => x[1]))].sort()
const forms = (m: string): number => m.split(/\s\|\s/).length

/** Words English shares with French and German in this trade (names, units, protocol terms). */
const INTERNATIONAL = new Set(
  'actions auto birth broker cadence chip csv date demo dev diagnose dns dsmr esp ethernet fi firmware format gateway gb get homeassistant identification image images json kb kva kvar kw kwh lines live lolin mac mb message messages min mini minikit mqtt mqttpassword ms name notes ntp ok optional ota pause phase png port pro publications smarty ssid studio time topic topics ttyusb version wemos wi will'.split(
    ' '
  )
)

describe('message catalogues', () => {
  it('have the same keys in English, French and German, none empty', () => {
    const en = [...FLAT.en.keys()].sort()
    for (const l of LOCALES) {
      expect([...FLAT[l].keys()].sort(), `keys of ${l}`).toEqual(en)
      for (const [k, v] of FLAT[l]) expect(v.trim().length, `${l} ${k} is empty`).toBeGreaterThan(0)
    }
  })

  it('use the same parameters and plural forms in every language', () => {
    for (const [k, m] of FLAT.en) {
      for (const l of ['fr', 'de'] as const) {
        const other = FLAT[l].get(k)!
        expect(params(other), `${l} ${k}: ${other}`).toEqual(params(m))
        expect(forms(other), `${l} ${k} plural forms`).toBe(forms(m))
      }
    }
  })

  it('word every message the same through vue-i18n and the shared lookup (0, 1 and 2 of a plural)', () => {
    const i18n = createI18n({
      legacy: false,
      locale: 'en',
      fallbackLocale: 'en',
      messages: MESSAGES as never,
      pluralRules: Object.fromEntries(LOCALES.map((l) => [l, (n: number, k: number) => pluralIndex(l, n, k)])),
      missingWarn: false,
      fallbackWarn: false,
      warnHtmlMessage: false
    })
    const g = i18n.global as unknown as { locale: { value: string }; t(key: string, named: object, plural?: number): string }
    for (const l of LOCALES) {
      g.locale.value = l
      for (const [k, m] of FLAT[l]) {
        const p = Object.fromEntries(params(m).map((x) => [x, `[${x}]`]))
        if (forms(m) > 1) {
          for (const n of [0, 1, 2]) expect(translate(l, k, { ...p, n }, n), `${l} ${k} (${n})`).toBe(g.t(k, { ...p, n }, n))
        } else expect(translate(l, k, p), `${l} ${k}`).toBe(g.t(k, p))
      }
    }
  })

  it('leave no English in French or German: a message kept as in English holds only international terms', () => {
    for (const l of ['fr', 'de'] as const) {
      for (const [k, v] of FLAT[l]) {
        if (FLAT.en.get(k) !== v) continue
        const words = (v.replace(/\{[^}]*\}/g, ' ').match(/\p{L}{2,}/gu) ?? []).map((w) => w.toLowerCase())
        const english = words.filter((w) => !INTERNATIONAL.has(w))
        expect(english, `${l} ${k} = "${v}" is still English`).toEqual([])
      }
    }
  })

  it('name every OBIS catalogue object in French and German', () => {
    const missing = LOCALES.flatMap((l) => OBIS_CATALOGUE.filter((o) => !hasObisName(l, o.name)).map((o) => `${l}: ${o.code} ${o.name}`))
    expect(missing).toEqual([])
    expect(obisName('fr', 'Active energy import, tariff 2')).toBe('Énergie active soutirée, tarif 2')
    expect(obisName('de', 'Voltage L2')).toBe('Spannung L2')
    expect(obisName('de', 'Active power import (+P) (channel 1)')).toBe('Wirkleistung Bezug (+P) (Kanal 1)')
    expect(obisName('fr', 'Text message, channel 3')).toBe('Message texte, canal 3')
    expect(obisName('en', 'Voltage L2')).toBe('Voltage L2')
  })
})

describe('language and plural rules', () => {
  it('take the first language P1 Studio speaks from the browser/OS list; Luxembourgish reads German', () => {
    expect(negotiateLocale(['fr-LU', 'de-LU', 'en'])).toBe('fr')
    expect(negotiateLocale(['en-US'])).toBe('en')
    expect(negotiateLocale(['pt-PT', 'de-DE'])).toBe('de')
    expect(negotiateLocale(['lb-LU', 'pt'])).toBe('de')
    expect(negotiateLocale(['lb', 'fr'])).toBe('fr')
    expect(negotiateLocale([])).toBe('en')
  })

  it('use CLDR plural rules: French 0 is singular, English and German 0 plural', () => {
    expect(pluralIndex('fr', 0)).toBe(0)
    expect(pluralIndex('en', 0)).toBe(1)
    expect(pluralIndex('de', 1)).toBe(0)
    expect(translate('fr', 'diag.cadence.few', { n: 0 }, 0)).toMatch(/^0 trame seulement/)
    expect(translate('en', 'diag.cadence.few', { n: 0 }, 0)).toMatch(/^Only 0 frames heard/)
    expect(translate('de', 'common.bytes', { n: 1 }, 1)).toBe('1 Byte')
  })
})

describe('formats in the meter zone', () => {
  const summer = Date.parse('2026-06-20T20:00:05Z') // 22:00:05 in Luxembourg
  it('write numbers with the decimal comma in French and German, without grouping', () => {
    expect(createFormat('en').number(55437.011, 3)).toBe('55437.011')
    expect(createFormat('fr').number(55437.011, 3)).toBe('55437,011')
    expect(createFormat('de').number(0.5, 2)).toBe('0,50')
    expect(createFormat('de').meterNumber('000123.450*kWh', 123.45)).toBe('123,450')
    expect(createFormat('fr').number(null)).toBe('—')
  })

  it('write one time convention in every language (issue 15): the meter zone, 24-hour, ISO dates, whatever the computer zone', () => {
    for (const l of LOCALES) expect(createFormat(l).dateTime(summer)).toBe('2026-06-20 22:00:05')
    expect(createFormat('fr').hourMinute(Date.parse('2026-01-10T23:15:00Z'))).toBe('00:15')
    expect(createFormat('de').date(Date.parse('2026-01-10T23:15:00Z'))).toBe('2026-01-11')
    expect(createFormat('de').calendarDate('2026-06-21')).toBe('2026-06-21')
    expect(createFormat('fr').calendarMonth('2026-06')).toBe('2026-06')
    expect(createFormat('fr', 'UTC').time(summer)).toBe('20:00:05')
    expect(createFormat('en').logTime(summer + 123)).toBe('22:00:05.123')
    // files: ISO 8601 with the zone's offset of that instant (summer and winter; an Irish meter)
    expect(createFormat('en').isoLocal(summer)).toBe('2026-06-20T22:00:05+02:00')
    expect(createFormat('de').isoLocal(Date.parse('2026-01-10T23:15:00Z'))).toBe('2026-01-11T00:15:00+01:00')
    expect(createFormat('fr', 'Europe/Dublin').isoLocal(Date.parse('2026-01-10T23:15:00Z'))).toBe('2026-01-10T23:15:00+00:00')
    expect(createFormat('en', 'Europe/Dublin').dateTime(summer)).toBe('2026-06-20 21:00:05')
    // no time, or a zone the platform does not know: a dash, never "Invalid Date" nor a throw
    expect(createFormat('en').dateTime(Number.NaN)).toBe('—')
    expect(createFormat('en', 'Mars/Olympus').dateTime(summer)).toBe('—')
  })

  it('group counts as each language writes them in Luxembourg (CLDR fr-LU and de-LU: a point)', () => {
    expect(createFormat('en').count(1158)).toBe('1,158')
    expect(createFormat('fr').count(1158)).toBe('1.158')
    expect(createFormat('de').count(1158)).toBe('1.158')
    expect(createFormat('de').count(null)).toBe('—')
  })
})

describe('zoned calendar arithmetic (chart axis)', () => {
  const Z = 'Europe/Luxembourg'
  it('finds local midnights and hours across the spring and autumn changes', () => {
    const springDay = Date.parse('2026-03-29T12:00:00Z')
    expect(new Date(startOf(springDay, 'day', Z)).toISOString()).toBe('2026-03-28T23:00:00.000Z')
    expect(new Date(addUnits(startOf(springDay, 'day', Z), 1, 'day', Z)).toISOString()).toBe('2026-03-29T22:00:00.000Z') // a 23-hour day
    const autumnDay = Date.parse('2026-10-25T12:00:00Z')
    expect(new Date(addUnits(startOf(autumnDay, 'day', Z), 1, 'day', Z)).toISOString()).toBe('2026-10-25T23:00:00.000Z') // a 25-hour day
    expect(diffUnits(Date.parse('2026-10-25T23:00:00Z'), Date.parse('2026-10-24T22:00:00Z'), 'day', Z)).toBe(1)
    expect(new Date(startOf(Date.parse('2026-06-20T20:34:56Z'), 'hour', Z)).toISOString()).toBe('2026-06-20T20:00:00.000Z')
    expect(new Date(startOf(Date.parse('2026-06-17T10:00:00Z'), 'isoWeek', Z)).toISOString()).toBe('2026-06-14T22:00:00.000Z') // Monday 00:00
    expect(new Date(startOf(Date.parse('2026-06-17T10:00:00Z'), 'month', Z)).toISOString()).toBe('2026-05-31T22:00:00.000Z')
  })

  it('maps wall times to instants: the repeated autumn hour gives its first occurrence, a skipped spring time moves on', () => {
    expect(new Date(instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0, millisecond: 0 }, Z)).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z'
    )
    expect(new Date(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0, millisecond: 0 }, Z)).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z'
    )
    expect(wallTime(Date.parse('2026-03-29T01:30:00Z'), Z)).toMatchObject({ hour: 3, minute: 30, weekday: 0 })
  })

  it('adds months with the day clamped to the month end, and counts whole months', () => {
    const jan31 = instantOf({ year: 2026, month: 1, day: 31, hour: 0, minute: 0, second: 0, millisecond: 0 }, Z)
    expect(wallTime(addUnits(jan31, 1, 'month', Z), Z)).toMatchObject({ month: 2, day: 28, hour: 0 })
    const jan15 = instantOf({ year: 2026, month: 1, day: 15, hour: 12, minute: 0, second: 0, millisecond: 0 }, Z)
    expect(diffUnits(addUnits(jan15, 5, 'month', Z), jan15, 'month', Z)).toBe(5) // across the spring change
    expect(diffUnits(addUnits(jan15, 5, 'month', Z) - 1, jan15, 'month', Z)).toBe(4)
    expect(diffUnits(jan15, addUnits(jan15, 14, 'month', Z), 'year', Z)).toBe(-1)
  })
})
