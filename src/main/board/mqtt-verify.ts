/**
 * Verify a SmartyReader board's MQTT output against its configuration and, when a P1 source
 * is open, against the meter's own telegrams. Connects with MQTT.js (mqtt://, mqtts:// with
 * CA and certificate check, ws://, wss://; user and password), subscribes to TOPIC and
 * TOPIC/#, listens until three publications were seen (or the time limit), then judges, like
 * the diagnostics wizard, with one verdict and a check per step:
 *
 * 1. broker    — connection (unreachable / refused credentials / TLS)
 * 2. messages  — anything arrives on the topic at all
 * 3. interval  — publications (bursts of messages) come every PUBLISH_TIME, within a tolerance
 *               (the sketch publishes on the first telegram after PUBLISH_TIME, so up to one
 *               meter cadence, 10 s, late)
 * 4. fields    — the fields the v1.7 sketch publishes are there (per-field topics
 *               `TOPIC/<name>_<unit>`, or the PUBLISH_COOKED JSON on TOPIC); see firmware-fields.ts
 * 5. values    — the values agree with the P1 telegram of the same meter time read directly
 *               (`reference()`), within the sketch's rounding (String(double): 2 decimals)
 *
 * Verdict: the first failing check's code, else `values_not_compared` when no reference was
 * available, else `ok`.
 */
import { randomBytes } from 'node:crypto'
import { connect, type IClientOptions, type MqttClient } from 'mqtt'
import type { BoardObject, MqttCheckResult, MqttVerdictCode, MqttVerifyProgress, MqttVerifyReport } from '../../shared/board'
import {
  CALCULATED_FIELDS,
  COOKED_TEXT_TO_OBIS,
  COOKED_TO_OBIS,
  DSMR_FIELDS,
  FIELD_BY_TOPIC,
  REQUIRED_COOKED_KEYS,
  REQUIRED_FIELD_TOPICS,
  fieldTopic,
  firmwareTimestamp
} from './firmware-fields'

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
  /** Base topic (MQTT_TOPIC_OUT). */
  topic: string
  /** Expected publish interval, s (PUBLISH_TIME / 1000). */
  intervalS: number
  /** Allowed lateness, s (default 10 + 20 % of the interval). */
  toleranceS?: number
  /** Longest listening time, s (default 3 intervals + tolerance + 5). */
  durationS?: number
  /** 'auto' detects per-field topics or the cooked JSON. */
  mode?: 'auto' | 'fields' | 'cooked'
  /** The firmware publishes ntp_datetime (GET_NTP_TIME, on by default). */
  ntp?: boolean
  reference?: ReferenceFn
  onProgress?: (p: MqttVerifyProgress) => void
  signal?: AbortSignal
}

interface Msg {
  topic: string
  payload: string
  t: number
}

