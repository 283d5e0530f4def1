/**
 * Fake boards for the MQTT tests: MQTT.js clients publishing, for the virtual meter's
 * telegrams, exactly what each firmware generation publishes — re-implemented here from the
 * sketches, independently of the verifier's decoder (only the firmware's own field tables are
 * shared): SmartyReader v1.5 (SmartyReader_v1_5.ino: parse_dsmr_string(),
 * mqtt_publish_energy_and_power(), mqtt_publish_all(0|1)), v1.6 and v1.7
 * (SmartyReader_v1_6.ino / _v1_7.ino: calculate_energy_and_power(), mqtt_publish_all(),
 * mqtt_publish_cooked(), ESPToolbox non_blocking_delay() and get_time()), and ESPHome's dsmr
 * component (fields.h parsing with its units, sensor states as float with accuracy decimals,
 * retained state topics, status and debug topics).
 *
 * Everything runs on one ManualClock (src/main/line/clock.ts): the meter sends a telegram every
 * 10 s of virtual time, the boards publish when their firmware would, at the firmware's real
 * intervals. Arduino quirks kept: String(float/double) prints 2 decimals ("nan" for 0/0),
 * `float` arithmetic in v1.5, mktime() with tm_mon = month, the meter id decoded as
 * (char − 48) × 16 + (char − 48), leading zeros kept where the sketch copies the meter's text.
 * Simplification: mktime() is taken in UTC (v1.6/v1.7 set the TZ for NTP; the deltas differ only
 * across a daylight-saving change).
 */
import { connect, type MqttClient } from 'mqtt'
import type { ClockTimer, ManualClock } from '../../src/main/line/clock'
import { SmartyModel, luxembourgLocal, type SmartyModelOptions } from '../../src/main/line/smarty-model'
import { parseTelegram } from '../../src/main/p1/telegram'
import type { BoardObject } from '../../src/shared/board'
import { CALCULATED_FIELDS, CALCULATED_FIELDS_V16, DSMR_FIELDS, DSMR_FIELDS_V15, type DsmrField } from '../../src/main/board/firmware-fields'
import { ESPHOME_DSMR_FIELDS } from '../../src/main/board/esphome-fields'

/** The virtual meter on a clock: a telegram every 10 s, and the same telegram as the P1 source decodes it. */
export class ClockedMeter {
  /** The latest telegram as the session's reference() hands it over (with the raw lines). */
  latest: BoardObject[] | null = null
  /** Every telegram by its meter time ("YYYY-MM-DDThh:mm:ss"). */
  readonly history = new Map<string, BoardObject[]>()
  private readonly model: SmartyModel
  private readonly listeners: ((text: string) => void)[] = []
  private timer: ClockTimer | null = null

  constructor(
    private readonly clock: ManualClock,
    opts: SmartyModelOptions = {}
  ) {
    this.model = new SmartyModel({ seed: 7, meterId: 'SAG1030700089067', ...opts })
  }

  onTelegram(cb: (text: string) => void): void {
    this.listeners.push(cb)
  }

  /** First telegram now, then every 10 s. */
  start(): void {
    this.send()
    this.timer = this.clock.setInterval(() => this.send(), 10_000)
  }

  stop(): void {
    this.timer?.cancel()
  }

