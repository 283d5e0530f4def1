/**
 * A board's MQTT output as a live data source: subscribes to TOPIC and TOPIC/# and turns what
 * the board publishes back into OBIS objects, so the live view can show a board's data without
 * the P1 port. Every generation firmware-decode.ts knows: SmartyReader v1.5 (default JSON,
 * PUBLISH_ALL 0 text, PUBLISH_ALL 1 JSON per field), v1.6 and v1.7 (per-field topics, the
 * PUBLISH_COOKED JSON: calculated copies of meter values mapped back, W → kW) and ESPHome dsmr
 * (sensor and text_sensor states; retained states arrive at once on subscribing).
 *
 * - A JSON object on TOPIC is one publication: emitted at once.
 * - Per-field messages are collected while a publication burst lasts and emitted once the topic
 *   is quiet for `burstGapMs` (on the given clock).
 *
 * Events: 'objects' (objects, receive time ms), 'error' (plain sentence), 'end' (why it stopped).
 */
import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'
import type { BoardObject, DetectedFirmware, FirmwareGeneration } from '../../shared/board'
import { decodePublication, detectFirmware, tolerance, type DecodedPublication, type MqttMessage } from './firmware-decode'
import { systemClock, type Clock, type ClockTimer } from '../line/clock'
import { connectMqtt, redactUrl, type MqttConnectOptions } from './mqtt-verify'

export interface MqttFieldSourceEvents {
  objects: [objects: BoardObject[], receivedAt: number]
  error: [message: string]
  end: [reason: string]
}

/**
 * A decoded publication as OBIS objects, one per code: where a publication carries a meter
 * value twice (v1.7 `act_pwr_imported_p_plus_kW` and its calculated copy
 * `power_consumption_calc_W`) the more exact one wins. The meter time becomes 0-0:1.0.0
 * ("YYYY-MM-DDThh:mm:ss", the meter's wall clock). Pure.
 */
export function publicationToObjects(p: DecodedPublication): BoardObject[] {
  const best = new Map<string, { o: BoardObject; tol: number }>()
  for (const v of p.values) {
    const tol = typeof v.value === 'number' ? tolerance(v.precision, v.value) : 0
    const have = best.get(v.obis)
    if (have && have.tol <= tol) continue
    const value = typeof v.value === 'number' ? Math.round(v.value * 1e6) / 1e6 : v.value
    best.set(v.obis, { o: { obis: v.obis, value, unit: v.unit }, tol })
  }
  if (p.meterTime && !best.has('0-0:1.0.0')) best.set('0-0:1.0.0', { o: { obis: '0-0:1.0.0', value: p.meterTime, unit: null }, tol: 0 })
  return [...best.values()].map((x) => x.o)
}

/** Live OBIS objects from a board's MQTT topic. */
export class MqttFieldSource extends EventEmitter<MqttFieldSourceEvents> {
  /** Messages received. */
  messages = 0
  /** The firmware recognised so far (null until something known arrived). */
  firmware: DetectedFirmware | null = null
  private client: MqttClient | null = null
  private pending: MqttMessage[] = []
  private timer: ClockTimer | null = null
  private stopping = false
  private readonly clock: Clock
  readonly topic: string

  constructor(
    readonly opts: MqttConnectOptions & {
      topic: string
      /** Quiet time that ends a burst of per-field messages, ms (default 300). */
      burstGapMs?: number
      /** The firmware the profile names (decides v1.6 against v1.7 when nothing else does). */
      firmware?: FirmwareGeneration
      /** Time source for receive times and the burst timer (default the system clock). */
      clock?: Clock
    }
  ) {
    super()
    this.topic = opts.topic.replace(/\/+$/, '')
    this.clock = opts.clock ?? systemClock
  }

  /** e.g. "mqtt://192.168.1.5:1883 lamsmarty" (no credentials). */
  get label(): string {
    return `${redactUrl(this.opts.url)} ${this.topic}`
  }

  /** Connect and subscribe. @throws Error with a plain sentence (unreachable, credentials, TLS) */
  async start(): Promise<void> {
    if (this.client) return
    this.stopping = false
    const client = await connectMqtt(this.opts, 'p1studio-source')
    this.client = client
    client.on('message', (t, payload, packet) =>
      this.onMessage({ topic: t, payload: payload.toString('utf8'), t: this.clock.now(), retained: packet.retain === true })
    )
    client.on('close', () => {
      if (this.stopping) return
      this.client = null
      this.emit('end', `The connection to ${redactUrl(this.opts.url)} was lost.`)
    })
    client.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e.message)
    })
    await new Promise<void>((resolve, reject) =>
      client.subscribe([this.topic, `${this.topic}/#`], { qos: 0 }, (err) =>
        err ? reject(new Error(`Cannot subscribe to ${this.topic}: ${err.message}`)) : resolve()
      )
    )
  }

  /** Disconnect. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true
    this.timer?.cancel()
    this.timer = null
    const c = this.client
    this.client = null
    if (c) await new Promise<void>((r) => c.end(true, {}, () => r()))
  }

  private emitPublication(msgs: MqttMessage[]): void {
    const fw = detectFirmware(msgs, this.topic, this.opts.firmware) ?? this.firmware
    if (!fw) return
    this.firmware = fw
    const objs = publicationToObjects(decodePublication(msgs, this.topic, fw))
    if (objs.length) this.emit('objects', objs, msgs[msgs.length - 1].t)
  }

  private onMessage(m: MqttMessage): void {
    this.messages++
    if (m.topic === this.topic) {
      if (/^\s*\{/.test(m.payload)) this.emitPublication([m])
      return
    }
    if (!m.topic.startsWith(`${this.topic}/`)) return
    this.pending.push(m)
    this.timer?.cancel()
    this.timer = this.clock.setTimeout(() => this.flush(), this.opts.burstGapMs ?? 300)
  }

  private flush(): void {
    this.timer = null
    const msgs = this.pending
    this.pending = []
    if (msgs.length) this.emitPublication(msgs)
  }
}
