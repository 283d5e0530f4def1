/**
 * Captures through real ptys with the CLI as users run it:
 * - byte-exact round trip: virtual meter → pty → `capture` → file → `replay --to` → pty →
 *   `capture` again gives the same bytes, frames and (scaled) timing;
 * - kill -9 during a capture: the file reads, every frame written before the kill decodes;
 * - soak: 32 MB (P1S_SOAK_MB to change it) at full speed through a pty into a capture, not a
 *   byte lost (SHA-256): 3,000 times the line's 11.5 kB/s, about four days of Smarty frames.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readCapture, type ReadSummary } from '../../src/main/capture/reader'
import { CaptureWriter } from '../../src/main/capture/writer'
import { decodeBuffer, P1Decoder } from '../../src/main/p1/pipeline'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import type { DecodedTelegram } from '../../src/shared/types'
import { openPtyPair } from '../helpers/pty'

const ROOT = resolve(__dirname, '../..')
const KEY = '11112222333344445555666677778888' // test key, not a meter's
const E1 = Buffer.from(readFileSync(resolve(__dirname, '../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function cli(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  child.stdout!.resume()
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  cleanups.push(() => void child.kill('SIGKILL'))
  return { child, stderr: () => err, exit }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function data(path: string, summary?: ReadSummary): Promise<{ bytes: Buffer; times: number[]; records: { bytes: Buffer; time: number }[] }> {
  const records: { bytes: Buffer; time: number }[] = []
  for await (const r of readCapture(path, summary)) if (r.type === 'data') records.push({ bytes: r.bytes, time: r.time })
  return { bytes: Buffer.concat(records.map((r) => r.bytes)), times: records.map((r) => r.time), records }
}

/**
 * The telegrams of a capture's records, decoded at their receive times (the time of the chunk
 * each frame began in, as the capture recorded it), and its failures (codes and offsets, for
 * an assertion's message). The idle gap is 30 s, not the default 2 s: a capture
 * process held up between two reads of one frame stamps the frame's second part late, and a
 * 2 s gap would then call that pause silence on the line (`truncated_frame`). In one of five
 * stress runs (load 12–15 on 2 cores) the replayed capture held the same bytes as the first
 * but decoded 7 of 8 telegrams — time is the only input that differs between the two. These
 * round trips are about bytes, frames and pace; when a pause is silence is the deframer's
 * (test/unit/p1/deframer.test.ts).
 */
function telegramsOf(records: { bytes: Buffer; time: number }[]): DecodedTelegram[] & { failures: string[] } {
  const decoder = new P1Decoder({ key: KEY, frameHex: false, idleGapMs: 30_000 })
  const out = Object.assign([] as DecodedTelegram[], { failures: [] as string[] })
  for (const r of records)
    for (const ev of decoder.push(r.bytes, r.time)) {
      if (ev.type === 'telegram') out.push(ev.telegram)
      else if (ev.type === 'failure') out.failures.push(`${ev.failure.code} at ${ev.failure.offset}`)
    }
  return out
}

/** Median of the gaps between consecutive times, ms. */
function medianGap(times: number[]): number {
  const gaps = times
    .slice(1)
    .map((t, i) => t - times[i])
    .sort((a, b) => a - b)
  return gaps[Math.floor(gaps.length / 2)]
}

async function pty(): Promise<Awaited<ReturnType<typeof openPtyPair>>> {
  const p = await openPtyPair()
  cleanups.push(() => p.close())
  return p
}