  private send(): void {
    const now = new Date(this.clock.now())
    this.model.step(now, 10)
    const tel = this.model.telegram(now)
    this.latest = parseTelegram(tel).objects.map((o) => ({ obis: o.obis, value: o.value, unit: o.unit, raw: o.raw }))
    const ts = /\((\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/.exec(this.latest.find((o) => o.obis === '0-0:1.0.0')!.raw!)!
    this.history.set(`20${ts[1]}-${ts[2]}-${ts[3]}T${ts[4]}:${ts[5]}:${ts[6]}`, this.latest)
    const text = tel.toString('latin1')
    for (const l of this.listeners) l(text)
  }
}

/** Arduino String(float) / String(double): 2 decimals, "nan" / "inf" (ESP8266 core dtostrf). */
export function arduinoNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf'
  return x.toFixed(2)
}

/** parse_dsmr_string() of every SmartyReader generation: updates `values` (one per table row) in place. */
export function sketchParse(text: string, table: readonly DsmrField[], values: string[]): void {
  values[0] = text.slice(0, text.indexOf('\n') - 1)
  for (let i = 1; i < table.length; i++) {
    const id = table[i].obis
    let j = text.indexOf(id)
    if (j < 0) continue
    while (text[j] !== '(') j++
    if (id === '0-1:24.2.1') {
      j++
      while (text[j] !== '(') j++
    }
    j++
    let tmp = ''
    while (text[j] !== ')') tmp += text[j++]
    if (id === '0-0:42.0.0') {
      let s = ''
      for (let k = 0; k < Math.floor(tmp.length / 2); k++)
        s += String.fromCharCode(((tmp.charCodeAt(k * 2) - 48) * 16 + (tmp.charCodeAt(k * 2 + 1) - 48)) & 0xff)
      tmp = s
    }
    if (id === '0-0:1.0.0') tmp = `20${tmp.slice(0, 2)}-${tmp.slice(2, 4)}-${tmp.slice(4, 6)}T${tmp.slice(6, 8)}:${tmp.slice(8, 10)}:${tmp.slice(10, 12)}`
    const star = tmp.indexOf('*')
    values[i] = star >= 0 ? tmp.slice(0, star) : tmp
  }
}

/** Arduino String::toInt() (atol) and toFloat()/toDouble() (atof) of the sketch's value text. */
const toInt = (s: string): number => parseInt(s, 10) || 0
const toDouble = (s: string): number => parseFloat(s) || 0

/** mktime() of the sketch's "YYYY-MM-DDThh:mm:ss" with tm_mon = the month number (not month − 1), s. */
export function sketchMktime(iso: string): number {
  const n = (a: number, b: number): number => toInt(iso.slice(a, b))
  return Date.UTC(n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16), n(17, 19)) / 1000
}

/** What every fake board shares: an MQTT connection, a publish counter, the meter's telegrams. */
export abstract class FakeBoard {
  /** Messages published (all topics, retained or not). */
  sent = 0
  /** Topics published with the retain flag (the broker hands their last message to every new subscriber). */
  readonly retainedTopics = new Set<string>()
  protected client: MqttClient | null = null
  protected bootAt = 0
  private inflight: Promise<void>[] = []

  constructor(
    protected readonly clock: ManualClock,
    protected readonly meter: ClockedMeter,
    protected readonly o: { url: string; topic: string; clientId?: string; username?: string; password?: string }
  ) {}

  /** Connect, then run: telegrams from the meter, timers on the clock. Boot time = now. */
  async start(): Promise<void> {
    const client = connect(this.o.url, {
      clientId: this.o.clientId ?? `fake-board-${Math.random().toString(16).slice(2, 8)}`,
      username: this.o.username,
      password: this.o.password,
      reconnectPeriod: 0
    })
    await new Promise<void>((res, rej) => {
      client.once('connect', () => res())
      client.once('error', rej)
    })
    this.client = client
    this.bootAt = this.clock.now()
    this.meter.onTelegram((text) => this.client && this.onTelegram(text))
    this.boot()
  }

  /** Wait until the broker has every message published so far. */
  async flush(): Promise<void> {
    const all = this.inflight
    this.inflight = []
    await Promise.all(all)
  }

  async stop(): Promise<void> {
    this.halt()
    await this.flush()
    const c = this.client
    this.client = null
    if (c) await new Promise<void>((r) => c.end(false, {}, () => r()))
  }

  protected publish(topic: string, payload: string, retain = false): void {
    if (!this.client) return
    const c = this.client
    this.sent++
    if (retain) this.retainedTopics.add(topic)
    this.inflight.push(new Promise<void>((r) => c.publish(topic, payload, { qos: 1, retain }, () => r())))
  }

  /** millis() since boot. */
  protected millis(): number {
    return this.clock.now() - this.bootAt
  }

