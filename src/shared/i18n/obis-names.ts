/**
 * French and German names of the OBIS catalogue's objects (src/shared/obis.ts names them in
 * English). Keyed by the English name without its phase ("… L1"), tariff (", tariff 2") or
 * channel suffix ("(channel 1)", ", channel 3"), which are worded here. Terms as the
 * meter's display and the grid operators write them (Creos: « énergie active consommée »,
 * Wirkenergie; ILR: soutirage / injection, Bezug / Einspeisung). A unit test checks that
 * every catalogue entry has a name in each language.
 */
import type { Locale } from './translate'

type Names = Record<string, string>

const FR: Names = {
  'P1 output version (DSMR)': 'Version de la sortie P1 (DSMR)',
  'Meter date and time': 'Date et heure du compteur',
  'Meter ID (logical device name)': 'Identifiant du compteur (nom logique)',
  'Equipment identifier': 'Identifiant de l’équipement',
  'Version information (e-MUCS)': 'Informations de version (e-MUCS)',
  'EAN code (e-MUCS)': 'Code EAN (e-MUCS)',
  'Meter ID (EasyMeter, Iskra)': 'Identifiant du compteur (EasyMeter, Iskra)',
  'Meter ID (Swiss)': 'Identifiant du compteur (Suisse)',
  'Meter time (hhmmss)': 'Heure du compteur (hhmmss)',
  'Meter date (YYMMDD)': 'Date du compteur (AAMMJJ)',
  'Integration period of instantaneous values': 'Période d’intégration des valeurs instantanées',
  'Communication module status (Iskra)': 'État du module de communication (Iskra)',
  'Serial number (EasyMeter)': 'Numéro de série (EasyMeter)',
  'Device state (EasyMeter, hex)': 'État de l’appareil (EasyMeter, hex)',
  'Tariff indicator': 'Indicateur de tarif',
  'Firmware version (module)': 'Version du micrologiciel (module)',
  'Firmware version (metrology)': 'Version du micrologiciel (métrologie)',
  'Firmware signature (module)': 'Signature du micrologiciel (module)',
  'Firmware signature (metrology)': 'Signature du micrologiciel (métrologie)',
  'Current transformer ratio (numerator)': 'Rapport du transformateur de courant (numérateur)',
  'Voltage transformer ratio (numerator)': 'Rapport du transformateur de tension (numérateur)',
  'Current transformer ratio (denominator)': 'Rapport du transformateur de courant (dénominateur)',
  'Voltage transformer ratio (denominator)': 'Rapport du transformateur de tension (dénominateur)',
  'Active energy import (+A)': 'Énergie active soutirée (+A)',
  'Active energy export (−A)': 'Énergie active injectée (−A)',
  'Reactive energy import (+R)': 'Énergie réactive soutirée (+R)',
  'Reactive energy export (−R)': 'Énergie réactive injectée (−R)',
  'Active energy import': 'Énergie active soutirée',
  'Active energy export': 'Énergie active injectée',
  'Reactive energy import': 'Énergie réactive soutirée',
  'Reactive energy export': 'Énergie réactive injectée',
  'Reactive energy, quadrant I': 'Énergie réactive, quadrant I',
  'Reactive energy, quadrant II': 'Énergie réactive, quadrant II',
  'Reactive energy, quadrant III': 'Énergie réactive, quadrant III',
  'Reactive energy, quadrant IV': 'Énergie réactive, quadrant IV',
  'Active energy, absolute (|+A| + |−A|)': 'Énergie active absolue (|+A| + |−A|)',
  'Active power import (+P)': 'Puissance active soutirée (+P)',
  'Active power export (−P)': 'Puissance active injectée (−P)',
  'Reactive power import (+Q)': 'Puissance réactive soutirée (+Q)',
  'Reactive power export (−Q)': 'Puissance réactive injectée (−Q)',
  'Reactive power, quadrant I': 'Puissance réactive, quadrant I',
  'Reactive power, quadrant II': 'Puissance réactive, quadrant II',
  'Reactive power, quadrant III': 'Puissance réactive, quadrant III',
  'Reactive power, quadrant IV': 'Puissance réactive, quadrant IV',
  'Apparent power import (S+)': 'Puissance apparente soutirée (S+)',
  'Apparent power export (S−)': 'Puissance apparente injectée (S−)',
  'Power factor': 'Facteur de puissance',
  'Minimum power factor': 'Facteur de puissance minimal',
  Frequency: 'Fréquence',
  'Active power, absolute (|+P| + |−P|)': 'Puissance active absolue (|+P| + |−P|)',
  'Voltage (any phase)': 'Tension (phase quelconque)',
  'Current (any phase)': 'Courant (phase quelconque)',
  'Current, sum of phases': 'Courant, somme des phases',
  'Current, neutral': 'Courant du neutre',
  'Active power import (+P), average': 'Puissance active soutirée (+P), moyenne',
  'Active power absolute, average': 'Puissance active absolue, moyenne',
  'Active power net (+P − −P), average': 'Puissance active nette (+P − −P), moyenne',
  'Power limit (SMAX)': 'Limite de puissance (SMAX)',
  'Limiter current monitor (import, export; "CT ratio" in dsmr_parser)': 'Surveillance du courant du limiteur (soutirage, injection)',
  'Threshold for maximum imported and exported current': 'Seuil du courant maximal soutiré et injecté',
  'Current average demand, import (15 min)': 'Puissance moyenne en cours, soutirage (15 min)',
  'Current average demand, export (15 min)': 'Puissance moyenne en cours, injection (15 min)',
  'Current average demand, reactive import': 'Puissance moyenne en cours, réactive soutirée',
  'Current average demand, reactive export': 'Puissance moyenne en cours, réactive injectée',
  'Current average demand, apparent import': 'Puissance moyenne en cours, apparente soutirée',
  'Current average demand, apparent export': 'Puissance moyenne en cours, apparente injectée',
  'Maximum demand this month': 'Pointe de puissance du mois',
  'Maximum demand this month (Swiss)': 'Pointe de puissance du mois (Suisse)',
  'Maximum demand, last 13 months': 'Pointes de puissance des 13 derniers mois',
  'Load profile': 'Courbe de charge',
  'Breaker state': 'État du disjoncteur',
  'Relay 1 state': 'État du relais 1',
  'Relay 2 state': 'État du relais 2',
  'Power failures': 'Coupures de courant',
  'Long power failures': 'Coupures de courant longues',
  'Power failure event log': 'Journal des coupures de courant',
  'Text message': 'Message texte',
  'Text message, channel 1 / numeric message': 'Message texte, canal 1 / message numérique',
  Voltage: 'Tension',
  Current: 'Courant',
  'Current limit': 'Limite de courant',
  'Voltage sags': 'Creux de tension',
  'Voltage swells': 'Surtensions',
  'Average voltage': 'Tension moyenne',
  'Voltage sag duration': 'Durée du creux de tension',
  'Voltage sag magnitude': 'Amplitude du creux de tension',
  'Voltage swell duration': 'Durée de la surtension',
  'Voltage swell magnitude': 'Amplitude de la surtension',
  'Device type': 'Type d’appareil',
  'Last reading (gas/water m3, heat GJ)': 'Dernier relevé (gaz/eau m3, chaleur GJ)',
  'Last reading (gas m3, Fluvius)': 'Dernier relevé (gaz m3, Fluvius)',
  'Last reading (DSMR 2.2/3 form)': 'Dernier relevé (forme DSMR 2.2/3)',
  'Valve position': 'Position de la vanne',
  'Relay / breaker state': 'État du relais / disjoncteur',
  'M-Bus channel status (Iskra)': 'État de la voie M-Bus (Iskra)'
}

