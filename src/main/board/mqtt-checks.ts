/**
 * The MQTT verification's checks, pure (evidence → checks → verdict), like
 * src/main/diagnostics/checks.ts: no MQTT, no clock, no I/O. The runner (mqtt-verify.ts)
 * collects the evidence (mqtt-evidence.ts); this module judges it.
 *
 * 1. broker    — the connection (unreachable / refused credentials / TLS)
 * 2. messages  — anything new arrives on TOPIC or TOPIC/# (retained values from before listening don't count)
 * 3. interval  — publications (bursts of messages) come every PUBLISH_TIME, within a tolerance
 *               (the SmartyReader publishes on the first telegram after PUBLISH_TIME: up to one
 *               meter cadence, 10 s, late); ESPHome publishes on every telegram (10 s)
 * 4. fields    — the firmware is recognised (firmware-decode.ts: SmartyReader v1.5, v1.6, v1.7,
 *               ESPHome dsmr; the summary names it) and publishes what it should
 * 5. values    — the values agree with the meter's telegram of the same meter time (mqtt-value-checks.ts)
 *
 * Verdict: the first failing check's code, else `values_not_compared` when no reference was
 * available, else `ok`. Warnings (early publications, some fields missing, another firmware
 * than the profile names) do not change the verdict.
 *
 * Each check's summary is also a code with params (`summaryCode`, `summaryParams`; docs/board.md
 * "MQTT check summaries") for the renderer's wording; the English `summary` stays for the CLI and JSON.
 * Titles, verdict sentences and fixed advice come from the English catalogue
 * (src/shared/i18n/messages/en/*.json `mqtt.*`), so their wording lives in one place.
 *
 * Why one file over 400 lines: one pure function per MQTT check, for every firmware generation's
 * layout, as diagnostics/checks.ts is for the meter; the value comparisons are in mqtt-value-checks.ts.
 */
import {
  FIRMWARE_LABELS,
  type BoardParams,
  type DetectedFirmware,
  type FirmwareGeneration,
  type MqttCheckResult,
  type MqttVerdictCode,
  type MqttVerifyReport
} from '../../shared/board'
import { en } from '../../shared/i18n/messages/en'
import { ESPHOME_DSMR_FIELDS, ESPHOME_FIELD_BY_OBJECT_ID } from './esphome-fields'
import { detectFirmware, parseLenientJson, V15_JSON_FIELDS, type MqttMessage } from './firmware-decode'
import {
  CALCULATED_FIELDS,
  CALCULATED_FIELDS_V16,
  DSMR_FIELDS,
  DSMR_FIELDS_V15,
  REQUIRED_COOKED_KEYS,
  REQUIRED_FIELD_TOPICS,
  fieldTopic
} from './firmware-fields'
import { burstGapMs, publications, type MqttEvidence, type ReferenceTelegram } from './mqtt-evidence'
import { valuesCheck } from './mqtt-value-checks'

/** What the checks conclude. */
export interface MqttJudgement {
  verdict: MqttVerdictCode
  summary: string
  checks: MqttCheckResult[]
  mode: MqttVerifyReport['mode']
  firmware: DetectedFirmware | null
}

/** Check titles: the English catalogue's (src/shared/i18n/messages/en/*.json `mqtt.titles`). */
const TITLES: Record<MqttCheckResult['id'], string> = en.mqtt.titles

/** One sentence per verdict (docs/board.md): the English catalogue's `mqtt.verdict`. */
export const VERDICT_SUMMARY: Record<MqttVerdictCode, string> = en.mqtt.verdict

/**
 * PUBLISH_TIME when the request gives none, s: v1.5's sketch constant (20 s), the v1.6/v1.7
 * config.h default (60 s), ESPHome's dsmr publishes every telegram (the meter's 10 s cadence).
 */
export function defaultIntervalS(g: FirmwareGeneration | null | undefined): number {
  if (g === 'smartyreader-v1.5') return 20
  if (g === 'esphome-dsmr') return 10
  return 60
}

function round(n: number, d = 1): number {
  const f = 10 ** d
  return Math.round(n * f) / f
}

function skipped(id: MqttCheckResult['id'], summaryCode: 'skipped_no_broker' | 'skipped_no_messages'): MqttCheckResult {
  const summary = summaryCode === 'skipped_no_broker' ? 'Not checked: no broker connection.' : 'Not checked: no messages.'
  return { id, title: TITLES[id], status: 'skip', code: null, summary, summaryCode, summaryParams: {}, evidence: {}, advice: null }
}

