/**
 * Prometheus metrics of the decoded telegrams (prom-client, text exposition format 0.0.4):
 * serve mode mounts {@link P1Metrics.render} at `/metrics` behind the serve token
 * (`Authorization: Bearer TOKEN`, Prometheus' `authorization` setting).
 *
 * Names follow Prometheus' conventions (prometheus.io/docs/practices/naming): `p1_` prefix,
 * the unit in the name, `_total` on counters. The meter's own registers are counters (they
 * only grow: energy, power failures, sags/swells, M-Bus indexes) exposed with the meter's
 * value; powers, voltages and currents are gauges in base units (W, var, V, A) — the meter
 * sends kW, kvar: ×1000 — energies stay in kWh / kvarh, the unit of the register and the
 * bill. Per-phase values carry `phase="L1"…"L3"`, M-Bus values `channel`, every meter value
 * `meter_id` (0-0:42.0.0 decoded, else the system title: `meterIdOf`, src/shared/history.ts).
 * `p1_last_frame_age_seconds` is computed at scrape time from the clock.
 *
 * OBIS codes: DSMR 5.0.2 §7 and the Luxmetering E-Meter P1 specification v1.1.3 Table 3.1.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { meterIdOf, readingOf } from '../../shared/history'
import type { DecodedTelegram, DecodeErrorCode, DecodeFailure, DecodeWarningCode, Telegram } from '../../shared/types'
import { describeObis } from '../../shared/obis'
import { findObject, quantity } from '../../shared/values'
import { systemClock, type Clock } from '../line/clock'
import type { DecodeEvent } from '../p1/pipeline'

/** One value of a meter for one metric: extra labels (phase, channel…) and the value in the metric's unit. */
interface Sample {
  labels: Record<string, string>
  value: number
}

/** What the metrics keep of one meter: its last telegram's values. */
interface MeterState {
  meterId: string
  systemTitle: string | null
  identification: string
  lastReceivedAt: number
  samples: Map<string, Sample[]>
}

type Kind = 'counter' | 'gauge'
/** A metric filled from the meters' last telegrams. */
interface MeterMetric {
  name: string
  help: string
  kind: Kind
  labels: string[]
}

const PHASES = ['L1', 'L2', 'L3'] as const

/** A counter of every meter (a register that only grows), with its Prometheus help text. */
const counter = (name: string, help: string): MeterMetric => ({ name, kind: 'counter', labels: [], help })
/** A gauge of every meter (an instantaneous value), with its Prometheus help text. */
const gauge = (name: string, help: string): MeterMetric => ({ name, kind: 'gauge', labels: [], help })
/** The same metrics with one more label besides `meter_id`: `phase` (L1–L3) or `channel` (M-Bus 1–4). */
const labelled = (label: 'phase' | 'channel', ...metrics: MeterMetric[]): MeterMetric[] => metrics.map((m) => ({ ...m, labels: [label] }))

