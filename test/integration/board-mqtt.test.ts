/**
 * MQTT verification against Debian's mosquitto on a loopback port: a fake SmartyReader (an
 * MQTT.js client) publishes what the v1.7 sketch publishes for telegrams of the virtual meter
 * (src/main/line/smarty-model.ts); the reference is the same telegrams decoded by the P1
 * parser, as the session would hand them over. Verdicts for on-time, late, mismatching,
 * silent boards and broker problems; the MQTT field source maps a board back to OBIS objects.
 *
 * The fake board re-implements the sketch's parse_dsmr_string() and publish functions on the
 * telegram text (indexOf the OBIS code, text between brackets, unit cut at '*', hex meter id,
 * timestamp to "20YY-MM-DDThh:mm:ss", Arduino String(double) = 2 decimals) independently of
 * the verifier's mapping; only the sketch's field table is shared.
 */
import { connect, type MqttClient } from 'mqtt'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BoardObject, MqttVerifyReport } from '../../src/shared/board'
import { CALCULATED_FIELDS, DSMR_FIELDS } from '../../src/main/board/firmware-fields'
import { MqttFieldSource } from '../../src/main/board/mqtt-source'
import { verifyMqtt } from '../../src/main/board/mqtt-verify'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { parseTelegram } from '../../src/main/p1/telegram'
import { freePort, startMosquitto, type Broker } from '../helpers/mosquitto'

let broker: Broker
let authBroker: Broker

beforeAll(async () => {
  broker = await startMosquitto()
  authBroker = await startMosquitto({ users: { smarty: 'p1-secret' } })
})
afterAll(async () => {
  await broker?.stop()
  await authBroker?.stop()
})

/** What the sketch's parse_dsmr_string() stores per dsmr[] row ("NA" when absent). */
function sketchValues(text: string): string[] {
  const values = DSMR_FIELDS.map(() => 'NA')
  values[0] = text.slice(0, text.indexOf('\n') - 1)
  for (let i = 1; i < DSMR_FIELDS.length; i++) {
    const id = DSMR_FIELDS[i].obis
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
      for (let k = 0; k < Math.floor(tmp.length / 2); k++) s += String.fromCharCode((tmp.charCodeAt(k * 2) - 48) * 16 + (tmp.charCodeAt(k * 2 + 1) - 48))
      tmp = s
    }
    if (id === '0-0:1.0.0') tmp = `20${tmp.slice(0, 2)}-${tmp.slice(2, 4)}-${tmp.slice(4, 6)}T${tmp.slice(6, 8)}:${tmp.slice(8, 10)}:${tmp.slice(10, 12)}`
    const star = tmp.indexOf('*')
    values[i] = star >= 0 ? tmp.slice(0, star) : tmp
  }
  return values
}

/** mqtt_publish_all() / mqtt_publish_cooked() of the sketch for one telegram. */
function sketchMessages(text: string, topic: string, cooked: boolean, tweak?: (v: string[]) => void): [string, string][] {
  const v = sketchValues(text)
  tweak?.(v)
  const d = (i: number): number => Number(v[i])
  const calc = new Map<string, number>([
    ['energy_consumption_calc_kWh', d(4)],
    ['energy_production_calc_kWh', d(5)],
    ['power_consumption_calc_W', d(8) * 1000],
    ['power_production_calc_W', d(9) * 1000],
    ['power_consumption_l1_calc_W', d(30) * 1000],
    ['power_consumption_l2_calc_W', d(31) * 1000],
    ['power_consumption_l3_calc_W', d(32) * 1000],
    ['power_production_l1_calc_W', d(33) * 1000],
    ['power_production_l2_calc_W', d(34) * 1000],
    ['power_production_l3_calc_W', d(35) * 1000]
  ])
  if (cooked) {
    const doc: Record<string, unknown> = { ntp_datetime: '2026-11-24T10:00:00', smarty_datetime: v[2], smarty_id: v[3] }
    for (const c of CALCULATED_FIELDS) if (c.publish === 'y') doc[c.name] = calc.get(c.name) ?? 0
    return [[topic, JSON.stringify(doc)]]
  }
  const out: [string, string][] = [[`${topic}/ntp_datetime`, '2026-11-24T10:00:00']]
  DSMR_FIELDS.forEach((f, i) => {
    if (v[i] === 'NA' || f.publish !== 'y') return
    const msg = f.type === 'f' ? Number(v[i]).toFixed(2) : f.type === 'i' ? String(parseInt(v[i], 10)) : v[i]
    out.push([`${topic}/${f.unit ? `${f.name}_${f.unit}` : f.name}`, msg])
  })
  for (const c of CALCULATED_FIELDS) if (c.publish === 'y') out.push([`${topic}/${c.name}`, (calc.get(c.name) ?? 0).toFixed(2)])
  return out
}

