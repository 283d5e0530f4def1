/**
 * One decode event as the JSON line `p1studio decode` prints and the JSON Lines export
 * writes (docs/cli.md): a telegram
 * `{"systemTitle","frameCounter","identification","crcOk","warnings","offset","objects":{…}}`
 * or a failure `{"error":{"code","message"},"offset","systemTitle","frameCounter"}`.
 * Objects: OBIS code → `{value, unit, raw[, values, time]}`; a code seen twice in one telegram
 * gets `#2`, `#3`… (DSMR 5.0.2 §6.12 allows repeated M-Bus objects). Never throws; the
 * output depends on the event only (the module's caches change speed, not text).
 *
 * {@link JsonLineWriter} writes the lines as UTF-8 bytes straight into one growing Buffer: no
 * object tree, no intermediate strings for numbers, keys or raw values (OBIS keys and units
 * are cached as bytes). With ~50 objects per Smarty telegram, `JSON.stringify` of an object
 * tree and the UTF-8 encoding of the resulting strings took longer than decrypting and
 * parsing the frame. A meter repeats most of its lines from one telegram to the next: an
 * object whose raw line, value, unit and time are those its code had the last two times is
 * written as the bytes kept then (the writer's time per Smarty telegram fell by 30 %). The
 * bytes are exactly the UTF-8 of `JSON.stringify` of {@link objectsJson}'s tree
 * (test/unit/p1/event-json.test.ts checks that on every published vector and on generated
 * objects).
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

/** Where the value part of a raw line starts and ends: `1-0:1.8.0(000006.695*kWh)` → `000006.695*kWh`. */
function rawStart(raw: string): number {
  return raw.indexOf('(') + 1
}
function rawEnd(raw: string): number {
  return raw.length > 0 && raw.charCodeAt(raw.length - 1) === 0x29 ? raw.length - 1 : raw.length
}
function rawValue(raw: string): string {
  return raw.slice(rawStart(raw), rawEnd(raw))
}

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1')
const T_START = ascii('{"systemTitle":')
const T_COUNTER = ascii(',"frameCounter":')
const T_IDENT = ascii(',"identification":')
const T_CRC = ascii(',"crcOk":')
const T_WARN = ascii(',"warnings":')
const T_OFFSET = ascii(',"offset":')
const T_OBJECTS = ascii(',"objects":{')
const T_RAW = ascii(',"raw":')
const T_VALUES = ascii(',"values":[')
const T_VALUE_ITEM = ascii('{"value":')
const T_TIME = ascii(',"time":')
const NULL = ascii('null')
const TRUE = ascii('true')
const FALSE = ascii('false')
const NO_WARNINGS = ascii('[]')
const UNIT_NULL = ascii(',"unit":null')

/** What is kept per OBIS code (a meter sends the same few dozen): one map lookup per object. */
interface CodeEntry {
  /** `"<code>":{"value":` as bytes. */
  key: Uint8Array
  /** Number of the telegram the code was last written in: a repeated code is found without comparing codes pairwise. */
  seenIn: number
  /** The code's last unit and `,"unit":…` as bytes. */
  unit: string | null | undefined
  unitBytes: Uint8Array
  /** The raw line of the code's last single-value object: a line sent twice in a row gets its bytes kept. */
  lastRaw: string | null
  /** The kept bytes `"<code>":{…}` of a single-value object, and what they were written from. */
  frag: Uint8Array | null
  fragRaw: string | null
  fragValue: number | string | null
  fragUnit: string | null
  fragTime: string | null
}
const codes = new Map<string, CodeEntry>()
let telegramNo = 0
/** `,"unit":"<unit>"` as bytes, for units not cached with their code. */
const unitBytes = new Map<string, Uint8Array>()

/**
 * JSON lines of decode events, written as UTF-8 into one Buffer that grows as needed. Take
 * the bytes with {@link take} (e.g. every 64 kB) and write them out with one `write`.
 */
export class JsonLineWriter {
  private buf: Buffer
  private pos = 0