  protected boot(): void {}
  protected halt(): void {}
  protected abstract onTelegram(text: string): void
}

/** SmartyReader v1.5: 'default' JSON, PUBLISH_ALL 0 ('text') or PUBLISH_ALL 1 ('json'); PUBLISH_TIME 20 s by default. */
export class SmartyV15Board extends FakeBoard {
  private readonly values = DSMR_FIELDS_V15.map(() => '')
  private buffer: string | null = null
  private timer: ClockTimer | null = null
  private statics: { cPrev: number; pPrev: number; cMid: number; pMid: number; epochPrev: number } | null = null

  constructor(
    clock: ManualClock,
    meter: ClockedMeter,
    private readonly opts: FakeBoard['o'] & { mode?: 'default' | 'text' | 'json'; publishMs?: number; tweak?: (values: string[]) => void }
  ) {
    super(clock, meter, opts)
  }

  protected boot(): void {
    // loop(): read_telegram() keeps the latest burst; non_blocking_delay(PUBLISH_TIME) fires every PUBLISH_TIME since boot
    this.timer = this.clock.setInterval(() => this.decryptAndPublish(), this.opts.publishMs ?? 20_000)
  }

  protected halt(): void {
    this.timer?.cancel()
  }

  protected onTelegram(text: string): void {
    this.buffer = text
  }

  private decryptAndPublish(): void {
    // init_vector() zeroes the telegram buffer: without a new burst since the last publication, "serial stream too big"
    if (this.buffer === null) return
    const text = this.buffer
    this.buffer = null
    sketchParse(text, DSMR_FIELDS_V15, this.values)
    const v = [...this.values]
    this.opts.tweak?.(v)
    const mode = this.opts.mode ?? 'default'
    if (mode === 'default') this.publishEnergyAndPower(v)
    else this.publishAll(v, mode === 'json')
  }

  /** mqtt_publish_energy_and_power(): float arithmetic, statics set on the first call. */
  private publishEnergyAndPower(v: string[]): void {
    const f = Math.fround
    const e = f(toDouble(v[4]))
    const p = f(toDouble(v[5]))
    const epoch = sketchMktime(v[2])
    this.statics ??= { cPrev: e, pPrev: p, cMid: e, pMid: p, epochPrev: epoch }
    const s = this.statics
    const delta = Math.trunc(s.epochPrev - epoch)
    const power = (prev: number, cur: number): number => (delta === 0 ? NaN : f(f(f(prev - cur) * 3600) / delta))
    const [, , time, id, imp, exp] = DSMR_FIELDS_V15
    const msg =
      `{"${time.name}":"${v[2]}","${id.name}":"${v[3]}","energy_consumption [${imp.unit}]":${arduinoNumber(e)},` +
      `"energy_consumption_cumul_day [kWh]":${arduinoNumber(f(e - s.cMid))},"energy_production [${exp.unit}]":${arduinoNumber(p)},` +
      `"energy_production_cumul_day [kWh]":${arduinoNumber(f(p - s.pMid))},"power_consumption [kW]":${arduinoNumber(power(s.cPrev, e))},` +
      `"power_production [kW]":${arduinoNumber(power(s.pPrev, p))}}`
    this.publish(this.o.topic, msg)
    s.cPrev = e
    s.pPrev = p
    s.epochPrev = epoch
    if (toInt(v[2].slice(11, 13)) === 23 && toInt(v[2].slice(14, 16)) >= 55) {
      s.cMid = e
      s.pMid = p
    }
  }

  /** mqtt_publish_all(json): rows 1…50 with a value ("" = never seen). */
  private publishAll(v: string[], json: boolean): void {
    for (let i = 1; i < DSMR_FIELDS_V15.length; i++) {
      if (v[i] === '') continue
      const d = DSMR_FIELDS_V15[i]
      let msg: string
      if (json) {
        if (d.type === 'f') msg = `{"${d.name}_value":${arduinoNumber(Math.fround(toDouble(v[i])))}`
        else if (d.type === 'i') msg = `{"${d.name}_value":${toInt(v[i])}`
        else msg = `{"${d.name}_value":"${v[i]}`
        if (d.unit !== '') msg += `,"${d.name}_unit":"${d.unit}"}`
        else if (d.type === 's') msg += '"}'
        else msg += '}'
      } else msg = `${d.name} = ${v[i]} ${d.unit}`
      this.publish(`${this.o.topic}/${d.name}`, msg)
    }
  }
}