const DE: Names = {
  'P1 output version (DSMR)': 'Version der P1-Schnittstelle (DSMR)',
  'Meter date and time': 'Datum und Uhrzeit des Zählers',
  'Meter ID (logical device name)': 'Zählerkennung (logischer Gerätename)',
  'Equipment identifier': 'Gerätekennung',
  'Version information (e-MUCS)': 'Versionsangaben (e-MUCS)',
  'EAN code (e-MUCS)': 'EAN-Code (e-MUCS)',
  'Meter ID (EasyMeter, Iskra)': 'Zählerkennung (EasyMeter, Iskra)',
  'Meter ID (Swiss)': 'Zählerkennung (Schweiz)',
  'Meter time (hhmmss)': 'Zählerzeit (hhmmss)',
  'Meter date (YYMMDD)': 'Zählerdatum (JJMMTT)',
  'Integration period of instantaneous values': 'Integrationszeit der Momentanwerte',
  'Communication module status (Iskra)': 'Zustand des Kommunikationsmoduls (Iskra)',
  'Serial number (EasyMeter)': 'Seriennummer (EasyMeter)',
  'Device state (EasyMeter, hex)': 'Gerätezustand (EasyMeter, hex)',
  'Tariff indicator': 'Tarifanzeige',
  'Firmware version (module)': 'Firmware-Version (Modul)',
  'Firmware version (metrology)': 'Firmware-Version (Messwerk)',
  'Firmware signature (module)': 'Firmware-Signatur (Modul)',
  'Firmware signature (metrology)': 'Firmware-Signatur (Messwerk)',
  'Current transformer ratio (numerator)': 'Stromwandlerverhältnis (Primärwert)',
  'Voltage transformer ratio (numerator)': 'Spannungswandlerverhältnis (Primärwert)',
  'Current transformer ratio (denominator)': 'Stromwandlerverhältnis (Sekundärwert)',
  'Voltage transformer ratio (denominator)': 'Spannungswandlerverhältnis (Sekundärwert)',
  'Active energy import (+A)': 'Wirkenergie Bezug (+A)',
  'Active energy export (−A)': 'Wirkenergie Einspeisung (−A)',
  'Reactive energy import (+R)': 'Blindenergie Bezug (+R)',
  'Reactive energy export (−R)': 'Blindenergie Einspeisung (−R)',
  'Active energy import': 'Wirkenergie Bezug',
  'Active energy export': 'Wirkenergie Einspeisung',
  'Reactive energy import': 'Blindenergie Bezug',
  'Reactive energy export': 'Blindenergie Einspeisung',
  'Reactive energy, quadrant I': 'Blindenergie, Quadrant I',
  'Reactive energy, quadrant II': 'Blindenergie, Quadrant II',
  'Reactive energy, quadrant III': 'Blindenergie, Quadrant III',
  'Reactive energy, quadrant IV': 'Blindenergie, Quadrant IV',
  'Active energy, absolute (|+A| + |−A|)': 'Wirkenergie absolut (|+A| + |−A|)',
  'Active power import (+P)': 'Wirkleistung Bezug (+P)',
  'Active power export (−P)': 'Wirkleistung Einspeisung (−P)',
  'Reactive power import (+Q)': 'Blindleistung Bezug (+Q)',
  'Reactive power export (−Q)': 'Blindleistung Einspeisung (−Q)',
  'Reactive power, quadrant I': 'Blindleistung, Quadrant I',
  'Reactive power, quadrant II': 'Blindleistung, Quadrant II',
  'Reactive power, quadrant III': 'Blindleistung, Quadrant III',
  'Reactive power, quadrant IV': 'Blindleistung, Quadrant IV',
  'Apparent power import (S+)': 'Scheinleistung Bezug (S+)',
  'Apparent power export (S−)': 'Scheinleistung Einspeisung (S−)',
  'Power factor': 'Leistungsfaktor',
  'Minimum power factor': 'Kleinster Leistungsfaktor',
  Frequency: 'Frequenz',
  'Active power, absolute (|+P| + |−P|)': 'Wirkleistung absolut (|+P| + |−P|)',
  'Voltage (any phase)': 'Spannung (beliebige Phase)',
  'Current (any phase)': 'Strom (beliebige Phase)',
  'Current, sum of phases': 'Strom, Summe der Phasen',
  'Current, neutral': 'Strom im Neutralleiter',
  'Active power import (+P), average': 'Wirkleistung Bezug (+P), Mittelwert',
  'Active power absolute, average': 'Wirkleistung absolut, Mittelwert',
  'Active power net (+P − −P), average': 'Wirkleistung netto (+P − −P), Mittelwert',
  'Power limit (SMAX)': 'Leistungsgrenze (SMAX)',
  'Limiter current monitor (import, export; "CT ratio" in dsmr_parser)': 'Stromüberwachung des Begrenzers (Bezug, Einspeisung)',
  'Threshold for maximum imported and exported current': 'Schwelle des höchsten Bezugs- und Einspeisestroms',
  'Current average demand, import (15 min)': 'Aktuelle Durchschnittsleistung, Bezug (15 min)',
  'Current average demand, export (15 min)': 'Aktuelle Durchschnittsleistung, Einspeisung (15 min)',
  'Current average demand, reactive import': 'Aktuelle Durchschnittsleistung, Blindleistung Bezug',
  'Current average demand, reactive export': 'Aktuelle Durchschnittsleistung, Blindleistung Einspeisung',
  'Current average demand, apparent import': 'Aktuelle Durchschnittsleistung, Scheinleistung Bezug',
  'Current average demand, apparent export': 'Aktuelle Durchschnittsleistung, Scheinleistung Einspeisung',
  'Maximum demand this month': 'Höchstleistung in diesem Monat',
  'Maximum demand this month (Swiss)': 'Höchstleistung in diesem Monat (Schweiz)',
  'Maximum demand, last 13 months': 'Höchstleistungen der letzten 13 Monate',
  'Load profile': 'Lastgang',
  'Breaker state': 'Zustand des Leistungsschalters',
  'Relay 1 state': 'Zustand Relais 1',
  'Relay 2 state': 'Zustand Relais 2',
  'Power failures': 'Stromausfälle',
  'Long power failures': 'Lange Stromausfälle',
  'Power failure event log': 'Protokoll der Stromausfälle',
  'Text message': 'Textmeldung',
  'Text message, channel 1 / numeric message': 'Textmeldung, Kanal 1 / numerische Meldung',
  Voltage: 'Spannung',
  Current: 'Strom',
  'Current limit': 'Strombegrenzung',
  'Voltage sags': 'Spannungseinbrüche',
  'Voltage swells': 'Spannungsüberhöhungen',
  'Average voltage': 'Mittlere Spannung',
  'Voltage sag duration': 'Dauer des Spannungseinbruchs',
  'Voltage sag magnitude': 'Tiefe des Spannungseinbruchs',
  'Voltage swell duration': 'Dauer der Spannungsüberhöhung',
  'Voltage swell magnitude': 'Höhe der Spannungsüberhöhung',
  'Device type': 'Gerätetyp',
  'Last reading (gas/water m3, heat GJ)': 'Letzter Zählerstand (Gas/Wasser m3, Wärme GJ)',
  'Last reading (gas m3, Fluvius)': 'Letzter Zählerstand (Gas m3, Fluvius)',
  'Last reading (DSMR 2.2/3 form)': 'Letzter Zählerstand (DSMR-2.2/3-Form)',
  'Valve position': 'Ventilstellung',
  'Relay / breaker state': 'Zustand Relais / Schalter',
  'M-Bus channel status (Iskra)': 'Zustand des M-Bus-Kanals (Iskra)'
}

