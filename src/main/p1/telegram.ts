/**
 * DSMR telegram parser (DSMR 5.0.2 §6.2–6.5; also DSMR 2.2/3/4, Fluvius e-MUCS, Luxembourg
 * Smarty per Luxmetering E-Meter P1 spec v1.1.3 §3.2.2–3.2.3).
 *
 * `/` ident CR LF · CR LF · one COSEM object per line `OBIS(value)(value)…` · `!` CRC CR LF.
 * Value shapes: `(000006.695*kWh)` number + unit, `(00.000)` number without unit, hex-encoded
 * text for the codes the OBIS catalogue marks as such, `(YYMMDDhhmmssW|S)` timestamps,
 * several values per line (`1-1:31.4.0(100*A)(-063*A)`), timestamped readings
 * (`0-n:24.2.1(time)(reading*m3)`), DSMR 2.2/3 two-line M-Bus readings and profile buffers.
 *
 * Never throws: a line that does not parse is kept in `malformedLines` and parsing goes on;
 * unknown OBIS codes are kept with their raw text. The scanner works on the bytes (no regular
 * expressions on the hot path): a 1.1 kB per-phase Smarty telegram parses in about 9 µs
 * (CRC included) on the 2-core build machine.
 */
import type { CosemObject, CosemValue, Telegram } from '../../shared/types'
import { describeObis, type ObisValueType } from '../../shared/obis'
import { crc16ArcSliced } from './crc16-sliced'

const LF = 0x0a
const CR = 0x0d
const BANG = 0x21
const LPAREN = 0x28
const RPAREN = 0x29
const STAR = 0x2a
const DOT = 0x2e
const SLASH = 0x2f
const D0 = 0x30
const D9 = 0x39

/** Exact powers of ten (all exactly representable up to 1e22). */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Last Sunday (day of month) of `month` (0-based) in `year`. */
function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0))
  return last.getUTCDate() - last.getUTCDay()
}

/** EU summer time (CEST) at UTC instant `ms`: last Sunday of March 01:00 UTC → last Sunday of October 01:00 UTC. */
function isEuSummerTime(ms: number, year: number): boolean {
  return ms >= Date.UTC(year, 2, lastSunday(year, 2), 1) && ms < Date.UTC(year, 9, lastSunday(year, 9), 1)
}

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9
}

/** Two decimal digits at `s[i]`, `s[i+1]` as a number. */
function two(s: string, i: number): number {
  return (s.charCodeAt(i) - D0) * 10 + (s.charCodeAt(i + 1) - D0)
}

/**
 * Is `s` a DSMR timestamp form: 12 digits `YYMMDDhhmmss`, then `S`/`W` (or nothing when
 * `flagOptional`)? Placeholders such as `632525252525S` have the form but are not dates.
 */
function isTimestampForm(s: string, flagOptional: boolean): boolean {
  const n = s.length
  if (n === 13) {
    const f = s.charCodeAt(12)
    if (f !== 0x53 && f !== 0x57) return false
  } else if (n !== 12 || !flagOptional) return false
  for (let i = 0; i < 12; i++) if (!isDigit(s.charCodeAt(i))) return false
  return true
}

/**
 * Parse a DSMR timestamp `YYMMDDhhmmss` + `S` (summer time, UTC+2) or `W` (winter time, UTC+1)
 * (DSMR 5.0.2 §6.4 "TST") into the exact instant as ISO 8601 with offset:
 * "180130102122W" → "2018-01-30T10:21:22+01:00". Without S/W (DSMR 2.2/3, e.g. "090212160000")
 * the EU rule for CET/CEST decides the offset. Years are 20YY.
 * @returns null for anything else: placeholders (`632525252525S`, the Unix-epoch stand-in
 * `700101010000W`), impossible dates, other text.
 */
export function parseTimestamp(s: string): string | null {
  if (typeof s !== 'string' || !isTimestampForm(s, true)) return null
  const yy = two(s, 0)
  const month = two(s, 2)
  const day = two(s, 4)
  const hour = two(s, 6)
  const minute = two(s, 8)
  const second = two(s, 10)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null
  const year = 2000 + yy
  const dim = month === 2 && year % 4 === 0 ? 29 : DAYS_IN_MONTH[month - 1]
  if (day > dim) return null
  // meters without a valid clock for an M-Bus channel send 1970-01-01 (epoch) in local time
  if (yy === 70 && month === 1 && day === 1) return null
  let summer: boolean
  if (s.length === 13) summer = s.charCodeAt(12) === 0x53
  else summer = isEuSummerTime(Date.UTC(year, month - 1, day, hour, minute, second) - 3_600_000, year)
  return `20${s.slice(0, 2)}-${s.slice(2, 4)}-${s.slice(4, 6)}T${s.slice(6, 8)}:${s.slice(8, 10)}:${s.slice(10, 12)}${summer ? '+02:00' : '+01:00'}`
}