/** ESPToolbox::get_time() t.datetime: local time "20%y-%m-%dT%H:%M:%S" (TZ_INFO = CET/CEST). */
function ntpDatetime(ms: number): string {
  return luxembourgLocal(new Date(ms)).local.toISOString().slice(0, 19)
}

/** SmartyReader v1.6 or v1.7: calculate_energy_and_power() on every telegram, publish every PUBLISH_TIME (config.h default 60 s). */
export class SmartyV16V17Board extends FakeBoard {
  private readonly values = DSMR_FIELDS.map(() => 'NA')
  private readonly calc: number[]
  private nbPrev = 0
  private st: {
    epochPrev: number
    cPrev: number
    pPrev: number
    cMid: number
    pMid: number
    gMid: number
    rings: number[][]
    head: number
    timeCounter: number
    midnightFlag: boolean
    wsSum: number[]
    wh15: number[]
    dayKWh: number[]
    monthKWh: number[]
  } | null = null

  constructor(
    clock: ManualClock,
    meter: ClockedMeter,
    private readonly b: FakeBoard['o'] & {
      generation: 'v1.6' | 'v1.7'
      cooked?: boolean
      publishMs?: number
      ntp?: boolean
      sampleMin?: number
      classKW?: number[]
      moneyPerKWh?: number[]
      tweak?: (values: string[]) => void
    }
  ) {
    super(clock, meter, b)
    this.calc = (b.generation === 'v1.6' ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS).map(() => 0)
  }

  private get table() {
    return this.b.generation === 'v1.6' ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS
  }

  protected onTelegram(text: string): void {
    sketchParse(text, DSMR_FIELDS, this.values)
    this.b.tweak?.(this.values)
    this.calculate()
    // ESPToolbox::non_blocking_delay(PUBLISH_TIME)
    const ms = this.b.publishMs ?? 60_000
    if (this.millis() >= this.nbPrev + ms) {
      this.nbPrev += ms
      if (this.b.cooked ?? this.b.generation === 'v1.7') this.publishCooked()
      else this.publishAll()
    }
  }

