/** The p1studio CLI as users run it (node bin/p1studio.mjs), on published vectors. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/p1studio.mjs')
const V = join(ROOT, 'test/fixtures/vectors')
const tmp = mkdtempSync(join(tmpdir(), 'p1s-cli-'))
const E1 = Buffer.from(readFileSync(join(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const e1File = join(tmp, 'e1.bin')
writeFileSync(e1File, Buffer.concat([Buffer.from('noise'), E1, E1]))
const KEY = 'D491470F47126332B07D1923B3504188'

function run(args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, cwd: ROOT, encoding: 'buffer', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

describe('p1studio decode', () => {
  it('prints one JSON line per frame with exact values', () => {
    const r = run(['decode', '--key', KEY, e1File])
    expect(r.status).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(2)
    const t = lines[0]
    expect(t).toMatchObject({ systemTitle: '534147677001BD54', frameCounter: 370915, identification: 'Lux5\\253663629_D', crcOk: true, offset: 5 })
    expect(t.objects['1-0:1.8.0']).toEqual({ value: 6.695, unit: 'kWh', raw: '000006.695*kWh' })
    expect(t.objects['0-0:42.0.0'].value).toBe('SAG1030700114004')
    expect(t.objects['1-0:3.7.0']).toEqual({ value: 0, unit: null, raw: '00.000' })
    expect(t.objects['0-0:1.0.0'].value).toBe('2018-01-30T10:21:22+01:00')
    expect(lines[1].offset).toBe(5 + E1.length)
  })

  it('reads stdin with "-", and reports a wrong key as an error line (exit 1)', () => {
    const r = run(['decode', '--key', 'D491470F47126332B07D1923B3504100', '-'], E1)
    expect(r.status).toBe(1)
    const line = JSON.parse(r.stdout.trim())
    expect(line.error.code).toBe('gcm_tag_mismatch')
    expect(line.offset).toBe(0)
    expect(r.stdout + r.stderr).not.toContain('D491470F47126332B07D1923B3504100')
  })

  it('decodes plain telegrams with M-Bus values and time', () => {
    const r = run(['decode', join(V, 'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt')])
    const t = JSON.parse(r.stdout.trim())
    expect(t.systemTitle).toBeNull()
    expect(t.objects['0-1:24.2.1']).toMatchObject({ value: 0.006, unit: 'm3', time: '2020-07-06T10:31:40+02:00' })
    expect(t.objects['0-2:24.2.1']).toMatchObject({ value: 0, unit: null, time: null })
    expect(t.objects['1-1:31.4.0'].values).toEqual([{ value: 100, unit: 'A' }, { value: -63, unit: 'A' }])
  })

  it('wrong arguments: one line, exit 2, no stack trace', () => {
    for (const args of [['decode'], ['decode', '--key', 'xyz', e1File], ['frobnicate'], ['decode', '--bogus', e1File], ['serve', '--listen', 'nope']]) {
      const r = run(args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    }
    const missing = run(['decode', join(tmp, 'nope.bin')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('No file at')
  })
})

describe('p1studio diagnose --capture', () => {
  it('judges a recorded capture on its recorded times: a lost frame is missed_frames (exit 1), with a JSON report file', async () => {
    const { CaptureWriter } = await import('../../src/main/capture/writer')
    const { VirtualMeter } = await import('../../src/main/line/virtual-meter')
    const key = '55AA55AA55AA55AA55AA55AA55AA55AA'
    const meter = new VirtualMeter({ key: Buffer.from(key, 'hex'), write: () => undefined })
    const file = join(tmp, 'lost.p1cap')
    const w = new CaptureWriter({ path: file, source: 'test', appVersion: 't' })
    const t0 = Date.parse('2026-02-02T10:00:00Z')
    for (let i = 0; i < 6; i++) {
      const f = meter.nextFrame(new Date(t0 + i * 10_000))!
      if (i !== 1) w.write(f, t0 + i * 10_000)
    }
    w.close()
    const report = join(tmp, 'lost-report.json')
    const r = run(['diagnose', '--capture', file, '--key', key, '--json', '--report', report])
    expect(r.status, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.verdict).toBe('missed_frames')
    expect(out.checks.find((c: { id: string }) => c.id === 'cadence').evidence.intervalsS).toEqual([20, 10])
    expect(JSON.parse(readFileSync(report, 'utf8')).verdict).toBe('missed_frames')
    expect(readFileSync(report, 'utf8').toUpperCase()).not.toContain(key)
    expect(run(['diagnose', '--capture', file, '--port', '/dev/null']).status).toBe(2)
  })
})
