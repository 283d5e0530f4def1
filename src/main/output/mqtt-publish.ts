/**
 * MQTT publish of every decoded telegram (MQTT.js): P1 Studio as the SmartyReader of the
 * house, for Home Assistant, Node-RED, Telegraf, openHAB…
 *
 * Topics under a configurable prefix (default `p1studio`):
 * - `<prefix>/<name>`: one value per topic, the number in the display unit as text ("6.695",
 *   kWh/kW/V/A…), timestamps as ISO 8601, text as text; retained (the broker keeps the state).
 *   Names: `energy_import`, `power_import_l1`, `voltage_l1`, `mbus1_reading`… (telegram-values.ts),
 *   or the OBIS codes themselves (`<prefix>/1-0:1.8.0`) with naming 'obis'.
 * - `<prefix>/telegram`: one JSON object per telegram (meter_id, system_title, frame_counter,
 *   meter_time, received_at, identification, values, units), retained.
 * - `<prefix>/status`: `online` (birth, retained, on every connection) / `offline` (the
 *   broker's will when P1 Studio vanishes, and on a clean close).
 * - with Home Assistant discovery: `<discovery prefix>/sensor/<node>/<id>/config` (ha-discovery.ts),
 *   retained, sent for each value the first time a meter sends it, again after every
 *   reconnection and when Home Assistant announces itself (`homeassistant/status` = online).
 *
 * Nothing is queued while the broker is away (a broker down for a week must not fill the
 * memory): the next telegram after the reconnection brings every value up to date, and the
 * last values are republished at once on reconnecting. Never throws on a telegram.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import { meterIdOf } from '../../shared/history'
import type { DecodedTelegram } from '../../shared/types'
import { haDiscoveryConfigs } from './ha-discovery'
import { identityOf, telegramValues, type NamedValue, type TelegramIdentity, type ValueNaming } from './telegram-values'
import { redactBrokerUrl } from '../../shared/broker-url'

/** Options of {@link MqttPublisher}. */
export interface MqttPublishOptions {
  /** Broker URL: mqtt://host:1883, mqtts://host:8883, ws://, wss:// (credentials here are redacted from messages). */
  url: string
  username?: string
  password?: string
  /** PEM CA of a TLS broker with its own CA. */
  ca?: string
  /** Check the broker's certificate (default true). */
  rejectUnauthorized?: boolean
  /** Topic prefix, default "p1studio" (no wildcards, no leading or trailing slash). */
  prefix?: string
  /** 'name' (default: energy_import…) or 'obis' (1-0:1.8.0…) topics. */
  naming?: ValueNaming
  /** Home Assistant MQTT discovery: true, or the discovery prefix to use (default "homeassistant"). */
  homeAssistant?: boolean | { discoveryPrefix?: string }
  /** P1 Studio's version, for the discovery documents' origin. */
  appVersion: string
  /** Delay between reconnection attempts, ms (default 5000). */
  reconnectMs?: number
}

/** Connection state in plain words. */
export interface MqttPublishStatus {
  connected: boolean
  message: string
}

/** What was published, for status displays and the soak benchmark. */
export interface MqttPublishCounts {
  telegrams: number
  messages: number
  /** Telegrams not published because the broker was away. */
  skipped: number
}

/** The broker URL without user:password (src/shared/broker-url.ts). */
export { redactBrokerUrl }

/** A connection problem in plain words. */
export function explainBrokerError(err: Error & { code?: string | number }, url: string): string {
  const where = redactBrokerUrl(url)
  const m = `${err.code ?? ''} ${err.message}`
  if (/Not authori[sz]ed|Bad user ?name or password/i.test(err.message) || [4, 5, 134, 135].includes(err.code as number))
    return `The broker at ${where} refused the user name or password.`
  if (/CERT|certificate|self[- ]signed|SSL|TLS|wrong version number|EPROTO/i.test(m))
    return `TLS with ${where} failed (${err.message}): check mqtts:// and the port (8883), and give the broker's CA certificate.`
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return `The broker's host name in ${where} does not resolve.`
  if (/ECONNREFUSED/.test(m)) return `Nothing accepts connections at ${where}: is the broker running, and is the port right?`
  return `The broker at ${where}: ${err.message}`
}