function hexNibble(c: number): number {
  if (c >= D0 && c <= D9) return c - D0
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/** Hex-encoded printable ASCII in `b[a, e)` ("5341…" → "SA…"); null if not hex or not printable. */
function hexTextAt(b: Uint8Array, a: number, e: number): string | null {
  const n = e - a
  if (n === 0 || n % 2 !== 0) return null
  const codes: number[] = new Array(n / 2)
  for (let i = a, k = 0; i < e; i += 2, k++) {
    const hi = hexNibble(b[i])
    const lo = hexNibble(b[i + 1])
    if (hi < 0 || lo < 0) return null
    const c = (hi << 4) | lo
    if (c < 0x20 || c > 0x7e) return null
    codes[k] = c
  }
  return String.fromCharCode.apply(null, codes)
}

/** How the first value of a line is read, from the OBIS catalogue. */
const enum Kind {
  Auto,
  HexText,
  Text,
  Timestamp,
  TimestampedNumber
}

function kindOf(t: ObisValueType | undefined): Kind {
  switch (t) {
    case 'hexText':
      return Kind.HexText
    case 'text':
      return Kind.Text
    case 'timestamp':
      return Kind.Timestamp
    case 'timestampedNumber':
      return Kind.TimestampedNumber
    default:
      return Kind.Auto
  }
}

/**
 * Short strings seen before (OBIS codes, units), found by two independent 32-bit hashes of
 * their bytes plus their length, so a telegram's codes and units are not re-sliced and
 * re-looked-up every time. A miss (or a collision on the first hash) slices the text.
 */
interface Interned {
  text: string
  h2: number
  kind: Kind
}

function internAt(cache: Map<number, Interned>, text: string, a: number, e: number, h1: number, h2: number, obis: boolean): Interned {
  const hit = cache.get(h1)
  if (hit !== undefined && hit.h2 === h2 && hit.text.length === e - a) return hit
  const s = text.slice(a, e)
  const entry: Interned = { text: s, h2, kind: obis ? kindOf(describeObis(s)?.valueType) : Kind.Auto }
  if (hit === undefined) {
    if (cache.size >= 4096) cache.clear()
    cache.set(h1, entry)
  }
  return entry
}

const obisCache = new Map<number, Interned>()
/** The OBIS codes of the last telegram, by position (a meter repeats its readout list). */
const lastCodes: Interned[] = []
const MAX_REMEMBERED = 256
const unitCache = new Map<number, Interned>()

function unitAt(b: Uint8Array, text: string, a: number, e: number): string {
  let h1 = 0
  let h2 = 7
  for (let i = a; i < e; i++) {
    h1 = (Math.imul(h1, 31) + b[i]) | 0
    h2 = (Math.imul(h2, 0x01000193) ^ b[i]) | 0
  }
  return internAt(unitCache, text, a, e, h1, h2, false).text
}

/**
 * Parse the groups `(…)(…)` starting at `b[i]` (a `(`) up to the end of the line into
 * `values`, one pass per group: numbers (`[-+]digits[.digits]`, optionally `*unit`) are
 * accumulated while the group is scanned. Exact: the digits form an integer divided once by
 * a power of ten, the same double `Number("000006.695")` gives.
 * @returns the index of the line end (CR, LF or `end`), or -1 if the rest of the line is not
 * a sequence of groups.
 */
function groupsAt(b: Uint8Array, text: string, i: number, end: number, kind: Kind, values: CosemValue[]): number {
  let first = values.length === 0
  while (i < end) {
    let c = b[i]
    if (c !== LPAREN) return c === CR || c === LF ? i : -1
    const a = i + 1
    let j = a
    let star = -1
    let m = 0
    let digits = 0
    let dot = -1
    let numeric = true
    let neg = false
    if (j < end) {
      c = b[j]
      if (c === 0x2d || c === 0x2b) {
        neg = c === 0x2d
        j++
      }
    }
    for (; j < end; j++) {
      c = b[j]
      if (c === RPAREN) break
      if (star >= 0) {
        if (c === LF || c === CR) return -1
        continue
      }
      if (c >= D0 && c <= D9) {
        m = m * 10 + (c - D0)
        digits++
      } else if (c === DOT && dot < 0 && digits > 0) dot = digits
      else if (c === STAR) star = j
      else if (c === LF || c === CR) return -1
      else numeric = false
    }
    if (j >= end) return -1
    const numEnd = star >= 0 ? star : j
    let num = NaN
    if (numeric && digits > 0 && dot !== digits) {
      const decimals = dot < 0 ? 0 : digits - dot
      if (m <= Number.MAX_SAFE_INTEGER && decimals < POW10.length) num = decimals === 0 ? m : m / POW10[decimals]
      else num = Number(text.slice(a, numEnd))
      if (neg) num = -num
    }
    const raw = text.slice(a, j)
    let v: CosemValue
    if (a === j) v = { value: null, unit: null, raw }
    else if (star >= 0) {
      v = { value: num === num ? num : text.slice(a, star), unit: star + 1 < j ? unitAt(b, text, star + 1, j) : null, raw }
    } else if (kind === Kind.HexText) v = { value: hexTextAt(b, a, j) ?? raw, unit: null, raw }
    else if (kind === Kind.Text && first) v = { value: raw, unit: null, raw }
    else {
      const n = j - a
      if ((n === 13 || (n === 12 && first && (kind === Kind.Timestamp || kind === Kind.TimestampedNumber))) && isTimestampForm(raw, true)) {
        v = { value: parseTimestamp(raw), unit: null, raw }
      } else if (n <= 16 && num === num) {
        // up to 16 characters: a number; longer digit strings are identifiers, kept as text
        v = { value: num, unit: null, raw }
      } else v = { value: raw, unit: null, raw }
    }
    values.push(v)
    first = false
    i = j + 1
  }
  return i
}

/** Index of the LF ending the line that contains `i` (or `end`). */
function lineEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== LF) i++
  return i
}

