/**
 * DSMR telegram parser (DSMR 5.0.2 §6.2–6.5; also DSMR 2.2/3/4, Fluvius e-MUCS, Luxembourg
 * Smarty per Luxmetering E-Meter P1 spec v1.1.3 §3.2.2–3.2.3, and the IEC 62056-21 data sets
 * of other meters).
 *
 * `/` ident CR LF · CR LF · one COSEM object per line `OBIS(value)(value)…` · `!` CRC CR LF.
 * Value shapes: `(000006.695*kWh)` number + unit, `(00.000)` number without unit, octet
 * strings in hex for the codes the OBIS catalogue marks as such (decoded only when the text is
 * plausible, the raw text always kept), `(YYMMDDhhmmssW|S)` timestamps and 12-byte COSEM
 * date-time octet strings, several values per line (`1-1:31.4.0(100*A)(-063*A)`),
 * timestamped readings in either order (`0-n:24.2.1(time)(reading*m3)`,
 * `1-0:1.6.0(08.796*kW)(260102010000)`), profile buffers, values in nested brackets
 * (`1-0:0.2.0((ER11))` → `(ER11)`), values wrapped over several lines (old Kamstrup DSMR 2.2
 * text messages) and the DSMR 2.2/3 two-line M-Bus reading.
 *
 * Times: a meter sends its wall-clock time; the `S`/`W` flag tells daylight saving time from
 * standard time in the meter's zone, given as an option (IANA name, default
 * Europe/Luxembourg; see src/shared/meter-time.ts).
 *
 * Never throws: a line that does not parse is kept in `malformedLines` and parsing goes on;
 * unknown OBIS codes are kept with their raw text.
 *
 * Speed: the scanner works on the bytes in one pass per line (no regular expressions);
 * OBIS codes and units are interned, the meter's readout order is recognised, and a line
 * identical to the one at the same position of the previous telegram (a meter repeats most
 * of its lines: ids, counters, states, messages) is rebuilt from a private template instead
 * of being scanned again. Every telegram gets its own objects.
 *
 * Why one file over 400 lines: the value shapes above share one line scanner and one object
 * builder, and splitting the parser across files would split the hot loop (parsing is a third
 * of the decoder's time, test/bench/pipeline.bench.ts).
 */
import type { CosemObject, CosemValue, Telegram } from '../../shared/types'
import { describeObis, type ObisValueType } from '../../shared/obis'
import { DEFAULT_METER_ZONE, isTimeZone, isoWithOffset, wallTimeOffset, type WallTime } from '../../shared/meter-time'
import { isCosemDateTimeForm, parseCosemDateTime } from './cosem-datetime'
import { crc16ArcSliced } from './crc16-sliced'
import { BANG, CR, D0, D9, DOT, hexNibble, isDigit, isUpper, LF, LPAREN, RPAREN, SLASH, STAR } from './ascii'

/** Options of {@link parseTelegram}. */
export interface TelegramOptions {
  /**
   * The meter's time zone (IANA name), used to turn `YYMMDDhhmmssW|S` and COSEM date-times
   * without deviation into instants. Default Europe/Luxembourg. An unknown name falls back to
   * the default (validate settings with isTimeZone from src/shared/meter-time.ts).
   */
  zone?: string
}

/** Exact powers of ten (all exactly representable up to 1e22). */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

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

function zoneOf(zone: unknown): string {
  return zone === undefined || zone === DEFAULT_METER_ZONE || !isTimeZone(zone) ? DEFAULT_METER_ZONE : zone
}

/**
 * Parse a DSMR timestamp `YYMMDDhhmmss` + `S` (daylight saving time) or `W` (standard time)
 * (DSMR 5.0.2 §6.4 "TST") into the exact instant as ISO 8601 with the offset in force in the
 * meter's zone: "180130102122W" → "2018-01-30T10:21:22+01:00" (Europe/Luxembourg), the same
 * text from an Irish meter (zone Europe/Dublin) → "2018-01-30T10:21:22+00:00". The flag
 * settles the autumn hour that occurs twice. Without S/W (DSMR 2.2/3, e.g. "090212160000")
 * the zone's rules decide (the repeated hour is read as standard time). Years are 20YY.
 * @param zone IANA time zone of the meter, default Europe/Luxembourg.
 * @returns null for anything else: placeholders (`632525252525S`, the Unix-epoch stand-in
 * `700101010000W`), impossible dates, other text, an unknown zone.
 */