/** The URL without user:password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//')
  }
}

/** Why a connection failed, as a verdict code and a sentence. */
export function explainMqttError(err: Error & { code?: string | number }, url: string): { code: MqttVerdictCode; message: string } {
  const m = `${err.code ?? ''} ${err.message}`
  const where = redactUrl(url)
  // CONNACK return codes 4/5 (MQTT 3.1.1) and reason codes 134/135 (MQTT 5): bad credentials / not authorized
  if (/Not authori[sz]ed|Bad user ?name or password/i.test(err.message) || [4, 5, 134, 135].includes(err.code as number)) {
    return { code: 'broker_auth_failed', message: `The broker at ${where} refused the user name or password.` }
  }
  if (/CERT|certificate|self[- ]signed|SSL|TLS|wrong version number|EPROTO/i.test(m)) {
    return { code: 'broker_tls_error', message: `TLS with ${where} failed (${err.message}). Check mqtts:// against mqtt://, the port (8883 for TLS), and give the broker's CA certificate.` }
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return { code: 'broker_unreachable', message: `The broker's host name in ${where} does not resolve.` }
  if (/ECONNREFUSED/.test(m)) return { code: 'broker_unreachable', message: `Nothing accepts connections at ${where} (connection refused): is the broker running, and is the port right?` }
  return { code: 'broker_unreachable', message: `Cannot reach the broker at ${where}: ${err.message}` }
}

/**
 * Connect an MQTT.js client (no automatic reconnect).
 * @throws Error with `verdict` (broker_unreachable / broker_auth_failed / broker_tls_error) and a plain message
 */
export function connectMqtt(o: MqttConnectOptions, clientIdPrefix = 'p1studio'): Promise<MqttClient> {
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
      return reject(Object.assign(new Error(`Invalid broker URL ${redactUrl(o.url)}: ${(e as Error).message}`), { verdict: 'broker_unreachable' as MqttVerdictCode }))
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

const asNumber = (s: string): number | null => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null)

/** The meter-time key of a reference telegram ("YYYY-MM-DDThh:mm:ss"), null if it has none. */
function refTime(objs: BoardObject[]): string | null {
  const t = objs.find((o) => o.obis === '0-0:1.0.0')?.value
  return typeof t === 'string' ? firmwareTimestamp(t) : null
}

/** Split messages into publications: bursts separated by quiet gaps. */
function bursts(msgs: Msg[], gapMs: number): Msg[][] {
  const out: Msg[][] = []
  for (const m of msgs) {
    const last = out[out.length - 1]
    if (last && m.t - last[last.length - 1].t <= gapMs) last.push(m)
    else out.push([m])
  }
  return out
}

/**
 * Listen and judge. Never throws: connection problems are the `broker` check's verdict.
 * Cancel with `signal` (it then judges what it heard).
 */
export async function verifyMqtt(o: VerifyOptions): Promise<MqttVerifyReport> {
  const started = Date.now()
  const topic = o.topic.replace(/\/+$/, '')
  const intervalS = o.intervalS
  const tolS = o.toleranceS ?? 10 + 0.2 * intervalS
  const limitS = o.durationS ?? 3 * intervalS + tolS + 5
  const gapMs = Math.min(2000, (intervalS * 1000) / 3)
  const url = redactUrl(o.url)
  const checks: MqttCheckResult[] = []
  const report = (mode: MqttVerifyReport['mode']): MqttVerifyReport => finish(checks, url, topic, mode, started)
  const progress = (phase: MqttVerifyProgress['phase'], messages: number, publications: number): void =>
    o.onProgress?.({ phase, elapsedS: (Date.now() - started) / 1000, limitS, messages, publications })

  progress('connecting', 0, 0)
  let client: MqttClient
  try {
    client = await connectMqtt(o, 'p1studio-verify')
  } catch (e) {
    const err = e as Error & { verdict: MqttVerdictCode }
    checks.push({ id: 'broker', title: 'Broker connection', status: 'fail', code: err.verdict, summary: err.message, evidence: { url }, advice: brokerAdvice(err.verdict) })
    for (const id of ['messages', 'interval', 'fields', 'values'] as const) checks.push(skipped(id, 'Not checked: no broker connection.'))
    progress('done', 0, 0)
    return report('unknown')
  }
  checks.push({ id: 'broker', title: 'Broker connection', status: 'pass', code: null, summary: `Connected to ${url}${o.username ? ` as ${o.username}` : ''}.`, evidence: { url, user: o.username ?? null }, advice: null })

  const msgs: Msg[] = []
  const refs = new Map<string, BoardObject[]>()
  let sawReference = false
  const pollRef = (): void => {
    const r = o.reference?.()
    if (!r || r.length === 0) return
    sawReference = true
    const t = refTime(r)
    if (t && !refs.has(t)) {
      refs.set(t, r)
      if (refs.size > 120) refs.delete(refs.keys().next().value as string)
    }
  }
  pollRef()
  const subscribedAt = Date.now()
  await new Promise<void>((resolve) => {
    client.on('message', (t, payload) => {
      msgs.push({ topic: t, payload: payload.toString('utf8'), t: Date.now() })
    })
    client.subscribe([topic, `${topic}/#`], { qos: 0 }, () => undefined)
    const tick = setInterval(() => {
      pollRef()
      const b = bursts(msgs, gapMs)
      const quiet = msgs.length > 0 && Date.now() - msgs[msgs.length - 1].t > gapMs
      progress('listening', msgs.length, b.length)
      const enough = b.length >= 3 && quiet
      if (enough || Date.now() - started >= limitS * 1000 || o.signal?.aborted) {
        clearInterval(tick)
        resolve()
      }
    }, 100)
  })
  client.end(true)

  const pubs = bursts(msgs, gapMs)
  progress('done', msgs.length, pubs.length)
  const listenedS = (Date.now() - subscribedAt) / 1000

  // 2. messages
  if (msgs.length === 0) {
    checks.push({
      id: 'messages',
      title: 'Messages from the board',
      status: 'fail',
      code: 'no_messages',
      summary: `Nothing arrived on ${topic} or ${topic}/# in ${listenedS.toFixed(0)} s.`,
      evidence: { listenedS: round(listenedS), topic },
      advice:
        'Check that the board is powered and on the network (its UDP log on port 6666 says why), that MQTT_SERVER and the port point at this broker, that MQTT_TOPIC_OUT is this topic, and — with MQTTPASSWORD — that the user may publish there.'
    })
    for (const id of ['interval', 'fields', 'values'] as const) checks.push(skipped(id, 'Not checked: no messages.'))
    return report('unknown')
  }
  const topics = [...new Set(msgs.map((m) => m.topic))]
  checks.push({ id: 'messages', title: 'Messages from the board', status: 'pass', code: null, summary: `${msgs.length} messages on ${topics.length} topics in ${pubs.length} publication${pubs.length === 1 ? '' : 's'}.`, evidence: { messages: msgs.length, topics: topics.length, publications: pubs.length }, advice: null })

  // 3. interval
  checks.push(intervalCheck(pubs, subscribedAt, Date.now(), intervalS, tolS))

  // mode
  const last = pubs[pubs.length - 1]
  const cookedMsg = [...msgs].reverse().find((m) => m.topic === topic && /^\s*\{/.test(m.payload))
  let cooked: Record<string, unknown> | null = null
  if (cookedMsg) {
    try {
      cooked = JSON.parse(cookedMsg.payload) as Record<string, unknown>
    } catch {
      cooked = null
    }
  }
  const fieldMsgs = new Map<string, string>()
  for (const m of last) if (m.topic.startsWith(`${topic}/`)) fieldMsgs.set(m.topic.slice(topic.length + 1), m.payload)
  const hasFields = [...fieldMsgs.keys()].some((k) => FIELD_BY_TOPIC.has(k))
  const mode: 'fields' | 'cooked' | 'unknown' = o.mode && o.mode !== 'auto' ? o.mode : cooked ? 'cooked' : hasFields ? 'fields' : 'unknown'

  // 4. fields, 5. values
  const latestRef = [...refs.values()].pop() ?? null
  checks.push(fieldsCheck(mode, topic, cooked, fieldMsgs, latestRef, o.ntp ?? true))
  checks.push(valuesCheck(mode, cooked, fieldMsgs, refs, sawReference))
  return report(mode)
}

function round(n: number, d = 1): number {
  const f = 10 ** d
  return Math.round(n * f) / f
}

function skipped(id: MqttCheckResult['id'], summary: string): MqttCheckResult {
  const titles = { broker: 'Broker connection', messages: 'Messages from the board', interval: 'Publish interval', fields: 'Published fields', values: 'Values against the meter' }
  return { id, title: titles[id], status: 'skip', code: null, summary, evidence: {}, advice: null }
}

function brokerAdvice(code: MqttVerdictCode): string {
  if (code === 'broker_auth_failed') return 'Use the user and password the board uses (MY_MQTT_USER / MY_MQTT_PASS), or a user allowed to read the topic.'
  if (code === 'broker_tls_error') return 'For a self-signed broker give its CA certificate, or test without TLS on port 1883 first.'
  return 'Check the broker address and port (MQTT_SERVER, MY_MQTT_PORT), that the broker runs, and that this computer is on the same network.'
}

function intervalCheck(pubs: Msg[][], subscribedAt: number, endedAt: number, intervalS: number, tolS: number): MqttCheckResult {
  const title = 'Publish interval'
  const starts = pubs.map((p) => p[0].t)
  const gaps = starts.slice(1).map((t, i) => (t - starts[i]) / 1000)
  // the first publication must come within one interval (+ tolerance) of subscribing, and so
  // must the next one after the last (time listened after it)
  const firstWaitS = (starts[0] - subscribedAt) / 1000
  const tailS = (endedAt - starts[starts.length - 1]) / 1000
  const limit = intervalS + tolS
  const evidence = { expectedIntervalS: intervalS, toleranceS: round(tolS), intervalsS: gaps.map((g) => round(g, 2)), firstWaitS: round(firstWaitS, 2), publications: pubs.length }
  const late = gaps.filter((g) => g > limit)
  if (late.length > 0 || firstWaitS > limit || (pubs.length < 3 && tailS > limit)) {
    const worst = Math.max(...gaps, firstWaitS, pubs.length < 3 ? tailS : 0)
    return {
      id: 'interval',
      title,
      status: 'fail',
      code: 'late_messages',
      summary: `Publications are late: up to ${round(worst)} s apart where ${intervalS} s (+${round(tolS)} s) are expected.`,
      evidence: { ...evidence, worstGapS: round(worst) },
      advice: 'Check PUBLISH_TIME in config.h, the Wi-Fi signal at the meter (the board reconnects and loses telegrams), and the P1 cable: the sketch only publishes after a telegram arrived.'
    }
  }
  if (gaps.length === 0) {
    return { id: 'interval', title, status: 'warn', code: null, summary: `Only one publication in the time listened; the interval could not be measured.`, evidence, advice: 'Listen longer (at least two intervals).' }
  }
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  if (mean < intervalS - tolS) {
    return { id: 'interval', title, status: 'warn', code: 'early_messages', summary: `Publications come every ${round(mean)} s, more often than the ${intervalS} s expected.`, evidence: { ...evidence, meanIntervalS: round(mean, 2) }, advice: 'PUBLISH_TIME in the board is shorter than the profile says; check the right config.h was flashed.' }
  }
  return { id: 'interval', title, status: 'pass', code: null, summary: `Every ${round(mean)} s (expected ${intervalS} s).`, evidence: { ...evidence, meanIntervalS: round(mean, 2) }, advice: null }
}

function fieldsCheck(mode: 'fields' | 'cooked' | 'unknown', topic: string, cooked: Record<string, unknown> | null, fieldMsgs: Map<string, string>, ref: BoardObject[] | null, ntp: boolean): MqttCheckResult {
  const title = 'Published fields'
  if (mode === 'unknown') {
    const seen = [...fieldMsgs.keys()].slice(0, 5)
    return {
      id: 'fields',
      title,
      status: 'fail',
      code: 'missing_fields',
      summary: `Messages arrive on ${topic}, but none is a SmartyReader v1.7 field${seen.length ? ` (seen: ${seen.join(', ')})` : ''}.`,
      evidence: { seen },
      advice: 'Is this the SmartyReader v1.7 firmware? Other firmware (ESPHome, Tasmota) publishes other topics.'
    }
  }
  let required: string[]
  let expected: string[]
  let present: Set<string>
  if (mode === 'cooked') {
    present = new Set(Object.keys(cooked ?? {}))
    required = [...REQUIRED_COOKED_KEYS]
    expected = ['smarty_datetime', 'smarty_id', ...CALCULATED_FIELDS.filter((f) => f.publish === 'y').map((f) => f.name), ...(ntp ? ['ntp_datetime'] : [])]
  } else {
    present = new Set(fieldMsgs.keys())
    required = [...REQUIRED_FIELD_TOPICS]
    const inRef = (obis: string): boolean => !ref || ref.some((r) => r.obis === obis && r.value !== null && r.value !== '')
    const dsmr = DSMR_FIELDS.filter((f) => f.publish === 'y' && (f.obis === '' ? true : ref ? inRef(f.obis) : REQUIRED_FIELD_TOPICS.includes(fieldTopic(f)))).map(fieldTopic)
    expected = [...new Set([...dsmr, ...CALCULATED_FIELDS.filter((f) => f.publish === 'y').map((f) => f.name), ...(ntp ? ['ntp_datetime'] : [])])]
  }
  const missingRequired = required.filter((k) => !present.has(k))
  const missing = expected.filter((k) => !present.has(k) && !missingRequired.includes(k))
  const evidence = { mode, present: present.size, expected: expected.length, missingRequired, missing: missing.slice(0, 30) }
  const where = mode === 'cooked' ? `the JSON on ${topic}` : `${topic}/…`
  if (missingRequired.length > 0) {
    return {
      id: 'fields',
      title,
      status: 'fail',
      code: 'missing_fields',
      summary: `${where} lacks ${missingRequired.join(', ')}.`,
      evidence,
      advice: mode === 'cooked' ? 'Check the calculated table in config.h (publish flags), and that the board decrypts the telegrams (P1 key).' : 'These fields come from every Smarty telegram: the board does not decode the meter (P1 key, cable), or their publish flags are off in config.h.'
    }
  }
  if (missing.length > 0) {
    return { id: 'fields', title, status: 'warn', code: 'some_fields_missing', summary: `${present.size} fields in ${where}; ${missing.length} expected ones are missing (${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}).`, evidence, advice: 'Fields set to \'n\' in config.h are not published; with PUBLISH_COOKED only calculated values are.' }
  }
  return { id: 'fields', title, status: 'pass', code: null, summary: `All ${expected.length} expected fields in ${where}.`, evidence, advice: null }
}

function valuesCheck(mode: 'fields' | 'cooked' | 'unknown', cooked: Record<string, unknown> | null, fieldMsgs: Map<string, string>, refs: Map<string, BoardObject[]>, sawReference: boolean): MqttCheckResult {
  const title = 'Values against the meter'
  if (!sawReference) {
    return { id: 'values', title, status: 'skip', code: 'values_not_compared', summary: 'No P1 source is open: the board\'s values were not compared with the meter.', evidence: {}, advice: 'Open the meter\'s P1 port (Connect tab) with its key, then verify again to compare the values.' }
  }
  if (mode === 'unknown') return skipped('values', 'Not compared: no SmartyReader fields.')
  const boardTime = mode === 'cooked' ? (typeof cooked?.smarty_datetime === 'string' ? cooked.smarty_datetime : null) : (fieldMsgs.get('timestamp') ?? null)
  const ref = boardTime ? refs.get(boardTime.slice(0, 19)) : undefined
  const compared: string[] = []
  const mismatches: string[] = []
  const byObis = (objs: BoardObject[], obis: string): BoardObject | undefined => objs.find((x) => x.obis === obis)
  const cmpNum = (label: string, board: number, meter: number, tol: number): void => {
    compared.push(label)
    if (Math.abs(board - meter) > tol + 1e-9 * Math.abs(meter)) mismatches.push(`${label}: board ${board}, meter ${meter}`)
  }
  const cmpText = (label: string, board: string, meter: string): void => {
    compared.push(label)
    if (board.trim() !== meter.trim()) mismatches.push(`${label}: board "${board}", meter "${meter}"`)
  }
  const anyRef = [...refs.values()].pop()
  if (!ref) {
    // no telegram with the board's meter time: compare what does not change between telegrams
    if (anyRef) {
      const id = byObis(anyRef, '0-0:42.0.0')?.value
      const boardId = mode === 'cooked' ? cooked?.smarty_id : fieldMsgs.get('equipment_id')
      if (typeof id === 'string' && typeof boardId === 'string') cmpText(mode === 'cooked' ? 'smarty_id' : 'equipment_id', boardId, id)
    }
    const status = mismatches.length ? 'fail' : 'warn'
    return {
      id: 'values',
      title,
      status,
      code: mismatches.length ? 'values_mismatch' : null,
      summary: mismatches.length
        ? `The board reads another meter: ${mismatches.join('; ')}.`
        : `No P1 telegram with the board's meter time (${boardTime ?? 'none published'}) was seen here; only the meter id was compared${compared.length ? ' and agrees' : ''}.`,
      evidence: { boardMeterTime: boardTime, compared, mismatches },
      advice: mismatches.length ? 'The board and this computer read different meters: check which meter the board is plugged into, and its P1 key.' : 'Keep the P1 source open while verifying: values are compared telegram by telegram.'
    }
  }
  if (mode === 'cooked') {
    for (const [k, m] of Object.entries(COOKED_TO_OBIS)) {
      const b = cooked?.[k]
      const r = byObis(ref, m.obis)?.value
      if (typeof b === 'number' && typeof r === 'number') cmpNum(k, b, r * m.factor, 1e-3 * m.factor)
    }
    for (const [k, obis] of Object.entries(COOKED_TEXT_TO_OBIS)) {
      const b = cooked?.[k]
      const r = byObis(ref, obis)?.value
      if (typeof b === 'string' && typeof r === 'string') cmpText(k, b, obis === '0-0:1.0.0' ? firmwareTimestamp(r) : r)
    }
  } else {
    // calculated copies of telegram values, published as String(double): 2 decimals
    for (const [k, m] of Object.entries(COOKED_TO_OBIS)) {
      const b = fieldMsgs.has(k) ? asNumber(fieldMsgs.get(k)!) : null
      const r = byObis(ref, m.obis)?.value
      if (b !== null && typeof r === 'number') cmpNum(k, b, r * m.factor, 0.005 + 1e-3 * m.factor)
    }
    for (const [sub, payload] of fieldMsgs) {
      const f = FIELD_BY_TOPIC.get(sub)
      if (!f || !f.obis || /^0-0:96\.13\./.test(f.obis)) continue
      const r = byObis(ref, f.obis)?.value
      if (r === undefined || r === null) continue
      if (f.type === 'f' || f.type === 'i') {
        const b = asNumber(payload)
        const rn = typeof r === 'number' ? r : asNumber(String(r))
        if (b !== null && rn !== null) cmpNum(sub, b, rn, f.type === 'f' ? 0.005 : 0)
        else if (b === null) mismatches.push(`${sub}: board "${payload}" is not a number`)
      } else {
        const rs = f.obis === '0-0:1.0.0' ? firmwareTimestamp(String(r)) : String(r)
        const bn = asNumber(payload)
        const rn = asNumber(rs)
        if (bn !== null && rn !== null) cmpNum(sub, bn, rn, 0)
        else cmpText(sub, payload, rs)
      }
    }
  }
  const evidence = { meterTime: boardTime, compared: compared.length, mismatches }
  if (compared.length === 0) return { id: 'values', title, status: 'warn', code: null, summary: 'No published value could be matched with the meter\'s telegram.', evidence, advice: null }
  if (mismatches.length > 0) {
    return {
      id: 'values',
      title,
      status: 'fail',
      code: 'values_mismatch',
      summary: `${mismatches.length} of ${compared.length} values differ from the meter's telegram of ${boardTime}: ${mismatches.slice(0, 3).join('; ')}${mismatches.length > 3 ? '; …' : ''}.`,
      evidence,
      advice: 'The board publishes something other than what the meter sends: another meter, an old firmware, or a board that no longer decodes (it keeps its last values). Check the P1 key and the board\'s UDP log.'
    }
  }
  return { id: 'values', title, status: 'pass', code: null, summary: `${compared.length} values agree with the meter's telegram of ${boardTime}.`, evidence, advice: null }
}

const VERDICT_SUMMARY: Record<MqttVerdictCode, string> = {
  ok: 'The board publishes the meter\'s data on time, complete and correct.',
  broker_unreachable: 'The broker cannot be reached.',
  broker_auth_failed: 'The broker refused the credentials.',
  broker_tls_error: 'The TLS connection to the broker failed.',
  no_messages: 'The board publishes nothing on this topic.',
  late_messages: 'The board publishes, but late.',
  missing_fields: 'The board publishes, but fields are missing.',
  values_mismatch: 'The board\'s values disagree with the meter.',
  values_not_compared: 'The board publishes on time and complete; values not compared (no P1 source open).'
}

function finish(checks: MqttCheckResult[], url: string, topic: string, mode: MqttVerifyReport['mode'], started: number): MqttVerifyReport {
  const failed = checks.find((c) => c.status === 'fail')
  const verdict: MqttVerdictCode = failed ? (failed.code as MqttVerdictCode) : checks.some((c) => c.code === 'values_not_compared') ? 'values_not_compared' : 'ok'
  return { verdict, summary: VERDICT_SUMMARY[verdict], checks, url, topic, mode, startedAt: new Date(started).toISOString(), durationS: round((Date.now() - started) / 1000, 2) }
}