/**
 * English names shown differently from the catalogue's (a label names no other library: the
 * catalogue's name keeps that note for developers, src/shared/obis.ts).
 */
const EN: Names = {
  'Limiter current monitor (import, export; "CT ratio" in dsmr_parser)': 'Limiter current monitor (import, export)'
}

const NAMES: Record<Exclude<Locale, 'en'>, Names> = { fr: FR, de: DE }
const SUFFIX_WORDS: Record<Exclude<Locale, 'en'>, { tariff: string; channel: string; listChannel: string }> = {
  fr: { tariff: 'tarif', channel: 'canal', listChannel: 'canal' },
  de: { tariff: 'Tarif', channel: 'Kanal', listChannel: 'Kanal' }
}

/** The English name without its phase, tariff or channel suffix, and the suffix's parts. */
export function splitObisName(name: string): { base: string; phase: string | null; tariff: string | null; channel: string | null; listChannel: string | null } {
  let base = name
  let phase: string | null = null
  let tariff: string | null = null
  let channel: string | null = null
  let listChannel: string | null = null
  let m = / (L[123])$/.exec(base)
  if (m) {
    phase = m[1]
    base = base.slice(0, m.index)
  }
  m = / \(channel (\d+)\)$/.exec(base)
  if (m) {
    channel = m[1]
    base = base.slice(0, m.index)
  }
  m = /, tariff (\d+)$/.exec(base)
  if (m) {
    tariff = m[1]
    base = base.slice(0, m.index)
  }
  m = /^(Text message), channel ([2-9])$/.exec(base)
  if (m) {
    listChannel = m[2]
    base = m[1]
  }
  return { base, phase, tariff, channel, listChannel }
}

/** Has `locale` a name for the catalogue's English `name`? (English always has.) */
export function hasObisName(locale: Locale, name: string): boolean {
  return locale === 'en' || splitObisName(name).base in NAMES[locale]
}

/**
 * The catalogue's English object name (ObisInfo.name) in `locale`, e.g.
 * "Active energy import, tariff 1" → "Énergie active soutirée, tarif 1", "Voltage L2" →
 * "Spannung L2". The English name when the language has none. Labels name no other
 * library ("CT ratio" in dsmr_parser stays in the catalogue, not on screen).
 */
export function obisName(locale: Locale, name: string): string {
  if (locale === 'en') return EN[name] ?? name
  const p = splitObisName(name)
  const base = NAMES[locale][p.base]
  if (base === undefined) return name
  const w = SUFFIX_WORDS[locale]
  let out = base
  if (p.listChannel) out += `, ${w.listChannel} ${p.listChannel}`
  if (p.tariff) out += `, ${w.tariff} ${p.tariff}`
  if (p.channel) out += ` (${w.channel} ${p.channel})`
  if (p.phase) out += ` ${p.phase}`
  return out
}