/** The metrics every meter gets, in exposition order. Help texts name the OBIS codes. */
export const METER_METRICS: readonly MeterMetric[] = [
  counter('p1_energy_import_kwh_total', 'Active energy imported (+A), kWh: meter register 1-0:1.8.0 (or the sum of tariffs 1-0:1.8.1..4).'),
  counter('p1_energy_export_kwh_total', 'Active energy exported (-A), kWh: meter register 1-0:2.8.0 (or the sum of tariffs 1-0:2.8.1..4).'),
  counter('p1_reactive_energy_import_kvarh_total', 'Reactive energy imported (+R), kvarh: meter register 1-0:3.8.0.'),
  counter('p1_reactive_energy_export_kvarh_total', 'Reactive energy exported (-R), kvarh: meter register 1-0:4.8.0.'),
  gauge('p1_power_import_watts', 'Active power imported (+P), W (1-0:1.7.0).'),
  gauge('p1_power_export_watts', 'Active power exported (-P), W (1-0:2.7.0).'),
  gauge('p1_reactive_power_import_var', 'Reactive power imported (+Q), var (1-0:3.7.0).'),
  gauge('p1_reactive_power_export_var', 'Reactive power exported (-Q), var (1-0:4.7.0).'),
  ...labelled(
    'phase',
    gauge('p1_phase_power_import_watts', 'Active power imported per phase, W (1-0:21/41/61.7.0).'),
    gauge('p1_phase_power_export_watts', 'Active power exported per phase, W (1-0:22/42/62.7.0).'),
    gauge('p1_voltage_volts', 'Voltage per phase, V (1-0:32/52/72.7.0).'),
    gauge('p1_current_amperes', 'Current per phase, A (1-0:31/51/71.7.0).')
  ),
  gauge('p1_power_limit_voltamperes', 'Power limit of the connection (SMAX), VA (0-0:17.0.0).'),
  counter('p1_power_failures_total', 'Power failures in any phase, as counted by the meter (0-0:96.7.21).'),
  counter('p1_long_power_failures_total', 'Long power failures in any phase, as counted by the meter (0-0:96.7.9).'),
  ...labelled(
    'phase',
    counter('p1_voltage_sags_total', 'Voltage sags per phase, as counted by the meter (1-0:32/52/72.32.0).'),
    counter('p1_voltage_swells_total', 'Voltage swells per phase, as counted by the meter (1-0:32/52/72.36.0).')
  ),
  ...labelled(
    'channel',
    counter('p1_gas_cubic_meters_total', 'Gas meter index on an M-Bus channel, m3 (0-n:24.2.1).'),
    counter('p1_water_cubic_meters_total', 'Water meter index on an M-Bus channel, m3 (0-n:24.2.1, device type 7 or 8).'),
    counter('p1_heat_gigajoules_total', 'Heat meter index on an M-Bus channel, GJ (0-n:24.2.1).')
  ),
  gauge('p1_last_frame_number', 'DLMS frame counter (invocation counter) of the last frame; reset to 0 when the P1 key is renewed.')
]

/** Decode failure codes (docs/verdict-codes.md), exposed at 0 before the first one so rate() works. */
const FAILURE_CODES: readonly DecodeErrorCode[] = [
  'gcm_tag_mismatch',
  'crc_mismatch',
  'truncated_frame',
  'unsupported_length_form',
  'missing_key',
  'malformed_line',
  'malformed_frame',
  'malformed_telegram',
  'overlong_frame'
]
const WARNING_CODES: readonly DecodeWarningCode[] = ['auth_key_mismatch', 'no_crc', 'malformed_line']

/** Most meters one P1Metrics keeps (one P1 port = one meter; a bound against junk meter ids). */
const MAX_METERS = 16

const kilo = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e6) / 1e3)

/**
 * The samples of one telegram, per metric name. Values in the metric's unit (kW → W…).
 * Absent codes give no sample (the metric then keeps no series for this meter).
 */
