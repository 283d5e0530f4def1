/**
 * The session's capture features in plain Node (the same calls the UI makes over IPC or
 * WebSocket): replay a capture with recorded times, capture a replay into the capture
 * folder byte for byte, seek, import a hex dump, export CSV, and a diagnosis on a replay
 * (cadence from the recorded times).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StudioSession } from '../../../src/main/host/session'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { readCapture } from '../../../src/main/capture/reader'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'

const KEY = '8899AABBCCDDEEFF0011223344556677'

function makeCapture(path: string, n: number, gapMs = 10_000): Buffer[] {
  const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  const w = new CaptureWriter({ path, source: 'test', lineSettings: '115200 8N1', appVersion: 't' })
  const t0 = Date.parse('2026-05-04T08:00:00Z')
  const frames: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const f = m.nextFrame(new Date(t0 + i * gapMs))!
    frames.push(f)
    w.write(f.subarray(0, 500), t0 + i * gapMs)
    w.write(f.subarray(500), t0 + i * gapMs + 5)
  }
  w.close()
  return frames
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('session captures', () => {
  it('replays a capture all at once, captures it again byte for byte, exports CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-sess-'))
    const frames = makeCapture(join(dir, 'src.p1cap'), 30)
    const s = new StudioSession({ version: 't', key: KEY, captureDir: join(dir, 'captures'), statusThrottleMs: 0 })
    try {
      // opened paused: not a byte plays before the capture starts
      await s.api.openSource({ kind: 'capture', path: join(dir, 'src.p1cap'), speed: 1, paused: true })
      const cap = await s.api.startCapture({ name: 'again' })
      expect(cap.active).toBe(true)
      await s.api.setReplay({ speed: 'max', paused: false })
      await until(async () => (await s.api.getStatus()).stats.decoded === 30)
      const st = await s.api.getStatus()
      expect(st.stats.failed).toEqual({})
      expect(st.source.kind === 'capture' && st.source.replay.done).toBe(true)
      // recorded times reach the pipeline
      const recent = await s.api.getRecentFrames()
      expect(recent[recent.length - 1].receivedAt - recent[0].receivedAt).toBe(29 * 10_000)
      const done = await s.api.stopCapture()
      expect(done).toMatchObject({ active: false, frames: 30, bytes: Buffer.concat(frames).length, systemTitle: '5341476770015BEB' })
      const again: Buffer[] = []
      const times: number[] = []
      for await (const r of readCapture(done.path!)) {
        if (r.type !== 'data') continue
        again.push(r.bytes)
        times.push(r.time)
      }
      expect(Buffer.concat(again).equals(Buffer.concat(frames))).toBe(true)
      expect(times[2] - times[0]).toBe(10_000)
      expect(readFileSync(done.path!).toString('latin1').toUpperCase()).not.toContain(KEY)
      expect((await s.api.listCaptures()).map((f) => f.name)).toEqual(['again.p1cap'])

      const csv = await s.api.exportCapture({ path: done.path!, format: 'csv' })
      expect(csv.telegrams).toBe(30)
      expect(readFileSync(csv.path, 'utf8').split('\r\n')[0]).toContain('1-0:1.7.0 [kW]')

      // seek back to the middle: the rest plays again
      await s.api.setReplay({ seek: 0.5 })
      await until(async () => (await s.api.getStatus()).stats.decoded >= 45)
    } finally {
      await s.dispose()
    }
  })

  it('imports a hex dump as a capture; a bad file is refused with its line and leaves nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-sess-'))
    const frames = makeCapture(join(dir, 'src.p1cap'), 2)
    writeFileSync(
      join(dir, 'two.hex'),
      Buffer.concat(frames)
        .toString('hex')
        .replace(/(.{32})/g, '$1\n')
    )
    const good = Buffer.concat(frames)
      .toString('hex')
      .replace(/(.{32})/g, '$1\n')
      .split('\n')
    writeFileSync(join(dir, 'bad.hex'), [...good.slice(0, 4), 'db 08 5G 41', ...good.slice(4, 10)].join('\n'))
    const s = new StudioSession({ version: 't', captureDir: join(dir, 'captures') })
    try {
      const f = await s.api.importFile({ path: join(dir, 'two.hex') })
      expect(f.name).toBe('two.p1cap')
      await expect(s.api.importFile({ path: join(dir, 'bad.hex') })).rejects.toThrow(/line 5: "5G" is not hex/)
      expect((await s.api.listCaptures()).map((x) => x.name)).toEqual(['two.p1cap'])
      await expect(s.api.openSource({ kind: 'capture', path: join(dir, 'nope.p1cap') })).rejects.toThrow(/No file at/)
      await expect(s.api.startCapture({})).rejects.toThrow(/Open a source first/)
    } finally {
      await s.dispose()
    }
  })

  it('shares a capture anonymised with the session key; the copy replays with its new key; no key: refused in plain words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-sess-'))
    makeCapture(join(dir, 'site.p1cap'), 4)
    const s = new StudioSession({ version: 't', key: KEY, captureDir: join(dir, 'captures'), statusThrottleMs: 0 })
    try {
      const shared = await s.api.shareCapture({ path: join(dir, 'site.p1cap') })
      expect([shared.name, shared.telegrams, shared.keptAsIs, shared.warning, shared.warnings]).toEqual(['site-shared.p1cap', 4, 0, null, []])
      expect(shared.key).toMatch(/^[0-9A-F]{32}$/)
      expect(shared.key).not.toBe(KEY)
      expect(readFileSync(shared.path).includes(Buffer.from(KEY, 'hex'))).toBe(false)
      // the copy replays with its own key: every telegram decodes
      await s.api.setKey({ key: shared.key })
      await s.api.openSource({ kind: 'capture', path: shared.path, speed: 'max' })
      await until(async () => (await s.api.getStatus()).stats.decoded === 4)
      await s.api.setKey({ key: null })
      await expect(s.api.shareCapture({ path: join(dir, 'site.p1cap') })).rejects.toThrow(/Set the meter's P1 key first/)
    } finally {
      await s.dispose()
    }
  })

  it('diagnoses a replayed capture with its recorded cadence (a missed frame at 20 s)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-sess-'))
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const w = new CaptureWriter({ path: join(dir, 'gap.p1cap'), source: 'test', appVersion: 't' })
    const t0 = Date.parse('2026-05-04T08:00:00Z')
    for (const s of [0, 10, 20, 30, 40]) {
      const f = m.nextFrame(new Date(t0 + s * 1000))!
      if (s === 20) continue // lost on the way: counter 3 missing, a 20 s gap
      w.write(f, t0 + s * 1000)
    }
    w.close()
    const s = new StudioSession({ version: 't', key: KEY, captureDir: join(dir, 'c') })
    try {
      await s.api.openSource({ kind: 'capture', path: join(dir, 'gap.p1cap'), speed: 'max', zone: 'Europe/Dublin' })
      await s.api.setReplay({ paused: true, seek: 0 })
      const run = s.api.diagnose({ durationS: 60 })
      await new Promise((r) => setTimeout(r, 50))
      await s.api.setReplay({ paused: false })
      const report = await run
      const cad = report.checks.find((c) => c.id === 'cadence')!
      // replayed in milliseconds, judged on the recorded 10 s / 20 s intervals
      expect(cad.evidence.intervalsS).toEqual([10, 20])
      expect(cad.evidence.missedFrames).toBe(1)
      expect(report.verdict).toBe('missed_frames')
      // the report file in the app's language, times in the open meter's zone
      const html = (await s.api.getDiagnosisReport({ format: 'html', lang: 'de' }))!
      expect(html).toContain('<html lang="de">')
      expect(html).toContain('P1 Studio — Diagnose der Installation')
      expect(html).toContain('Europe/Dublin')
      expect(html).toContain(`<td>2026-05-04 09:00:`)
      expect(JSON.parse((await s.api.getDiagnosisReport('json'))!).verdict).toBe('missed_frames')
    } finally {
      await s.dispose()
    }
  })
})