export function parseTimestamp(s: string, zone: string = DEFAULT_METER_ZONE): string | null {
  if (typeof s !== 'string' || !isTimestampForm(s, true)) return null
  const w: WallTime = { year: 2000 + two(s, 0), month: two(s, 2), day: two(s, 4), hour: two(s, 6), minute: two(s, 8), second: two(s, 10) }
  // meters without a valid clock for an M-Bus channel send 1970-01-01 (epoch) in local time
  if (w.year === 2070 && w.month === 1 && w.day === 1) return null
  const off = wallTimeOffset(w, zone, s.length === 13 ? s.charCodeAt(12) === 0x53 : null)
  return off === null ? null : isoWithOffset(w, off)
}

/** Is `c` allowed in an identifier decoded from hex (letters, digits, space, `-_./`)? */
function isIdChar(c: number): boolean {
  return (c >= D0 && c <= D9) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x20 || c === 0x2d || c === 0x5f || c === DOT || c === SLASH
}

/**
 * Hex-encoded text in `s[a, e)` ("5341…" → "SA…").
 * - `id` false: free text (DSMR text message), every byte printable ASCII;
 * - `id` true: a plausible identifier: at least 2 characters, only letters, digits, space and
 *   `-_./`, at least one letter or digit — so the decimal serial "23456745" (bytes 23 45 67 45,
 *   "#EgE") is not decoded.
 * @returns null when it is not such text (the caller keeps the raw text).
 */
function hexTextOf(s: string, a: number, e: number, id: boolean): string | null {
  const n = e - a
  if (n === 0 || n % 2 !== 0 || (id && n < 4)) return null
  const codes: number[] = new Array(n / 2)
  let alnum = false
  for (let i = a, k = 0; i < e; i += 2, k++) {
    const hi = hexNibble(s.charCodeAt(i))
    const lo = hexNibble(s.charCodeAt(i + 1))
    if (hi < 0 || lo < 0) return null
    const c = (hi << 4) | lo
    if (id) {
      if (!isIdChar(c)) return null
      if (c !== 0x20 && c !== 0x2d && c !== 0x5f && c !== DOT && c !== SLASH) alnum = true
    } else if (c < 0x20 || c > 0x7e) return null
    codes[k] = c
  }
  if (id && !alnum) return null
  return String.fromCharCode.apply(null, codes)
}

/** How the values of a line are read, from the OBIS catalogue. */
const enum Kind {
  Auto,
  HexText,
  HexId,
  Text,
  Timestamp,
  TimestampedNumber,
  Profile
}

function kindOf(t: ObisValueType | undefined): Kind {
  switch (t) {
    case 'hexText':
      return Kind.HexText
    case 'hexId':
      return Kind.HexId
    case 'text':
      return Kind.Text
    case 'timestamp':
      return Kind.Timestamp
    case 'timestampedNumber':
      return Kind.TimestampedNumber
    case 'profile':
      return Kind.Profile
    default:
      return Kind.Auto
  }
}

/** Objects that carry the meter's clock: 0-0:1.0.0, or Iskra's 1-0:0.9.2 date + 1-0:0.9.1 time. */
const enum Role {
  None,
  Clock,
  Date,
  Time
}

function roleOf(code: string): Role {
  const c = code.length > 9 && (code.charCodeAt(9) === DOT || code.charCodeAt(9) === STAR) ? code.slice(0, 9) : code
  if (c === '0-0:1.0.0') return Role.Clock
  if (c === '1-0:0.9.2' || c === '0.9.2') return Role.Date
  if (c === '1-0:0.9.1' || c === '0.9.1') return Role.Time
  return Role.None
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
  role: Role
}

function internAt(cache: Map<number, Interned>, text: string, a: number, e: number, h1: number, h2: number, obis: boolean): Interned {
  const hit = cache.get(h1)
  if (hit !== undefined && hit.h2 === h2 && hit.text.length === e - a) return hit
  const s = text.slice(a, e)
  const entry: Interned = obis ? { text: s, h2, kind: kindOf(describeObis(s)?.valueType), role: roleOf(s) } : { text: s, h2, kind: Kind.Auto, role: Role.None }
  if (hit === undefined) {
    if (cache.size >= 4096) cache.clear()
    cache.set(h1, entry)
  }
  return entry
}

