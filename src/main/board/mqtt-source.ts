/**
 * A board's MQTT output as a live data source: subscribes to TOPIC and TOPIC/# and turns what
 * the SmartyReader v1.7 sketch publishes back into OBIS objects, so the live view can show a
 * board's data without the P1 port.
 *
 * - Per-field topics (`TOPIC/<name>_<unit>`, PUBLISH_COOKED off): collected while a
 *   publication burst lasts, emitted once it is quiet for `burstGapMs`; values as the sketch
 *   formats them (2 decimals for 'f' fields), units from its table.
 * - Cooked JSON on TOPIC: the calculated values that copy a telegram value are mapped back
 *   (W → kW, see COOKED_TO_OBIS), plus smarty_id (0-0:42.0.0) and smarty_datetime (0-0:1.0.0);
 *   emitted at once.
 *
 * Events: 'objects' (objects, receive time ms), 'error' (plain sentence), 'end' (why it stopped).
 */
import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'
import type { BoardObject } from '../../shared/board'
import { COOKED_TEXT_TO_OBIS, COOKED_TO_OBIS, FIELD_BY_TOPIC } from './firmware-fields'
import { connectMqtt, redactUrl, type MqttConnectOptions } from './mqtt-verify'

export interface MqttFieldSourceEvents {
  objects: [objects: BoardObject[], receivedAt: number]
  error: [message: string]
  end: [reason: string]
}

/**
 * Map one burst of per-field messages (sub-topic → payload) to OBIS objects. Pure.
 * Unknown sub-topics (calculated values, ntp_datetime) are left out.
 */
export function fieldsToObjects(fields: Map<string, string>): BoardObject[] {
  const out: BoardObject[] = []
  for (const [sub, payload] of fields) {
    const f = FIELD_BY_TOPIC.get(sub)
    if (!f || !f.obis) continue
    const n = Number(payload)
    const numeric = (f.type === 'f' || f.type === 'i') && payload.trim() !== '' && Number.isFinite(n)
    out.push({ obis: f.obis, value: numeric ? n : payload === '' ? null : payload, unit: f.unit || null })
  }
  return out
}

/** Map a cooked JSON object to OBIS objects (powers back to kW). Pure. */
export function cookedToObjects(json: Record<string, unknown>): BoardObject[] {
  const out: BoardObject[] = []
  for (const [k, obis] of Object.entries(COOKED_TEXT_TO_OBIS)) {
    const v = json[k]
    if (typeof v === 'string') out.push({ obis, value: v, unit: null })
  }
  for (const [k, m] of Object.entries(COOKED_TO_OBIS)) {
    const v = json[k]
    if (typeof v === 'number') out.push({ obis: m.obis, value: Math.round((v / m.factor) * 1e6) / 1e6, unit: m.unit })
  }
  return out
}

/** Live OBIS objects from a SmartyReader's MQTT topic. */
export class MqttFieldSource extends EventEmitter<MqttFieldSourceEvents> {
  /** Messages received. */
  messages = 0
  private client: MqttClient | null = null
  private pending = new Map<string, string>()
  private timer: NodeJS.Timeout | null = null
  private stopping = false
  readonly topic: string

  constructor(
    readonly opts: MqttConnectOptions & { topic: string; burstGapMs?: number }
  ) {
    super()
    this.topic = opts.topic.replace(/\/+$/, '')
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
    client.on('message', (t, payload) => this.onMessage(t, payload.toString('utf8')))
    client.on('close', () => {
      if (this.stopping) return
      this.client = null
      this.emit('end', `The connection to ${redactUrl(this.opts.url)} was lost.`)
    })
    client.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e.message)
    })
    await new Promise<void>((resolve, reject) =>
      client.subscribe([this.topic, `${this.topic}/#`], { qos: 0 }, (err) => (err ? reject(new Error(`Cannot subscribe to ${this.topic}: ${err.message}`)) : resolve()))
    )
  }

  /** Disconnect. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const c = this.client
    this.client = null
    if (c) await new Promise<void>((r) => c.end(true, {}, () => r()))
  }

  private onMessage(topic: string, payload: string): void {
    this.messages++
    if (topic === this.topic) {
      if (!/^\s*\{/.test(payload)) return
      try {
        const objs = cookedToObjects(JSON.parse(payload) as Record<string, unknown>)
        if (objs.length) this.emit('objects', objs, Date.now())
      } catch {
        /* not JSON: ignore */
      }
      return
    }
    if (!topic.startsWith(`${this.topic}/`)) return
    this.pending.set(topic.slice(this.topic.length + 1), payload)
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.flush(), this.opts.burstGapMs ?? 300)
  }

  private flush(): void {
    this.timer = null
    const objs = fieldsToObjects(this.pending)
    this.pending = new Map()
    if (objs.length) this.emit('objects', objs, Date.now())
  }
}
