/**
 * MQTT publish and Home Assistant discovery against a real Mosquitto: every value of the
 * virtual meter's 2020+ telegram (per phase, M-Bus gas) on its own retained topic, one JSON
 * object per telegram, the birth `online` and the will `offline` on `<prefix>/status` (the will
 * after kill -9 of a publishing process), discovery documents checked field by field against
 * Home Assistant's MQTT sensor schema and the units its device classes accept; after a broker
 * restart (retained copies lost) and after Home Assistant's own birth message the documents
 * come again. Waits are on messages, never on a duration.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { connect, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { MqttPublisher, checkTopicPrefix, type MqttPublishStatus } from '../../src/main/output/mqtt-publish'
import type { HaSensorConfig } from '../../src/main/output/ha-discovery'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { findObject } from '../../src/shared/values'
import type { DecodedTelegram } from '../../src/shared/types'
import { freeLowPort, startMosquitto, type Broker } from '../helpers/mosquitto'

const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const METER = 'SAG1030700089067' // the virtual meter's id
const NODE = `p1studio_${METER}`
const T0 = Date.parse('2026-03-28T12:00:00Z')

/** Units Home Assistant accepts per sensor device class (homeassistant/components/sensor/const.py, DEVICE_CLASS_UNITS). */
const HA_UNITS: Record<string, (string | undefined)[]> = {
  energy: ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh'],
  power: ['mW', 'W', 'kW', 'MW', 'GW', 'TW'],
  voltage: ['V', 'mV', 'µV', 'kV', 'MV'],
  current: ['A', 'mA'],
  gas: ['m³', 'ft³', 'CCF'],
  water: ['m³', 'L', 'ft³', 'CCF', 'gal'],
  frequency: ['Hz', 'kHz', 'MHz', 'GHz'],
  power_factor: ['%', undefined],
  timestamp: [undefined]
}

let broker: Broker
const clients: MqttClient[] = []
beforeAll(async () => {
  // below the ephemeral range: the broker restarts on its port below while three clients
  // reconnect every 200 ms, and a port of the ephemeral range can meanwhile be taken by any
  // outgoing connection on the machine — or by a client's connection to itself
  broker = await startMosquitto({ port: await freeLowPort() })
})
afterAll(async () => {
  for (const c of clients) await c.endAsync(true)
  await broker?.stop()
})

interface Msg {
  topic: string
  payload: string
  retain: boolean
}

/** A subscriber that collects what it receives; `until(pred)` waits for a message. */
async function subscriber(url: string, topics: string[]): Promise<{ msgs: Msg[]; until(pred: (m: Msg) => boolean): Promise<Msg>; client: MqttClient }> {
  const client = await connectClient(url)
  const msgs: Msg[] = []
  const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = []
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload: payload.toString(), retain: packet.retain }
    msgs.push(m)
    for (const w of waiters.splice(0)) {
      if (w.pred(m)) w.resolve(m)
      else waiters.push(w)
    }
  })
  await client.subscribeAsync(topics, { qos: 1 })
  return {
    msgs,
    client,
    until: (pred) => {
      const found = msgs.find(pred)
      return found ? Promise.resolve(found) : new Promise((r) => waiters.push({ pred, resolve: r }))
    }
  }
}

async function connectClient(url: string): Promise<MqttClient> {
  const c = await new Promise<MqttClient>((res, rej) => {
    const client = connect(url, { reconnectPeriod: 200 })
    client.once('connect', () => res(client))
    client.once('error', rej)
  })
  clients.push(c)
  return c
}

/** `p`, or an error naming the step after `ms`: a stuck step says which it is, not only the test's timeout. */
function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms)))
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

function statusIs(pub: MqttPublisher, connected: boolean): Promise<MqttPublishStatus> {
  if (pub.connected === connected) return Promise.resolve(pub.status)
  return new Promise((r) => {
    const on = (s: MqttPublishStatus): void => {
      if (s.connected !== connected) return
      pub.off('status', on)
      r(s)
    }
    pub.on('status', on)
  })
}

function telegrams(n: number): DecodedTelegram[] {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 7, pvPeakKW: 5, mbusGas: true }), write: () => undefined })
  const d = new P1Decoder({ key: KEY })
  const out: DecodedTelegram[] = []
  for (let i = 0; i < n; i++)
    for (const e of d.push(meter.nextFrame(new Date(T0 + i * 10_000))!, T0 + i * 10_000 + 40)) if (e.type === 'telegram') out.push(e.telegram)
  return out
}