const STX = 0x02

/**
 * IEC 62056-21 data set address at `b[ls…]` that is not a full DSMR OBIS code: the reduced
 * form `C.D.E` (`1.8.0`, `32.7.0`, with an optional `*F` billing period), or the letter codes of
 * manufacturer/service data (`F.F` error register, `C.1.0`, `C.90`), bare or after `A-B:`
 * (`1-1:F.F`). Two-group digit codes (`1.7`) are not addresses.
 * @returns the index of the `(` after the address, or -1.
 */
function iecAddressEnd(b: Uint8Array, ls: number, end: number): number {
  let i = ls
  let prefixed = false
  // optional A-B:
  let k = i
  while (k < end && isDigit(b[k])) k++
  if (k > i && k < end && b[k] === 0x2d) {
    let m = k + 1
    while (m < end && isDigit(b[m])) m++
    if (m > k + 1 && m < end && b[m] === 0x3a) {
      prefixed = true
      i = m + 1
    } else return -1
  }
  const letterC = i < end && isUpper(b[i])
  let groups = 0
  let letters = 0
  for (;;) {
    if (i < end && isUpper(b[i]) && !(i + 1 < end && isUpper(b[i + 1]))) {
      i++
      letters++
    } else {
      const g = i
      while (i < end && isDigit(b[i])) i++
      if (i === g) return -1
    }
    groups++
    if (groups > 4) return -1
    if (i < end && b[i] === DOT) i++
    else break
  }
  if (i < end && b[i] === STAR) {
    const g = ++i
    while (i < end && isDigit(b[i])) i++
    if (i === g) return -1
  }
  if (i >= end || b[i] !== LPAREN) return -1
  if (letterC) return groups <= 3 ? i : -1
  if (prefixed || letters > 0) return -1
  return groups === 3 ? i : -1
}

const iecCache = new Map<string, Interned>()

function internIec(code: string): Interned {
  let e = iecCache.get(code)
  if (e === undefined) {
    e = { text: code, h2: 0, kind: kindOf(describeObis(code)?.valueType), role: roleOf(code) }
    if (iecCache.size >= 1024) iecCache.clear()
    iecCache.set(code, e)
  }
  return e
}

const obisCache = new Map<number, Interned>()
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
 * A line seen at this object position in the previous telegram: its exact text and, once it
 * has come twice in a row, a template of its object (primitives only, never handed out).
 */
interface LineMemo {
  /** The line's bytes in `bytes[0, len)` (a private copy: the telegram's buffer is not kept). */
  bytes: Uint8Array
  view: DataView
  len: number
  zone: string
  tpl: CosemObject | null
  role: Role
}

/**
 * What the parser remembers of one meter's last telegrams, by object position: the OBIS codes
 * (a meter repeats its readout list) and the lines. Kept per identification line, so telegrams
 * of several meters parsed in turn (a live port and an import) do not evict each other.
 */
interface MeterMemo {
  codes: Interned[]
  lines: (LineMemo | undefined)[]
}
const meterMemos = new Map<string, MeterMemo>()
const MAX_METERS = 16
/** The last meter looked up (telegrams of one meter follow each other). */
let lastMeterId = ''
let lastMeter: MeterMemo | null = null

function meterMemoOf(identification: string): MeterMemo {
  if (lastMeter !== null && identification === lastMeterId) return lastMeter
  lastMeter = meterMemoFor(identification)
  lastMeterId = identification
  return lastMeter
}

function meterMemoFor(identification: string): MeterMemo {
  let m = meterMemos.get(identification)
  if (m === undefined) {
    if (meterMemos.size >= MAX_METERS) meterMemos.clear()
    m = { codes: [], lines: [] }
    meterMemos.set(identification, m)
  }
  return m
}

