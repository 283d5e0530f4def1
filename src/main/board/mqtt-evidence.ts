/**
 * Evidence of an MQTT verification: what the broker said, every message with its receive time
 * and retained flag, and the meter's telegrams seen on the P1 source meanwhile (the reference).
 * The runner (mqtt-verify.ts) fills it from MQTT.js and its clock; the pure checks
 * (mqtt-checks.ts) judge it. No I/O and no clock here: every time is handed in (ms since the epoch).
 */
import type { BoardObject, FirmwareGeneration, MqttPublishMode, MqttVerdictCode } from '../../shared/board'
import { meterTimeOf } from './firmware-fields'
import type { MqttMessage } from './firmware-decode'

/** A telegram of the meter read directly (P1 source), when it was first seen. */
export interface ReferenceTelegram {
  /** Meter time as the firmware names it ("YYYY-MM-DDThh:mm:ss"), null if the telegram has none. */
  meterTime: string | null
  /** First seen, ms. */
  t: number
  objects: BoardObject[]
}

/** What the verification expects (from the request or the profile). */
export interface MqttExpectation {
  /** PUBLISH_TIME in s; null: the detected firmware's default. */
  intervalS: number | null
  /** Allowed lateness, s; null: 10 s + 20 % of the interval. */
  toleranceS: number | null
  /** 'fields' / 'cooked': the profile's PUBLISH_COOKED; 'auto': no expectation. */
  mode: MqttPublishMode
  /** GET_NTP_TIME: the SmartyReader v1.6/v1.7 publish ntp_datetime. */
  ntp: boolean
  /** The firmware the profile names (null: none expected). */
  firmware: FirmwareGeneration | null
}

/** Everything the checks judge. */
export interface MqttEvidence {
  /** Broker URL without credentials. */
  url: string
  /** Base topic (TOPIC; the verifier listens to TOPIC and TOPIC/#). */
  topic: string
  user: string | null
  expect: MqttExpectation
  /** The connection: ok, or the verdict code and plain sentence of the failure. */
  connection: { ok: true } | { ok: false; code: MqttVerdictCode; message: string }
  /** Listening started (subscription acknowledged), ms; null if never connected. */
  subscribedAt: number | null
  /** Listening ended, ms. */
  endedAt: number
  /** Every message in arrival order. */
  messages: MqttMessage[]
  /** Distinct meter telegrams seen meanwhile, oldest first (at most 120). */
  references: ReferenceTelegram[]
  /** A P1 source gave at least one telegram (false: values cannot be compared). */
  referenceSeen: boolean
}

/** Most reference telegrams kept (20 minutes of the meter's 10 s cadence). */
export const MAX_REFERENCES = 120

/** Collects evidence as it arrives. Never throws. */
export class MqttEvidenceCollector {
  readonly evidence: MqttEvidence

  constructor(init: { url: string; topic: string; user: string | null; expect: MqttExpectation; startedAt: number }) {
    this.evidence = {
      url: init.url,
      topic: init.topic,
      user: init.user,
      expect: init.expect,
      connection: { ok: true },
      subscribedAt: null,
      endedAt: init.startedAt,
      messages: [],
      references: [],
      referenceSeen: false
    }
  }

  connectionFailed(code: MqttVerdictCode, message: string, t: number): void {
    this.evidence.connection = { ok: false, code, message }
    this.evidence.endedAt = t
  }

  subscribed(t: number): void {
    this.evidence.subscribedAt = t
    this.evidence.endedAt = t
  }

  message(m: MqttMessage): void {
    this.evidence.messages.push(m)
    this.evidence.endedAt = Math.max(this.evidence.endedAt, m.t)
  }

  /** The P1 source's latest telegram (null: none); kept once per meter time. */
  reference(objects: BoardObject[] | null, t: number): void {
    if (!objects || objects.length === 0) return
    this.evidence.referenceSeen = true
    const meterTime = meterTimeOf(objects)
    const refs = this.evidence.references
    const last = refs[refs.length - 1]
    if (last && (meterTime === null ? last.objects === objects : last.meterTime === meterTime)) return
    if (meterTime !== null && refs.some((r) => r.meterTime === meterTime)) return
    refs.push({ meterTime, t, objects })
    if (refs.length > MAX_REFERENCES) refs.shift()
  }

  ended(t: number): void {
    this.evidence.endedAt = t
  }

  /** Messages received, and of those the broker had retained from before listening. */
  get counts(): { messages: number; retained: number } {
    const retained = this.evidence.messages.filter((m) => m.retained).length
    return { messages: this.evidence.messages.length, retained }
  }
}

/** Gap that separates publications, ms: 2 s, or a third of a (short) interval. */
export function burstGapMs(intervalS: number): number {
  return Math.min(2000, (intervalS * 1000) / 3)
}

/** Messages (retained ones left out) split into publications: bursts separated by more than `gapMs`. */
export function publications(messages: readonly MqttMessage[], gapMs: number): MqttMessage[][] {
  const out: MqttMessage[][] = []
  for (const m of messages) {
    if (m.retained) continue
    const last = out[out.length - 1]
    if (last && m.t - last[last.length - 1].t <= gapMs) last.push(m)
    else out.push([m])
  }
  return out
}
