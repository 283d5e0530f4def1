/**
 * One decode event as the JSON line `p1studio decode` prints and the JSON Lines export
 * writes (docs/cli.md): a telegram
 * `{"systemTitle","frameCounter","identification","crcOk","warnings","offset","objects":{…}}`
 * or a failure `{"error":{"code","message"},"offset","systemTitle","frameCounter"}`.
 * Objects: OBIS code → `{value, unit, raw[, values, time]}`; a code seen twice in one telegram
 * gets `#2`, `#3`… (DSMR 5.0.2 §6.12 allows repeated M-Bus objects). Never throws; the
 * output depends on the event only (the module's caches change speed, not text).
 *
 * The line is built as a string (no intermediate objects; OBIS keys and units cached; numbers
 * of ≤ 3 decimals and plain ASCII strings written directly): with ~50 objects per Smarty
 * telegram, `JSON.stringify` of an object tree took longer than decrypting and parsing it.
 * The text is exactly what `JSON.stringify` of {@link objectsJson}'s tree gives
 * (test/unit/p1/event-json.test.ts checks that on every published vector and generated ones).
 */
import type { CosemObject, DecodedTelegram, DecodeFailure } from '../../shared/types'
import type { DecodeEvent } from './pipeline'

/** Objects as the JSON output shows them: OBIS code → {value, unit, raw[, values, time]}. */
export function objectsJson(objects: CosemObject[]): Record<string, unknown> {
  // no prototype: a code is a key like any other (never "toString" inherited, "__proto__" kept)
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const o of objects) {
    let k = o.obis
    for (let n = 2; k in out; n++) k = `${o.obis}#${n}`
    const e: Record<string, unknown> = { value: o.value, unit: o.unit, raw: rawValue(o.raw) }
    if (o.values.length > 1) e.values = o.values.map((v) => ({ value: v.value, unit: v.unit }))
    if (o.time !== null || o.values.length > 1) e.time = o.time
    out[k] = e
  }
  return out
}

/** The raw line from its first value on: `1-0:1.8.0(000006.695*kWh)` → `000006.695*kWh`. */
function rawValue(raw: string): string {
  const end = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 0x29 ? raw.length - 1 : raw.length
  return raw.slice(raw.indexOf('(') + 1, end)
}

const keyText = new Map<string, string>()
const unitText = new Map<string, string>()

/** `"<code>":{"value":` for an OBIS code (cached: a meter sends the same few dozen). */
function keyOf(code: string): string {
  let t = keyText.get(code)
  if (t === undefined) {
    t = `${quote(code)}:{"value":`
    if (keyText.size < 4096) keyText.set(code, t)
  }
  return t
}

/** `,"unit":…` for a unit or null (cached). */
function unitOf(unit: string | null): string {
  if (unit === null) return ',"unit":null'
  let t = unitText.get(unit)
  if (t === undefined) {
    t = `,"unit":${quote(unit)}`
    if (unitText.size < 1024) unitText.set(unit, t)
  }
  return t
}

/**
 * A number as JSON.stringify writes it. Meter values have at most 3 decimals: when `v` is the
 * double nearest to a decimal with ≤ 3 decimals (|v| < 9·10⁹), that decimal without trailing
 * zeros is exactly the shortest round-trip form JavaScript prints, and is made from two
 * integers; anything else goes through String(). Non-finite numbers are null, as in JSON.
 */
function numText(v: number): string {
  const k = Math.round(v * 1000)
  if (k / 1000 === v && k < 9e12 && k > -9e12) {
    if (k === 0) return '0'
    const a = k < 0 ? -k : k
    const ip = Math.floor(a / 1000)
    const f = a - ip * 1000
    let t = k < 0 ? '-' + ip : '' + ip
    if (f !== 0) t += f % 100 === 0 ? '.' + f / 100 : f % 10 === 0 ? (f < 100 ? '.0' : '.') + f / 10 : (f < 10 ? '.00' : f < 100 ? '.0' : '.') + f
    return t
  }
  return Number.isFinite(v) ? String(v) : 'null'
}

/** A JSON string literal: printable ASCII without `"` or `\\` as is, anything else through JSON.stringify. */
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s)
  }
  return '"' + s + '"'
}

function valueText(v: number | string | null): string {
  if (typeof v === 'number') return numText(v)
  return v === null ? 'null' : quote(v)
}

/** Keys an object would not keep in the order sent (array indices come first): then the object path. */
function needsObjectPath(objects: CosemObject[]): boolean {
  for (let i = 0; i < objects.length; i++) {
    const c = objects[i].obis.charCodeAt(0)
    if (c >= 0x30 && c <= 0x39 && /^\d+$/.test(objects[i].obis)) return true
  }
  return false
}

/** code → number of the telegram it was last seen in: a repeated code is found without comparing codes pairwise. */
const lastSeen = new Map<string, number>()
let telegramNo = 0

function objectsText(objects: CosemObject[]): string {
  if (needsObjectPath(objects)) return JSON.stringify(objectsJson(objects))
  const mine = ++telegramNo
  if (lastSeen.size > 4096) lastSeen.clear()
  // the keys given so far, made only once a code repeats (rare: M-Bus devices of one type)
  let given: Set<string> | null = null
  let s = '{'
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]
    let k = o.obis
    if (given === null) {
      if (lastSeen.get(k) === mine) given = new Set(objects.slice(0, i).map((x) => x.obis))
      else lastSeen.set(k, mine)
    }
    if (given !== null) {
      for (let n = 2; given.has(k); n++) k = `${o.obis}#${n}`
      given.add(k)
    }
    if (i > 0) s += ','
    s += k === o.obis ? keyOf(k) : `${quote(k)}:{"value":`
    s += bodyText(o)
  }
  return s + '}'
}

/** An object's JSON after `{"value":`. */
function bodyText(o: CosemObject): string {
  let s = valueText(o.value) + unitOf(o.unit) + ',"raw":' + quote(rawValue(o.raw))
  const many = o.values.length > 1
  if (many) {
    s += ',"values":['
    for (let v = 0; v < o.values.length; v++) {
      if (v > 0) s += ','
      s += '{"value":' + valueText(o.values[v].value) + unitOf(o.values[v].unit) + '}'
    }
    s += ']'
  }
  if (o.time !== null || many) s += o.time === null ? ',"time":null' : `,"time":${quote(o.time)}`
  return s + '}'
}

function titleText(t: string | null | undefined): string {
  return t === null || t === undefined ? 'null' : quote(t)
}

/** One decode event as a JSON line without the newline (null for skipped bytes). */
export function eventJson(ev: DecodeEvent): string | null {
  if (ev.type === 'skipped') return null
  if (ev.type === 'failure') {
    const f: DecodeFailure = ev.failure
    return JSON.stringify({ error: { code: f.code, message: f.message }, offset: f.offset, systemTitle: f.dlms?.systemTitle ?? null, frameCounter: f.dlms?.frameCounter ?? null })
  }
  const t: DecodedTelegram = ev.telegram
  const fc = t.dlms?.frameCounter
  return (
    `{"systemTitle":${titleText(t.dlms?.systemTitle)},"frameCounter":${fc === undefined || fc === null ? 'null' : valueText(fc)}` +
    `,"identification":${quote(t.telegram.identification)},"crcOk":${t.telegram.crcOk === null ? 'null' : t.telegram.crcOk ? 'true' : 'false'}` +
    `,"warnings":${t.warnings.length === 0 ? '[]' : JSON.stringify(t.warnings)},"offset":${valueText(t.offset)}` +
    `,"objects":${objectsText(t.telegram.objects)}}`
  )
}