/** Remember `b[ls, le)` in `memo` (its buffer is reused when the line fits), four bytes at a time. */
function remember(memo: LineMemo, b: Uint8Array, dv: DataView, ls: number, le: number): void {
  const len = le - ls
  if (memo.bytes.length < len) {
    memo.bytes = new Uint8Array(Math.max(len + 4, 2 * memo.bytes.length) & ~3)
    memo.view = new DataView(memo.bytes.buffer)
  }
  const mv = memo.view
  let k = 0
  for (; k + 4 <= len; k += 4) mv.setUint32(k, dv.getUint32(ls + k, true), true)
  const m = memo.bytes
  for (; k < len; k++) m[k] = b[ls + k]
  memo.len = len
}

function newMemo(b: Uint8Array, dv: DataView, ls: number, le: number, zone: string, role: Role): LineMemo {
  const bytes = new Uint8Array(Math.max(32, (le - ls + 4) & ~3))
  const memo: LineMemo = { bytes, view: new DataView(bytes.buffer), len: 0, zone, tpl: null, role }
  remember(memo, b, dv, ls, le)
  return memo
}

/**
 * Is the line at `b[ls…]` (viewed by `dv`) the remembered one, ending where it ended?
 * Compared four bytes at a time, last bytes first (values change at the end of a line).
 */
function sameLine(memo: LineMemo, b: Uint8Array, dv: DataView, ls: number, end: number): boolean {
  const len = memo.len
  const e = ls + len
  if (e > end || (e < end && b[e] !== CR && b[e] !== LF)) return false
  const mv = memo.view
  let k = len - 4
  for (; k >= 0; k -= 4) if (dv.getUint32(ls + k, true) !== mv.getUint32(k, true)) return false
  for (k += 3; k >= 0; k--) if (b[ls + k] !== memo.bytes[k]) return false
  return true
}

function copyValue(v: CosemValue): CosemValue {
  return { value: v.value, unit: v.unit, raw: v.raw }
}

/** A fresh copy of `o` (array literals for the common one- and two-value lines: packed, pre-sized). */
function copyObject(o: CosemObject): CosemObject {
  const src = o.values
  const n = src.length
  let values: CosemValue[]
  if (n === 1) values = [copyValue(src[0])]
  else if (n === 2) values = [copyValue(src[0]), copyValue(src[1])]
  else {
    values = []
    for (let k = 0; k < n; k++) values.push(copyValue(src[k]))
  }
  return { obis: o.obis, value: o.value, unit: o.unit, time: o.time, values, raw: o.raw }
}

/**
 * A value wrapped over several lines (old Kamstrup DSMR 2.2 text messages:
 * `0-0:96.13.0(3031…` CR LF `3031…` CR LF `…3F)`): from the line break at `b[j]`, find the
 * `)` that closes the value on a following line. Continuation lines hold no `(`, and the
 * closing `)` ends its line. @returns the index of that `)`, or -1 (then the line is malformed).
 */
function wrappedEnd(b: Uint8Array, j: number, end: number): number {
  for (let lines = 0; lines < 64; lines++) {
    if (b[j] === CR) j++
    if (j < end && b[j] === LF) j++
    if (j >= end || b[j] === CR || b[j] === LF) return -1
    for (; j < end; j++) {
      const c = b[j]
      if (c === RPAREN) return j + 1 >= end || b[j + 1] === CR || b[j + 1] === LF ? j : -1
      if (c === LPAREN) return -1
      if (c === CR || c === LF) break
    }
    if (j >= end) return -1
  }
  return -1
}

/** True when `raw` is a clock: a TST (12 digits allowed when `twelve`) or a COSEM date-time form. */
function isTimeRaw(raw: string, twelve: boolean): boolean {
  return isTimestampForm(raw, twelve) || isCosemDateTimeForm(raw)
}

/** The instant of a clock value, or null (placeholder, not a date, or a 24-hex text that is no date). */
function timeOf(v: CosemValue): string | null {
  return typeof v.value === 'string' && v.value !== v.raw ? v.value : null
}

/**
 * Parse the groups `(…)(…)` starting at `b[i]` (a `(`) up to the end of the line into
 * `values`, one pass per group: numbers (`[-+]digits[.digits]`, optionally `*unit`) are
 * accumulated while the group is scanned. Exact: the digits form an integer divided once by
 * a power of ten, the same double `Number("000006.695")` gives. Nested brackets belong to the
 * value (`((ER11))` → `(ER11)`); a value left open at the line end may close on a following
 * line (see {@link wrappedEnd}).
 * @returns the index of the line end (CR, LF or `end`), or -1 if the rest of the line is not
 * a sequence of groups.
 */
