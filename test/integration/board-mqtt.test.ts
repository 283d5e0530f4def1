/**
 * MQTT verification and the MQTT field source against Debian's mosquitto on a loopback port,
 * for every firmware generation in the field: a fake board (test/helpers/fake-boards.ts)
 * publishes exactly what SmartyReader v1.5 (default, PUBLISH_ALL 0, PUBLISH_ALL 1), v1.6 and
 * v1.7 (per-field and PUBLISH_COOKED) or ESPHome's dsmr publish for the virtual meter's
 * telegrams; the reference is the same telegrams decoded by the P1 parser, as the session
 * hands them over.
 *
 * Time is virtual: meter, boards, verifier and source share one ManualClock, advanced one second
 * at a time at the firmware's real intervals (10 s cadence, v1.5's 20 s, v1.6/v1.7's 60 s); after
 * each step the test waits — on a condition, never a duration — until the verifier has every
 * message the board published. Only the silent-board test runs on the real clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BoardObject, BoardProfileInput, FirmwareGeneration, MqttVerifyReport } from '../../src/shared/board'
import { ManualClock } from '../../src/main/line/clock'
import { ESPHOME_DSMR_FIELDS } from '../../src/main/board/esphome-fields'
import { ESPHOME_SENSORS, ESPHOME_TEXT_SENSORS } from '../../src/main/board/esphome'
import { MqttFieldSource } from '../../src/main/board/mqtt-source'
import { verifyMqtt, type VerifyOptions } from '../../src/main/board/mqtt-verify'
import { ClockedMeter, EsphomeBoard, SmartyV15Board, SmartyV16V17Board, type FakeBoard } from '../helpers/fake-boards'
import { freeLowPort, freePort, startMosquitto, type Broker } from '../helpers/mosquitto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BoardService } from '../../src/main/host/board-service'
import { namespaceApi } from '../../src/main/host/router'
import { BOARD } from '../../src/shared/contract'
import { memorySecretStore } from '../../src/main/board/profile-store'
import { waitUntil } from '../helpers/virtual-line'

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

/** 2026-03-02 11:00:00 UTC = 12:00:00 in Luxembourg (winter time). */
const T0 = Date.UTC(2026, 2, 2, 11, 0, 0)
let boards: FakeBoard[] = []
afterEach(async () => {
  await Promise.all(boards.map((b) => b.stop()))
  boards = []
})

/** The ESPHome configuration P1 Studio's YAML writes: dsmr key → name. */
const ESPHOME_CONFIG: [string, string][] = [...ESPHOME_SENSORS, ...ESPHOME_TEXT_SENSORS].map((k) => [k, ESPHOME_DSMR_FIELDS.find((f) => f.key === k)!.name])

type BoardKind = 'v15' | 'v16' | 'v17' | 'esphome'
interface Rig {
  clock: ManualClock
  meter: ClockedMeter
  board: FakeBoard
  /** The board's own topic (ESPHome states stay retained on the broker: no test sees another's). */
  topic: string
}
let rigs = 0

/** Meter and board on a fresh clock; the board boots at `start`, the meter sends its first telegram 3 s later. */
async function rig(kind: BoardKind, o: Record<string, unknown> = {}, start = T0, meterOpts = {}): Promise<Rig> {
  const clock = new ManualClock(start)
  const meter = new ClockedMeter(clock, meterOpts)
  const topic = (o.topic as string) ?? `${kind === 'esphome' ? 'smartyreader' : 'lamsmarty'}-${++rigs}`
  const base = { url: broker.url, topic, ...o }
  const board =
    kind === 'v15'
      ? new SmartyV15Board(clock, meter, base)
      : kind === 'esphome'
        ? new EsphomeBoard(clock, meter, { sensors: ESPHOME_CONFIG, ...base })
        : new SmartyV16V17Board(clock, meter, { generation: kind === 'v16' ? 'v1.6' : 'v1.7', ...base })
  await board.start()
  boards.push(board)
  clock.setTimeout(() => meter.start(), 3000)
  return { clock, meter, board, topic }
}

/** Let the board run `ms` of virtual time before anyone listens (its messages go nowhere, or stay retained). */
async function runFor(r: Rig, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    r.clock.advance(1000)
    await r.board.flush()
  }
}