/** @throws RangeError in plain words for a prefix MQTT cannot publish under. */
export function checkTopicPrefix(prefix: string): string {
  if (
    !prefix ||
    /[+#]/.test(prefix) ||
    prefix.includes('\0') ||
    prefix.split('/').includes('') ||
    prefix.startsWith('/') ||
    prefix.endsWith('/') ||
    prefix.length > 200
  ) {
    throw new RangeError(`The MQTT prefix "${prefix}" cannot be used: no +, # or empty parts, no slash at either end (e.g. p1studio or home/meter).`)
  }
  return prefix
}

interface MeterState {
  identity: TelegramIdentity
  values: NamedValue[]
  json: string
  discovered: Set<string>
}

/** Most meters kept for republishing (one P1 port = one meter; a bound against junk). */
const MAX_METERS = 16

/** Publishes decoded telegrams to an MQTT broker. Events: 'status'. */
export class MqttPublisher extends EventEmitter<{ status: [MqttPublishStatus] }> {
  readonly prefix: string
  readonly counts: MqttPublishCounts = { telegrams: 0, messages: 0, skipped: 0 }
  private client: MqttClient | null = null
  private readonly naming: ValueNaming
  private readonly discoveryPrefix: string | null
  private readonly meters = new Map<string, MeterState>()
  private lastStatus: MqttPublishStatus = { connected: false, message: 'Not connected yet.' }

  /** @throws RangeError for a bad prefix. */
  constructor(private readonly opts: MqttPublishOptions) {
    super()
    this.prefix = checkTopicPrefix(opts.prefix ?? 'p1studio')
    this.naming = opts.naming ?? 'name'
    const ha = opts.homeAssistant
    this.discoveryPrefix = ha ? checkTopicPrefix((typeof ha === 'object' && ha.discoveryPrefix) || 'homeassistant') : null
  }

  /** The last status. */
  get status(): MqttPublishStatus {
    return this.lastStatus
  }

  get connected(): boolean {
    return this.client?.connected ?? false
  }

  private setStatus(connected: boolean, message: string): void {
    if (connected === this.lastStatus.connected && message === this.lastStatus.message) return
    this.lastStatus = { connected, message }
    this.emit('status', this.lastStatus)
  }

  /**
   * Connect (in the background: it keeps trying every `reconnectMs` until {@link close}).
   * @throws Error in plain words only for a malformed URL.
   */
  start(): void {
    if (this.client) return
    const statusTopic = `${this.prefix}/status`
    const options: IClientOptions = {
      clientId: `p1studio-pub-${randomBytes(4).toString('hex')}`,
      username: this.opts.username || undefined,
      password: this.opts.password || undefined,
      ca: this.opts.ca || undefined,
      rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
      reconnectPeriod: this.opts.reconnectMs ?? 5000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      clean: true,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true }
    }
    let client: MqttClient
    try {
      client = connect(this.opts.url, options)
    } catch (e) {
      throw new Error(`The broker URL ${redactBrokerUrl(this.opts.url)} cannot be used: ${(e as Error).message}`, { cause: e })
    }
    this.client = client
    const where = redactBrokerUrl(this.opts.url)
    client.on('connect', () => {
      this.setStatus(true, `Publishing to ${where} under ${this.prefix}/.`)
      client.publish(statusTopic, 'online', { qos: 1, retain: true })
      if (this.discoveryPrefix) client.subscribe(`${this.discoveryPrefix}/status`, { qos: 1 })
      // the broker may have lost its retained copies (restart without persistence): send the state again
      for (const m of this.meters.values()) {
        m.discovered.clear()
        this.send(m)
      }
    })
    client.on('message', (topic, payload) => {
      // Home Assistant (re)started: it asks for the discovery documents again
      if (this.discoveryPrefix && topic === `${this.discoveryPrefix}/status` && payload.toString() === 'online') {
        for (const m of this.meters.values()) {
          m.discovered.clear()
          this.send(m)
        }
      }
    })
    client.on('error', (err) =>
      this.setStatus(false, `${explainBrokerError(err, this.opts.url)} Retrying every ${Math.round((this.opts.reconnectMs ?? 5000) / 1000)} s.`)
    )
    client.on('offline', () => {
      if (this.lastStatus.connected) this.setStatus(false, `Lost the broker at ${where}; reconnecting.`)
    })
  }

  /** Publish a decoded telegram (its values, its JSON, discovery for new values). Never throws. */
  publish(t: DecodedTelegram): void {
    const meterId = meterIdOf(t.telegram, t.dlms?.systemTitle ?? null)
    let m = this.meters.get(meterId)
    if (!m && this.meters.size >= MAX_METERS) return
    const identity = identityOf(t, meterId)
    const values = telegramValues(t.telegram, this.naming)
    const json = JSON.stringify({
      meter_id: identity.meterId,
      system_title: identity.systemTitle,
      frame_counter: identity.frameCounter,
      meter_time: identity.meterTime,
      received_at: identity.receivedAt,
      identification: identity.identification,
      values: Object.fromEntries(values.map((v) => [v.name, v.value])),
      units: Object.fromEntries(values.filter((v) => v.unit !== null).map((v) => [v.name, v.unit]))
    })
    if (!m) this.meters.set(meterId, (m = { identity, values, json, discovered: new Set() }))
    else Object.assign(m, { identity, values, json })
    this.counts.telegrams++
    if (!this.connected) {
      this.counts.skipped++
      return
    }
    this.send(m)
  }

  /** Discovery for values not announced yet, then every value and the JSON. */
  private send(m: MeterState): void {
    const c = this.client
    if (!c?.connected) return
    try {
      if (this.discoveryPrefix) {
        const fresh = m.values.filter((v) => !m.discovered.has(v.name))
        if (fresh.length) {
          for (const d of haDiscoveryConfigs(m.identity, fresh, {
            discoveryPrefix: this.discoveryPrefix,
            prefix: this.prefix,
            appVersion: this.opts.appVersion
          })) {
            c.publish(d.topic, JSON.stringify(d.config), { qos: 1, retain: true })
            this.counts.messages++
          }
          for (const v of fresh) m.discovered.add(v.name)
        }
      }
      for (const v of m.values) {
        c.publish(`${this.prefix}/${v.name}`, String(v.value), { qos: 0, retain: true })
        this.counts.messages++
      }
      c.publish(`${this.prefix}/telegram`, m.json, { qos: 0, retain: true })
      this.counts.messages++
    } catch {
      /* the client reports connection problems through its events */
    }
  }

  /** Say `offline`, disconnect, stop reconnecting. Idempotent. */
  async close(): Promise<void> {
    const c = this.client
    if (!c) return
    this.client = null
    if (c.connected) {
      await new Promise<void>((resolve) => c.publish(`${this.prefix}/status`, 'offline', { qos: 1, retain: true }, () => resolve()))
    }
    await c.endAsync()
    this.setStatus(false, 'Closed.')
  }
}
