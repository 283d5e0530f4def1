/**
 * DSMR telegram parser (DSMR 5.0.2 §6.2–6.5, also DSMR 2.2/3/4, Fluvius, Luxembourg Smarty).
 * `/ident CR LF CR LF` · one COSEM object per line `OBIS(value)(value)…` · `!CRC CR LF`.
 * Never throws: lines that do not parse are kept in `malformedLines`.
 */
import type { CosemObject, CosemValue, Telegram } from '../../shared/types'
import { describeObis } from '../../shared/obis'
import { crc16Arc } from './crc16'

const OBIS_RE = /^(\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}(?:[.*]\d{1,3})?)\(/
const TIMESTAMP_RE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([SW])?$/
const HEX_RE = /^(?:[0-9A-Fa-f]{2})+$/

/** Last Sunday of a month (0-based month) in `year`, as a day of month. */
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0))
  return last.getUTCDate() - last.getUTCDay()
}

/** Is the UTC instant `ms` inside EU summer time (last Sunday March 01:00 UTC → last Sunday October 01:00 UTC)? */
function isEuSummerTime(ms: number): boolean {
  const y = new Date(ms).getUTCFullYear()
  const start = Date.UTC(y, 2, lastSunday(y, 2), 1)
  const end = Date.UTC(y, 9, lastSunday(y, 9), 1)
  return ms >= start && ms < end
}

/**
 * Parse a DSMR timestamp `YYMMDDhhmmss` + `S` (summer, UTC+2) / `W` (winter, UTC+1)
 * (DSMR 5.0.2 §6.4 "TST") into an ISO 8601 instant with offset, e.g.
 * "180130102122W" → "2018-01-30T10:21:22+01:00". Without S/W (DSMR 2.2/3) the EU rule for
 * CET/CEST is applied. @returns null for placeholders (`632525252525S`) or invalid dates.
 */
export function parseTimestamp(s: string): string | null {
  const hit = tsCache.get(s)
  if (hit !== undefined) return hit
  const r = parseTimestampUncached(s)
  if (tsCache.size > 512) tsCache.clear()
  tsCache.set(s, r)
  return r
}
const tsCache = new Map<string, string | null>()

function parseTimestampUncached(s: string): string | null {
  const m = TIMESTAMP_RE.exec(s)
  if (!m) return null
  const [, yy, mo, dd, hh, mi, ss, flag] = m
  const year = 2000 + Number(yy)
  const month = Number(mo)
  const day = Number(dd)
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
    return null
  }
  const localMs = Date.UTC(year, month - 1, day, Number(hh), Number(mi), Number(ss))
  if (new Date(localMs).getUTCDate() !== day) return null // 31 Feb and the like
  let summer: boolean
  if (flag) summer = flag === 'S'
  else summer = isEuSummerTime(localMs - 3600_000) // local CET → UTC, then the rule
  return `${year}-${mo}-${dd}T${hh}:${mi}:${ss}${summer ? '+02:00' : '+01:00'}`
}

function isHexChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

const hexTextCache = new Map<string, string | null>()

/** Decode hex-encoded text (0-0:42.0.0 "5341…" → "SAG…"); null if not hex or not printable. Cached: ids repeat. */
function decodeHexText(raw: string): string | null {
  const hit = hexTextCache.get(raw)
  if (hit !== undefined) return hit
  const r = decodeHexTextUncached(raw)
  if (hexTextCache.size > 256) hexTextCache.clear()
  hexTextCache.set(raw, r)
  return r
}

function decodeHexTextUncached(raw: string): string | null {
  if (!HEX_RE.test(raw)) return null
  let out = ''
  for (let i = 0; i < raw.length; i += 2) {
    const c = parseInt(raw.substr(i, 2), 16)
    if (c < 0x20 || c > 0x7e) return null
    out += String.fromCharCode(c)
  }
  return out
}

/**
 * Value of the decimal number `s[start, end)` (`[-+]digits[.digits]`), or NaN if it is not
 * one. Hot path without regex or slicing: the digits form an integer m with k decimals and
 * m / 10^k is the correctly rounded double, the same as Number() gives, while m < 2^53.
 */