  private calculate(): void {
    const v = this.values
    const d = (i: number): number => toDouble(v[i])
    const samples = (this.b.sampleMin ?? (this.b.generation === 'v1.6' ? 10 : 15)) * 6
    const tod = sketchMktime(v[2])
    const hour = toInt(v[2].slice(11, 13))
    const min = toInt(v[2].slice(14, 16))
    const sec = toInt(v[2].slice(17, 19))
    if (!this.st) {
      // statics initialised on the first call; the calculation itself starts with the second telegram
      this.st = {
        epochPrev: tod,
        cPrev: d(4) * 1000,
        pPrev: d(5) * 1000,
        cMid: d(4) * 1000,
        pMid: d(5) * 1000,
        gMid: d(50),
        rings: Array.from({ length: 9 }, () => new Array<number>(samples).fill(0)),
        head: 0,
        timeCounter: 0,
        midnightFlag: false,
        wsSum: [0, 0, 0],
        wh15: [0, 0, 0],
        dayKWh: [0, 0, 0],
        monthKWh: [0, 0, 0]
      }
      return
    }
    const s = this.st
    const v17 = this.b.generation === 'v1.7'
    const delta = v17 ? (tod - s.epochPrev) >>> 0 : Math.trunc(tod - s.epochPrev)
    s.timeCounter += delta
    const E = d(4) * 1000
    const P = d(5) * 1000
    const pc = d(8) * 1000
    const pp = d(9) * 1000
    const pcl = [d(30), d(31), d(32)].map((x) => x * 1000)
    const ppl = [d(33), d(34), d(35)].map((x) => x * 1000)
    const gas = d(50)
    const fromE = v17 ? ((E - s.cPrev) * 3600) / 60 : ((E - s.cPrev) * 3600) / delta
    const fromP = v17 ? ((P - s.pPrev) * 3600) / 60 : ((P - s.pPrev) * 3600) / delta
    const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))
    const cDay = clamp(E - s.cMid, 0, v17 ? 200000 : 70000)
    const pDay = clamp(P - s.pMid, 0, v17 ? 200000 : 70000)
    const gDay = gas - s.gMid
    const es = pp - pc
    const esl = ppl.map((x, i) => x - pcl[i])
    // CircularBuffer: zero memory until full, then the last `samples` values
    const series = [pc, ...pcl, pp, ...ppl, es]
    series.forEach((x, k) => (s.rings[k][s.head % samples] = x))
    s.head++
    const stat = (k: number): [number, number, number] => {
      let sum = 0
      let max = 0
      let min = 50000
      for (const x of s.rings[k]) {
        sum += x
        max = Math.max(max, x)
        min = Math.min(min, x)
      }
      return [Math.round(sum / samples), max, min]
    }
    s.epochPrev = tod
    const c = this.calc
    if (v17) {
      const classes = this.b.classKW ?? [3, 7, 12]
      const money = this.b.moneyPerKWh ?? [0.1139, 0.1139, 0.1139]
      for (let i = 0; i < 3; i++) {
        const ws = pc > classes[i] * 1000 ? (pc - classes[i] * 1000) * 10 : 0
        s.wsSum[i] += ws
        s.wh15[i] = Math.round((s.wsSum[i] * 100) / 3600) / 100
      }
      if (s.timeCounter % 900 <= 9 || s.timeCounter % 900 >= 891) {
        for (let i = 0; i < 3; i++) {
          s.wsSum[i] = 0
          s.dayKWh[i] += Math.round((s.wh15[i] * 100) / 1000) / 100
        }
      }
      if (hour === 23 && min >= 58 && !s.midnightFlag) {
        s.cMid = E
        s.pMid = P
        s.gMid = gas
        for (let i = 0; i < 3; i++) {
          s.monthKWh[i] += s.dayKWh[i]
          s.dayKWh[i] = 0
        }
        s.midnightFlag = true
      }
      if (hour === 0 && min === 0 && sec <= 19) {
        s.midnightFlag = false
        s.timeCounter = 10
      }
      if (toInt(v[2].slice(8, 10)) === 1 && hour === 0) s.monthKWh = [0, 0, 0]
      if (s.timeCounter % 60 === 0) {
        s.cPrev = E
        s.pPrev = P
      }
      for (let i = 0; i < 3; i++) {
        c[47 + i] = s.wh15[i]
        c[50 + i] = s.dayKWh[i]
        c[53 + i] = Math.round(s.dayKWh[i] * money[i] * 100) / 100
        c[56 + i] = s.monthKWh[i]
        c[59 + i] = Math.round(s.monthKWh[i] * money[i] * 100) / 100
      }
      c[45] = gas
      c[46] = gDay
    } else {
      if (hour === 23 && min >= 55) {
        s.cMid = E
        s.pMid = P
      }
      s.cPrev = E
      s.pPrev = P
    }
    c[0] = E / 1000
    c[1] = P / 1000
    c[2] = clamp(cDay, 0, 100000)
    c[3] = clamp(pDay, 0, 100000)
    c[4] = fromE
    c[5] = fromP
    const block = (at: number, now: number, k: number): void => {
      const [mean, max, min] = stat(k)
      c[at] = now
      c[at + 1] = mean
      c[at + 2] = max
      c[at + 3] = min
    }
    block(6, pc, 0)
    block(10, pcl[0], 1)
    block(14, pcl[1], 2)
    block(18, pcl[2], 3)
    block(22, pp, 4)
    block(26, ppl[0], 5)
    block(30, ppl[1], 6)
    block(34, ppl[2], 7)
    const [esMean, esMax, esMin] = stat(8)
    c[38] = clamp(es, 0, 30000)
    c[39] = clamp(esMean, 0, 30000)
    c[40] = clamp(esMax, 0, 30000)
    c[41] = clamp(esMin, 0, 30000)
    esl.forEach((x, i) => (c[42 + i] = clamp(x, 0, 30000)))
  }

  private publishAll(): void {
    const topic = this.o.topic
    if (this.b.ntp ?? true) this.publish(`${topic}/ntp_datetime`, ntpDatetime(this.clock.now()))
    DSMR_FIELDS.forEach((f, i) => {
      const v = this.values[i]
      if (v === 'NA' || f.publish !== 'y') return
      const msg = f.type === 'f' ? arduinoNumber(toDouble(v)) : f.type === 'i' ? String(toInt(v)) : v
      this.publish(`${topic}/${f.unit ? `${f.name}_${f.unit}` : f.name}`, msg)
    })
    this.table.forEach((c, i) => c.publish === 'y' && this.publish(`${topic}/${c.name}`, arduinoNumber(this.calc[i])))
  }

  /** ArduinoJson 6 serialises doubles with up to 9 decimals, trailing zeros dropped. */
  private publishCooked(): void {
    const doc: Record<string, unknown> = {}
    if (this.b.ntp ?? true) doc.ntp_datetime = ntpDatetime(this.clock.now())
    doc.smarty_datetime = this.values[2]
    doc.smarty_id = this.values[3]
    this.table.forEach((c, i) => {
      if (c.publish === 'y') doc[c.name] = Number(this.calc[i].toFixed(9))
    })
    this.publish(this.o.topic, JSON.stringify(doc))
  }
}