/** A SmartyReader publishing the virtual meter's telegrams every `everyMs`; the meter clock steps 10 s per telegram. */
class FakeBoard {
  reference: BoardObject[] | null = null
  /** Every reference by the meter time the sketch publishes. */
  readonly history = new Map<string, BoardObject[]>()
  published = 0
  private client: MqttClient | null = null
  private timer: NodeJS.Timeout | null = null
  private model = new SmartyModel({ seed: 7, meterId: 'SAG1030700089067' })
  private clock = new Date('2026-03-02T11:00:00Z').getTime()

  constructor(
    private readonly o: { url: string; topic: string; everyMs: number; cooked?: boolean; tweak?: (v: string[]) => void; username?: string; password?: string }
  ) {}

  async start(): Promise<void> {
    const client = connect(this.o.url, { clientId: 'SmartyReader_LAM_1', username: this.o.username, password: this.o.password, reconnectPeriod: 0 })
    await new Promise<void>((res, rej) => {
      client.once('connect', () => res())
      client.once('error', rej)
    })
    this.client = client
    const tick = (): void => {
      this.clock += 10_000
      const now = new Date(this.clock)
      this.model.step(now, 10)
      const tel = this.model.telegram(now)
      // the meter's telegram as the P1 source decodes it (what the session passes as reference)
      this.reference = parseTelegram(tel).objects.map((x) => ({ obis: x.obis, value: x.value, unit: x.unit }))
      this.history.set(String(this.reference.find((x) => x.obis === '0-0:1.0.0')!.value).slice(0, 19), this.reference)
      for (const [t, m] of sketchMessages(tel.toString('latin1'), this.o.topic, this.o.cooked === true, this.o.tweak)) client.publish(t, m)
      this.published++
    }
    tick()
    this.timer = setInterval(tick, this.o.everyMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    const c = this.client
    this.client = null
    if (c) await new Promise<void>((r) => c.end(true, {}, () => r()))
  }
}

let board: FakeBoard | null = null
afterEach(async () => {
  await board?.stop()
  board = null
})

async function startBoard(o: Partial<ConstructorParameters<typeof FakeBoard>[0]> & { everyMs: number }): Promise<FakeBoard> {
  board = new FakeBoard({ url: broker.url, topic: 'lamsmarty', ...o })
  await board.start()
  return board
}

const check = (r: MqttVerifyReport, id: string) => r.checks.find((c) => c.id === id)!

describe('MQTT verification', () => {
  it('on time, per-field topics, values agree with the meter: ok', async () => {
    const b = await startBoard({ everyMs: 1000 })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 8, reference: () => b.reference })
    expect(r.verdict, JSON.stringify(r.checks, null, 1)).toBe('ok')
    expect(r.mode).toBe('fields')
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass'])
    expect(check(r, 'interval').evidence.publications as number).toBeGreaterThanOrEqual(3)
    expect(check(r, 'values').summary).toMatch(/^\d+ values agree with the meter's telegram of 2026-03-02T1\d:\d\d:\d\d\.$/)
    expect(Number(check(r, 'values').summary.split(' ')[0])).toBeGreaterThan(20)
  })

  it('on time with PUBLISH_COOKED (one JSON object on the topic): ok', async () => {
    const b = await startBoard({ everyMs: 1000, cooked: true })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 8, reference: () => b.reference })
    expect(r.verdict, JSON.stringify(r.checks, null, 1)).toBe('ok')
    expect(r.mode).toBe('cooked')
    expect(check(r, 'fields').status).toBe('pass')
    expect(check(r, 'values').evidence.compared).toBe(12) // 10 calculated copies (no gas meter) + id + time
  })

  it('late: publications every 2.5 s where 1 s is configured', async () => {
    const b = await startBoard({ everyMs: 2500 })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 6, reference: () => b.reference })
    expect(r.verdict).toBe('late_messages')
    expect(check(r, 'interval').summary).toMatch(/^Publications are late: up to 2\.\d s apart where 1 s \(\+0\.5 s\) are expected\.$/)
    expect(check(r, 'fields').status).toBe('pass')
  })

  it('mismatch: the board publishes another power than the meter sent', async () => {
    const b = await startBoard({ everyMs: 1000, tweak: (v) => (v[8] = String(Number(v[8]) + 1.5)) })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 8, reference: () => b.reference })
    expect(r.verdict).toBe('values_mismatch')
    const v = check(r, 'values')
    expect(v.summary).toMatch(/act_pwr_imported_p_plus_kW: board [\d.]+, meter [\d.]+/)
    expect(v.summary).toMatch(/power_consumption_calc_W/)
    expect(v.evidence.mismatches).toHaveLength(2)
  })

  it('another meter: the meter id differs', async () => {
    const b = await startBoard({ everyMs: 1000, cooked: true, tweak: (v) => (v[3] = 'SAG1030700099999') })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 8, reference: () => b.reference })
    expect(r.verdict).toBe('values_mismatch')
    expect(check(r, 'values').summary).toMatch(/smarty_id: board "SAG1030700099999", meter "SAG1030700089067"/)
  })

  it('without a P1 source the values are not compared (and the verdict says so)', async () => {
    await startBoard({ everyMs: 1000 })
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 8 })
    expect(r.verdict).toBe('values_not_compared')
    expect(check(r, 'values')).toMatchObject({ status: 'skip', code: 'values_not_compared' })
  })

  it('a silent board: no_messages', async () => {
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 2 })
    expect(r.verdict).toBe('no_messages')
    expect(check(r, 'messages').summary).toMatch(/^Nothing arrived on lamsmarty or lamsmarty\/# in 2 s\.$/)
  })

  it('broker problems: refused credentials, nothing listening', async () => {
    const bad = await verifyMqtt({ url: authBroker.url, username: 'smarty', password: 'wrong', topic: 'lamsmarty', intervalS: 1, durationS: 2 })
    expect(bad.verdict).toBe('broker_auth_failed')
    expect(check(bad, 'broker').summary).toBe(`The broker at ${authBroker.url} refused the user name or password.`)
    const good = await verifyMqtt({ url: authBroker.url, username: 'smarty', password: 'p1-secret', topic: 'lamsmarty', intervalS: 1, durationS: 1 })
    expect(check(good, 'broker').status).toBe('pass')
    const port = await freePort()
    const none = await verifyMqtt({ url: `mqtt://127.0.0.1:${port}`, topic: 'x', intervalS: 1, durationS: 1 })
    expect(none.verdict).toBe('broker_unreachable')
    expect(check(none, 'broker').summary).toMatch(/connection refused/)
  })
})

