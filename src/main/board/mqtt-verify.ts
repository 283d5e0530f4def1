/**
 * Verify a board's MQTT output against its configuration and, when a P1 source is open,
 * against the meter's own telegrams — the runner of the verification, split like
 * src/main/diagnostics: I/O here (MQTT.js client, subscription, timers on a clock) → evidence
 * (mqtt-evidence.ts: every message with its receive time, the meter's telegrams) → pure checks
 * (mqtt-checks.ts: firmware detection, interval, fields, values → verdict) → report.
 *
 * Connects with MQTT.js (mqtt://, mqtts:// with CA and certificate check, ws://, wss://; user
 * and password), subscribes to TOPIC and TOPIC/#, listens until three publications were seen
 * and the topic is quiet (or the time limit), then judges. Receive times come from the clock
 * given (`clock`, default the system clock): tests drive it virtually at the firmware's real
 * intervals. Firmware generations: SmartyReader v1.5, v1.6, v1.7 and ESPHome dsmr (docs/board.md).
 */
import { randomBytes } from 'node:crypto'
import type { IClientOptions, MqttClient } from 'mqtt'
import type { BoardObject, FirmwareGeneration, MqttVerdictCode, MqttVerifyProgress, MqttVerifyReport } from '../../shared/board'
import type { MqttMessage } from './firmware-decode'
import { defaultIntervalS, judgeMqtt } from './mqtt-checks'
import { systemClock, type Clock, type ClockTimer } from '../line/clock'
import { MqttEvidenceCollector, burstGapMs, publications } from './mqtt-evidence'
import { redactBrokerUrl } from '../../shared/broker-url'

/** Where and how to connect. */
export interface MqttConnectOptions {
  url: string
  username?: string
  password?: string
  /** PEM CA for TLS brokers with their own CA. */
  ca?: string
  /** Check the broker certificate (default true). */
  rejectUnauthorized?: boolean
  /** Connect timeout, ms (default 5000). */
  connectTimeoutMs?: number
}

/** The latest decoded P1 telegram of the open source, or null (none open, nothing decoded yet). */
export type ReferenceFn = () => BoardObject[] | null

/** Options of {@link verifyMqtt}. */
export interface VerifyOptions extends MqttConnectOptions {
  /** Base topic (MQTT_TOPIC_OUT, or ESPHome's topic_prefix). */
  topic: string
  /** Expected publish interval, s (PUBLISH_TIME / 1000); absent: the detected firmware's default (v1.5 20 s, v1.6/v1.7 60 s, ESPHome 10 s). */
  intervalS?: number
  /** Allowed lateness, s (default 10 + 20 % of the interval). */
  toleranceS?: number
  /** Longest listening time, s (default 3 intervals + tolerance + 5). */
  durationS?: number
  /** The profile's PUBLISH_COOKED ('fields' / 'cooked'); another format found is a warning. 'auto': no expectation. */
  mode?: 'auto' | 'fields' | 'cooked'
  /** The firmware the profile names; another one found is a warning. Absent or 'auto': none expected. */
  firmware?: FirmwareGeneration | 'auto'
  /** The firmware publishes ntp_datetime (GET_NTP_TIME, on by default). */
  ntp?: boolean
  reference?: ReferenceFn
  onProgress?: (p: MqttVerifyProgress) => void
  /** Each message as it arrives (receive time from the clock; retained = the broker's copy from before listening). */
  onMessage?: (m: MqttMessage) => void
  signal?: AbortSignal
  /** Time source (src/main/line/clock.ts; default the system clock): receive times, the listening limit, the quiet gap. */
  clock?: Clock
}

/** The URL without user:password (src/shared/broker-url.ts). */
export const redactUrl = redactBrokerUrl