export function samplesOf(t: Telegram, receivedAt: number): Map<string, Sample[]> {
  const r = readingOf(t, receivedAt)
  const out = new Map<string, Sample[]>()
  const put = (name: string, value: number | null | undefined, labels: Record<string, string> = {}): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return
    let list = out.get(name)
    if (!list) out.set(name, (list = []))
    list.push({ labels, value })
  }
  const q = (code: string): number | null => quantity(t, code)?.value ?? null
  put('p1_energy_import_kwh_total', r.importKWh)
  put('p1_energy_export_kwh_total', r.exportKWh)
  put('p1_reactive_energy_import_kvarh_total', q('1-0:3.8.0'))
  put('p1_reactive_energy_export_kvarh_total', q('1-0:4.8.0'))
  put('p1_power_import_watts', kilo(r.importKW))
  put('p1_power_export_watts', kilo(r.exportKW))
  put('p1_reactive_power_import_var', kilo(q('1-0:3.7.0')))
  put('p1_reactive_power_export_var', kilo(q('1-0:4.7.0')))
  PHASES.forEach((phase, i) => {
    put('p1_phase_power_import_watts', kilo(r.importKWL[i]), { phase })
    put('p1_phase_power_export_watts', kilo(r.exportKWL[i]), { phase })
    put('p1_voltage_volts', r.voltageV[i], { phase })
    put('p1_current_amperes', r.currentA[i], { phase })
    put('p1_voltage_sags_total', r.sags[i], { phase })
    put('p1_voltage_swells_total', r.swells[i], { phase })
  })
  put('p1_power_limit_voltamperes', kilo(q('0-0:17.0.0')))
  put('p1_power_failures_total', r.powerFailures)
  put('p1_long_power_failures_total', r.longPowerFailures)
  // M-Bus channels: the index with its unit (an empty channel sends a placeholder without one)
  for (const o of t.objects) {
    const info = describeObis(o.obis)
    if (!info?.channel || !/:24\.(2\.1|2\.3|3\.0)$/.test(info.code) || typeof o.value !== 'number' || !o.unit) continue
    const channel = String(info.channel)
    const type = Number(findObject(t, `0-${channel}:24.1.0`)?.value)
    const unit = o.unit.toLowerCase()
    if (unit === 'gj') put('p1_heat_gigajoules_total', o.value, { channel })
    else if (unit === 'm3' && (type === 7 || type === 8)) put('p1_water_cubic_meters_total', o.value, { channel })
    else if (unit === 'm3') put('p1_gas_cubic_meters_total', o.value, { channel })
  }
  return out
}

/** Options of {@link P1Metrics}. */
export interface P1MetricsOptions {
  /** Scrape time for `p1_last_frame_age_seconds` (default the system clock). */
  clock?: Clock
  /**
   * Add Node's process metrics (process_resident_memory_bytes, nodejs_heap_*…; default true),
   * without the three `nodejs_active_*_total` gauges that break the naming rules.
   */
  processMetrics?: boolean
}

/**
 * The metrics of one P1 Studio: feed it decode events, render the exposition on a scrape.
 * Memory is bounded: the last values of at most 16 meters. Never throws on input.
 */
export class P1Metrics {
  readonly registry = new Registry()
  private readonly clock: Clock
  private readonly meters = new Map<string, MeterState>()
  private readonly titleToMeter = new Map<string, string>()
  private readonly telegrams: Counter<'meter_id'>
  private readonly frames: Counter
  private readonly failures: Counter<'code'>
  private readonly warnings: Counter<'code'>
  private readonly skipped: Counter

