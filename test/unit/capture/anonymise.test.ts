/**
 * "Share anonymised" (src/main/capture/anonymise.ts) on real captures of the virtual meter:
 * a healthy one and faulty ones (frames cut short, bits flipped on the line), each frame in two
 * records as a serial port delivers it. The diagnosis of the shared file with its new key gives
 * the same verdict and the same checks (id, status, code) as the original with the meter's key;
 * receive times, chunking and frame counters are the same; no byte of the old key, system title
 * or meter id is left (the telegrams decrypted with the new key do not hold the meter id either).
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { anonymiseCapture } from '../../../src/main/capture/anonymise'
import { readCapture } from '../../../src/main/capture/reader'
import { ReplaySource } from '../../../src/main/capture/replay-source'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { runDiagnosis } from '../../../src/main/diagnostics/runner'
import type { MeterFault } from '../../../src/main/line/faults'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import type { DiagnosisReport } from '../../../src/shared/diagnostics'

const KEY = '8E1D2C3B4A5968778695A4B3C2D1E0FF' // test key, not a meter's
const T0 = Date.UTC(2026, 3, 1, 8)
const dir = mkdtempSync(join(tmpdir(), 'p1s-anon-'))

/** A capture of `frames` frames of the virtual meter with `fault`, each frame in two records 40 ms apart. */
function capture(name: string, fault: MeterFault, frames = 8): string {
  const path = join(dir, `${name}.p1cap`)
  const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), fault, write: () => undefined })
  const w = new CaptureWriter({ path, source: 'test', appVersion: 'test' })
  for (let i = 0; i < frames; i++) {
    const t = T0 + i * 10_000
    const f = m.nextFrame(new Date(t))
    if (!f) continue
    w.write(f.subarray(0, 300), t)
    w.write(f.subarray(300), t + 40)
  }
  w.close()
  return path
}

async function diagnose(path: string, key: string): Promise<DiagnosisReport> {
  const replay = new ReplaySource(path, { speed: Infinity, paused: true })
  await replay.start()
  const run = runDiagnosis({ source: replay, clock: 'data', sourceLabel: 'capture', durationS: 3600, key, appVersion: 'test' })
  replay.setPaused(false)
  const r = await run
  await replay.stop()
  return r
}

async function records(path: string): Promise<{ time: number; length: number }[]> {
  const out: { time: number; length: number }[] = []
  for await (const r of readCapture(path)) if (r.type === 'data') out.push({ time: r.time, length: r.bytes.length })
  return out
}

const checksOf = (r: DiagnosisReport) => r.checks.map((c) => ({ id: c.id, status: c.status, code: c.code }))