/** Why a connection failed, as a verdict code and a sentence. */
export function explainMqttError(err: Error & { code?: string | number }, url: string): { code: MqttVerdictCode; message: string } {
  const m = `${err.code ?? ''} ${err.message}`
  const where = redactUrl(url)
  // CONNACK return codes 4/5 (MQTT 3.1.1) and reason codes 134/135 (MQTT 5): bad credentials / not authorized
  if (/Not authori[sz]ed|Bad user ?name or password/i.test(err.message) || [4, 5, 134, 135].includes(err.code as number)) {
    return { code: 'broker_auth_failed', message: `The broker at ${where} refused the user name or password.` }
  }
  if (/CERT|certificate|self[- ]signed|SSL|TLS|wrong version number|EPROTO/i.test(m)) {
    return {
      code: 'broker_tls_error',
      message: `TLS with ${where} failed (${err.message}). Check mqtts:// against mqtt://, the port (8883 for TLS), and give the broker's CA certificate.`
    }
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return { code: 'broker_unreachable', message: `The broker's host name in ${where} does not resolve.` }
  if (/ECONNREFUSED/.test(m))
    return {
      code: 'broker_unreachable',
      message: `Nothing accepts connections at ${where} (connection refused): is the broker running, and is the port right?`
    }
  return { code: 'broker_unreachable', message: `Cannot reach the broker at ${where}: ${err.message}` }
}

/**
 * Connect an MQTT.js client (no automatic reconnect).
 * @throws Error with `verdict` (broker_unreachable / broker_auth_failed / broker_tls_error) and a plain message
 */
export async function connectMqtt(o: MqttConnectOptions, clientIdPrefix = 'p1studio'): Promise<MqttClient> {
  // MQTT.js is loaded when a board's broker is first asked, not with the board service
  const { connect } = await import('mqtt')
  const opts: IClientOptions = {
    clientId: `${clientIdPrefix}-${randomBytes(4).toString('hex')}`,
    username: o.username || undefined,
    password: o.password || undefined,
    ca: o.ca || undefined,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
    connectTimeout: o.connectTimeoutMs ?? 5000,
    reconnectPeriod: 0,
    clean: true
  }
  return new Promise<MqttClient>((resolve, reject) => {
    let client: MqttClient
    try {
      client = connect(o.url, opts)
    } catch (e) {
      return reject(
        Object.assign(new Error(`Invalid broker URL ${redactUrl(o.url)}: ${(e as Error).message}`), { verdict: 'broker_unreachable' as MqttVerdictCode })
      )
    }
    const timer = setTimeout(() => fail(Object.assign(new Error('no answer (timeout)'), { code: 'ETIMEDOUT' })), (o.connectTimeoutMs ?? 5000) + 1000)
    const fail = (err: Error): void => {
      clearTimeout(timer)
      client.removeAllListeners()
      client.on('error', () => undefined)
      client.end(true)
      const x = explainMqttError(err, o.url)
      reject(Object.assign(new Error(x.message), { verdict: x.code }))
    }
    client.once('connect', () => {
      clearTimeout(timer)
      client.removeAllListeners('error')
      client.removeAllListeners('close')
      client.on('error', () => undefined)
      resolve(client)
    })
    client.once('error', fail)
    client.once('close', () => fail(Object.assign(new Error('the connection closed before the broker answered'), { code: 'ECONNRESET' })))
  })
}

/** How often the listening loop looks at what arrived, ms (on the clock). */
const TICK_MS = 200

/**
 * Listen and judge. Never throws: connection problems are the `broker` check's verdict.
 * Cancel with `signal` (it then judges what it heard).
 */
export async function verifyMqtt(o: VerifyOptions): Promise<MqttVerifyReport> {
  const clock = o.clock ?? systemClock
  const started = clock.now()
  const topic = o.topic.replace(/\/+$/, '')
  const expectedFirmware = o.firmware && o.firmware !== 'auto' ? o.firmware : null
  const planS = o.intervalS ?? defaultIntervalS(expectedFirmware)
  const tolS = o.toleranceS ?? 10 + 0.2 * planS
  const limitS = o.durationS ?? 3 * planS + tolS + 5
  const gapMs = burstGapMs(o.intervalS ?? Math.min(planS, 10))
  const url = redactUrl(o.url)
  const ev = new MqttEvidenceCollector({
    url,
    topic,
    user: o.username ?? null,
    startedAt: started,
    expect: { intervalS: o.intervalS ?? null, toleranceS: o.toleranceS ?? null, mode: o.mode ?? 'auto', ntp: o.ntp ?? true, firmware: expectedFirmware }
  })
  const progress = (phase: MqttVerifyProgress['phase']): void => {
    const msgs = ev.evidence.messages
    o.onProgress?.({ phase, elapsedS: (clock.now() - started) / 1000, limitS, messages: msgs.length, publications: publications(msgs, gapMs).length })
  }
  const report = (): MqttVerifyReport => {
    const j = judgeMqtt(ev.evidence)
    return {
      verdict: j.verdict,
      summary: j.summary,
      checks: j.checks,
      url,
      topic,
      mode: j.mode,
      firmware: j.firmware,
      startedAt: new Date(started).toISOString(),
      durationS: round((clock.now() - started) / 1000, 2)
    }
  }

  progress('connecting')
  let client: MqttClient
  try {
    client = await connectMqtt(o, 'p1studio-verify')
  } catch (e) {
    const err = e as Error & { verdict: MqttVerdictCode }
    ev.connectionFailed(err.verdict, err.message, clock.now())
    progress('done')
    return report()
  }
  const pollRef = (): void => {
    try {
      ev.reference(o.reference?.() ?? null, clock.now())
    } catch {
      /* a failing reference is no reference */
    }
  }
  try {
    client.on('message', (t, payload, packet) => {
      const m: MqttMessage = { topic: t, payload: payload.toString('utf8'), t: clock.now(), retained: packet.retain === true }
      pollRef()
      ev.message(m)
      o.onMessage?.(m)
      if (ev.evidence.subscribedAt !== null) progress('listening')
    })
    await new Promise<void>((resolve) => client.subscribe([topic, `${topic}/#`], { qos: 0 }, () => resolve()))
    pollRef()
    ev.subscribed(clock.now())
    progress('listening')
    await new Promise<void>((resolve) => {
      let timer: ClockTimer | null = null
      const stop = (): void => {
        timer?.cancel()
        o.signal?.removeEventListener('abort', stop)
        resolve()
      }
      if (o.signal?.aborted) return stop()
      o.signal?.addEventListener('abort', stop)
      const tick = (): void => {
        pollRef()
        const now = clock.now()
        const fresh = ev.evidence.messages.filter((m) => !m.retained)
        const quiet = fresh.length > 0 && now - fresh[fresh.length - 1].t > gapMs
        progress('listening')
        if ((publications(fresh, gapMs).length >= 3 && quiet) || now - started >= limitS * 1000) return stop()
        timer = clock.setTimeout(tick, TICK_MS)
      }
      timer = clock.setTimeout(tick, TICK_MS)
    })
  } finally {
    client.end(true)
  }
  ev.ended(clock.now())
  progress('done')
  return report()
}

function round(n: number, d = 1): number {
  const f = 10 ** d
  return Math.round(n * f) / f
}