/** The next step for a broker failure (the English catalogue's `mqtt.advice`). */
function brokerAdvice(code: MqttVerdictCode): string {
  return en.mqtt.advice[code === 'broker_auth_failed' || code === 'broker_tls_error' ? code : 'broker_unreachable']
}

function intervalCheck(pubs: MqttMessage[][], ev: MqttEvidence, intervalS: number, tolS: number, byDefault: string | null): MqttCheckResult {
  const title = TITLES.interval
  const subscribedAt = ev.subscribedAt ?? 0
  const starts = pubs.map((p) => p[0].t)
  const gaps = starts.slice(1).map((t, i) => (t - starts[i]) / 1000)
  // the first publication must come within one interval (+ tolerance) of subscribing, and so
  // must the next one after the last (time listened after it)
  const firstWaitS = (starts[0] - subscribedAt) / 1000
  const tailS = (ev.endedAt - starts[starts.length - 1]) / 1000
  const limit = intervalS + tolS
  const expected = `${intervalS} s${byDefault ? ` (${byDefault})` : ''}`
  const base = { intervalS, toleranceS: round(tolS), byDefault }
  const evidence = {
    expectedIntervalS: intervalS,
    toleranceS: round(tolS),
    intervalsS: gaps.map((g) => round(g, 2)),
    firstWaitS: round(firstWaitS, 2),
    publications: pubs.length
  }
  const late = gaps.filter((g) => g > limit)
  if (late.length > 0 || firstWaitS > limit || (pubs.length < 3 && tailS > limit)) {
    const worst = Math.max(...gaps, firstWaitS, pubs.length < 3 ? tailS : 0)
    return {
      id: 'interval',
      title,
      status: 'fail',
      code: 'late_messages',
      summary: `Publications are late: up to ${round(worst)} s apart where ${intervalS} s (+${round(tolS)} s) are expected.`,
      summaryCode: 'interval_late',
      summaryParams: { ...base, worstS: round(worst) },
      evidence: { ...evidence, worstGapS: round(worst) },
      advice:
        'Check PUBLISH_TIME in config.h, the Wi-Fi signal at the meter (the board reconnects and loses telegrams), and the P1 cable: the sketch only publishes after a telegram arrived.'
    }
  }
  if (gaps.length === 0) {
    return {
      id: 'interval',
      title,
      status: 'warn',
      code: null,
      summary: 'Only one publication in the time listened; the interval could not be measured.',
      summaryCode: 'interval_one_publication',
      summaryParams: base,
      evidence,
      advice: 'Listen longer (at least two intervals).'
    }
  }
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
  if (mean < intervalS - tolS) {
    return {
      id: 'interval',
      title,
      status: 'warn',
      code: 'early_messages',
      summary: `Publications come every ${round(mean)} s, more often than the ${expected} expected.`,
      summaryCode: 'interval_early',
      summaryParams: { ...base, meanS: round(mean) },
      evidence: { ...evidence, meanIntervalS: round(mean, 2) },
      advice: en.mqtt.advice.early_messages
    }
  }
  return {
    id: 'interval',
    title,
    status: 'pass',
    code: null,
    summary: `Every ${round(mean)} s (expected ${expected}).`,
    summaryCode: 'interval_ok',
    summaryParams: { ...base, meanS: round(mean) },
    evidence: { ...evidence, meanIntervalS: round(mean, 2) },
    advice: null
  }
}

const nonEmpty = (ref: ReferenceTelegram | null, obis: string): boolean =>
  !ref || ref.objects.some((r) => r.obis === obis && r.value !== null && r.value !== '')