function groupsAt(b: Uint8Array, text: string, i: number, end: number, kind: Kind, values: CosemValue[] | null, zone: string): number {
  let first = values === null || values.length === 0
  let prevReading = false
  // values === null: collect into an array of the exact size, left in `groupsOut`
  let one: CosemValue | null = null
  let many: CosemValue[] | null = null
  while (i < end) {
    let c = b[i]
    if (c !== LPAREN) {
      // spaces or tabs after the last value are padding, not data
      let k = i
      while (k < end && (b[k] === 0x20 || b[k] === 0x09)) k++
      if (k < end && b[k] !== CR && b[k] !== LF) return -1
      i = k
      break
    }
    const a = i + 1
    let j = a
    let star = -1
    let m = 0
    let digits = 0
    let dot = -1
    let numeric = true
    let neg = false
    let depth = 0
    let wrapped = false
    if (j < end) {
      c = b[j]
      if (c === 0x2d || c === 0x2b) {
        neg = c === 0x2d
        j++
      }
    }
    for (; j < end; j++) {
      c = b[j]
      if (c === RPAREN) {
        if (depth === 0) break
        depth--
        continue
      }
      if (c === LF || c === CR) {
        const k = wrappedEnd(b, j, end)
        if (k < 0) return -1
        wrapped = true
        j = k
        break
      }
      if (star >= 0) continue
      if (c >= D0 && c <= D9) {
        m = m * 10 + (c - D0)
        digits++
      } else if (c === DOT && dot < 0 && digits > 0) dot = digits
      else if (c === STAR && depth === 0) star = j
      else {
        numeric = false
        if (c === LPAREN) depth++
      }
    }
    if (j >= end) return -1
    const raw = text.slice(a, j)
    let v: CosemValue
    if (a === j) v = { value: null, unit: null, raw }
    else if (wrapped) {
      // joined without its line breaks; the raw text keeps them
      const joined = raw.replace(/[\r\n]+/g, '')
      const dec = kind === Kind.HexText || kind === Kind.HexId ? hexTextOf(joined, 0, joined.length, kind === Kind.HexId) : null
      v = { value: dec ?? joined, unit: null, raw }
    } else {
      const numEnd = star >= 0 ? star : j
      let num = NaN
      if (numeric && digits > 0 && dot !== digits) {
        const decimals = dot < 0 ? 0 : digits - dot
        if (m <= Number.MAX_SAFE_INTEGER && decimals < POW10.length) num = decimals === 0 ? m : m / POW10[decimals]
        else num = Number(text.slice(a, numEnd))
        if (neg) num = -num
      }
      if (star >= 0) {
        v = { value: num === num ? num : text.slice(a, star), unit: star + 1 < j ? unitAt(b, text, star + 1, j) : null, raw }
      } else if (kind === Kind.HexText || kind === Kind.HexId) v = { value: hexTextOf(text, a, j, kind === Kind.HexId) ?? raw, unit: null, raw }
      else if (kind === Kind.Text && first) v = { value: raw, unit: null, raw }
      else {
        const n = j - a
        const timeKind = kind === Kind.Timestamp || kind === Kind.TimestampedNumber
        if ((n === 13 || (n === 12 && ((first && timeKind) || (kind === Kind.TimestampedNumber && prevReading)))) && isTimestampForm(raw, true)) {
          v = { value: parseTimestamp(raw, zone), unit: null, raw }
        } else if (n === 24 && (timeKind || kind === Kind.Profile) && isCosemDateTimeForm(raw)) {
          v = { value: parseCosemDateTime(raw, zone)?.iso ?? raw, unit: null, raw }
        } else if (n <= 16 && num === num) {
          // up to 16 characters: a number; longer digit strings are identifiers, kept as text
          v = { value: num, unit: null, raw }
        } else v = { value: raw, unit: null, raw }
      }
    }
    if (values !== null) values.push(v)
    else if (one === null) one = v
    else if (many === null) many = [one, v]
    else many.push(v)
    prevReading = star >= 0 && typeof v.value === 'number'
    first = false
    i = j + 1
  }
  if (values === null) groupsOut = many ?? (one !== null ? [one] : [])
  return i
}

