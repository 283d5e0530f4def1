/**
 * The nightly report's words in English, French and German (`serve --nightly-report --lang
 * en|fr|de`). The keys are those of {@link NIGHTLY_REPORT_MESSAGES}; the Luxembourg grid
 * tariff's terms as Creos and the Luxembourg regulator (ILR) use them: "puissance de
 * référence" / "Referenzleistung" for the power class, "dépassement" / "Überschreitung" for
 * the energy drawn above it. A key the app's catalogue of that language (src/shared/i18n)
 * carries is taken from there first, so the renderer and the report never word one thing two
 * ways. Pure.
 */
import { MESSAGES, interpolate, isLocale, lookup, type Locale } from '../../shared/i18n'
import { NIGHTLY_REPORT_MESSAGES, type MessageLookup } from './nightly-report'

/** French and German texts of the report ({name} = parameter). */
export const NIGHTLY_REPORT_TRANSLATIONS: Record<'fr' | 'de', Record<string, string>> = {
  fr: {
    'nightlyReport.subject': 'P1 Studio : {date}, {imported} kWh consommés',
    'nightlyReport.title': 'Votre électricité le {date}',
    'nightlyReport.meter': 'Compteur {meterId}',
    'nightlyReport.imported': 'Consommé (soutiré du réseau)',
    'nightlyReport.exported': 'Injecté dans le réseau',
    'nightlyReport.peakDemand': 'Plus forte puissance moyenne sur 15 minutes',
    'nightlyReport.peakAt': 'à {time}',
    'nightlyReport.powerClass': 'Puissance de référence',
    'nightlyReport.aboveClass': 'Énergie au-delà de la puissance de référence',
    'nightlyReport.aboveCost': 'Son coût à {price} par kWh',
    'nightlyReport.gaps': "Interruptions de l'enregistrement",
    'nightlyReport.gapsValue': '{count} ({minutes} min)',
    'nightlyReport.none': 'aucune',
    'nightlyReport.noValue': 'pas de relevé',
    'nightlyReport.chartTitle': 'Puissance le {date}',
    'nightlyReport.chartImport': 'Consommation',
    'nightlyReport.chartExport': 'Injection',
    'nightlyReport.chartDemand': 'Moyenne sur 15 minutes (consommation)',
    'nightlyReport.chartClass': 'Puissance de référence {kw} kW',
    'nightlyReport.chartAxisKW': 'kW',
    'nightlyReport.chartAxisTime': 'Heure locale',
    'nightlyReport.footer': 'Envoyé par P1 Studio {version}. Le graphique est en pièce jointe.'
  },
  de: {
    'nightlyReport.subject': 'P1 Studio: {date}, {imported} kWh bezogen',
    'nightlyReport.title': 'Ihr Strom am {date}',
    'nightlyReport.meter': 'Zähler {meterId}',
    'nightlyReport.imported': 'Bezogen (aus dem Netz)',
    'nightlyReport.exported': 'Eingespeist (ins Netz)',
    'nightlyReport.peakDemand': 'Höchste 15-Minuten-Durchschnittsleistung',
    'nightlyReport.peakAt': 'um {time}',
    'nightlyReport.powerClass': 'Referenzleistung',
    'nightlyReport.aboveClass': 'Energie über der Referenzleistung',
    'nightlyReport.aboveCost': 'Ihre Kosten bei {price} pro kWh',
    'nightlyReport.gaps': 'Lücken in der Aufzeichnung',
    'nightlyReport.gapsValue': '{count} ({minutes} min)',
    'nightlyReport.none': 'keine',
    'nightlyReport.noValue': 'kein Messwert',
    'nightlyReport.chartTitle': 'Leistung am {date}',
    'nightlyReport.chartImport': 'Bezug',
    'nightlyReport.chartExport': 'Einspeisung',
    'nightlyReport.chartDemand': '15-Minuten-Mittel (Bezug)',
    'nightlyReport.chartClass': 'Referenzleistung {kw} kW',
    'nightlyReport.chartAxisKW': 'kW',
    'nightlyReport.chartAxisTime': 'Ortszeit',
    'nightlyReport.footer': 'Gesendet von P1 Studio {version}. Die Grafik ist angehängt.'
  }
}

/**
 * The report's message lookup in `lang` (en, fr, de; anything else: English): the app's
 * catalogue where it has the key, else this module's texts.
 */
export function nightlyReportLookup(lang: string): MessageLookup {
  const locale: Locale = isLocale(lang) ? lang : 'en'
  return (key, params) => {
    const raw = lookup(MESSAGES[locale], key) ?? (locale === 'en' ? NIGHTLY_REPORT_MESSAGES[key] : NIGHTLY_REPORT_TRANSLATIONS[locale][key])
    return raw === undefined ? key : interpolate(raw, params)
  }
}