  constructor(opts: P1MetricsOptions = {}) {
    this.clock = opts.clock ?? systemClock
    const registers = [this.registry]
    const meters = this.meters
    for (const m of METER_METRICS) {
      const labelNames = ['meter_id', ...m.labels]
      const fill = (set: (labels: Record<string, string>, v: number) => void): void => {
        for (const s of meters.values()) for (const x of s.samples.get(m.name) ?? []) set({ meter_id: s.meterId, ...x.labels }, x.value)
      }
      // filled at scrape time from the meters' last telegrams (a register never goes below 0)
      const config = { name: m.name, help: m.help, labelNames, registers }
      if (m.kind === 'counter')
        new Counter({
          ...config,
          collect() {
            this.reset()
            fill((l, v) => this.inc(l, Math.max(0, v)))
          }
        })
      else
        new Gauge({
          ...config,
          collect() {
            this.reset()
            fill((l, v) => this.set(l, v))
          }
        })
    }
    const clock = this.clock
    new Gauge({
      name: 'p1_last_frame_timestamp_seconds',
      help: 'When the last telegram of the meter was received, seconds since the Unix epoch.',
      labelNames: ['meter_id'],
      registers,
      collect() {
        this.reset()
        for (const s of meters.values()) this.set({ meter_id: s.meterId }, s.lastReceivedAt / 1000)
      }
    })
    new Gauge({
      name: 'p1_last_frame_age_seconds',
      help: 'Seconds since the last telegram of the meter was received, at scrape time (a Smarty sends one every 10 s).',
      labelNames: ['meter_id'],
      registers,
      collect() {
        this.reset()
        const now = clock.now()
        for (const s of meters.values()) this.set({ meter_id: s.meterId }, Math.max(0, (now - s.lastReceivedAt) / 1000))
      }
    })
    new Gauge({
      name: 'p1_meter_info',
      help: 'The meter: 1 per meter id, with its DLMS system title and identification line.',
      labelNames: ['meter_id', 'system_title', 'identification'],
      registers,
      collect() {
        this.reset()
        for (const s of meters.values()) this.set({ meter_id: s.meterId, system_title: s.systemTitle ?? '', identification: s.identification }, 1)
      }
    })
    this.telegrams = new Counter({ name: 'p1_telegrams_total', help: 'Telegrams decoded (CRC right, or none sent).', labelNames: ['meter_id'], registers })
    this.frames = new Counter({
      name: 'p1_frames_total',
      help: 'Frames found in the byte stream (DLMS frames and plain telegrams), decoded or not.',
      registers
    })
    this.failures = new Counter({
      name: 'p1_decode_failures_total',
      help: 'Frames that could not be decoded, by failure code (docs/verdict-codes.md).',
      labelNames: ['code'],
      registers
    })
    this.warnings = new Counter({
      name: 'p1_decode_warnings_total',
      help: 'Telegrams decoded with a warning, by warning code (auth_key_mismatch, no_crc, malformed_line).',
      labelNames: ['code'],
      registers
    })
    this.skipped = new Counter({
      name: 'p1_skipped_bytes_total',
      help: 'Bytes between frames that belong to no frame (noise, garbage, a wrong line setting).',
      registers
    })
    for (const code of FAILURE_CODES) this.failures.inc({ code }, 0)
    for (const code of WARNING_CODES) this.warnings.inc({ code }, 0)
    if (opts.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry })
      // prom-client exposes these gauges with a counter's `_total` suffix (promtool's lint rejects it)
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
        this.registry.removeSingleMetric(name)
    }
  }

  /** Content-Type of {@link render}'s text ("text/plain; version=0.0.4; charset=utf-8"). */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Count a decoder's events (telegrams, failures, skipped bytes). */
  observe(events: DecodeEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'telegram') this.telegram(ev.telegram)
      else if (ev.type === 'failure') this.failure(ev.failure)
      else this.skipped.inc(ev.length)
    }
  }

  /**
   * A decoded telegram: its values become the meter's current values. `values` false (a
   * telegram opened through the authentication-key fallback and not confirmed: host/keys.ts)
   * counts the frame and its warnings only.
   */
  telegram(t: DecodedTelegram, values = true): void {
    const title = t.dlms?.systemTitle ?? null
    let meterId = meterIdOf(t.telegram, null)
    if (meterId === 'unknown') meterId = (title && this.titleToMeter.get(title)) || title || 'unknown'
    else if (title && this.titleToMeter.size < MAX_METERS) this.titleToMeter.set(title, meterId)
    this.frames.inc()
    for (const w of t.warnings) this.warnings.inc({ code: w })
    if (!values || (!this.meters.has(meterId) && this.meters.size >= MAX_METERS)) return
    this.telegrams.inc({ meter_id: meterId })
    const samples = samplesOf(t.telegram, t.receivedAt)
    if (t.dlms) samples.set('p1_last_frame_number', [{ labels: {}, value: t.dlms.frameCounter }])
    this.meters.set(meterId, { meterId, systemTitle: title, identification: t.telegram.identification, lastReceivedAt: t.receivedAt, samples })
  }

  /** A frame that failed. Failures without a frame (a truncated stretch, kind null) are not frames. */
  failure(f: DecodeFailure): void {
    if (f.kind !== null) this.frames.inc()
    this.failures.inc({ code: f.code })
  }

  /** Bytes that belong to no frame, counted elsewhere (the session's line state). */
  skippedBytes(n: number): void {
    if (n > 0 && Number.isFinite(n)) this.skipped.inc(n)
  }

  /** The text exposition for a scrape. */
  render(): Promise<string> {
    return this.registry.metrics()
  }
}