describe('MQTT field source', () => {
  it('turns per-field topics and the cooked JSON back into OBIS objects', async () => {
    const src = new MqttFieldSource({ url: broker.url, topic: 'lamsmarty', burstGapMs: 200 })
    const got: BoardObject[][] = []
    src.on('objects', (o) => got.push(o))
    await src.start()
    try {
      const b = await startBoard({ everyMs: 700 })
      await new Promise((r) => setTimeout(r, 1600))
      await b.stop()
      expect(got.length).toBeGreaterThanOrEqual(2)
      const last = got[got.length - 1]
      const ref = b.history.get(String(last.find((o) => o.obis === '0-0:1.0.0')!.value))!
      expect(ref).toBeDefined()
      const p = last.find((o) => o.obis === '1-0:1.7.0')!
      expect(p.unit).toBe('kW')
      expect(Math.abs((p.value as number) - (ref.find((o) => o.obis === '1-0:1.7.0')!.value as number))).toBeLessThanOrEqual(0.005)
      expect(last.find((o) => o.obis === '0-0:42.0.0')?.value).toBe('SAG1030700089067')
      expect(last.find((o) => o.obis === '1-0:32.7.0')?.unit).toBe('V')
      got.length = 0
      const c = await startBoard({ everyMs: 700, cooked: true })
      await new Promise((r) => setTimeout(r, 900))
      await c.stop()
      const j = got[got.length - 1]
      const jt = String(j.find((o) => o.obis === '0-0:1.0.0')?.value)
      expect(jt).toMatch(/^2026-03-02T/)
      expect(j.find((o) => o.obis === '1-0:1.7.0')?.value).toBe(c.history.get(jt)!.find((o) => o.obis === '1-0:1.7.0')!.value)
    } finally {
      await src.stop()
    }
    expect(src.messages).toBeGreaterThan(100)
  })
})
