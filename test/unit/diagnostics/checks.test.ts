/**
 * The checks on recorded evidence (no port, no clock): virtual-meter frames with receive
 * times 10 s apart fed to AttemptEvidence, then evaluateChecks; and the report files.
 */
import { describe, expect, it } from 'vitest'
import { AttemptEvidence } from '../../../src/main/diagnostics/evidence'
import { evaluateChecks, meterIdentity, overallVerdict, serialFromSystemTitle } from '../../../src/main/diagnostics/checks'
import { assertNoKey, reportHtml, reportJson } from '../../../src/main/diagnostics/report'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { SmartyModel } from '../../../src/main/line/smarty-model'
import type { DiagnosisReport } from '../../../src/shared/diagnostics'
import { meterLine } from '../../../src/main/line/faults'
import { transmitOverLine } from '../../../src/main/line/uart-model'
import { P1Decoder } from '../../../src/main/p1/pipeline'
import { HEARD_KEY as KEY, HEARD_T0 as T0, SETTINGS_8N1 as SETTINGS, heard } from '../../helpers/heard-evidence'

const verdictOf = (ev: AttemptEvidence, keyGiven = true) =>
  overallVerdict(evaluateChecks({ port: { ok: true, label: 'test' }, attempts: [ev], keyGiven, cadenceS: 10, canRetry: false }))

describe('checks on recorded frames', () => {
  it('ok across the DST change, with cadence and clock figures', () => {
    const ev = heard('none')
    const checks = evaluateChecks({ port: { ok: true, label: 'test' }, attempts: [ev], keyGiven: true, cadenceS: 10, canRetry: false })
    expect(overallVerdict(checks)).toBe('ok')
    const cad = checks.find((c) => c.id === 'cadence')!
    expect(cad.evidence.meanIntervalS).toBe(10)
    const tel = checks.find((c) => c.id === 'telegram')!
    expect(Math.abs(tel.evidence.clockOffsetS as number)).toBeLessThanOrEqual(1) // meter time = receive time
    expect(meterIdentity([ev]).security).toBe('encrypted')
  })
  it('missed_frames from the frame counter', () => {
    expect(verdictOf(heard('drop', { frames: 6 }))).toBe('missed_frames')
  })
  it('irregular_cadence from the receive times', () => {
    expect(verdictOf(heard('none', { gapS: (i) => [4, 16, 7][i % 3] }))).toBe('irregular_cadence')
  })
  it('missed_frames from a 20 s interval on plain telegrams (no counter)', () => {
    const meter = new VirtualMeter({ key: Buffer.alloc(16), plain: true, write: () => undefined })
    const ev = new AttemptEvidence({ settings: { ...SETTINGS }, key: null, burstGapMs: 500, idleGapMs: 2000 }, T0)
    for (const s of [0, 10, 30, 40]) ev.push(meter.nextFrame(new Date(T0 + s * 1000))!, T0 + s * 1000)
    ev.finish(T0 + 50_000)
    const checks = evaluateChecks({ port: { ok: true, label: 'x' }, attempts: [ev], keyGiven: false, cadenceS: 10, canRetry: false })
    expect(overallVerdict(checks)).toBe('missed_frames')
    expect(checks.find((c) => c.id === 'cadence')!.evidence.missedFrames).toBe(1)
    expect(checks.find((c) => c.id === 'key')!.code).toBe('plain_telegrams')
  })
  it('wrong_key, corrupted_frames, auth_key_mismatch, crc_errors, key_not_tested, truncated_frames', () => {
    expect(verdictOf(heard('wrong-key'))).toBe('wrong_key')
    expect(verdictOf(heard('flip', { every: 2 }))).toBe('corrupted_frames')
    expect(verdictOf(heard('auth-key'))).toBe('auth_key_mismatch')
    expect(verdictOf(heard('bad-crc'))).toBe('crc_errors')
    expect(verdictOf(heard('none', { key: null }), false)).toBe('key_not_tested')
    expect(verdictOf(heard('truncate'))).toBe('truncated_frames')
  })
  it('a frame cut short is truncated once the line has been idle for the gap, before the next frame', () => {
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const ev = new AttemptEvidence({ settings: { ...SETTINGS }, key: KEY, burstGapMs: 500, idleGapMs: 500 }, T0)
    ev.push(m.nextFrame(new Date(T0))!.subarray(0, 1024), T0 + 10)
    ev.tick(T0 + 400)
    expect(ev.frames).toHaveLength(0)
    ev.tick(T0 + 600)
    expect(ev.frames.map((f) => [f.outcome, f.bytes, f.declaredBytes])).toEqual([['truncated_frame', 1024, 1234]])
    // and the next frame still decodes
    ev.push(m.nextFrame(new Date(T0 + 10_000))!, T0 + 10_000)
    expect(ev.frames.map((f) => f.outcome)).toEqual(['truncated_frame', 'ok'])
  })

  it('inverted line: a frame start that the garbage happens to spell mid-burst is not a frame', () => {
    // an inverted 115200 8N1 line read at 9600 7E1 (the retry setting), as the bit-level model delivers it
    const rx = { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 } as const
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 7 }), write: () => undefined })
    const tx = meterLine({ name: 'inverted' }, false)
    const bursts: { bytes: Buffer; falseStart: boolean }[] = []
    for (let i = 0; i < 400 && bursts.filter((b) => b.falseStart).length < 1; i++) {
      const bytes = Buffer.from(transmitOverLine(meter.nextFrame(new Date(T0 + i * 10_000))!, tx, rx).bytes)
      const d = new P1Decoder({ key: KEY })
      const evs = [...d.push(bytes, 0), ...d.end(0)]
      bursts.push({ bytes, falseStart: evs.some((e) => e.type === 'failure' && e.failure.code === 'truncated_frame') })
    }
    const k = bursts.findIndex((b) => b.falseStart)
    expect(k, 'the model spells a frame start within 400 bursts').toBeGreaterThanOrEqual(0)
    const ev = new AttemptEvidence({ settings: { ...rx }, key: KEY, burstGapMs: 500, idleGapMs: 2000 }, T0)
    bursts.slice(Math.max(0, k - 2), k + 1).forEach((b, i) => {
      const t = T0 + 1000 + i * 10_000
      ev.push(b.bytes, t)
      ev.tick(t + 3000)
    })
    ev.finish(T0 + 40_000)
    expect(ev.frames).toEqual([])
    expect(ev.spuriousFrames).toBeGreaterThanOrEqual(1)
    const checks = evaluateChecks({ port: { ok: true, label: 'test' }, attempts: [ev], keyGiven: true, cadenceS: 10, canRetry: false })
    expect(overallVerdict(checks)).toBe('inverted_signal')
    expect(checks.find((c) => c.id === 'line')!.evidence.spuriousFrameStarts).toBeGreaterThanOrEqual(1)
    // a frame cut short at the start of its burst still counts (truncated_frames, above)
    expect(verdictOf(heard('truncate'))).toBe('truncated_frames')
  })
  it('serial number from the system title (E1: 01BD54 → 114004, meter SAG1030700114004)', () => {
    expect(serialFromSystemTitle('53414767700' + '1BD54')).toBe('114004')
    expect(serialFromSystemTitle(null)).toBeNull()
  })
})