describe('captures through ptys', () => {
  it('round trip: meter → capture → replay → capture again: same bytes, frames and timing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-rt-'))
    const p1 = await pty()
    const p2 = await pty()
    const f1 = join(dir, 'first.p1cap')
    const f2 = join(dir, 'second.p1cap')
    const cap1 = cli(['capture', '--port', p1.b, '--out', f1])
    await waitFor(() => cap1.stderr().includes('capturing'), 10_000, 'capture 1 to start')
    const w = await openSerialWriter(p1.a)
    cleanups.push(() => w.close())
    const sent: Buffer[] = []
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), intervalMs: 250, write: (f) => (sent.push(f), w.write(f)) })
    meter.start()
    await waitFor(() => sent.length >= 8, 10_000, '8 frames')
    meter.stop()
    await new Promise((r) => setTimeout(r, 300))
    cap1.child.kill('SIGINT')
    expect(await cap1.exit).toBe(0)
    const first = await data(f1)
    expect(first.bytes.equals(Buffer.concat(sent))).toBe(true)

    const cap2 = cli(['capture', '--port', p2.b, '--out', f2])
    await waitFor(() => cap2.stderr().includes('capturing'), 10_000, 'capture 2 to start')
    const rep = cli(['replay', f1, '--to', p2.a, '--speed', '1'])
    expect(await rep.exit).toBe(0)
    expect(rep.stderr()).toMatch(/replayed \d+ records/)
    await new Promise((r) => setTimeout(r, 300))
    cap2.child.kill('SIGINT')
    expect(await cap2.exit).toBe(0)
    const second = await data(f2)
    expect(second.bytes.equals(first.bytes)).toBe(true)
    const t1 = telegramsOf(first.records)
    const t2 = telegramsOf(second.records)
    expect(t2.length, `failures: ${t2.failures.join(', ')}`).toBe(sent.length)
    expect(t2.map((t) => t.text)).toEqual(t1.map((t) => t.text))
    // recorded timing kept: the frames of the second capture come at the pace of the first.
    // The median gap, not the span: a process held up for a moment on a loaded machine stamps
    // one frame late (the span of 8 frames once differed by 275 ms at load 9–12), while a replay
    // that ignores the recorded times (all at once, or at twice the pace) moves every gap
    const times1 = t1.map((t) => t.receivedAt)
    const times2 = t2.map((t) => t.receivedAt)
    expect(medianGap(times1)).toBeGreaterThanOrEqual(200)
    expect(Math.abs(medianGap(times2) - medianGap(times1))).toBeLessThan(60)
  }, 60_000)

  it('kill -9 during a capture: the file reads and every frame written before decodes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-k9-'))
    const p = await pty()
    const f = join(dir, 'killed.p1cap')
    const cap = cli(['capture', '--port', p.b, '--out', f])
    await waitFor(() => cap.stderr().includes('capturing'), 10_000, 'capture to start')
    const w = await openSerialWriter(p.a)
    cleanups.push(() => w.close())
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), intervalMs: 60, write: (fr) => w.write(fr) })
    meter.start()
    cleanups.push(() => meter.stop())
    await waitFor(() => statSync(f).size > 12 * 1234, 15_000, 'a dozen frames on disk')
    // what is on disk now must survive the kill
    const before = decodeBuffer((await data(f, { records: 0, tornAt: null, warning: null })).bytes, { key: KEY }).filter((e) => e.type === 'telegram').length
    cap.child.kill('SIGKILL')
    await cap.exit
    meter.stop()
    const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
    const after = await data(f, summary)
    const events = decodeBuffer(after.bytes, { key: KEY }).filter((e) => e.type !== 'skipped')
    const tels = events.filter((e) => e.type === 'telegram')
    expect(before).toBeGreaterThanOrEqual(10)
    expect(tels.length).toBeGreaterThanOrEqual(before)
    // only the very last frame may be incomplete (the read that was under way)
    expect(events.slice(0, -1).every((e) => e.type === 'telegram')).toBe(true)
    const counters = tels.map((e) => (e.type === 'telegram' ? e.telegram.dlms!.frameCounter : 0))
    expect(counters).toEqual(counters.map((_, i) => counters[0] + i))
  }, 60_000)

  // 32 MB by default (100 MB until the suite had to fit 4 minutes on two cores, issue 11: the
  // capture's write path is the same from the first megabyte on; P1S_SOAK_MB=1000 for a long soak)
  const soakMb = Number(process.env.P1S_SOAK_MB ?? 32)
  it(
    `soak: ${soakMb} MB at full speed through a pty into a capture, no byte lost`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'p1s-soak-'))
      const p = await pty()
      const f = join(dir, 'soak.p1cap')
      const cap = cli(['capture', '--port', p.b, '--out', f])
      await waitFor(() => cap.stderr().includes('capturing'), 10_000, 'capture to start')
      const w = await openSerialWriter(p.a)
      cleanups.push(() => w.close())
      const day = readFileSync(resolve(ROOT, 'resources/demo/demo-day.bin'))
      const total = soakMb * 1024 * 1024
      const hash = createHash('sha256')
      let sentBytes = 0
      const started = Date.now()
      while (sentBytes < total) {
        const off = sentBytes % day.length
        const chunk = day.subarray(off, Math.min(day.length, off + 256 * 1024, off + (total - sentBytes)))
        hash.update(chunk)
        await w.write(chunk)
        sentBytes += chunk.length
      }
      const sentHash = hash.digest('hex')
      // wait until the capture holds every byte (data + 17 bytes per record)
      await waitFor(() => statSync(f).size >= total, 60_000 + soakMb * 1000, 'all bytes in the file')
      await new Promise((r) => setTimeout(r, 500))
      cap.child.kill('SIGINT')
      expect(await cap.exit).toBe(0)
      const got = createHash('sha256')
      let gotBytes = 0
      for await (const r of readCapture(f)) {
        if (r.type !== 'data') continue
        got.update(r.bytes)
        gotBytes += r.bytes.length
      }
      expect(gotBytes).toBe(total)
      expect(got.digest('hex')).toBe(sentHash)
      console.log(`soak: ${total / 1048576} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    },
    120_000 + soakMb * 2000
  )
})

/** The CLI's file commands as users run them: plain words, exit codes, 0600 files, no half files. */
describe('file hygiene and plain messages of the capture commands', () => {
  const run = (args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env, P1STUDIO_KEY: '' }
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  const mode = (p: string): number => statSync(p).mode & 0o777
  const dir = mkdtempSync(join(tmpdir(), 'p1s-hyg-'))
  const cap = join(dir, 'in.p1cap')
  {
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const w = new CaptureWriter({ path: cap, source: 'test', appVersion: 'test' })
    const t0 = Date.UTC(2026, 3, 1, 8)
    for (let i = 0; i < 6; i++) w.write(m.nextFrame(new Date(t0 + i * 10_000))!, t0 + i * 10_000)
    w.close()
  }

  it('import: junk is refused with no file left; an existing capture is kept unless --force; 0600', () => {
    writeFileSync(join(dir, 'junk.txt'), 'hello, this is not a meter dump\n'.repeat(50))
    writeFileSync(join(dir, 'junk.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff)))
    for (const junk of ['junk.txt', 'junk.bin']) {
      const r = run(['import', join(dir, junk), '--out', join(dir, `${junk}.p1cap`)])
      expect(r.status, r.stderr).toBe(1)
      expect(r.stderr).toMatch(
        new RegExp(
          `^p1studio: ${junk.replace('.', '\\.')} holds no P1 data: no encrypted DLMS frame and no DSMR telegram was found in it \\(read as (telegram text|raw binary dump|hex dump)\\)\\. Nothing was imported\\.\\n$`
        )
      )
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('junk') && n !== 'junk.txt' && n !== 'junk.bin')).toEqual([])
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toEqual([])
    const hex = join(dir, 'e1.hex')
    writeFileSync(hex, E1.toString('hex'))
    const out = join(dir, 'e1.p1cap')
    expect(run(['import', hex, '--out', out]).status).toBe(0)
    expect(mode(out)).toBe(0o600)
    const again = run(['import', hex, '--out', out])
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/already exists: P1 Studio does not overwrite files \(use --force to replace it\)\./)
    const forced = run(['import', cap, '--out', out, '--force'])
    expect(forced.status, forced.stderr).toBe(0)
    expect(forced.stderr).toMatch(/^imported in\.p1cap \(P1 Studio capture\): 6 records, \d{1,3}(,\d{3})* bytes, 6 frames → /)
    expect(mode(out)).toBe(0o600)
  }, 180_000)

  it('export --out: 0600, never over an existing file unless --force, no temporary file left', () => {
    const out = join(dir, 'x.csv')
    const r = run(['export', cap, '--key', KEY, '--format', 'csv', '--out', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toBe('exported 6 telegrams\n')
    expect(mode(out)).toBe(0o600)
    expect(readFileSync(out, 'utf8').split('\r\n')).toHaveLength(8)
    const again = run(['export', cap, '--format', 'raw', '--out', out])
    expect([again.status, again.stderr]).toEqual([1, `p1studio: ${out} already exists: P1 Studio does not overwrite files (use --force to replace it).\n`])
    expect(run(['export', cap, '--format', 'raw', '--out', out, '--force']).status).toBe(0)
    expect(readFileSync(out).subarray(0, 2).toString('hex')).toBe('db08')
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toEqual([])
  }, 180_000)

  it('export --anonymise: a capture to share with a new key on stdout; diagnose with that key says ok; no key: exit 2', () => {
    const shared = join(dir, 'shared.p1cap')
    const r = run(['export', cap, '--anonymise', '--key', KEY, '--out', shared])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toBe(`shared 6 telegrams anonymised → ${shared}\nthe key of the shared file (give it with the file):\n`)
    const newKey = r.stdout.trim()
    expect(newKey).toMatch(/^[0-9A-F]{32}$/)
    expect(mode(shared)).toBe(0o600)
    expect(readFileSync(shared).includes(Buffer.from(KEY, 'hex'))).toBe(false)
    const d = run(['diagnose', '--capture', shared, '--key', newKey, '--json'])
    expect(JSON.parse(d.stdout).verdict).toBe('ok')
    const noKey = run(['export', cap, '--anonymise', '--out', join(dir, 'shared2.p1cap')])
    expect(noKey.status).toBe(2)
    expect(noKey.stderr).toMatch(/--anonymise needs the meter's --key/)
  }, 180_000)

  it('export that decodes no telegram: nothing_decoded in plain words, exit 1 (no key, then a wrong key)', () => {
    const noKey = run(['export', cap, '--format', 'csv', '--out', join(dir, 'nokey.csv')])
    expect([noKey.status, noKey.stderr]).toEqual([
      1,
      "No telegram decoded: set the meter's P1 key (its frames are encrypted).\nexported 0 telegrams, 6 frames failed\n"
    ])
    const wrong = run(['export', cap, '--key', '00112233445566778899AABBCCDDEEFF', '--format', 'jsonl', '--out', join(dir, 'wrong.jsonl')])
    expect([wrong.status, wrong.stderr]).toEqual([
      1,
      'No telegram decoded: none of the 6 frames opened or checked (wrong P1 key, or damaged frames).\nexported 0 telegrams, 6 frames failed (see the JSON lines)\n'
    ])
  }, 180_000)

  it('capture: a port that cannot be opened leaves no capture file', () => {
    const out = join(dir, 'never.p1cap')
    const r = run(['capture', '--port', join(dir, 'no-such-tty'), '--out', out, '--duration', '1'])
    expect(r.status).toBe(1)
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+|Error:/)
    expect(existsSync(out)).toBe(false)
  }, 180_000)

  it('replay without a key says what it can and cannot do, exit 1; with the key, exit 0', () => {
    const r = run(['replay', cap, '--speed', 'inf'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      'No P1 key (--key, --key-file or P1STUDIO_KEY): encrypted frames are listed with their system title and frame counter, but cannot be decoded.\n' +
        'replayed: 0 telegrams decoded, 6 encrypted frames not decoded (no P1 key)\n'
    )
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.error.code, l.systemTitle, l.frameCounter])).toEqual([1, 2, 3, 4, 5, 6].map((n) => ['missing_key', '5341476770015BEB', n]))
    const k = run(['replay', cap, '--speed', 'inf', '--key', KEY])
    expect([k.status, k.stderr]).toEqual([0, 'replayed: 6 telegrams decoded\n'])
  }, 180_000)

  it('a damaged capture: capture-info, export and replay read around the damage and say where it is', () => {
    const bad = join(dir, 'damaged.p1cap')
    const b = readFileSync(cap)
    b[Math.floor(b.length / 2)] ^= 0x55
    writeFileSync(bad, b)
    const info = run(['capture-info', bad])
    expect(info.status).toBe(0)
    const j = JSON.parse(info.stdout)
    expect(j.dataRecords).toBe(5)
    expect(j.damaged).toHaveLength(1)
    expect(j.warning).toMatch(
      /^The capture is damaged at bytes [\d,]+–[\d,]+ \([\d,]+ bytes unreadable\): they were skipped; every record before and after them is intact and was read\.$/
    )
    expect(info.stderr).toBe(j.warning + '\n')
    const exp = run(['export', bad, '--key', KEY, '--format', 'jsonl'])
    expect(exp.status).toBe(0)
    expect(exp.stderr).toBe(`${j.warning}\nexported 5 telegrams\n`)
    const rep = run(['replay', bad, '--speed', 'inf', '--key', KEY])
    expect(rep.status).toBe(0)
    expect(rep.stderr).toBe(`${j.warning}\nreplayed: 5 telegrams decoded\n`)
  }, 180_000)

  it('diagnose --report: refuses an existing file before the run, --force replaces it; 0600', () => {
    const report = join(dir, 'r.html')
    writeFileSync(report, 'mine')
    const r = run(['diagnose', '--capture', cap, '--key', KEY, '--report', report])
    expect([r.status, r.stderr]).toEqual([1, `p1studio: ${report} already exists: P1 Studio does not overwrite reports (use --force to replace it).\n`])
    expect(readFileSync(report, 'utf8')).toBe('mine')
    const f = run(['diagnose', '--capture', cap, '--key', KEY, '--report', report, '--force'])
    expect(f.stderr).toMatch(/report saved: /)
    expect(readFileSync(report, 'utf8')).toMatch(/^<!doctype html>/i)
    expect(mode(report)).toBe(0o600)
    const json = join(dir, 'new.json')
    run(['diagnose', '--capture', cap, '--key', KEY, '--report', json])
    expect(mode(json)).toBe(0o600)
  }, 180_000)

  it('diagnose --lang fr|de --report: the HTML report in that language; wrong arguments are refused before the replay starts (exit 2, no hang)', () => {
    for (const [lang, words] of [
      ['fr', 'P1 Studio — diagnostic de l’installation'],
      ['de', 'P1 Studio — Diagnose der Installation']
    ] as const) {
      const report = join(dir, `r-${lang}.html`)
      const r = run(['diagnose', '--capture', cap, '--key', KEY, '--lang', lang, '--report', report])
      expect(r.stderr).toMatch(/report saved: /)
      const html = readFileSync(report, 'utf8')
      expect(html).toContain(`<html lang="${lang}">`)
      expect(html).toContain(words)
      expect(html.toUpperCase()).not.toContain(KEY)
    }
    // the replay used to start before --duration was checked, and kept the CLI alive
    for (const args of [
      ['--duration', '-5'],
      ['--lang', 'xx']
    ]) {
      const r = run(['diagnose', '--capture', cap, '--key', KEY, ...args])
      expect(r.status, r.stderr).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  }, 180_000)
})