/** The values collected by the last {@link groupsAt} call made without an array. */
let groupsOut: CosemValue[] = []

/** Index of the LF ending the line that contains `i` (or `end`). */
function lineEnd(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] !== LF) i++
  return i
}

/** `b[ls, le)` without a trailing CR, as text. */
function lineText(b: Uint8Array, text: string, ls: number, le: number): string {
  return text.slice(ls, le > ls && b[le - 1] === CR ? le - 1 : le)
}

/**
 * A line whose brackets do not pair up but that ends in `)` (`1-1:0.2.0((ER12)`): one text
 * value from the first `(` to the last `)`, as the meter meant it. @returns the line end or -1.
 */
function unbalancedValue(b: Uint8Array, text: string, i: number, end: number, values: CosemValue[]): number {
  const eol = lineEnd(b, i, end)
  const le = eol > i && b[eol - 1] === CR ? eol - 1 : eol
  if (le - i < 2 || b[le - 1] !== RPAREN) return -1
  let open = 0
  let close = 0
  for (let k = i; k < le; k++) {
    if (b[k] === LPAREN) open++
    else if (b[k] === RPAREN) close++
    else if (b[k] === CR) return -1
  }
  if (open === close) return -1
  const raw = text.slice(i + 1, le - 1)
  values.length = 0
  values.push({ value: raw, unit: null, raw })
  return le
}

/** Set value/unit/time of a freshly parsed object from its values (see CosemObject). */
function settle(obj: CosemObject, kind: Kind): void {
  const values = obj.values
  if (values.length === 0) return
  const v0 = values[0]
  if (values.length >= 2 && isTimeRaw(v0.raw, kind === Kind.TimestampedNumber)) {
    // timestamped reading: M-Bus 0-n:24.2.1(time)(reading*m3), Fluvius 1-0:1.6.0, EON 0-0:98.1.0
    obj.time = timeOf(v0)
    obj.value = values[1].value
    obj.unit = values[1].unit
    return
  }
  obj.value = v0.value
  obj.unit = v0.unit
  if (kind === Kind.TimestampedNumber && values.length >= 2 && isTimeRaw(values[1].raw, true)) {
    // the reading first, its time after: Iskra IE.5 1-0:1.6.0(08.796*kW)(260102010000)
    obj.time = timeOf(values[1])
  } else if (kind === Kind.Timestamp && isTimeRaw(v0.raw, true)) obj.time = timeOf(v0)
}

/** DSMR 2.2/3 M-Bus continuation line `(00001.001)` at `b[ls]`: adds to `prev`. @returns line end or -1. */
function continuation(b: Uint8Array, text: string, ls: number, end: number, prev: CosemObject, prevStart: number, zone: string): number {
  const cont: CosemValue[] = []
  const le = groupsAt(b, text, ls, end, Kind.Auto, cont, zone)
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
    if (prev.time === null && headerCount > 0 && isTimestampForm(header[0].raw, true)) prev.time = parseTimestamp(header[0].raw, zone)
  }
  return le
}

/** Meter time from Iskra's separate date `YYMMDD` (1-0:0.9.2) and time `hhmmss` (1-0:0.9.1). */
function clockFromDateAndTime(date: CosemObject | null, time: CosemObject | null, zone: string): string | null {
  if (date === null || time === null) return null
  const d = date.values[0]?.raw ?? ''
  const t = time.values[0]?.raw ?? ''
  return d.length === 6 && t.length === 6 ? parseTimestamp(d + t, zone) : null
}

/**
 * Parse a telegram from its bytes and their latin1 text (same length, same offsets).
 * Used by the pipeline, which already holds both. See {@link parseTelegram}.
 */