  /** @param capacity initial size of the buffer, bytes (it grows when a line needs more). */
  constructor(capacity = 256 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, capacity))
  }

  /** Bytes written and not taken yet. */
  get length(): number {
    return this.pos
  }

  /** Append the event's line and a newline. @returns false (nothing written) for skipped bytes. */
  add(ev: DecodeEvent): boolean {
    if (ev.type === 'skipped') return false
    if (ev.type === 'failure') this.text(failureJson(ev.failure))
    else this.telegram(ev.telegram)
    this.byte(0x0a)
    return true
  }

  /** The text written so far without its last newline, and start afresh in the same buffer. */
  takeText(): string {
    const s = this.buf.toString('utf8', 0, this.pos > 0 && this.buf[this.pos - 1] === 0x0a ? this.pos - 1 : this.pos)
    this.pos = 0
    return s
  }

  /** The bytes written so far; the writer goes on in a new buffer (the one returned is the caller's). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos)
    this.buf = Buffer.allocUnsafe(this.buf.length)
    this.pos = 0
    return out
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(bigger, 0, 0, this.pos)
    this.buf = bigger
  }

  private byte(b: number): void {
    this.ensure(1)
    this.buf[this.pos++] = b
  }

  private bytes(b: Uint8Array): void {
    const n = b.length
    this.ensure(n)
    if (n > 12) {
      this.buf.set(b, this.pos)
      this.pos += n
      return
    }
    const buf = this.buf
    let p = this.pos
    for (let i = 0; i < n; i++) buf[p++] = b[i]
    this.pos = p
  }

  /** Text that is already JSON (any characters): as UTF-8. */
  private text(s: string): void {
    this.ensure(s.length * 3)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  /** `s[from, to)` as a JSON string literal: printable ASCII copied, anything else through JSON.stringify. */
  private str(s: string, from = 0, to = s.length): void {
    this.ensure(to - from + 2)
    const buf = this.buf
    const start = this.pos
    let p = start
    buf[p++] = 0x22
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i)
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.pos = start
        this.text(JSON.stringify(from === 0 && to === s.length ? s : s.slice(from, to)))
        return
      }
      buf[p++] = c
    }
    buf[p++] = 0x22
    this.pos = p
  }

  /** Digits of a non-negative integer below 2^53. */
  private digits(n: number): void {
    if (n < 10) {
      this.byte(0x30 + n)
      return
    }
    let len = 1
    for (let m = n; m >= 10; m = Math.floor(m / 10)) len++
    this.ensure(len)
    const buf = this.buf
    let p = this.pos + len
    this.pos = p
    do {
      const q = Math.floor(n / 10)
      buf[--p] = 0x30 + (n - q * 10)
      n = q
    } while (n > 0)
  }

  /**
   * A number as JSON.stringify writes it. Meter values have at most 3 decimals: when `v` is the
   * double nearest to a decimal with ≤ 3 decimals (|v| < 9·10⁹), that decimal without trailing
   * zeros is exactly the shortest round-trip form JavaScript prints; it is written from two
   * integers. Anything else goes through String(); non-finite numbers are null, as in JSON.
   */
  private num(v: number): void {
    const k = Math.round(v * 1000)
    if (k / 1000 === v && k < 9e12 && k > -9e12) {
      if (k === 0) return this.byte(0x30)
      let a = k
      if (k < 0) {
        this.byte(0x2d)
        a = -k
      }
      const ip = Math.floor(a / 1000)
      let f = a - ip * 1000
      this.digits(ip)
      if (f !== 0) {
        this.ensure(4)
        const buf = this.buf
        let p = this.pos
        buf[p++] = 0x2e
        const d1 = Math.floor(f / 100)
        f -= d1 * 100
        const d2 = Math.floor(f / 10)
        const d3 = f - d2 * 10
        buf[p++] = 0x30 + d1
        if (d2 !== 0 || d3 !== 0) buf[p++] = 0x30 + d2
        if (d3 !== 0) buf[p++] = 0x30 + d3
        this.pos = p
      }
      return
    }
    if (Number.isFinite(v)) this.text(String(v))
    else this.bytes(NULL)
  }

  private value(v: number | string | null): void {
    if (typeof v === 'number') this.num(v)
    else if (v === null) this.bytes(NULL)
    else this.str(v)
  }

  private unit(u: string | null): void {
    this.bytes(unitOf(u))
  }

  private telegram(t: DecodedTelegram): void {
    this.bytes(T_START)
    const title = t.dlms?.systemTitle
    if (title === null || title === undefined) this.bytes(NULL)
    else this.str(title)
    this.bytes(T_COUNTER)
    const fc = t.dlms?.frameCounter
    if (fc === null || fc === undefined) this.bytes(NULL)
    else this.num(fc)
    this.bytes(T_IDENT)
    this.str(t.telegram.identification)
    this.bytes(T_CRC)
    this.bytes(t.telegram.crcOk === null ? NULL : t.telegram.crcOk ? TRUE : FALSE)
    this.bytes(T_WARN)
    if (t.warnings.length === 0) this.bytes(NO_WARNINGS)
    else this.text(JSON.stringify(t.warnings))
    this.bytes(T_OFFSET)
    this.num(t.offset)
    this.objects(t.telegram.objects)
    this.byte(0x7d)
  }

  private objects(objects: CosemObject[]): void {
    if (needsObjectPath(objects)) {
      this.bytes(T_OBJECTS.subarray(0, T_OBJECTS.length - 1))
      this.text(JSON.stringify(objectsJson(objects)))
      return
    }
    this.bytes(T_OBJECTS)
    const mine = ++telegramNo
    if (codes.size > 4096) codes.clear()
    // the keys given so far, made only once a code repeats (rare: M-Bus devices of one type)
    let given: Set<string> | null = null
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]
      let k = o.obis
      let e: CodeEntry | undefined
      if (given === null) {
        e = codes.get(k)
        if (e === undefined) {
          e = newEntry(k, mine)
          codes.set(k, e)
        } else if (e.seenIn === mine) {
          given = new Set(objects.slice(0, i).map((x) => x.obis))
          e = undefined
        } else e.seenIn = mine
      }
      if (given !== null) {
        for (let n = 2; given.has(k); n++) k = `${o.obis}#${n}`
        given.add(k)
      }
      if (i > 0) this.byte(0x2c)
      const single = o.values.length <= 1
      if (e !== undefined && single && e.frag !== null && o.raw === e.fragRaw && o.value === e.fragValue && o.unit === e.fragUnit && o.time === e.fragTime) {
        // the same line as the last time it was kept: the same bytes
        this.bytes(e.frag)
        continue
      }
      const from = this.pos
      if (e !== undefined) {
        this.bytes(e.key)
        this.value(o.value)
        if (o.unit !== e.unit) {
          e.unit = o.unit
          e.unitBytes = unitOf(o.unit)
        }
        this.bytes(e.unitBytes)
      } else {
        this.bytes(Buffer.from(`${JSON.stringify(k)}:{"value":`, 'utf8'))
        this.value(o.value)
        this.unit(o.unit)
      }
      this.bytes(T_RAW)
      this.str(o.raw, rawStart(o.raw), rawEnd(o.raw))
      const many = o.values.length > 1
      if (many) {
        this.bytes(T_VALUES)
        for (let v = 0; v < o.values.length; v++) {
          if (v > 0) this.byte(0x2c)
          this.bytes(T_VALUE_ITEM)
          this.value(o.values[v].value)
          this.unit(o.values[v].unit)
          this.byte(0x7d)
        }
        this.byte(0x5d)
      }
      if (o.time !== null || many) {
        this.bytes(T_TIME)
        if (o.time === null) this.bytes(NULL)
        else this.str(o.time)
      }
      this.byte(0x7d)
      if (e !== undefined && single) {
        if (o.raw === e.lastRaw) keep(e, o, this.buf.subarray(from, this.pos))
        else e.lastRaw = o.raw
      }
    }
    this.byte(0x7d)
  }
}