/**
 * Verify with the rig's clock, driving it a second at a time until the verifier is done.
 * First wait for the broker's retained copies (one per retained topic of the board), then,
 * between steps, until the verifier has received everything the board published.
 */
async function verify(r: Rig, o: Partial<VerifyOptions> = {}): Promise<MqttVerifyReport> {
  let listening = false
  let received = 0
  let retained = 0
  let done = false
  const run = verifyMqtt({
    url: broker.url,
    topic: r.topic,
    reference: () => r.meter.latest,
    clock: r.clock,
    ...o,
    onProgress: (p) => (listening ||= p.phase === 'listening'),
    onMessage: (m) => (m.retained ? retained++ : received++)
  }).finally(() => (done = true))
  await waitUntil(
    () => listening || done,
    () => 'the verifier to subscribe'
  )
  const keep = r.board.retainedTopics.size
  await waitUntil(
    () => done || retained >= keep,
    () => `the broker's ${keep} retained messages (has ${retained})`
  )
  const before = r.board.sent
  for (let i = 0; !done && i < 3600; i++) {
    r.clock.advance(1000)
    await r.board.flush()
    const want = r.board.sent - before
    await waitUntil(
      () => done || received >= want,
      () => `the verifier to receive ${want} messages (has ${received})`
    )
  }
  return run
}

const check = (r: MqttVerifyReport, id: string) => r.checks.find((c) => c.id === id)!
const detail = (r: MqttVerifyReport): string => JSON.stringify(r.checks, null, 1)

describe('MQTT verification of every firmware generation (virtual time)', () => {
  it('SmartyReader v1.5 default JSON every 20 s, across midnight: ok, the powers and day energies within its float arithmetic', async () => {
    // 22:58:00 UTC = 23:58:00 in Luxembourg: the day energy is saved between 23:55 and midnight
    const r = await rig('v15', {}, Date.UTC(2026, 2, 2, 22, 58, 0))
    // listening from 23:59:30: publications at 23:59:40, 00:00:00, 00:00:20 (telegrams of 23:59:33, 23:59:53, 00:00:13)
    await runFor(r, 90_000)
    const rep = await verify(r)
    expect(rep.verdict, detail(rep)).toBe('ok')
    expect(rep.firmware).toMatchObject({ generation: 'smartyreader-v1.5', format: 'v15-json' })
    expect(rep.mode).toBe('cooked')
    expect(check(rep, 'interval').evidence).toMatchObject({ expectedIntervalS: 20, intervalsS: [20, 20] })
    expect(check(rep, 'fields').summary).toBe(
      `SmartyReader v1.5 (default: one JSON object with energy and power) found: all 8 expected fields in the JSON on ${r.topic}.`
    )
    expect(check(rep, 'values').evidence.compared).toBe(8)
    expect(check(rep, 'values').evidence.meterTime).toBe('2026-03-03T00:00:13')
  })

  it('SmartyReader v1.5 right after boot: nan powers on its first publication are a note', async () => {
    const r = await rig('v15')
    const rep = await verify(r)
    expect(rep.verdict, detail(rep)).toBe('ok')
    expect(check(rep, 'values').evidence.notes).toContain(
      '"power_consumption [kW]" is nan in the first publication seen: the sketch divides by a zero interval on its first publication after starting.'
    )
  })

  it("SmartyReader v1.5 PUBLISH_ALL 0 (the meter's text) and PUBLISH_ALL 1 (JSON per field): ok", async () => {
    for (const mode of ['text', 'json'] as const) {
      const r = await rig('v15', { mode })
      await runFor(r, 25_000)
      const rep = await verify(r)
      expect(rep.verdict, detail(rep)).toBe('ok')
      expect(rep.firmware?.format).toBe(mode === 'text' ? 'v15-text' : 'v15-json-fields')
      expect(check(rep, 'fields').status).toBe('pass')
      expect(Number(check(rep, 'values').evidence.compared)).toBeGreaterThan(40)
      await r.board.stop()
    }
  })

  it('SmartyReader v1.6 (its default: one topic per field) and PUBLISH_COOKED, every 60 s: ok', async () => {
    for (const cooked of [false, true]) {
      const r = await rig('v16', { cooked })
      await runFor(r, 30_000)
      const rep = await verify(r, { intervalS: 60, firmware: 'smartyreader-v1.6' })
      expect(rep.verdict, detail(rep)).toBe('ok')
      expect(rep.firmware).toMatchObject({ generation: 'smartyreader-v1.6', format: cooked ? 'cooked' : 'fields', ambiguous: false })
      expect(check(rep, 'interval').evidence).toMatchObject({ intervalsS: [60, 60] })
      expect(check(rep, 'fields').status).toBe('pass')
      await r.board.stop()
    }
  })

  it('SmartyReader v1.7 (its default: PUBLISH_COOKED) and one topic per field, every 60 s: ok', async () => {
    for (const cooked of [true, false]) {
      const r = await rig('v17', { cooked }, T0, { mbusGas: true })
      await runFor(r, 30_000)
      const rep = await verify(r, { intervalS: 60 })
      expect(rep.verdict, detail(rep)).toBe('ok')
      expect(rep.firmware).toMatchObject({ generation: 'smartyreader-v1.7', format: cooked ? 'cooked' : 'fields' })
      expect(check(rep, 'fields').status).toBe('pass')
      // cooked: 11 calculated copies (with gas) + id + time; fields: the telegram's fields (but the empty messages) and the copies
      if (cooked) expect(check(rep, 'values').evidence.compared).toBe(13)
      else expect(check(rep, 'values').evidence.compared).toBeGreaterThan(50)
      await r.board.stop()
    }
  })

  it('ESPHome dsmr with the YAML P1 Studio writes: retained states from before, then a state per telegram: ok', async () => {
    const r = await rig('esphome')
    await runFor(r, 30_000)
    const rep = await verify(r)
    expect(rep.verdict, detail(rep)).toBe('ok')
    expect(rep.firmware).toMatchObject({ generation: 'esphome-dsmr', format: 'esphome' })
    expect(check(rep, 'messages').evidence.retained).toBe(1 + 23 + 3) // status + sensors + text sensors
    expect(check(rep, 'interval').summary).toBe("Every 10 s (expected 10 s (ESPHome dsmr's default)).")
    expect(check(rep, 'values').evidence.compared).toBe(25) // 23 sensors, the version and the timestamp
  })
})