describe('share anonymised', () => {
  for (const [name, fault, verdict] of [
    ['ok', { name: 'none' }, 'ok'],
    ['truncated', { name: 'truncate' }, 'truncated_frames'],
    ['flipped', { name: 'flip' }, null]
  ] as const) {
    it(`${name}: the same verdict and checks with the new key; times, chunking and counters kept; no old identity left`, { timeout: 60_000 }, async () => {
      const original = capture(name, fault as MeterFault)
      const shared = join(dir, `${name}-shared.p1cap`)
      const res = await anonymiseCapture(original, shared, { key: Buffer.from(KEY, 'hex'), appVersion: 'test' })
      expect(res.keyHex).toMatch(/^[0-9A-F]{32}$/)
      expect(res.keyHex).not.toBe(KEY)

      const before = await diagnose(original, KEY)
      const after = await diagnose(shared, res.keyHex)
      if (verdict) expect(before.verdict).toBe(verdict)
      expect(after.verdict).toBe(before.verdict)
      expect(checksOf(after)).toEqual(checksOf(before))
      // the shared file does not open with the meter's key
      if (before.verdict === 'ok') expect((await diagnose(shared, KEY)).verdict).toBe('wrong_key')
      expect(await records(shared)).toEqual(await records(original))

      // identities: system title replaced (maker "SAG" kept), meter id replaced (hex-ASCII, same length)
      const oldTitle = before.meter.systemTitle!
      expect(oldTitle).toMatch(/^534147/)
      expect(after.meter.systemTitle).toMatch(/^534147[0-9A-F]{10}$/)
      expect(after.meter.systemTitle).not.toBe(oldTitle)
      expect([after.meter.firstFrameCounter, after.meter.lastFrameCounter]).toEqual([before.meter.firstFrameCounter, before.meter.lastFrameCounter])
      const bytes = readFileSync(shared)
      expect(bytes.includes(Buffer.from(KEY, 'hex'))).toBe(false)
      expect(bytes.toString('hex').toUpperCase()).not.toContain(KEY)
      expect(bytes.includes(Buffer.from(oldTitle, 'hex'))).toBe(false)
      expect(bytes.toString('latin1')).not.toContain(oldTitle)
      if (before.meter.meterId) {
        expect(after.meter.meterId).toMatch(/^SAG/)
        expect(after.meter.meterId).toHaveLength(before.meter.meterId.length)
        expect(after.meter.meterId).not.toBe(before.meter.meterId)
        // as on a real Smarty, the meter id ends with the serial the system title holds
        expect(before.meter.meterId.endsWith(before.meter.serialFromSystemTitle!)).toBe(true)
        expect(after.meter.meterId!.endsWith(after.meter.serialFromSystemTitle!)).toBe(true)
        const plain = decodeBuffer(Buffer.concat(await dataOf(shared)), { key: res.keyHex })
          .flatMap((ev) => (ev.type === 'telegram' ? [JSON.stringify(ev.telegram)] : []))
          .join('\n')
        expect(plain.length).toBeGreaterThan(0)
        expect(plain).not.toContain(before.meter.meterId)
        expect(plain).not.toContain(Buffer.from(before.meter.meterId, 'latin1').toString('hex').toUpperCase())
      }
      if (name === 'ok') expect([res.frames, res.keptAsIs, res.warnings]).toEqual([8, 0, []])
      else expect(res.keptAsIs).toBeGreaterThan(0)
    })
  }

  it('plain telegrams (P1 security off): meter id replaced with a right CRC, the same verdict and checks', async () => {
    const path = join(dir, 'plain.p1cap')
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), plain: true, write: () => undefined })
    const w = new CaptureWriter({ path, source: 'test', appVersion: 'test' })
    for (let i = 0; i < 5; i++) w.write(m.nextFrame(new Date(T0 + i * 10_000))!, T0 + i * 10_000)
    w.close()
    const shared = join(dir, 'plain-shared.p1cap')
    const res = await anonymiseCapture(path, shared, { key: Buffer.from(KEY, 'hex'), appVersion: 'test' })
    expect([res.frames, res.plainTelegrams, res.keptAsIs, res.warnings]).toEqual([0, 5, 0, []])
    const before = await diagnose(path, KEY)
    const after = await diagnose(shared, KEY)
    expect(before.meter.meterId).toMatch(/^SAG\d{13}$/)
    expect(after.meter.meterId).toMatch(/^SAG\d{13}$/)
    expect(after.meter.meterId).not.toBe(before.meter.meterId)
    expect(checksOf(after)).toEqual(checksOf(before))
    expect(after.verdict).toBe(before.verdict)
    // every telegram decodes (CRC right), none holds the old id in any form
    const events = decodeBuffer(Buffer.concat(await dataOf(shared)))
    expect(events.filter((e) => e.type === 'telegram')).toHaveLength(5)
    const text = readFileSync(shared).toString('latin1')
    expect(text).not.toContain(before.meter.meterId!)
    expect(text.toUpperCase()).not.toContain(Buffer.from(before.meter.meterId!, 'latin1').toString('hex').toUpperCase())
  })

  it('the wrong key: nothing_decoded, every frame kept as it was (its system title replaced)', async () => {
    const original = capture('wrongkey', { name: 'none' }, 3)
    const res = await anonymiseCapture(original, join(dir, 'wrongkey-shared.p1cap'), { key: Buffer.alloc(16, 1), appVersion: 'test' })
    expect([res.frames, res.keptAsIs]).toEqual([0, 3])
    expect(res.warnings.map((w) => w.code)).toEqual(['nothing_decoded'])
    expect(res.warning).toMatch(/: the 3 frames were copied as they were, with the system title replaced\./)
    // one frame: said in the singular
    const one = await anonymiseCapture(capture('wrongkey1', { name: 'none' }, 1), join(dir, 'wrongkey1-shared.p1cap'), {
      key: Buffer.alloc(16, 1),
      appVersion: 'test'
    })
    expect(one.warning).toMatch(/: the frame was copied as it was, with the system title replaced\./)
  })
})

async function dataOf(path: string): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const r of readCapture(path)) if (r.type === 'data') out.push(r.bytes)
  return out
}
