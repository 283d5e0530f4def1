/**
 * The `values` check of an MQTT verification (pure): what a board published, decoded by
 * firmware-decode.ts, against the meter's telegram of the same meter time read on the P1
 * source, within what the firmware's arithmetic allows:
 *
 * - copies of meter values: the firmware's rounding (`Precision`: printed decimals, 32-bit
 *   floats, W for kW) — e.g. ±0.005 kW for String(double), ±(0.0005 + one float ulp) for ESPHome;
 *   text the firmware copies verbatim (v1.5 `PUBLISH_ALL 0` keeps the meter's leading zeros)
 *   exactly, when the reference carries the raw telegram line;
 * - SmartyReader v1.5's own numbers (`mqtt_publish_energy_and_power()` in SmartyReader_v1_5.ino):
 *   the powers are recomputed from the meter's counters at the meter times of two consecutive
 *   publications with the sketch's float arithmetic and its mktime() call (tm_mon set to the
 *   month number, so a month change shifts the interval); the day energies must move with the
 *   counter between publications (same midnight value), equal counter − counter at the
 *   publication where the sketch saved it (meter time 23:55–23:59), never be negative, and stay
 *   below what the meter could count since 23:55 the day before at its SMAX (0-0:17.0.0).
 */
import type { BoardObject, DetectedFirmware, MqttCheckResult } from '../../shared/board'
import { decodePublication, idText, tolerance, ulp32, type DecodedPublication, type DecodedValue, type MqttMessage } from './firmware-decode'
import type { MqttEvidence, ReferenceTelegram } from './mqtt-evidence'

const TITLE = 'Values against the meter'

/** Numbers of an OBIS object (value, or a numeric text). */
function numeric(v: BoardObject['value']): number | null {
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return null
}

/**
 * What the SmartyReader parse_dsmr_string() keeps of a telegram line (all generations): the
 * text between the first brackets (the second for 0-1:24.2.1), cut at '*'.
 */
export function sketchText(raw: string, obis: string): string | null {
  let i = raw.indexOf('(')
  if (i < 0) return null
  if (obis === '0-1:24.2.1') i = raw.indexOf('(', i + 1)
  const j = raw.indexOf(')', i + 1)
  if (i < 0 || j < 0) return null
  const t = raw.slice(i + 1, j)
  const star = t.indexOf('*')
  return star >= 0 ? t.slice(0, star) : t
}

/** Compare one published value with the meter's object; null = equal (or not comparable), else the mismatch sentence. */
function compareValue(v: DecodedValue, ref: ReferenceTelegram, verbatim: boolean): { compared: boolean; mismatch: string | null } {
  if (v.obis === '0-0:1.0.0') {
    if (ref.meterTime === null || typeof v.value !== 'string') return { compared: false, mismatch: null }
    return { compared: true, mismatch: v.value === ref.meterTime ? null : `${v.name}: board "${v.text}", meter ${ref.meterTime}` }
  }
  const o = ref.objects.find((x) => x.obis === v.obis)
  if (!o || o.value === null || o.value === '') return { compared: false, mismatch: null }
  if (verbatim && o.raw && v.obis !== '0-0:42.0.0') {
    const want = sketchText(o.raw, v.obis)
    if (want !== null) return { compared: true, mismatch: v.text === want ? null : `${v.name}: board "${v.text}", meter sent "${want}"` }
  }
  const meterNum = numeric(o.value)
  if (typeof v.value === 'number' && meterNum !== null) {
    const tol = tolerance(v.precision, meterNum)
    return {
      compared: true,
      mismatch: Math.abs(v.value - meterNum) <= tol ? null : `${v.name}: board ${v.text}, meter ${meterNum}${o.unit ? ` ${o.unit}` : ''}`
    }
  }
  if (v.value === null) return { compared: true, mismatch: `${v.name}: board "${v.text}", meter ${String(o.value)}` }
  const a = idText(String(v.value))
  const b = idText(String(o.value))
  return { compared: true, mismatch: a === b ? null : `${v.name}: board "${v.text}", meter "${String(o.value)}"` }
}

/** mktime() of a meter time as the v1.5 sketch fills `struct tm` (tm_mon = month number, no time zone set: UTC), s. */
export function v15Epoch(meterTime: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)/.exec(meterTime)
  if (!m) return NaN
  return Date.UTC(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000
}

/**
 * "power_consumption [kW]" as the v1.5 sketch computes it from two readings of a counter (kWh)
 * at two meter times: float (prev − cur) × 3600 / (int)(epoch_prev − epoch_cur). NaN for a zero interval.
 */
export function v15Power(prevKWh: number, curKWh: number, prevTime: string, curTime: string): number {
  const f = Math.fround
  const delta = Math.trunc(v15Epoch(prevTime) - v15Epoch(curTime))
  if (delta === 0) return NaN
  return f(f(f(f(prevKWh) - f(curKWh)) * 3600) / delta)
}