/**
 * ESPHome with the dsmr component and MQTT (topic_prefix = `topic`), configured with `sensors`
 * (dsmr key → name, e.g. what P1 Studio's YAML writes). A telegram that does not parse for a
 * configured field (wrong unit) publishes nothing but an error log line, as the component does.
 */
export class EsphomeBoard extends FakeBoard {
  constructor(
    clock: ManualClock,
    meter: ClockedMeter,
    private readonly e: FakeBoard['o'] & { sensors: [key: string, name: string][] }
  ) {
    super(clock, meter, e)
  }

  protected boot(): void {
    this.publish(`${this.o.topic}/status`, 'online', true)
  }

  protected onTelegram(text: string): void {
    const lines = text.split('\r\n')
    const states: [string, string, string][] = []
    for (const [key, name] of this.e.sensors) {
      const f = ESPHOME_DSMR_FIELDS.find((x) => x.key === key)!
      const oid = name
        .toLowerCase()
        .replace(/ /g, '_')
        .replace(/[^a-z0-9_-]/g, '_')
      if (key === 'identification') {
        states.push(['text_sensor', oid, lines[0].slice(1)])
        continue
      }
      const line = lines.find((l) => l.startsWith(`${f.obis}(`))
      if (!line) continue
      const groups = [...line.matchAll(/\(([^)]*)\)/g)].map((m) => m[1])
      if (f.kind === 'text_sensor') {
        states.push(['text_sensor', oid, groups[0]])
        continue
      }
      const raw = f.obis === '0-1:24.2.1' ? groups[1] : groups[0]
      const [num, unit] = raw.split('*')
      // fields.h: FixedField wants its unit (kWh, kW, V, A, m3); IntField none
      if ((f.unit ?? '') !== (unit ?? '')) {
        this.publish(`${this.o.topic}/debug`, `[E][dsmr:${key}]: Invalid unit in "${line}"`)
        return
      }
      const value = f.decimals === 0 ? parseInt(num, 10) : Math.round(parseFloat(num) * 1000) / 1000
      states.push(['sensor', oid, Math.fround(value).toFixed(f.decimals ?? 3)])
    }
    for (const [kind, oid, state] of states) {
      this.publish(`${this.o.topic}/${kind}/${oid}/state`, state, true)
      if (kind === 'sensor') this.publish(`${this.o.topic}/debug`, `[D][sensor:094]: '${oid}': Sending state ${state}`)
    }
  }
}