/** `b[ls, le)` without a trailing CR, as text. */
function lineText(b: Uint8Array, text: string, ls: number, le: number): string {
  return text.slice(ls, le > ls && b[le - 1] === CR ? le - 1 : le)
}

/** Set value/unit/time of a freshly parsed object from its values (see CosemObject). */
function settle(obj: CosemObject, kind: Kind): void {
  const values = obj.values
  if (values.length === 0) return
  const v0 = values[0]
  if (values.length >= 2 && isTimestampForm(v0.raw, kind === Kind.TimestampedNumber)) {
    // timestamped reading: M-Bus 0-n:24.2.1(time)(reading*m3), Fluvius 1-0:1.6.0, EON 0-0:98.1.0
    obj.time = typeof v0.value === 'string' ? v0.value : null
    obj.value = values[1].value
    obj.unit = values[1].unit
    return
  }
  obj.value = v0.value
  obj.unit = v0.unit
  if (kind === Kind.Timestamp && typeof v0.value === 'string' && isTimestampForm(v0.raw, true)) obj.time = v0.value
}

/** DSMR 2.2/3 M-Bus continuation line `(00001.001)` at `b[ls]`: adds to `prev`. @returns line end or -1. */
function continuation(b: Uint8Array, text: string, ls: number, end: number, prev: CosemObject, prevStart: number): number {
  const cont: CosemValue[] = []
  const le = groupsAt(b, text, ls, end, Kind.Auto, cont)
  if (le < 0) return -1
  const header = prev.values
  const headerCount = header.length
  for (const v of cont) header.push(v)
  prev.raw = text.slice(prevStart, le)
  const last = cont[cont.length - 1]
  if (typeof last.value === 'number') {
    prev.value = last.value
    // the unit is the header's last value, e.g. "(m3)", unless the reading carries one
    const unitRaw = headerCount > 0 ? header[headerCount - 1].raw : ''
    prev.unit = last.unit ?? (unitRaw && !isDigit(unitRaw.charCodeAt(0)) && !unitRaw.includes(':') ? unitRaw : null)
    if (prev.time === null && headerCount > 0 && isTimestampForm(header[0].raw, true)) prev.time = parseTimestamp(header[0].raw)
  }
  return le
}

/**
 * Parse a telegram from its bytes and their latin1 text (same length, same offsets).
 * Used by the pipeline, which already holds both. See {@link parseTelegram}.
 */