const inResetWindow = (meterTime: string): boolean => /T23:(5[5-9]):/.test(meterTime)

/** Seconds from 23:55 of the day before (the earliest the v1.5 sketch may have saved its midnight counter, if it ran then) to the meter time. */
function sinceReset(meterTime: string): number {
  const t = Date.parse(`${meterTime}Z`)
  const day = Date.parse(`${meterTime.slice(0, 10)}T00:00:00Z`)
  return (t - (day - 5 * 60_000)) / 1000
}

/** v1.5's own numbers across consecutive publications; pushes compared names and mismatches, notes. */
function v15Computed(pubs: DecodedPublication[], refs: Map<string, ReferenceTelegram>, compared: string[], mismatches: string[], notes: string[]): void {
  const counter = (p: DecodedPublication, obis: string): number | null => {
    const r = p.meterTime ? refs.get(p.meterTime) : undefined
    const o = r?.objects.find((x) => x.obis === obis)
    return o ? numeric(o.value) : null
  }
  const pairs = [
    ['energy_consumption_cumul_day [kWh]', 'power_consumption [kW]', '1-0:1.8.0'],
    ['energy_production_cumul_day [kWh]', 'power_production [kW]', '1-0:2.8.0']
  ] as const
  pubs.forEach((p, k) => {
    const prev = k > 0 ? pubs[k - 1] : null
    for (const [dayKey, powerKey, obis] of pairs) {
      const e = counter(p, obis)
      const day = p.computed[dayKey]
      const power = p.computed[powerKey]
      if (power === null && prev === null)
        notes.push(`"${powerKey}" is nan in the first publication seen: the sketch divides by a zero interval on its first publication after starting.`)
      if (day !== undefined && day !== null && p.meterTime) {
        compared.push(dayKey)
        if (day < -0.0051) mismatches.push(`${dayKey}: board ${day}, a day energy cannot be negative`)
        const smax = numeric(refs.get(p.meterTime)?.objects.find((x) => x.obis === '0-0:17.0.0')?.value ?? null) ?? 100
        const most = (smax * sinceReset(p.meterTime)) / 3600
        if (day > most + 0.01)
          mismatches.push(`${dayKey}: board ${day} kWh, more than the meter can count since 23:55 yesterday at ${smax} kVA (${most.toFixed(1)} kWh)`)
      }
      if (!prev || !prev.meterTime || !p.meterTime) continue
      const ePrev = counter(prev, obis)
      if (e === null || ePrev === null) continue
      if (power !== undefined) {
        const want = v15Power(ePrev, e, prev.meterTime, p.meterTime)
        // one float ulp of the counter over the interval: what float evaluation order may move
        const dt = Math.abs(Math.trunc(v15Epoch(prev.meterTime) - v15Epoch(p.meterTime)))
        const slack = dt > 0 ? (ulp32(Math.max(e, ePrev)) * 3600) / dt : 0
        compared.push(powerKey)
        if (power === null ? Number.isFinite(want) : Math.abs(power - want) > 0.0051 + slack) {
          mismatches.push(
            `${powerKey}: board ${power ?? 'nan'}, the sketch's arithmetic on the meter's counters (${ePrev} → ${e} kWh, ${prev.meterTime} → ${p.meterTime}) gives ${Number.isFinite(want) ? want.toFixed(2) : 'nan'}`
          )
        }
      }
      const dPrev = prev.computed[dayKey]
      if (day === undefined || day === null || dPrev === undefined || dPrev === null) continue
      const f = Math.fround
      if (inResetWindow(prev.meterTime)) {
        const want = f(f(e) - f(ePrev))
        if (Math.abs(day - want) > 0.0051 + 2 * ulp32(e))
          mismatches.push(`${dayKey}: board ${day}, the counter moved ${want.toFixed(3)} kWh since the sketch saved it at ${prev.meterTime}`)
      } else if (Math.abs(e - day - (ePrev - dPrev)) > 0.0101 + 2 * ulp32(e)) {
        mismatches.push(`${dayKey}: board ${dPrev} → ${day} while the counter moved ${(e - ePrev).toFixed(3)} kWh (${prev.meterTime} → ${p.meterTime})`)
      }
    }
  })
}

/**
 * The `values` check.
 * @param pubs the publications in order (each a burst of messages, retained ones left out)
 */