export function parseTelegramText(b: Uint8Array, text: string, opts?: TelegramOptions): Telegram {
  const zone = zoneOf(opts?.zone)
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
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const meter = meterMemoOf(telegram.identification)
  const memos = meter.lines
  const lastCodes = meter.codes
  let prev: CosemObject | null = null
  let prevStart = 0
  let clock: CosemObject | null = null
  let date: CosemObject | null = null
  let time: CosemObject | null = null
  while (pos < end) {
    const ls = pos
    let c = b[ls]
    if (c === CR || c === LF) {
      pos = c === CR && ls + 1 < end && b[ls + 1] === LF ? ls + 2 : ls + 1
      continue
    }
    if (c === STX) {
      // IEC 62056-21 data message: STX before the first data set
      pos = ls + 1
      continue
    }
    let le = -1
    const isContinuation = c === LPAREN
    if (isContinuation) {
      // DSMR 2.2/3 M-Bus: "0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)" + "(00001.001)"
      if (prev !== null) le = continuation(b, text, ls, end, prev, prevStart, zone)
    } else {
      const idx = objects.length
      const memo = idx < MAX_REMEMBERED ? memos[idx] : undefined
      let repeated = false
      let obj: CosemObject | null = null
      let role = Role.None
      if (memo !== undefined && memo.zone === zone && sameLine(memo, b, dv, ls, end)) {
        repeated = true
        if (memo.tpl !== null) {
          obj = copyObject(memo.tpl)
          role = memo.role
          le = ls + memo.len
        }
      }
      if (obj === null) {
        // OBIS code A-B:C.D.E with an optional .F or *F. Meters send their objects in a fixed
        // order, so first try the code seen at this position last time (a plain compare);
        // otherwise check the syntax and hash the code while scanning it.
        let entry: Interned | null = null
        let i = ls
        const guess = idx < lastCodes.length ? lastCodes[idx] : undefined
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
            if (idx < MAX_REMEMBERED) lastCodes[idx] = entry
          }
        }
        if (entry === null) {
          // IEC 62056-21 data set addresses: reduced `1.8.0`, letter codes `F.F`, `C.1.0`, `1-1:F.F`
          const ce = iecAddressEnd(b, ls, end)
          if (ce > ls) {
            entry = internIec(text.slice(ls, ce))
            i = ce
          }
        }
        if (entry !== null) {
          let values: CosemValue[]
          le = groupsAt(b, text, i, end, entry.kind, null, zone)
          if (le >= 0) values = groupsOut
          else {
            values = []
            le = unbalancedValue(b, text, i, end, values)
          }
          if (le >= 0) {
            obj = { obis: entry.text, value: null, unit: null, time: null, values, raw: text.slice(ls, le) }
            settle(obj, entry.kind)
            role = entry.role
            if (idx < MAX_REMEMBERED) {
              if (memo === undefined) memos[idx] = newMemo(b, dv, ls, le, zone, role)
              else if (repeated) {
                memo.tpl = copyObject(obj)
                memo.role = role
              } else {
                remember(memo, b, dv, ls, le)
                memo.zone = zone
                memo.tpl = null
              }
            }
          }
        }
      }
      if (obj !== null) {
        objects.push(obj)
        prev = obj
        prevStart = ls
        if (role === Role.Clock) {
          if (clock === null) clock = obj
        } else if (role === Role.Date) date = obj
        else if (role === Role.Time) time = obj
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
  telegram.meterTime = clock !== null ? clock.time : clockFromDateAndTime(date, time, zone)
  return telegram
}

/**
 * Parse a telegram (`/` … `!CRC`). Accepts the bytes as received (the CRC-16/ARC is computed
 * over them, `/` through `!`) or a string (read as latin1). Lines may end in CR LF or LF.
 * Never throws.
 * @param opts `zone`: the meter's IANA time zone for its timestamps (default Europe/Luxembourg).
 * @returns the telegram; `crcOk` is null when it carries no CRC (DSMR 2.2/3), `crcComputed`
 * is 0 when there is no `/` … `!` to compute it over.
 */
export function parseTelegram(input: Buffer | string, opts?: TelegramOptions): Telegram {
  if (typeof input === 'string') return parseTelegramText(Buffer.from(input, 'latin1'), input, opts)
  if (Buffer.isBuffer(input)) return parseTelegramText(input, input.toString('latin1'), opts)
  const u = input as unknown
  if (!(u instanceof Uint8Array)) return parseTelegramText(Buffer.alloc(0), '', opts)
  const buf = Buffer.from(u.buffer, u.byteOffset, u.length)
  return parseTelegramText(buf, buf.toString('latin1'), opts)
}