describe('report files', () => {
  const ev = heard('none')
  const checks = evaluateChecks({ port: { ok: true, label: '/dev/ttyUSB0 <x>' }, attempts: [ev], keyGiven: true, cadenceS: 10, canRetry: false })
  const report: DiagnosisReport = {
    verdict: overallVerdict(checks),
    summary: 'fine & <dandy>',
    interrupted: null,
    checks,
    meter: meterIdentity([ev]),
    source: { label: '/dev/ttyUSB0 <x>', settings: '115200 8N1', tried: ['115200 8N1'] },
    keyTested: true,
    firstFrameHex: ev.firstFrameHex,
    startedAt: new Date(T0).toISOString(),
    durationS: 31,
    appVersion: '9.9.9'
  }
  it('HTML: standalone, escaped, with verdict, checks, meter and first frame; never the key', () => {
    const html = reportHtml(report)
    expect(html).toContain('<code>ok</code>')
    // the summary is worded from the verdict and its checks (src/shared/i18n), the data escaped
    expect(html).toContain('Installation OK: frames arrive every 10 s, the key opens them and the CRC is right.')
    expect(html).toContain('/dev/ttyUSB0 &lt;x&gt;')
    expect(html).not.toContain('<x>')
    expect(html).toContain(report.meter.meterId!)
    expect(html).toContain('DB 08 53 41 47')
    expect(html).not.toMatch(/<script|src=|href=/i)
    expect(html.toUpperCase()).not.toContain(KEY)
    expect(() => assertNoKey(html, KEY)).not.toThrow()
  })
  it('JSON round-trips; assertNoKey catches a key that slipped in', () => {
    expect(JSON.parse(reportJson(report))).toEqual(report)
    expect(() => assertNoKey(reportJson({ ...report, summary: `key ${KEY.toLowerCase()}` }), KEY)).toThrow(/P1 key/)
  })
})