function newEntry(code: string, telegram: number): CodeEntry {
  const key = Buffer.from(`${JSON.stringify(code)}:{"value":`, 'utf8')
  return {
    key,
    seenIn: telegram,
    unit: undefined,
    unitBytes: UNIT_NULL,
    lastRaw: null,
    frag: null,
    fragRaw: null,
    fragValue: null,
    fragUnit: null,
    fragTime: null
  }
}

/**
 * Keep the bytes written for `o` (a copy): the next object of its code with the same raw line,
 * value, unit and time is written as these bytes. The output still depends on the object only
 * (all four are compared, the meter's zone shows in the time); a meter repeats most of its
 * lines from one telegram to the next (identifiers, counters between two steps, states).
 */
function keep(e: CodeEntry, o: CosemObject, bytes: Uint8Array): void {
  e.frag = Uint8Array.prototype.slice.call(bytes)
  e.fragRaw = o.raw
  e.fragValue = o.value
  e.fragUnit = o.unit
  e.fragTime = o.time
}

/** Codes an object would not keep in the order sent (array indices come first): such telegrams take the object path. */
function needsObjectPath(objects: CosemObject[]): boolean {
  for (let i = 0; i < objects.length; i++) {
    const code = objects[i].obis
    let digits = code.length > 0
    for (let j = 0; j < code.length && digits; j++) {
      const c = code.charCodeAt(j)
      digits = c >= 0x30 && c <= 0x39
    }
    if (digits) return true
  }
  return false
}

/** `,"unit":…` as bytes (cached). */
function unitOf(u: string | null): Uint8Array {
  if (u === null) return UNIT_NULL
  let b = unitBytes.get(u)
  if (b === undefined) {
    b = Buffer.from(`,"unit":${JSON.stringify(u)}`, 'utf8')
    if (unitBytes.size < 1024) unitBytes.set(u, b)
  }
  return b
}

function failureJson(f: DecodeFailure): string {
  return JSON.stringify({
    error: { code: f.code, message: f.message },
    offset: f.offset,
    systemTitle: f.dlms?.systemTitle ?? null,
    frameCounter: f.dlms?.frameCounter ?? null
  })
}

const single = new JsonLineWriter(16 * 1024)

/** One decode event as a JSON line without the newline (null for skipped bytes). */
export function eventJson(ev: DecodeEvent): string | null {
  return single.add(ev) ? single.takeText() : null
}
