/**
 * Prometheus metrics on real telegrams: a published Luxembourg frame (NEXXTLAB, key
 * published), openHAB's Smarty telegram with units and an M-Bus gas meter, an Austrian frame in
 * Wh/W that opens only without the tag, and the virtual meter's 2020+ telegrams with per-phase
 * values. Every sample is checked against the telegram it came from; failures are counted by
 * code; the last-frame age follows the clock at scrape time; `promtool check metrics`
 * (Debian's prometheus package) accepts the exposition without a lint remark.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/main/line/clock'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { P1Metrics } from '../../src/main/output/metrics'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { findObject } from '../../src/shared/values'
import type { DecodedTelegram } from '../../src/shared/types'

const VECTORS = resolve(__dirname, '../fixtures/vectors')
const hexFile = (f: string): Buffer => Buffer.from(readFileSync(resolve(VECTORS, f), 'utf8').trim(), 'hex')
const NEXXTLAB_KEY = 'D491470F47126332B07D1923B3504188' // published with the frame (test/fixtures/vectors/INDEX.md E1)
const AT_KEY = 'A8C74F67ECA8EF9C55C4743FF6F4F031' // published with the Austrian frame (A2)
const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const T0 = Date.parse('2026-03-28T12:00:00Z')

/** Exposition text → "name{labels}" → value (labels as printed, sorted by prom-client's order). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line)
    if (!m) throw new Error(`bad line ${line}`)
    out.set(m[1], Number(m[2]))
  }
  return out
}

function decodeAll(d: P1Decoder, bytes: Buffer, at: number): DecodedTelegram[] {
  const evs = [...d.push(bytes, at), ...d.end(at)]
  return evs.flatMap((e) => (e.type === 'telegram' ? [e.telegram] : []))
}

describe('Prometheus metrics', () => {
  it('carries the values of a real Luxembourg frame, named with units, labelled by meter id', async () => {
    const clock = new ManualClock(T0)
    const m = new P1Metrics({ clock, processMetrics: false })
    const d = new P1Decoder({ key: NEXXTLAB_KEY })
    const evs = d.push(hexFile('lu_nexxtlab_go-smarty-reader_frame.hex'), T0 - 3000)
    m.observe(evs)
    const [t] = evs.flatMap((e) => (e.type === 'telegram' ? [e.telegram] : []))
    const id = 'SAG1030700114004'
    expect(findObject(t.telegram, '0-0:42.0.0')?.value).toBe(id)
    const s = samples(await m.render())
    const L = `{meter_id="${id}"}`
    const num = (code: string): number => findObject(t.telegram, code)!.value as number
    expect(s.get(`p1_energy_import_kwh_total${L}`)).toBe(num('1-0:1.8.0'))
    expect(s.get(`p1_energy_export_kwh_total${L}`)).toBe(num('1-0:2.8.0'))
    expect(s.get(`p1_reactive_energy_import_kvarh_total${L}`)).toBe(num('1-0:3.8.0'))
    expect(s.get(`p1_reactive_energy_export_kvarh_total${L}`)).toBe(num('1-0:4.8.0'))
    expect(s.get(`p1_power_import_watts${L}`)).toBe(Math.round(num('1-0:1.7.0') * 1000))
    expect(s.get(`p1_power_export_watts${L}`)).toBe(Math.round(num('1-0:2.7.0') * 1000))
    expect(s.get(`p1_power_limit_voltamperes${L}`)).toBe(Math.round(num('0-0:17.0.0') * 1000))
    expect(s.get(`p1_power_failures_total${L}`)).toBe(num('0-0:96.7.21'))
    expect(s.get(`p1_voltage_sags_total{meter_id="${id}",phase="L1"}`)).toBe(num('1-0:32.32.0'))
    expect(s.get(`p1_last_frame_number${L}`)).toBe(0x0005a8e3)
    expect(s.get(`p1_telegrams_total${L}`)).toBe(1)
    expect(s.get('p1_frames_total')).toBe(1)
    expect(s.get(`p1_last_frame_timestamp_seconds${L}`)).toBe((T0 - 3000) / 1000)
    expect(s.get(`p1_last_frame_age_seconds${L}`)).toBe(3)
    expect(s.get(`p1_meter_info{meter_id="${id}",system_title="534147677001BD54",identification="${t.telegram.identification.replace(/\\/g, '\\\\')}"}`)).toBe(
      1
    )
    // the 2018 firmware sends no per-phase power: no series rather than a 0
    expect([...s.keys()].some((k) => k.startsWith('p1_phase_power_import_watts'))).toBe(false)
    // the age is computed at scrape time
    clock.advance(25_000)
    expect(samples(await m.render()).get(`p1_last_frame_age_seconds${L}`)).toBe(28)
  })

  it('takes M-Bus gas on its channel, Wh/W meters in kWh/W, and counts warnings', async () => {
    const m = new P1Metrics({ clock: new ManualClock(T0), processMetrics: false })
    const plain = new P1Decoder()
    const [gas] = decodeAll(plain, readFileSync(resolve(VECTORS, 'lu_openhab_smarty_with_units.telegram.txt')), T0)
    m.telegram(gas)
    const at = new P1Decoder({ key: AT_KEY })
    const [aut] = decodeAll(at, hexFile('at_unidentified-repo_test_decode_packet_sc_1_frame.hex'), T0)
    expect(aut.warnings).toContain('auth_key_mismatch')
    m.telegram(aut)
    const s = samples(await m.render())
    const g = 'SAG1030700114004'
    expect(s.get(`p1_gas_cubic_meters_total{meter_id="${g}",channel="1"}`)).toBe(1234.567)
    expect(s.get(`p1_power_limit_voltamperes{meter_id="${g}"}`)).toBe(12300)
    expect(s.get(`p1_reactive_energy_export_kvarh_total{meter_id="${g}"}`)).toBe(1234.567)
    expect(s.get(`p1_power_import_watts{meter_id="${g}"}`)).toBe(1234)
    // Austrian Sagemcom: 1-0:1.8.0(007112944*Wh), 1-0:1.7.0(000001068*W); no meter id object → system title
    const a = aut.dlms!.systemTitle
    expect(s.get(`p1_energy_import_kwh_total{meter_id="${a}"}`)).toBe(7112.944)
    expect(s.get(`p1_energy_export_kwh_total{meter_id="${a}"}`)).toBe(33153.972)
    expect(s.get(`p1_power_import_watts{meter_id="${a}"}`)).toBe(1068)
    expect(s.get(`p1_power_export_watts{meter_id="${a}"}`)).toBe(1060)
    expect(s.get('p1_decode_warnings_total{code="auth_key_mismatch"}')).toBe(1)
    expect(s.get('p1_decode_warnings_total{code="no_crc"}')).toBe(0)
  })

  it('gives per-phase voltage, current and power of a 2020+ Smarty, and counts failures by code', async () => {
    const clock = new ManualClock(T0)
    const m = new P1Metrics({ clock, processMetrics: false })
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 3, pvPeakKW: 4, mbusGas: true }), write: () => undefined })
    const d = new P1Decoder({ key: KEY })
    let last: DecodedTelegram | null = null
    for (let i = 0; i < 6; i++) {
      const evs = d.push(meter.nextFrame(new Date(clock.now()))!, clock.now())
      m.observe(evs)
      for (const e of evs) if (e.type === 'telegram') last = e.telegram
      clock.advance(10_000)
    }
    // failures: a frame under another key, a frame without a key, a frame cut short
    const wrong = new P1Decoder({ key: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF' })
    m.observe(wrong.push(meter.nextFrame(new Date(clock.now()))!, clock.now()))
    m.observe(new P1Decoder().push(meter.nextFrame(new Date(clock.now()))!, clock.now()))
    const cut = new P1Decoder({ key: KEY })
    m.observe([...cut.push(meter.nextFrame(new Date(clock.now()))!.subarray(0, 300), clock.now()), ...cut.end(clock.now())])
    const s = samples(await m.render())
    const t = last!.telegram
    const id = findObject(t, '0-0:42.0.0')!.value as string
    const ph = (p: string): string => `{meter_id="${id}",phase="${p}"}`
    const v = (code: string): number => findObject(t, code)!.value as number
    expect(s.get(`p1_voltage_volts${ph('L1')}`)).toBe(v('1-0:32.7.0'))
    expect(s.get(`p1_voltage_volts${ph('L3')}`)).toBe(v('1-0:72.7.0'))
    expect(s.get(`p1_current_amperes${ph('L2')}`)).toBe(v('1-0:51.7.0'))
    expect(s.get(`p1_phase_power_import_watts${ph('L1')}`)).toBe(Math.round(v('1-0:21.7.0') * 1000))
    expect(s.get(`p1_phase_power_export_watts${ph('L3')}`)).toBe(Math.round(v('1-0:62.7.0') * 1000))
    expect(s.get(`p1_gas_cubic_meters_total{meter_id="${id}",channel="1"}`)).toBe(v('0-1:24.2.1'))
    expect(s.get(`p1_telegrams_total{meter_id="${id}"}`)).toBe(6)
    expect(s.get(`p1_last_frame_number{meter_id="${id}"}`)).toBe(6)
    expect(s.get('p1_frames_total')).toBe(9) // 6 decoded, wrong key, no key, cut short
    expect(s.get('p1_decode_failures_total{code="gcm_tag_mismatch"}')).toBe(1)
    expect(s.get('p1_decode_failures_total{code="missing_key"}')).toBe(1)
    expect(s.get('p1_decode_failures_total{code="truncated_frame"}')).toBe(1)
    expect(s.get('p1_decode_failures_total{code="crc_mismatch"}')).toBe(0)
  })

  it('passes promtool check metrics, process metrics included', async () => {
    expect(existsSync('/usr/bin/promtool'), 'promtool missing: apt-get install prometheus').toBe(true)
    const m = new P1Metrics({ clock: new ManualClock(T0) })
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const d = new P1Decoder({ key: KEY })
    m.observe(d.push(meter.nextFrame(new Date(T0))!, T0))
    m.observe(new P1Decoder({ key: NEXXTLAB_KEY }).push(hexFile('lu_nexxtlab_go-smarty-reader_frame.hex'), T0))
    m.observe(new P1Decoder().push(Buffer.from(readFileSync(resolve(VECTORS, 'lu_openhab_smarty_with_units.telegram.txt'))), T0))
    m.observe(new P1Decoder().push(Buffer.from('garbage between frames'), T0))
    const text = await m.render()
    expect(m.contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(text).toContain('# TYPE p1_energy_import_kwh_total counter')
    expect(text).toContain('process_resident_memory_bytes')
    const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
    expect(r.stdout + r.stderr).toBe('')
    expect(r.status).toBe(0)
    // and promtool does complain about a counter without _total: the check is real
    const bad = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: '# HELP p1_x_kwh X.\n# TYPE p1_x_kwh counter\np1_x_kwh 1\n', encoding: 'utf8' })
    expect(bad.status).not.toBe(0)
  })

  it('the Grafana dashboard (docs/grafana-dashboard.json) queries metrics that exist, in valid PromQL', async () => {
    const dash = JSON.parse(readFileSync(resolve(__dirname, '../../docs/grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[]
    }
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr))
    expect(exprs.length).toBeGreaterThan(15)
    // every metric name the dashboard uses is in the exposition of a 2020+ Smarty with gas
    const m = new P1Metrics({ clock: new ManualClock(T0) })
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 3, pvPeakKW: 4, mbusGas: true }), write: () => undefined })
    m.observe(new P1Decoder({ key: KEY }).push(meter.nextFrame(new Date(T0))!, T0))
    const exposed = new Set([...samples(await m.render()).keys()].map((k) => k.replace(/\{.*$/, '')))
    const used = new Set(exprs.flatMap((e) => e.match(/\b(p1|process|nodejs)_[a-z0-9_]+/g) ?? []))
    for (const name of used) expect(exposed, name).toContain(name)
    // promtool parses each query (as a recording rule, Grafana's variables filled in)
    const dir = mkdtempSync(join(tmpdir(), 'p1s-dash-'))
    const rules = exprs
      .map((e, i) => `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(e.replaceAll('$meter', '.*').replaceAll('$__range', '1d'))}`)
      .join('\n')
    writeFileSync(join(dir, 'rules.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`)
    const r = spawnSync('/usr/bin/promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
