/**
 * Read what a board publishes over MQTT, whichever firmware generation it runs: detect the
 * generation and its publish format from the messages (`detectFirmware`), and decode one
 * publication into the meter values it carries, mapped back to OBIS codes, plus the values the
 * firmware computes itself (`decodePublication`). Pure: messages in, values out; never throws.
 * Used by the MQTT verifier's checks (values against the meter) and by the live field source.
 *
 * What each generation publishes (tables in firmware-fields.ts and esphome-fields.ts):
 * - SmartyReader v1.5 (SmartyReader_v1_5.ino): by default one JSON object on TOPIC,
 *   `mqtt_publish_energy_and_power()`: timestamp, equipment_id, "energy_consumption [kWh]",
 *   "energy_consumption_cumul_day [kWh]", "energy_production [kWh]",
 *   "energy_production_cumul_day [kWh]", "power_consumption [kW]", "power_production [kW]",
 *   numbers as Arduino `String(float)` (2 decimals; "nan" on the first publication after boot,
 *   which is not JSON). With `PUBLISH_ALL 0`, `mqtt_publish_all(0)`: TOPIC/<name> =
 *   "<name> = <value> <unit>" with the meter's text (leading zeros kept); `PUBLISH_ALL 1`:
 *   TOPIC/<name> = {"<name>_value":v,"<name>_unit":"kW"} (no unit key without a unit;
 *   'f' values through `toFloat()`, 2 decimals).
 * - SmartyReader v1.6 (SmartyReader_v1_6.ino) and v1.7 (SmartyReader_v1_7.ino): TOPIC/<name>_<unit>
 *   per field plus the calculated values, or with PUBLISH_COOKED one JSON object (ArduinoJson).
 * - ESPHome dsmr: <prefix>/sensor/<object id>/state, <prefix>/text_sensor/<object id>/state.
 */
import { FIRMWARE_LABELS, type DetectedFirmware, type FirmwareFormat, type FirmwareGeneration } from '../../shared/board'
import { ESPHOME_FIELD_BY_OBJECT_ID } from './esphome-fields'
import {
  CALCULATED_FIELDS,
  CALCULATED_FIELDS_V16,
  COOKED_TO_OBIS,
  FIELD_BY_TOPIC,
  V15_FIELD_BY_NAME,
  V16_ONLY_CALCULATED,
  V17_ONLY_CALCULATED,
  type DsmrField
} from './firmware-fields'

/** A message as received: topic, payload text, receive time (ms), and whether the broker kept it (retained, from before). */
export interface MqttMessage {
  topic: string
  payload: string
  t: number
  retained?: boolean
}

/** What a firmware did to the meter's value before printing it. */
export interface Precision {
  /** Decimals printed (Arduino String(float/double): 2; ESPHome accuracy_decimals); null: printed in full. */
  decimals: number | null
  /** The value went through a 32-bit float (Arduino `float`, ESPHome sensor states). */
  float32: boolean
  /** Published value = meter value × scale (1000: kW published as W). */
  scale: number
}

/** A meter value found in a publication. */
export interface DecodedValue {
  /** Sub-topic (relative to the base topic) or JSON key, as published. */
  name: string
  obis: string
  /** In the meter's unit (W → kW); text for text values (meter time "YYYY-MM-DDThh:mm:ss", ids decoded). */
  value: number | string | null
  unit: string | null
  /** The published text. */
  text: string
  precision: Precision
}

/** One publication (a JSON object, or a burst of per-field messages) read back. */
export interface DecodedPublication {
  firmware: DetectedFirmware
  /** Meter time the values belong to ("YYYY-MM-DDThh:mm:ss"), null if none was published. */
  meterTime: string | null
  values: DecodedValue[]
  /** The firmware's own numbers by published name (v1.5 powers from energy and day energies, calculated values), null for "nan". */
  computed: Record<string, number | null>
  /** Every name published (sub-topics relative to the base, or JSON keys). */
  names: string[]
  /** Payloads that are not what the firmware writes, one plain sentence each. */
  problems: string[]
}

const EXACT: Precision = { decimals: null, float32: false, scale: 1 }