/** Names a firmware must publish, and names it should publish for this meter. */
function expectedNames(fw: DetectedFirmware, ev: MqttEvidence, ref: ReferenceTelegram | null): { required: string[]; expected: string[] } {
  const ntp = ev.expect.ntp ? ['ntp_datetime'] : []
  const calc = (fw.generation === 'smartyreader-v1.6' ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS).filter((c) => c.publish === 'y').map((c) => c.name)
  switch (fw.format) {
    case 'v15-json':
      return { required: [...V15_JSON_FIELDS], expected: [...V15_JSON_FIELDS] }
    case 'v15-text':
    case 'v15-json-fields': {
      const required = [
        'timestamp',
        'equipment_id',
        'act_energy_imported_p_plus',
        'act_energy_exported_p_minus',
        'act_pwr_imported_p_plus',
        'act_pwr_exported_p_minus'
      ]
      const expected = DSMR_FIELDS_V15.filter(
        (f) => f.nr > 0 && !/^0-0:96\.13\./.test(f.obis) && (ref ? nonEmpty(ref, f.obis) : required.includes(f.name))
      ).map((f) => f.name)
      return { required, expected: [...new Set(expected)] }
    }
    case 'fields': {
      const dsmr = DSMR_FIELDS.filter(
        (f) => f.publish === 'y' && (f.obis === '' ? true : ref ? nonEmpty(ref, f.obis) : REQUIRED_FIELD_TOPICS.includes(fieldTopic(f)))
      ).map(fieldTopic)
      return { required: [...REQUIRED_FIELD_TOPICS], expected: [...new Set([...dsmr, ...calc, ...ntp])] }
    }
    case 'cooked':
      return { required: [...REQUIRED_COOKED_KEYS], expected: ['smarty_datetime', 'smarty_id', ...calc, ...ntp] }
    case 'esphome': {
      // by OBIS code: the sensor names are the user's; P1 Studio's YAML writes the docs' names
      const required = ['1-0:1.8.0', '1-0:1.7.0']
      const expected = ESPHOME_DSMR_FIELDS.filter((f) => f.smarty && f.kind === 'sensor' && f.obis && nonEmpty(ref, f.obis) && ref !== null).map((f) => f.obis)
      return { required, expected: [...new Set([...required, ...expected])] }
    }
  }
}