describe('MQTT verification names what is wrong (virtual time)', () => {
  it('v1.7 per field publishing another power than the meter sent: values_mismatch naming both topics', async () => {
    const r = await rig('v17', { cooked: false, tweak: (v: string[]) => (v[8] = String(Number(v[8]) + 1.5)) })
    await runFor(r, 30_000)
    const rep = await verify(r, { intervalS: 60 })
    expect(rep.verdict).toBe('values_mismatch')
    expect(check(rep, 'values').summary).toMatch(/act_pwr_imported_p_plus_kW: board [\d.]+, meter [\d.]+ kW/)
    expect(check(rep, 'values').evidence.mismatches).toHaveLength(2) // and power_consumption_calc_W
  })

  it('v1.5 reading another meter: values_mismatch naming the id', async () => {
    const r = await rig('v15', { tweak: (v: string[]) => (v[3] = 'SAG1030700099999') })
    await runFor(r, 30_000)
    const rep = await verify(r)
    expect(rep.verdict).toBe('values_mismatch')
    expect(check(rep, 'values').summary).toMatch(/equipment_id: board "SAG1030700099999", meter "SAG1030700089067"/)
  })

  it('ESPHome without the power sensor: missing_fields; a v1.7 board late at 90 s where 60 s are configured: late_messages', async () => {
    const e = await rig('esphome', { sensors: ESPHOME_CONFIG.filter(([k]) => k !== 'power_delivered') })
    const rep = await verify(e)
    expect(rep.verdict).toBe('missing_fields')
    expect(check(rep, 'fields').summary).toBe(`ESPHome dsmr (one topic per sensor) found; ${e.topic}/… lacks 1-0:1.7.0.`)
    await e.board.stop()
    const l = await rig('v17', { publishMs: 90_000 })
    const late = await verify(l, { intervalS: 60 })
    expect(late.verdict).toBe('late_messages')
    // the first publication comes 93 s after subscribing (first telegram after 90 s of uptime), the next 90 s later;
    // the limit (3 × 60 s + 22 s + 5 s) ends listening before a third
    expect(check(late, 'interval').summary).toBe('Publications are late: up to 93 s apart where 60 s (+22 s) are expected.')
    expect(check(late, 'interval').evidence).toMatchObject({ intervalsS: [90], firstWaitS: 93 })
    expect(late.durationS).toBe(207)
  })

  it('ESPHome with a sensor the Smarty does not fit (electricity_threshold wants kW, the meter sends kVA): every telegram rejected, the log quoted', async () => {
    const r = await rig('esphome', { sensors: [...ESPHOME_CONFIG, ['electricity_threshold', 'Electricity Threshold']] })
    const rep = await verify(r, { durationS: 40 })
    expect(rep.verdict).toBe('missing_fields')
    expect(rep.firmware?.reason).toBe(`ESPHome log line on ${r.topic}/debug`)
    expect(check(rep, 'fields').summary).toBe(
      `ESPHome dsmr (one topic per sensor) found; ${r.topic}/… lacks 1-0:1.8.0, 1-0:1.7.0. The board logs: "[E][dsmr:electricity_threshold]: Invalid unit in "0-0:17.0.0(069.0*kVA)"".`
    )
  })

  it('a v1.5 board where the profile names v1.7 (cooked): ok, with a warning naming v1.5', async () => {
    const r = await rig('v15')
    await runFor(r, 25_000)
    const rep = await verify(r, { firmware: 'smartyreader-v1.7', mode: 'cooked', intervalS: 20 })
    expect(rep.verdict).toBe('ok')
    expect(check(rep, 'fields')).toMatchObject({ status: 'warn', code: 'unexpected_firmware' })
    expect(check(rep, 'fields').summary).toMatch(/^SmartyReader v1\.5 .* found, but the profile names SmartyReader v1\.7\.$/)
  })

  it('an ESPHome board that went silent: its retained states are no publication, no_messages', async () => {
    const r = await rig('esphome')
    await runFor(r, 25_000)
    await r.board.stop()
    const rep = await verify(r, { durationS: 60 })
    expect(rep.verdict).toBe('no_messages')
    expect(check(rep, 'messages').summary).toBe(
      `Only 27 retained values from before (the broker's copy); nothing new arrived on ${r.topic} or ${r.topic}/# in 60 s.`
    )
    expect(rep.firmware?.generation).toBe('esphome-dsmr')
  })

  it('without a P1 source the values are not compared (and the verdict says so)', async () => {
    const r = await rig('v17')
    const rep = await verify(r, { intervalS: 60, reference: () => null })
    expect(rep.verdict).toBe('values_not_compared')
    expect(check(rep, 'values')).toMatchObject({ status: 'skip', code: 'values_not_compared' })
  })

  it('broker problems: refused credentials, nothing listening', async () => {
    const clock = new ManualClock(T0)
    const bad = await verifyMqtt({ url: authBroker.url, username: 'smarty', password: 'wrong', topic: 'lamsmarty', intervalS: 1, clock })
    expect(bad.verdict).toBe('broker_auth_failed')
    expect(check(bad, 'broker').summary).toBe(`The broker at ${authBroker.url} refused the user name or password.`)
    const port = await freePort()
    const none = await verifyMqtt({ url: `mqtt://127.0.0.1:${port}`, topic: 'x', intervalS: 1, clock })
    expect(none.verdict).toBe('broker_unreachable')
    expect(check(none, 'broker').summary).toMatch(/connection refused/)
    let listening = false
    const good = verifyMqtt({
      url: authBroker.url,
      username: 'smarty',
      password: 'p1-secret',
      topic: 'lamsmarty',
      intervalS: 10,
      durationS: 30,
      clock,
      onProgress: (p) => (listening ||= p.phase === 'listening')
    })
    await waitUntil(
      () => listening,
      () => 'the verifier to subscribe'
    )
    clock.advance(30_000)
    const g = await good
    expect(check(g, 'broker').status).toBe('pass')
    expect(g.verdict).toBe('no_messages')
    expect(check(g, 'messages').summary).toBe('Nothing arrived on lamsmarty or lamsmarty/# in 30 s.')
  })

  it('a silent board on the real clock: no_messages', async () => {
    const r = await verifyMqtt({ url: broker.url, topic: 'lamsmarty', intervalS: 1, toleranceS: 0.5, durationS: 1 })
    expect(r.verdict).toBe('no_messages')
    // real time: how long it listened depends on the machine's load, the verdict does not
    expect(check(r, 'messages').summary).toMatch(/^Nothing arrived on lamsmarty or lamsmarty\/# in \d+ s\.$/)
  })
})

describe('MQTT field source: every generation back to OBIS objects (virtual time)', () => {
  const cases: [string, BoardKind, Record<string, unknown>, string[]][] = [
    ['v1.5 default', 'v15', {}, ['1-0:1.8.0', '1-0:2.8.0', '0-0:42.0.0']],
    ['v1.5 PUBLISH_ALL 0', 'v15', { mode: 'text' }, ['1-0:1.7.0', '1-0:32.7.0', '0-0:96.7.21']],
    ['v1.5 PUBLISH_ALL 1', 'v15', { mode: 'json' }, ['1-0:1.7.0', '1-0:32.7.0', '1-0:31.7.0']],
    ['v1.6 per field', 'v16', { cooked: false }, ['1-0:1.7.0', '1-0:32.7.0', '1-0:21.7.0']],
    ['v1.7 cooked', 'v17', { cooked: true }, ['1-0:1.7.0', '1-0:1.8.0', '1-0:22.7.0']],
    ['v1.6 PUBLISH_COOKED', 'v16', { cooked: true }, ['1-0:1.7.0', '1-0:2.8.0', '1-0:41.7.0']],
    ['v1.7 per field', 'v17', { cooked: false }, ['1-0:1.7.0', '0-0:17.0.0', '1-0:72.7.0', '0-0:96.3.10']],
    ['ESPHome', 'esphome', {}, ['1-0:1.7.0', '1-0:32.7.0', '0-0:96.7.21']]
  ]
  for (const [name, kind, o, codes] of cases) {
    it(`${name}: the live objects match the meter's telegram of the same meter time`, async () => {
      const r = await rig(kind, o)
      const src = new MqttFieldSource({ url: broker.url, topic: r.topic, clock: r.clock, burstGapMs: 300 })
      const got: BoardObject[][] = []
      src.on('objects', (objs) => got.push(objs))
      await src.start()
      try {
        const before = r.board.sent
        for (let i = 0; i < 130 && got.length < 2; i++) {
          r.clock.advance(1000)
          await r.board.flush()
          await waitUntil(
            () => src.messages >= r.board.sent - before,
            () => `the source to receive ${r.board.sent - before} messages`
          )
        }
        expect(got.length).toBeGreaterThanOrEqual(2)
        const last = got[got.length - 1]
        const time = String(last.find((x) => x.obis === '0-0:1.0.0')?.value)
        const ref = r.meter.history.get(time)!
        expect(ref, `no telegram of ${time}`).toBeDefined()
        for (const code of codes) {
          const mine = last.find((x) => x.obis === code)
          const want = ref.find((x) => x.obis === code)!
          expect(mine, code).toBeDefined()
          if (typeof want.value === 'number') expect(Math.abs((mine!.value as number) - want.value), code).toBeLessThanOrEqual(0.0051)
          else expect(mine!.value, code).toBe(want.value)
          if (want.unit) expect(mine!.unit, code).toBe(want.unit)
        }
        expect(src.firmware?.generation).toBe({ v15: 'smartyreader-v1.5', v16: 'smartyreader-v1.6', v17: 'smartyreader-v1.7', esphome: 'esphome-dsmr' }[kind])
      } finally {
        await src.stop()
      }
    })
  }
})

describe('BoardService: the profile names the firmware (virtual time)', () => {
  let low: Broker
  let dir: string
  beforeAll(async () => {
    low = await startMosquitto({ port: await freeLowPort() })
    dir = mkdtempSync(join(tmpdir(), 'p1s-board-fw-'))
  })
  afterAll(async () => {
    await low?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const profile = (firmware: string, topic: string): BoardProfileInput => ({
    name: `Board ${firmware}`,
    settings: {
      firmware: firmware as FirmwareGeneration,
      MY_WIFI_SSID: 'Maison',
      MQTT_SERVER: '127.0.0.1',
      MY_MQTT_PORT: Number(new URL(low.url).port),
      MQTT_TOPIC_OUT: topic,
      PUBLISH_TIME: 60000
    },
    secrets: { KEY_SMARTY: 'AEBD21B769A6D13C0DF064E383682EFF', MY_WIFI_PASSWORD: 'correct horse battery' }
  })

  it("a v1.5 profile is verified as v1.5: its 20 s, not config.h's PUBLISH_TIME; the firmware found is the one named", async () => {
    const clock = new ManualClock(T0)
    const meter = new ClockedMeter(clock)
    const topic = `weber-${++rigs}`
    const board = new SmartyV15Board(clock, meter, { url: low.url, topic })
    await board.start()
    boards.push(board)
    clock.setTimeout(() => meter.start(), 3000)
    const svc = new BoardService({ profilesDir: dir, secrets: memorySecretStore(), reference: () => meter.latest, clock })
    const p = await svc.boardSaveProfile(profile('smartyreader-v1.5', topic))
    let listening = false
    let messages = 0
    let done = false
    svc.on('board', (e) => {
      if (e.kind !== 'verify') return
      listening ||= e.phase === 'listening'
      messages = e.messages
    })
    const run = svc.mqttVerify({ profileId: p.id }).finally(() => (done = true))
    await waitUntil(
      () => listening || done,
      () => 'the verifier to subscribe'
    )
    const before = board.sent
    for (let i = 0; !done && i < 600; i++) {
      clock.advance(1000)
      await board.flush()
      await waitUntil(
        () => done || messages >= board.sent - before,
        () => `the service's verifier to receive ${board.sent - before} messages (has ${messages})`
      )
    }
    const rep = await run
    expect(rep.verdict, detail(rep)).toBe('ok')
    expect(rep.firmware?.generation).toBe('smartyreader-v1.5')
    expect(check(rep, 'interval').evidence.expectedIntervalS).toBe(20)
    expect(check(rep, 'fields').status).toBe('pass') // no unexpected_firmware warning
  })

  it("config.h follows the profile's firmware (v1.6 layout), or the layout asked for; wrong requests are refused in one sentence", async () => {
    const svc = new BoardService({ profilesDir: dir, secrets: memorySecretStore() })
    const p = await svc.boardSaveProfile(profile('smartyreader-v1.6', 'schmit'))
    const v16 = await svc.boardConfigText({ id: p.id, format: 'config.h' })
    expect(v16.layout).toBe('v1.6')
    expect(v16.text).toContain('uint8_t AUTH_DATA[] = {')
    expect(v16.text).not.toContain('class_kW')
    expect(v16.notes).toContain('Keep "#define USE_SECRETS" commented out in SmartyReader_v1_6.ino, or the sketch reads secrets.h instead of this config.h.')
    const v17 = await svc.boardConfigText({ id: p.id, format: 'config.h', layout: 'v1.7' })
    expect(v17.layout).toBe('v1.7')
    expect(v17.text).toContain('byte class_kW[] = {3,7,12};')
    expect((await svc.boardConfigText({ id: p.id, format: 'esphome' })).layout).toBeNull()
    const api = namespaceApi(BOARD, svc, svc.defaultCaller)
    await expect(api.boardConfigText({ id: p.id, format: 'config.h', layout: 'v1.5' as never })).rejects.toThrow(/^Invalid configuration request: layout /)
    await expect(api.mqttVerify({ profileId: p.id, firmware: 'tasmota' as never })).rejects.toThrow(/^Invalid MQTT request: firmware /)
    await expect(svc.boardSaveProfile({ ...profile('tasmota', 'x') })).rejects.toThrow(
      /^The profile was not saved: firmware: The firmware must be one of smartyreader-v1\.5/
    )
    await expect(svc.boardSaveProfile({ ...profile('tasmota', 'x') })).rejects.toMatchObject({
      code: 'invalid_profile',
      params: { field: 'firmware', fields: 'firmware', count: 1 }
    })
  })
})