export function valuesCheck(ev: MqttEvidence, firmware: DetectedFirmware | null, pubs: MqttMessage[][]): MqttCheckResult {
  if (!ev.referenceSeen) {
    return {
      id: 'values',
      title: TITLE,
      status: 'skip',
      code: 'values_not_compared',
      summary: "No P1 source is open: the board's values were not compared with the meter.",
      summaryCode: 'values_no_reference',
      summaryParams: {},
      evidence: {},
      advice: "Open the meter's P1 port (Connect tab) with its key, then verify again to compare the values."
    }
  }
  if (!firmware)
    return {
      id: 'values',
      title: TITLE,
      status: 'skip',
      code: null,
      summary: 'Not compared: no firmware recognised.',
      summaryCode: 'values_no_firmware',
      summaryParams: {},
      evidence: {},
      advice: null
    }
  const refs = new Map<string, ReferenceTelegram>()
  for (const r of ev.references) if (r.meterTime) refs.set(r.meterTime, r)
  const decoded = pubs.map((p) => decodePublication(p, ev.topic, firmware))
  const compared: string[] = []
  const mismatches: string[] = []
  const notes: string[] = []
  const problems = [...new Set(decoded.flatMap((d) => d.problems))]
  const withRef = [...decoded].reverse().find((d) => d.meterTime !== null && refs.has(d.meterTime))
  const boardTime = withRef?.meterTime ?? [...decoded].reverse().find((d) => d.meterTime)?.meterTime ?? null
  if (!withRef) {
    // no telegram with the board's meter time: compare what does not change between telegrams
    const anyRef = ev.references[ev.references.length - 1]
    const last = decoded[decoded.length - 1]
    const id = last?.values.find((v) => v.obis === '0-0:42.0.0')
    if (anyRef && id) {
      const r = compareValue(id, { ...anyRef, meterTime: null }, false)
      if (r.compared) compared.push(id.name)
      if (r.mismatch) mismatches.push(r.mismatch)
    }
    return {
      id: 'values',
      title: TITLE,
      status: mismatches.length ? 'fail' : 'warn',
      code: mismatches.length ? 'values_mismatch' : null,
      summary: mismatches.length
        ? `The board reads another meter: ${mismatches.join('; ')}.`
        : `No P1 telegram with the board's meter time (${boardTime ?? 'none published'}) was seen here; only the meter id was compared${compared.length ? ' and agrees' : ''}.`,
      summaryCode: mismatches.length ? 'values_other_meter' : 'values_no_matching_telegram',
      summaryParams: mismatches.length ? { mismatches: mismatches.join('; ') } : { boardMeterTime: boardTime, idAgrees: compared.length > 0 },
      evidence: { boardMeterTime: boardTime, compared, mismatches, problems },
      advice: mismatches.length
        ? 'The board and this computer read different meters: check which meter the board is plugged into, and its P1 key.'
        : boardTime === null && firmware.format === 'esphome'
          ? 'Add the dsmr text sensor "timestamp" (name: Timestamp) so values can be matched telegram by telegram, and keep the P1 source open.'
          : 'Keep the P1 source open while verifying: values are compared telegram by telegram.'
    }
  }
  const ref = refs.get(withRef.meterTime!)!
  const verbatim = firmware.format === 'v15-text'
  for (const v of withRef.values) {
    if (/^0-0:96\.13\./.test(v.obis)) continue
    const r = compareValue(v, ref, verbatim)
    if (r.compared) compared.push(v.name)
    if (r.mismatch) mismatches.push(r.mismatch)
  }
  if (firmware.format === 'v15-json') v15Computed(decoded, refs, compared, mismatches, notes)
  for (const p of problems) mismatches.push(p.replace(/\.$/, ''))
  const names = [...new Set(compared)]
  compared.length = 0
  compared.push(...names)
  const evidence = { meterTime: withRef.meterTime, firmware: firmware.generation, compared: compared.length, mismatches, notes }
  if (compared.length === 0 && mismatches.length === 0)
    return {
      id: 'values',
      title: TITLE,
      status: 'warn',
      code: null,
      summary: "No published value could be matched with the meter's telegram.",
      summaryCode: 'values_unmatched',
      summaryParams: { meterTime: withRef.meterTime },
      evidence,
      advice: null
    }
  if (mismatches.length > 0) {
    return {
      id: 'values',
      title: TITLE,
      status: 'fail',
      code: 'values_mismatch',
      summary: `${mismatches.length} of ${Math.max(compared.length, mismatches.length)} values differ from the meter's telegram of ${withRef.meterTime}: ${mismatches.slice(0, 3).join('; ')}${mismatches.length > 3 ? '; …' : ''}.`,
      summaryCode: 'values_differ',
      summaryParams: {
        count: mismatches.length,
        of: Math.max(compared.length, mismatches.length),
        meterTime: withRef.meterTime,
        examples: mismatches.slice(0, 3).join('; ')
      },
      evidence,
      advice:
        "The board publishes something other than what the meter sends: another meter, an old firmware, or a board that no longer decodes (it keeps its last values). Check the P1 key and the board's UDP log."
    }
  }
  return {
    id: 'values',
    title: TITLE,
    status: 'pass',
    code: null,
    summary: `${compared.length} values agree with the meter's telegram of ${withRef.meterTime}${notes.length ? ` (${notes[0]})` : ''}.`,
    summaryCode: 'values_agree',
    summaryParams: { count: compared.length, meterTime: withRef.meterTime, note: notes[0] ?? null },
    evidence,
    advice: null
  }
}