function decimalValue(s: string, start: number, end: number): number {
  let i = start
  let neg = false
  const c0 = s.charCodeAt(i)
  if (c0 === 0x2d || c0 === 0x2b) {
    neg = c0 === 0x2d
    i++
  }
  let m = 0
  let digits = 0
  let decimals = -1
  for (; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30)
      digits++
      if (decimals >= 0) decimals++
    } else if (c === 0x2e && decimals < 0 && digits > 0 && i + 1 < end) decimals = 0
    else return NaN
  }
  if (digits === 0) return NaN
  if (m > Number.MAX_SAFE_INTEGER) return Number(s.slice(start, end))
  const v = decimals > 0 ? m / POW10[decimals] : m
  return neg ? -v : v
}
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

/** Parse the text inside one pair of parentheses. */
function parseValue(raw: string, hexText: boolean, asText = false): CosemValue {
  if (raw.length === 0) return { value: null, unit: null, raw }
  if (asText) return { value: raw, unit: null, raw }
  const star = raw.indexOf('*')
  if (star >= 0) {
    const unit = star + 1 < raw.length ? raw.slice(star + 1) : null
    const v = decimalValue(raw, 0, star)
    return { value: v === v ? v : raw.slice(0, star), unit, raw }
  }
  if (hexText) {
    // identifiers and messages: decoded text when printable, else the raw text (never a number)
    return { value: decodeHexText(raw) ?? raw, unit: null, raw }
  }
  const c = raw.charCodeAt(raw.length - 1)
  if ((c === 0x53 || c === 0x57) && raw.length === 13 && TIMESTAMP_RE.test(raw)) {
    return { value: parseTimestamp(raw), unit: null, raw }
  }
  // numbers with up to 15 significant digits stay exact; longer digit strings are identifiers
  if (raw.length <= 16) {
    const v = decimalValue(raw, 0, raw.length)
    if (v === v) return { value: v, unit: null, raw }
  }
  return { value: raw, unit: null, raw }
}

/** Split `(a)(b)(c)` starting at `start`; null if the text is not a sequence of groups. */
function splitGroups(line: string, start: number): string[] | null {
  const groups: string[] = []
  let i = start
  while (i < line.length) {
    if (line.charCodeAt(i) !== 0x28) return null // '('
    const close = line.indexOf(')', i + 1)
    if (close < 0) return null
    groups.push(line.slice(i + 1, close))
    i = close + 1
  }
  return groups
}

function isTimestampRaw(raw: string): boolean {
  return raw.length >= 12 && raw.length <= 13 && TIMESTAMP_RE.test(raw)
}

interface CodeInfo {
  /** The OBIS code string (interned). */
  obis: string
  hexText: boolean
  asText: boolean
  timestamp: boolean
}
const codeCache = new Map<string, CodeInfo | null>()

/** OBIS code syntax `A-B:C.D.E` with an optional `*F`/`.F`, each 1–3 digits; cached per code. */
function codeInfo(code: string): CodeInfo | null {
  let hit = codeCache.get(code)
  if (hit !== undefined) return hit
  hit = null
  if (OBIS_RE.test(code + '(')) {
    const info = describeObis(code)
    hit = { obis: code, hexText: info?.valueType === 'hexText', asText: info?.valueType === 'text', timestamp: info?.valueType === 'timestamp' }
  }
  if (codeCache.size < 4096) codeCache.set(code, hit)
  return hit
}

function buildObject(ci: CodeInfo, groups: string[], raw: string): CosemObject {
  const obis = ci.obis
  const values: CosemValue[] = new Array(groups.length)
  for (let i = 0; i < groups.length; i++) values[i] = parseValue(groups[i], ci.hexText, ci.asText)
  const obj: CosemObject = { obis, value: null, unit: null, time: null, values, raw }
  if (values.length === 1) {
    obj.value = values[0].value
    obj.unit = values[0].unit
    if (ci.timestamp && typeof obj.value === 'string') obj.time = obj.value
  } else if (values.length === 2 && isTimestampRaw(groups[0])) {
    // timestamped reading: M-Bus 0-n:24.2.1(time)(reading*m3), Fluvius 1-0:1.6.0
    obj.time = parseTimestamp(groups[0])
    obj.value = values[1].value
    obj.unit = values[1].unit
  } else if (values.length > 0) {
    obj.value = values[0].value
    obj.unit = values[0].unit
  }
  return obj
}