describe('MQTT publish with Home Assistant discovery (Mosquitto)', () => {
  it('publishes each value retained, one JSON per telegram, birth and discovery documents', async () => {
    const pub = new MqttPublisher({ url: broker.url, prefix: 'home/p1', homeAssistant: true, appVersion: '9.8.7', reconnectMs: 200 })
    const watch = await subscriber(broker.url, ['home/p1/telegram'])
    pub.start()
    await statusIs(pub, true)
    const [t1, t2] = telegrams(2)
    pub.publish(t1)
    pub.publish(t2)
    // the JSON of the last telegram is the last message sent: once it is in, everything is
    const json = JSON.parse((await watch.until((m) => JSON.parse(m.payload).frame_counter === 2)).payload)

    // a client arriving later gets the retained state
    const late = await subscriber(broker.url, ['home/p1/#', 'homeassistant/#'])
    const expectedTopics = Object.keys(json.values).length + 2 /* telegram, status */ + Object.keys(json.values).length /* discovery */
    await late.until(() => new Set(late.msgs.map((m) => m.topic)).size >= expectedTopics)
    const got = new Map(late.msgs.map((m) => [m.topic, m]))
    for (const m of late.msgs) expect(m.retain, m.topic).toBe(true)

    const tg = t2.telegram
    const num = (code: string): string => String(findObject(tg, code)!.value)
    expect(got.get('home/p1/status')?.payload).toBe('online')
    expect(got.get('home/p1/energy_import')?.payload).toBe(num('1-0:1.8.0'))
    expect(got.get('home/p1/energy_export')?.payload).toBe(num('1-0:2.8.0'))
    expect(got.get('home/p1/power_import')?.payload).toBe(num('1-0:1.7.0'))
    expect(got.get('home/p1/power_import_l2')?.payload).toBe(num('1-0:41.7.0'))
    expect(got.get('home/p1/voltage_l3')?.payload).toBe(num('1-0:72.7.0'))
    expect(got.get('home/p1/current_l1')?.payload).toBe(num('1-0:31.7.0'))
    expect(got.get('home/p1/mbus1_reading')?.payload).toBe(num('0-1:24.2.1'))
    expect(got.get('home/p1/meter_id')?.payload).toBe(METER)
    expect(got.get('home/p1/meter_time')?.payload).toBe(tg.meterTime)
    expect(got.has('home/p1/message')).toBe(false) // 0-0:96.13.0() is empty

    // the JSON object: identity, values equal to the topics, units
    expect(json).toMatchObject({
      meter_id: METER,
      system_title: '5341476770015BEB',
      frame_counter: 2,
      meter_time: tg.meterTime,
      received_at: new Date(T0 + 10_040).toISOString(),
      identification: tg.identification
    })
    for (const [name, v] of Object.entries(json.values)) expect(got.get(`home/p1/${name}`)?.payload, name).toBe(String(v))
    expect(json.units).toMatchObject({
      energy_import: 'kWh',
      power_import: 'kW',
      voltage_l1: 'V',
      current_l1: 'A',
      mbus1_reading: 'm3',
      reactive_power_import: 'kvar'
    })

    // discovery, field by field
    const doc = (id: string): HaSensorConfig => JSON.parse(got.get(`homeassistant/sensor/${NODE}/${id}/config`)!.payload)
    const energy = doc('energy_import')
    expect(energy).toEqual({
      name: 'Energy import',
      unique_id: `${NODE}_energy_import`,
      state_topic: 'home/p1/energy_import',
      value_template: '{{ value }}',
      unit_of_measurement: 'kWh',
      device_class: 'energy',
      state_class: 'total_increasing',
      suggested_display_precision: 3,
      availability_topic: 'home/p1/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      device: { identifiers: [NODE], name: `Sagemcom meter ${METER}`, manufacturer: 'Sagemcom', model: tg.identification, serial_number: METER },
      origin: { name: 'P1 Studio', sw_version: '9.8.7' }
    })
    expect(doc('power_import')).toMatchObject({
      unit_of_measurement: 'kW',
      device_class: 'power',
      state_class: 'measurement',
      state_topic: 'home/p1/power_import'
    })
    expect(doc('power_export_l3')).toMatchObject({ name: 'Power export L3', unit_of_measurement: 'kW', device_class: 'power', state_class: 'measurement' })
    expect(doc('voltage_l1')).toMatchObject({ unit_of_measurement: 'V', device_class: 'voltage', state_class: 'measurement' })
    expect(doc('current_l2')).toMatchObject({ unit_of_measurement: 'A', device_class: 'current', state_class: 'measurement' })
    expect(doc('mbus1_reading')).toMatchObject({ name: 'M-Bus 1 reading', unit_of_measurement: 'm³', device_class: 'gas', state_class: 'total_increasing' })
    expect(doc('reactive_energy_import')).toMatchObject({ unit_of_measurement: 'kvarh', state_class: 'total_increasing' })
    expect(doc('reactive_energy_import').device_class).toBeUndefined()
    expect(doc('reactive_power_import')).toMatchObject({ unit_of_measurement: 'kvar', state_class: 'measurement' })
    expect(doc('power_failures')).toMatchObject({ state_class: 'total_increasing', entity_category: 'diagnostic' })
    expect(doc('power_failures').unit_of_measurement).toBeUndefined()
    expect(doc('meter_time')).toMatchObject({ device_class: 'timestamp', entity_category: 'diagnostic' })
    expect(doc('meter_id').state_class).toBeUndefined()
    expect(doc('power_limit')).toMatchObject({ unit_of_measurement: 'kVA', entity_category: 'diagnostic' })
    // every document: the device's identity is the same, ids unique, units valid for the class
    const docs = late.msgs.filter((m) => m.topic.startsWith('homeassistant/')).map((m) => ({ topic: m.topic, c: JSON.parse(m.payload) as HaSensorConfig }))
    expect(new Set(docs.map((d) => d.c.unique_id)).size).toBe(docs.length)
    for (const { topic, c } of docs) {
      expect(topic).toMatch(new RegExp(`^homeassistant/sensor/${NODE}/[A-Za-z0-9_-]+/config$`))
      expect(c.device).toEqual(energy.device)
      expect(got.has(c.state_topic), c.state_topic).toBe(true)
      if (c.device_class) expect(HA_UNITS[c.device_class], `${c.unique_id} ${c.device_class}`).toContain(c.unit_of_measurement)
      if (c.state_class) expect(['measurement', 'total_increasing']).toContain(c.state_class)
    }
    await pub.close()
    // a clean close says offline itself (the will is only for a vanished client)
    await late.until((m) => m.topic === 'home/p1/status' && m.payload === 'offline')
  })

  it('the broker announces offline when the publishing process is killed (-9)', async () => {
    const watch = await subscriber(broker.url, ['kill/p1/status'])
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../helpers/mqtt-publisher-child.ts'), broker.url, 'kill/p1'], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    await new Promise<void>((res, rej) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('published') && res())
      child.once('exit', (code) => rej(new Error(`publisher exited ${code}: ${err}`)))
    })
    await watch.until((m) => m.payload === 'online')
    child.kill('SIGKILL')
    const will = await watch.until((m) => m.payload === 'offline')
    expect(will.topic).toBe('kill/p1/status')
    // and it stays: a client arriving later reads offline
    const later = await subscriber(broker.url, ['kill/p1/status'])
    expect((await later.until(() => true)).payload).toBe('offline')
  })

  it('sends discovery and state again after a broker restart and when Home Assistant comes online', async () => {
    const pub = new MqttPublisher({ url: broker.url, prefix: 'again/p1', homeAssistant: { discoveryPrefix: 'ha' }, appVersion: 't', reconnectMs: 200 })
    pub.start()
    await within('the publisher connects', statusIs(pub, true))
    const [t] = telegrams(1)
    // Home Assistant restarts: it publishes its birth; the documents come again (live, not from the retained store)
    const live = await subscriber(broker.url, ['ha/sensor/#', 'again/p1/energy_import'])
    pub.publish(t)
    await within(
      'the discovery document',
      live.until((m) => m.topic === `ha/sensor/${NODE}/energy_import/config`)
    )
    await within(
      'the state',
      live.until((m) => m.topic === 'again/p1/energy_import')
    )
    const before = live.msgs.length
    const ha = await connectClient(broker.url)
    await ha.publishAsync('ha/status', 'online')
    await within(
      'the discovery documents again after the birth of Home Assistant',
      live.until((m) => m.topic === `ha/sensor/${NODE}/voltage_l1/config` && live.msgs.indexOf(m) >= before)
    )

    // the broker restarts without persistence: its retained copies are gone; the publisher reconnects and sends them again
    const port = broker.port
    await broker.stop()
    await within('the publisher says the broker is gone', statusIs(pub, false))
    broker = await startMosquitto({ port })
    await within('the publisher reconnects to the restarted broker', statusIs(pub, true))
    const fresh = await within('a new subscriber connects', subscriber(broker.url, ['again/p1/#', 'ha/#']))
    await within(
      'the discovery document again',
      fresh.until((m) => m.topic === `ha/sensor/${NODE}/energy_import/config` && m.retain)
    )
    const kWh = String(findObject(t.telegram, '1-0:1.8.0')!.value)
    await within(
      'the state again',
      fresh.until((m) => m.topic === 'again/p1/energy_import' && m.retain && m.payload === kWh)
    )
    await within(
      'the birth message again',
      fresh.until((m) => m.topic === 'again/p1/status' && m.payload === 'online')
    )
    await pub.close()
  }, 90_000)

  it('refuses prefixes MQTT cannot publish under, in plain words', () => {
    for (const bad of ['', '/p1', 'p1/', 'p1/#', 'a/+/b']) expect(() => checkTopicPrefix(bad)).toThrow(/cannot be used/)
    expect(checkTopicPrefix('home/meter')).toBe('home/meter')
  })
})