export function parseTelegramText(b: Uint8Array, text: string): Telegram {
  const n = b.length
  const start = b.indexOf(SLASH)
  const bang = b.indexOf(BANG, start < 0 ? 0 : start)
  const telegram: Telegram = {
    identification: '',
    objects: [],
    crcSent: null,
    crcComputed: 0,
    crcOk: null,
    malformedLines: [],
    meterTime: null
  }
  const end = bang < 0 ? n : bang
  if (bang >= 0 && start >= 0) {
    telegram.crcComputed = crc16ArcSliced(b, start, bang + 1)
    let crc = 0
    let k = bang + 1
    while (k < n && k - bang <= 4) {
      const v = hexNibble(b[k])
      if (v < 0) break
      crc = (crc << 4) | v
      k++
    }
    if (k > bang + 1) {
      telegram.crcSent = crc
      telegram.crcOk = crc === telegram.crcComputed
    }
  }
  let pos = 0
  if (start >= 0) {
    const eol = lineEnd(b, start, end)
    telegram.identification = lineText(b, text, start + 1, eol)
    pos = eol + 1
  }
  const objects = telegram.objects
  let prev: CosemObject | null = null
  let prevStart = 0
  while (pos < end) {
    const ls = pos
    let c = b[ls]
    if (c === CR || c === LF) {
      pos = c === CR && ls + 1 < end && b[ls + 1] === LF ? ls + 2 : ls + 1
      continue
    }
    let le = -1
    const isContinuation = c === LPAREN
    if (isContinuation) {
      // DSMR 2.2/3 M-Bus: "0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)" + "(00001.001)"
      if (prev !== null) le = continuation(b, text, ls, end, prev, prevStart)
    } else {
      // OBIS code A-B:C.D.E with an optional .F or *F. Meters send their objects in a fixed
      // order, so first try the code seen at this position last time (a plain compare);
      // otherwise check the syntax and hash the code while scanning it.
      let entry: Interned | null = null
      let i = ls
      const guess = objects.length < lastCodes.length ? lastCodes[objects.length] : undefined
      if (guess !== undefined) {
        const code = guess.text
        const len = code.length
        if (ls + len < end && b[ls + len] === LPAREN) {
          let k = 0
          while (k < len && code.charCodeAt(k) === b[ls + k]) k++
          if (k === len) {
            entry = guess
            i = ls + len
            c = LPAREN
          }
        }
      }
      if (entry === null) {
        let h1 = 0
        let h2 = 7
        let group = 0
        let groupDigits = 0
        for (; i < end; i++) {
          c = b[i]
          if (c >= D0 && c <= D9) groupDigits++
          else if (
            groupDigits > 0 &&
            ((group === 0 && c === 0x2d) ||
              (group === 1 && c === 0x3a) ||
              ((group === 2 || group === 3) && c === DOT) ||
              (group === 4 && (c === DOT || c === STAR)))
          ) {
            group++
            groupDigits = 0
          } else break
          h1 = (Math.imul(h1, 31) + c) | 0
          h2 = (Math.imul(h2, 0x01000193) ^ c) | 0
        }
        if (c === LPAREN && groupDigits > 0 && (group === 4 || group === 5)) {
          entry = internAt(obisCache, text, ls, i, h1, h2, true)
          if (objects.length < MAX_REMEMBERED) lastCodes[objects.length] = entry
        }
      }
      if (entry !== null) {
        const values: CosemValue[] = []
        le = groupsAt(b, text, i, end, entry.kind, values)
        if (le >= 0) {
          const obj: CosemObject = { obis: entry.text, value: null, unit: null, time: null, values, raw: text.slice(ls, le) }
          settle(obj, entry.kind)
          objects.push(obj)
          prev = obj
          prevStart = ls
        }
      }
    }
    if (le < 0) {
      const eol = lineEnd(b, ls, end)
      telegram.malformedLines.push(lineText(b, text, ls, eol))
      if (!isContinuation) prev = null
      pos = eol + 1
      continue
    }
    // le is at CR, LF or the end: step over the line break
    if (le < end && b[le] === CR) le++
    pos = le < end && b[le] === LF ? le + 1 : le
  }
  for (const o of objects) {
    if (o.obis === '0-0:1.0.0' || o.obis === '0-0:1.0.0.255' || o.obis === '0-0:1.0.0*255') {
      telegram.meterTime = o.time
      break
    }
  }
  return telegram
}

/**
 * Parse a telegram (`/` … `!CRC`). Accepts the bytes as received (the CRC-16/ARC is computed
 * over them, `/` through `!`) or a string (read as latin1). Lines may end in CR LF or LF.
 * Never throws.
 * @returns the telegram; `crcOk` is null when it carries no CRC (DSMR 2.2/3), `crcComputed`
 * is 0 when there is no `/` … `!` to compute it over.
 */
export function parseTelegram(input: Buffer | string): Telegram {
  if (typeof input === 'string') return parseTelegramText(Buffer.from(input, 'latin1'), input)
  if (Buffer.isBuffer(input)) return parseTelegramText(input, input.toString('latin1'))
  const u = input as unknown
  if (!(u instanceof Uint8Array)) return parseTelegramText(Buffer.alloc(0), '')
  const buf = Buffer.from(u.buffer, u.byteOffset, u.length)
  return parseTelegramText(buf, buf.toString('latin1'))
}