/** Unit in the last place of a 32-bit float near x. */
export function ulp32(x: number): number {
  const a = Math.abs(x)
  if (a < 2 ** -126) return 2 ** -149
  return 2 ** (Math.floor(Math.log2(a)) - 23)
}

/** How far a published value may be from the meter's `meter` value (in the meter's unit) and still be right. */
export function tolerance(p: Precision, meter: number): number {
  const scaled = Math.abs(meter * p.scale)
  const printed = p.decimals === null ? 0 : 0.5 * 10 ** -p.decimals
  const f32 = p.float32 ? ulp32(scaled) : 0
  const full = p.decimals === null && !p.float32 ? 1e-9 * scaled : 0
  return (printed + f32 + full) / p.scale + 1e-9
}

/** "260302120000W" (DSMR YYMMDDhhmmssX) → "2026-03-02T12:00:00"; other text unchanged. */
export function dsmrTimeText(s: string): string {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})[SW]?$/.exec(s.trim())
  return m ? `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : s
}

/**
 * An equipment identifier as text: hex-coded ASCII (0-0:42.0.0, 0-n:96.1.0 are octet strings,
 * DSMR 5.0.2 §6.12) decoded when it spells a plausible identifier (letters and digits, at least
 * one letter: "SAG1030700089067"); anything else unchanged, so a decimal serial such as
 * "23456745" stays digits.
 */
export function idText(s: string): string {
  const t = s.trim()
  if (!/^([0-9A-Fa-f]{2}){2,}$/.test(t)) return t
  const dec = Buffer.from(t, 'hex').toString('latin1')
  return /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(dec) && /[A-Za-z]/.test(dec) ? dec : t
}

const num = (s: string): number | null => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null)

/** JSON as the Arduino sketches write it: bare nan/inf (String(float) of a division by zero) read as null. */
export function parseLenientJson(payload: string): { json: Record<string, unknown> | null; nanKeys: string[] } {
  const nanKeys: string[] = []
  const fixed = payload.replace(/"([^"\\]*)"\s*:\s*-?(?:nan|inf|ovf)\s*(?=[,}])/gi, (_m, k: string) => {
    nanKeys.push(k)
    return `"${k}":null`
  })
  try {
    const j = JSON.parse(fixed) as unknown
    return { json: typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : null, nanKeys }
  } catch {
    return { json: null, nanKeys }
  }
}

const V15_JSON_KEYS = [
  'timestamp',
  'equipment_id',
  'energy_consumption [kWh]',
  'energy_consumption_cumul_day [kWh]',
  'energy_production [kWh]',
  'energy_production_cumul_day [kWh]',
  'power_consumption [kW]',
  'power_production [kW]'
]
/** The keys of v1.5's default JSON, in the sketch's order. */
export const V15_JSON_FIELDS: readonly string[] = V15_JSON_KEYS

const FORMAT_TEXT: Record<FirmwareFormat, string> = {
  'v15-json': 'default: one JSON object with energy and power',
  'v15-text': 'PUBLISH_ALL 0: one text message per field',
  'v15-json-fields': 'PUBLISH_ALL 1: one JSON object per field',
  fields: 'one topic per field',
  cooked: 'PUBLISH_COOKED: one JSON object of calculated values',
  esphome: 'one topic per sensor'
}

function detected(generation: FirmwareGeneration, format: FirmwareFormat, reason: string, ambiguous = false): DetectedFirmware {
  return { generation, format, label: `${FIRMWARE_LABELS[generation]} (${FORMAT_TEXT[format]})`, reason, ambiguous }
}

/** v1.6 or v1.7 from calculated names; ambiguous when none differs (then the expected one, else v1.7). */
function v16or17(
  names: Iterable<string>,
  expected: FirmwareGeneration | null | undefined
): { generation: FirmwareGeneration; ambiguous: boolean; key: string | null } {
  for (const n of names) {
    if (V17_ONLY_CALCULATED.has(n)) return { generation: 'smartyreader-v1.7', ambiguous: false, key: n }
    if (V16_ONLY_CALCULATED.has(n)) return { generation: 'smartyreader-v1.6', ambiguous: false, key: n }
  }
  return { generation: expected === 'smartyreader-v1.6' ? 'smartyreader-v1.6' : 'smartyreader-v1.7', ambiguous: true, key: null }
}

const sub = (topic: string, base: string): string | null => (topic.startsWith(`${base}/`) ? topic.slice(base.length + 1) : null)
const ESPHOME_STATE = /^(sensor|text_sensor)\/([^/]+)\/state$/

/**
 * Which firmware published these messages (all of one listening session, any order). Priority
 * when several fit: ESPHome, v1.5, v1.6/v1.7 per-field topics, JSON on the base topic.
 * @param expected the generation the profile names: decides between v1.6 and v1.7 when nothing else does
 * @returns null when nothing a known firmware publishes arrived
 */
export function detectFirmware(msgs: readonly MqttMessage[], base: string, expected?: FirmwareGeneration | null): DetectedFirmware | null {
  const esphome = msgs.find((m) => ESPHOME_STATE.test(sub(m.topic, base) ?? ''))
  if (esphome) return detected('esphome-dsmr', 'esphome', `ESPHome state topic ${esphome.topic}`)
  // no state at all, but ESPHome's own topics: its log lines ("[E][dsmr:…]: …") or status
  const esphomeLog = msgs.find((m) => sub(m.topic, base) === 'debug' && /^\[[EWIDVC]\]\[[^\]]+\]:/.test(m.payload))
  if (esphomeLog) return detected('esphome-dsmr', 'esphome', `ESPHome log line on ${esphomeLog.topic}`)
  for (const m of msgs) {
    const s = sub(m.topic, base)
    if (s === null || !V15_FIELD_BY_NAME.has(s)) continue
    if (m.payload.startsWith(`${s} = `)) return detected('smartyreader-v1.5', 'v15-text', `"${m.payload.slice(0, 60)}" on ${m.topic}`)
    const j = parseLenientJson(m.payload).json
    if (j && `${s}_value` in j) return detected('smartyreader-v1.5', 'v15-json-fields', `key "${s}_value" on ${m.topic}`)
  }
  const fieldTopics = msgs.map((m) => sub(m.topic, base)).filter((s): s is string => s !== null && !s.includes('/'))
  const known = fieldTopics.find((s) => FIELD_BY_TOPIC.has(s) && /_(kWh|kvarh|kW|kvar|kVA|A|V|m3)$/.test(s))
  if (known) {
    const g = v16or17(fieldTopics, expected)
    return detected(g.generation, 'fields', g.key ? `topic ${base}/${g.key}` : `topic ${base}/${known}`, g.ambiguous)
  }
  for (const m of [...msgs].reverse()) {
    if (m.topic !== base || !/^\s*\{/.test(m.payload)) continue
    const j = parseLenientJson(m.payload).json
    if (!j) continue
    if ('energy_consumption [kWh]' in j || ('timestamp' in j && 'equipment_id' in j))
      return detected('smartyreader-v1.5', 'v15-json', `key "energy_consumption [kWh]" in the JSON on ${base}`)
    if ('smarty_datetime' in j || 'smarty_id' in j || Object.keys(j).some((k) => k in COOKED_TO_OBIS)) {
      const g = v16or17(Object.keys(j), expected)
      return detected(g.generation, 'cooked', g.key ? `key "${g.key}" in the JSON on ${base}` : `key "smarty_datetime" in the JSON on ${base}`, g.ambiguous)
    }
  }
  return null
}

function v15Value(f: DsmrField, name: string, text: string, precision: Precision): DecodedValue {
  const numeric = f.type === 'f' || f.type === 'i'
  const value = f.obis === '0-0:1.0.0' ? text : numeric ? num(text) : text === '' ? null : text
  return { name, obis: f.obis, value, unit: f.unit || null, text, precision }
}

/** v1.6/v1.7 calculated values that copy a meter value, with their factor (kW → W). */
function cookedCopy(name: string, text: string, value: number, p: Precision): DecodedValue {
  const m = COOKED_TO_OBIS[name]
  return { name, obis: m.obis, value: value / m.factor, unit: m.unit, text, precision: { ...p, scale: m.factor } }
}

/**
 * Decode one publication of a detected firmware: a single JSON message (v1.5 default, cooked)
 * or the messages of one burst (per-field formats, ESPHome). Messages of other topics are left out.
 */
export function decodePublication(msgs: readonly MqttMessage[], base: string, firmware: DetectedFirmware): DecodedPublication {
  const out: DecodedPublication = { firmware, meterTime: null, values: [], computed: {}, names: [], problems: [] }
  const setTime = (t: string): void => {
    out.meterTime = dsmrTimeText(t).slice(0, 19)
  }
  if (firmware.format === 'v15-json' || firmware.format === 'cooked') {
    const m = [...msgs].reverse().find((x) => x.topic === base)
    if (!m) return out
    const { json, nanKeys } = parseLenientJson(m.payload)
    if (!json) {
      out.problems.push(`The message on ${base} is not a JSON object: "${m.payload.slice(0, 80)}".`)
      return out
    }
    out.names = Object.keys(json)
    if (firmware.format === 'v15-json') decodeV15Json(json, nanKeys, out, setTime)
    else decodeCooked(json, firmware.generation, out, setTime)
    return out
  }
  for (const m of msgs) {
    const s = sub(m.topic, base)
    if (s === null) continue
    out.names.push(s)
    if (firmware.format === 'esphome') decodeEsphome(s, m.payload, out, setTime)
    else if (firmware.format === 'fields') decodeField(s, m.payload, firmware.generation, out, setTime)
    else decodeV15Field(s, m.payload, firmware.format, out, setTime)
  }
  return out
}

function decodeV15Json(json: Record<string, unknown>, nanKeys: string[], out: DecodedPublication, setTime: (t: string) => void): void {
  if (typeof json.timestamp === 'string') {
    setTime(json.timestamp)
    out.values.push({ name: 'timestamp', obis: '0-0:1.0.0', value: out.meterTime, unit: null, text: json.timestamp, precision: EXACT })
  }
  if (typeof json.equipment_id === 'string')
    out.values.push({ name: 'equipment_id', obis: '0-0:42.0.0', value: json.equipment_id, unit: null, text: json.equipment_id, precision: EXACT })
  const f2: Precision = { decimals: 2, float32: true, scale: 1 }
  for (const [k, obis] of [
    ['energy_consumption [kWh]', '1-0:1.8.0'],
    ['energy_production [kWh]', '1-0:2.8.0']
  ] as const) {
    const v = json[k]
    if (typeof v === 'number') out.values.push({ name: k, obis, value: v, unit: 'kWh', text: String(v), precision: f2 })
  }
  for (const k of ['energy_consumption_cumul_day [kWh]', 'energy_production_cumul_day [kWh]', 'power_consumption [kW]', 'power_production [kW]']) {
    const v = json[k]
    if (typeof v === 'number') out.computed[k] = v
    else if (k in json && (v === null || nanKeys.includes(k))) out.computed[k] = null
  }
}

function decodeCooked(json: Record<string, unknown>, generation: FirmwareGeneration, out: DecodedPublication, setTime: (t: string) => void): void {
  if (typeof json.smarty_datetime === 'string') {
    setTime(json.smarty_datetime)
    out.values.push({ name: 'smarty_datetime', obis: '0-0:1.0.0', value: out.meterTime, unit: null, text: json.smarty_datetime, precision: EXACT })
  }
  if (typeof json.smarty_id === 'string')
    out.values.push({ name: 'smarty_id', obis: '0-0:42.0.0', value: json.smarty_id, unit: null, text: json.smarty_id, precision: EXACT })
  const table = generation === 'smartyreader-v1.6' ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS
  for (const c of table) {
    const v = json[c.name]
    if (!(c.name in json)) continue
    if (typeof v !== 'number') {
      out.computed[c.name] = null
      continue
    }
    out.computed[c.name] = v
    if (c.name in COOKED_TO_OBIS) out.values.push(cookedCopy(c.name, String(v), v, EXACT))
  }
}

function decodeField(s: string, payload: string, generation: FirmwareGeneration, out: DecodedPublication, setTime: (t: string) => void): void {
  const calc = (generation === 'smartyreader-v1.6' ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS).some((c) => c.name === s)
  if (calc) {
    const v = num(payload)
    out.computed[s] = v
    if (v !== null && s in COOKED_TO_OBIS) out.values.push(cookedCopy(s, payload, v, { decimals: 2, float32: false, scale: 1 }))
    return
  }
  const f = FIELD_BY_TOPIC.get(s)
  if (!f || !f.obis) return
  if (f.obis === '0-0:1.0.0') {
    setTime(payload)
    out.values.push({ name: s, obis: f.obis, value: out.meterTime, unit: null, text: payload, precision: EXACT })
    return
  }
  // the sketch publishes the M-Bus id as the meter sent it (hex); compare it decoded
  if (f.name === 'gas_meter_id_hex') {
    out.values.push({ name: s, obis: f.obis, value: idText(payload), unit: null, text: payload, precision: EXACT })
    return
  }
  const numeric = f.type === 'f' || f.type === 'i' || (f.type === ' ' && num(payload) !== null)
  if (numeric && num(payload) === null) out.problems.push(`${s}: "${payload}" is not a number.`)
  out.values.push({
    name: s,
    obis: f.obis,
    value: numeric ? num(payload) : payload === '' ? null : payload,
    unit: f.unit || null,
    text: payload,
    precision: f.type === 'f' ? { decimals: 2, float32: false, scale: 1 } : EXACT
  })
}

function decodeV15Field(s: string, payload: string, format: FirmwareFormat, out: DecodedPublication, setTime: (t: string) => void): void {
  const f = V15_FIELD_BY_NAME.get(s)
  if (!f) return
  if (format === 'v15-text') {
    const head = `${s} = `
    if (!payload.startsWith(head)) {
      out.problems.push(`${s}: "${payload.slice(0, 60)}" is not "${head}<value> <unit>".`)
      return
    }
    const rest = payload.slice(head.length)
    const cut = rest.lastIndexOf(' ')
    const text = cut < 0 ? rest : rest.slice(0, cut)
    const unit = cut < 0 ? null : rest.slice(cut + 1)
    if (unit !== f.unit) out.problems.push(`${s}: unit "${unit ?? ''}" where the sketch writes "${f.unit}".`)
    if (f.obis === '0-0:1.0.0') setTime(text)
    out.values.push(v15Value(f, s, text, EXACT))
    return
  }
  const { json } = parseLenientJson(payload)
  if (!json || !(`${s}_value` in json)) {
    out.problems.push(`${s}: "${payload.slice(0, 60)}" is not {"${s}_value": …}.`)
    return
  }
  const v = json[`${s}_value`]
  const unit = json[`${s}_unit`]
  if (f.unit ? unit !== f.unit : unit !== undefined)
    out.problems.push(`${s}: unit ${unit === undefined ? 'missing' : JSON.stringify(unit)} where the sketch writes ${f.unit ? `"${f.unit}"` : 'none'}.`)
  const text = typeof v === 'string' ? v : v === null ? 'nan' : String(v)
  if (f.obis === '0-0:1.0.0' && typeof v === 'string') setTime(v)
  out.values.push(v15Value(f, s, text, f.type === 'f' ? { decimals: 2, float32: true, scale: 1 } : EXACT))
}

function decodeEsphome(s: string, payload: string, out: DecodedPublication, setTime: (t: string) => void): void {
  const m = ESPHOME_STATE.exec(s)
  if (!m) return
  const f = ESPHOME_FIELD_BY_OBJECT_ID.get(m[2])
  if (!f || f.kind !== m[1] || !f.obis) return
  if (f.kind === 'sensor') {
    const v = num(payload)
    if (v === null) out.problems.push(`${s}: "${payload}" is not a number.`)
    out.values.push({ name: s, obis: f.obis, value: v, unit: f.unit, text: payload, precision: { decimals: f.decimals, float32: true, scale: 1 } })
    return
  }
  if (f.obis === '0-0:1.0.0') {
    setTime(payload)
    out.values.push({ name: s, obis: f.obis, value: out.meterTime, unit: null, text: payload, precision: EXACT })
    return
  }
  out.values.push({
    name: s,
    obis: f.obis,
    value: f.obis === '0-1:96.1.0' ? idText(payload) : payload === '' ? null : payload,
    unit: null,
    text: payload,
    precision: EXACT
  })
}