/**
 * Parse a telegram (`/` … `!CRC`). Accepts a Buffer (bytes as received, CRC computed over
 * them) or a string (latin1). Lines may end in CR LF or LF. Never throws.
 * @returns the telegram; `crcOk` null when it carries no CRC (DSMR 2.2/3).
 */
export function parseTelegram(input: Buffer | string, latin1Text?: string): Telegram {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : input
  const text = typeof input === 'string' ? input : (latin1Text ?? input.toString('latin1'))
  const start = text.indexOf('/')
  const bang = text.indexOf('!', start < 0 ? 0 : start)
  const telegram: Telegram = {
    identification: '',
    objects: [],
    crcSent: null,
    crcComputed: 0,
    crcOk: null,
    malformedLines: [],
    meterTime: null
  }
  const bodyEnd = bang < 0 ? text.length : bang
  if (bang >= 0 && start >= 0) {
    telegram.crcComputed = crc16Arc(bytes, start, bang + 1)
    let k = bang + 1
    while (k < text.length && k - bang <= 4 && isHexChar(text.charCodeAt(k))) k++
    if (k > bang + 1) {
      telegram.crcSent = parseInt(text.slice(bang + 1, k), 16)
      telegram.crcOk = telegram.crcSent === telegram.crcComputed
    }
  }
  let pos = start < 0 ? 0 : start
  // identification line
  let eol = text.indexOf('\n', pos)
  if (eol < 0 || eol > bodyEnd) eol = bodyEnd
  telegram.identification = text.slice(pos + (start >= 0 ? 1 : 0), eol).replace(/\r$/, '')
  pos = eol + 1
  let prev: CosemObject | null = null
  let prevGroups: string[] | null = null
  while (pos < bodyEnd) {
    let e = text.indexOf('\n', pos)
    if (e < 0 || e > bodyEnd) e = bodyEnd
    let lineEnd = e
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--
    const line = text.slice(pos, lineEnd)
    pos = e + 1
    if (line.length === 0) continue
    const paren = line.indexOf('(')
    const ci = paren > 0 ? codeInfo(line.slice(0, paren)) : null
    if (ci) {
      const groups = splitGroups(line, paren)
      if (groups === null) {
        telegram.malformedLines.push(line)
        prev = null
        continue
      }
      prev = buildObject(ci, groups, line)
      prevGroups = groups
      telegram.objects.push(prev)
    } else if (line.charCodeAt(0) === 0x28 && prev && prevGroups) {
      // DSMR 2.2/3 M-Bus: "0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)" + "(00001.001)"
      const more = splitGroups(line, 0)
      if (more === null) {
        telegram.malformedLines.push(line)
        continue
      }
      const cont = more.map((g) => parseValue(g, false))
      prev.values.push(...cont)
      prev.raw += '\r\n' + line
      const last = cont[cont.length - 1]
      if (last && typeof last.value === 'number') {
        prev.value = last.value
        // the unit is the last header value, e.g. "(m3)"
        const unitRaw = prevGroups[prevGroups.length - 1]
        prev.unit = last.unit ?? (unitRaw && !/^\d/.test(unitRaw) && !unitRaw.includes(':') ? unitRaw : null)
        prev.time = isTimestampRaw(prevGroups[0]) ? parseTimestamp(prevGroups[0]) : prev.time
      }
    } else {
      telegram.malformedLines.push(line)
    }
  }
  const clock = telegram.objects.find((o) => o.obis === '0-0:1.0.0')
  if (clock && typeof clock.value === 'string') telegram.meterTime = clock.time ?? clock.value
  return telegram
}