/** The names (or, for ESPHome, OBIS codes) a publication set carries. */
function presentNames(fw: DetectedFirmware, ev: MqttEvidence, last: MqttMessage[]): Set<string> {
  const base = ev.topic
  if (fw.format === 'v15-json' || fw.format === 'cooked') {
    const m = [...ev.messages].reverse().find((x) => x.topic === base && /^\s*\{/.test(x.payload))
    return new Set(Object.keys((m && parseLenientJson(m.payload).json) ?? {}))
  }
  const subs = last.filter((m) => m.topic.startsWith(`${base}/`)).map((m) => m.topic.slice(base.length + 1))
  if (fw.format !== 'esphome') return new Set(subs)
  const obis = new Set<string>()
  for (const s of subs) {
    const m = /^(sensor|text_sensor)\/([^/]+)\/state$/.exec(s)
    const f = m ? ESPHOME_FIELD_BY_OBJECT_ID.get(m[2]) : undefined
    if (f && m && f.kind === m[1] && f.obis) obis.add(f.obis)
  }
  return obis
}

const FIELD_ADVICE: Record<DetectedFirmware['format'], string> = {
  'v15-json': 'The v1.5 sketch always writes these keys: a board that leaves some out runs modified firmware.',
  'v15-text': 'These fields come from every Smarty telegram: the board does not decode the meter (P1 key in the sketch, cable).',
  'v15-json-fields': 'These fields come from every Smarty telegram: the board does not decode the meter (P1 key in the sketch, cable).',
  fields: 'These fields come from every Smarty telegram: the board does not decode the meter (P1 key, cable), or their publish flags are off in config.h.',
  cooked: 'Check the calculated table in config.h (publish flags), and that the board decrypts the telegrams (P1 key).',
  esphome:
    'Add the dsmr sensors energy_delivered_lux and power_delivered to the YAML (P1 Studio writes them), and check decryption_key; a sensor whose unit the Smarty does not send (electricity_threshold, reactive powers per phase) makes the component reject every telegram.'
}

function fieldsCheck(fw: DetectedFirmware | null, ev: MqttEvidence, pubs: MqttMessage[][], ref: ReferenceTelegram | null): MqttCheckResult {
  const title = TITLES.fields
  const topic = ev.topic
  if (!fw) {
    const seen = [...new Set(ev.messages.map((m) => (m.topic === topic ? topic : m.topic.slice(topic.length + 1))))].slice(0, 5)
    return {
      id: 'fields',
      title,
      status: 'fail',
      code: 'missing_fields',
      summary: `Messages arrive on ${topic}, but none is what SmartyReader v1.5, v1.6, v1.7 or ESPHome's dsmr publishes${seen.length ? ` (seen: ${seen.join(', ')})` : ''}.`,
      summaryCode: 'fields_unknown_firmware',
      summaryParams: { topic, seen: seen.join(', ') },
      evidence: { seen },
      advice: "Is the topic right (MQTT_TOPIC_OUT, or ESPHome's topic_prefix)? Other firmware (Tasmota, own sketches) publishes other topics."
    }
  }
  const last = pubs[pubs.length - 1] ?? ev.messages.filter((m) => m.retained)
  const present = presentNames(fw, ev, last)
  const { required, expected } = expectedNames(fw, ev, ref)
  const missingRequired = required.filter((k) => !present.has(k))
  const missing = expected.filter((k) => !present.has(k) && !missingRequired.includes(k))
  const where = fw.format === 'v15-json' || fw.format === 'cooked' ? `the JSON on ${topic}` : `${topic}/…`
  const evidence = {
    firmware: fw.generation,
    format: fw.format,
    detectedBy: fw.reason,
    present: present.size,
    expected: expected.length,
    missingRequired,
    missing: missing.slice(0, 30)
  }
  const found = `${fw.label} found`
  const firmware = fw.label
  const result = (
    status: MqttCheckResult['status'],
    code: MqttCheckResult['code'],
    summary: string,
    advice: string | null,
    summaryCode: string,
    summaryParams: BoardParams
  ): MqttCheckResult => ({
    id: 'fields',
    title,
    status,
    code,
    summary,
    summaryCode,
    summaryParams: { firmware, where: fw.format === 'v15-json' || fw.format === 'cooked' ? 'json' : 'topics', topic, ...summaryParams },
    evidence,
    advice
  })
  if (missingRequired.length > 0) {
    // ESPHome says why in its log: the dsmr component rejects telegrams with a unit it does not expect
    const log = fw.format === 'esphome' ? [...ev.messages].reverse().find((m) => m.topic === `${topic}/debug` && /^\[E\]/.test(m.payload)) : undefined
    return result(
      'fail',
      'missing_fields',
      `${found}; ${where} lacks ${missingRequired.join(', ')}.${log ? ` The board logs: "${log.payload.slice(0, 160)}".` : ''}`,
      FIELD_ADVICE[fw.format],
      'fields_missing_required',
      { missing: missingRequired.join(', '), boardLog: log ? log.payload.slice(0, 160) : null }
    )
  }
  const want = ev.expect.firmware
  if (want && want !== fw.generation && !fw.ambiguous) {
    return result(
      'warn',
      'unexpected_firmware',
      `${found}, but the profile names ${FIRMWARE_LABELS[want]}.`,
      `Set the profile's firmware to ${FIRMWARE_LABELS[fw.generation]}, or flash the firmware the profile describes.`,
      'fields_unexpected_firmware',
      { expected: FIRMWARE_LABELS[want] }
    )
  }
  const modeWanted = ev.expect.mode
  const cookedNow = fw.format === 'cooked'
  if ((fw.generation === 'smartyreader-v1.6' || fw.generation === 'smartyreader-v1.7') && modeWanted !== 'auto' && (modeWanted === 'cooked') !== cookedNow) {
    return result(
      'warn',
      'unexpected_firmware',
      `${found}, but the profile expects ${modeWanted === 'cooked' ? 'PUBLISH_COOKED (one JSON object)' : 'one topic per field'}.`,
      `${cookedNow ? 'Comment out' : 'Uncomment'} "#define PUBLISH_COOKED" in the sketch, or change the profile.`,
      'fields_unexpected_mode',
      { expectedMode: modeWanted }
    )
  }
  if (missing.length > 0) {
    return result(
      'warn',
      'some_fields_missing',
      `${found}: ${present.size} fields in ${where}; ${missing.length} expected ones are missing (${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ', …' : ''}).`,
      fw.format === 'esphome'
        ? "Sensors not in the YAML are not published; P1 Studio's ESPHome output lists them."
        : "Fields set to 'n' in config.h are not published; with PUBLISH_COOKED only calculated values are.",
      'fields_some_missing',
      { present: present.size, missingCount: missing.length, missing: missing.slice(0, 6).join(', ') }
    )
  }
  return result('pass', null, `${found}: all ${expected.length} expected fields in ${where}.`, null, 'fields_ok', { expected: expected.length })
}

/** Judge the evidence. Pure; never throws. */
export function judgeMqtt(ev: MqttEvidence): MqttJudgement {
  const checks: MqttCheckResult[] = []
  const done = (firmware: DetectedFirmware | null): MqttJudgement => {
    const failed = checks.find((c) => c.status === 'fail')
    const verdict: MqttVerdictCode = failed
      ? (failed.code as MqttVerdictCode)
      : checks.some((c) => c.code === 'values_not_compared')
        ? 'values_not_compared'
        : 'ok'
    const mode = !firmware ? 'unknown' : firmware.format === 'v15-json' || firmware.format === 'cooked' ? 'cooked' : 'fields'
    return { verdict, summary: VERDICT_SUMMARY[verdict], checks, mode, firmware }
  }
  const url = ev.url
  if (!ev.connection.ok) {
    const { code, message } = ev.connection
    checks.push({
      id: 'broker',
      title: TITLES.broker,
      status: 'fail',
      code,
      summary: message,
      summaryCode: code,
      summaryParams: { url },
      evidence: { url },
      advice: brokerAdvice(code)
    })
    for (const id of ['messages', 'interval', 'fields', 'values'] as const) checks.push(skipped(id, 'skipped_no_broker'))
    return done(null)
  }
  checks.push({
    id: 'broker',
    title: TITLES.broker,
    status: 'pass',
    code: null,
    summary: `Connected to ${url}${ev.user ? ` as ${ev.user}` : ''}.`,
    summaryCode: 'broker_connected',
    summaryParams: { url, user: ev.user },
    evidence: { url, user: ev.user },
    advice: null
  })

  const topic = ev.topic
  const listenedS = (ev.endedAt - (ev.subscribedAt ?? ev.endedAt)) / 1000
  const firmware = detectFirmware(ev.messages, topic, ev.expect.firmware)
  const intervalS = ev.expect.intervalS ?? defaultIntervalS(firmware?.generation ?? ev.expect.firmware)
  const byDefault = ev.expect.intervalS === null ? (firmware ? `${FIRMWARE_LABELS[firmware.generation]}'s default` : 'default') : null
  const tolS = ev.expect.toleranceS ?? 10 + 0.2 * intervalS
  const pubs = publications(ev.messages, burstGapMs(intervalS))
  const retained = ev.messages.filter((m) => m.retained).length
  if (pubs.length === 0) {
    checks.push({
      id: 'messages',
      title: TITLES.messages,
      status: 'fail',
      code: 'no_messages',
      summary: retained
        ? `Only ${retained} retained value${retained === 1 ? '' : 's'} from before (the broker's copy); nothing new arrived on ${topic} or ${topic}/# in ${listenedS.toFixed(0)} s.`
        : `Nothing arrived on ${topic} or ${topic}/# in ${listenedS.toFixed(0)} s.`,
      summaryCode: retained ? 'messages_only_retained' : 'messages_none',
      summaryParams: { topic, listenedS: Math.round(listenedS), retained },
      evidence: { listenedS: round(listenedS), topic, retained },
      advice:
        'Check that the board is powered and on the network (its UDP log on port 6666 says why), that MQTT_SERVER and the port point at this broker, that MQTT_TOPIC_OUT is this topic, and — with MQTTPASSWORD — that the user may publish there.'
    })
    for (const id of ['interval', 'fields', 'values'] as const) checks.push(skipped(id, 'skipped_no_messages'))
    return done(firmware)
  }
  const fresh = ev.messages.length - retained
  const topics = new Set(ev.messages.map((m) => m.topic)).size
  checks.push({
    id: 'messages',
    title: TITLES.messages,
    status: 'pass',
    code: null,
    summary: `${fresh} messages on ${topics} topics in ${pubs.length} publication${pubs.length === 1 ? '' : 's'}${retained ? ` (and ${retained} retained from before)` : ''}.`,
    summaryCode: 'messages_arrived',
    summaryParams: { messages: fresh, topics, publications: pubs.length, retained },
    evidence: { messages: fresh, retained, topics, publications: pubs.length },
    advice: null
  })
  checks.push(intervalCheck(pubs, ev, intervalS, tolS, byDefault))
  const latestRef = ev.references[ev.references.length - 1] ?? null
  checks.push(fieldsCheck(firmware, ev, pubs, latestRef))
  checks.push(valuesCheck(ev, firmware, pubs))
  return done(firmware)
}
