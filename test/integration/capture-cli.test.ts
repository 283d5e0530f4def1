/**
 * Captures through real ptys with the CLI as users run it:
 * - byte-exact round trip: virtual meter → pty → `capture` → file → `replay --to` → pty →
 *   `capture` again gives the same bytes, frames and (scaled) timing;
 * - kill -9 during a capture: the file reads, every frame written before the kill decodes;
 * - soak: 100 MB at full speed through a pty into a capture, not a byte lost (SHA-256).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readCapture, type ReadSummary } from '../../src/main/capture/reader'
import { decodeBuffer } from '../../src/main/p1/pipeline'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import { openPtyPair } from '../helpers/pty'

const ROOT = resolve(__dirname, '../..')
const KEY = '11112222333344445555666677778888' // test key, not a meter's
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

async function data(path: string, summary?: ReadSummary): Promise<{ bytes: Buffer; times: number[] }> {
  const parts: Buffer[] = []
  const times: number[] = []
  for await (const r of readCapture(path, summary)) if (r.type === 'data') (parts.push(r.bytes), times.push(r.time))
  return { bytes: Buffer.concat(parts), times }
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
    const t1 = decodeBuffer(first.bytes, { key: KEY }).filter((e) => e.type === 'telegram')
    const t2 = decodeBuffer(second.bytes, { key: KEY }).filter((e) => e.type === 'telegram')
    expect(t2.length).toBe(sent.length)
    expect(t2.map((e) => e.type === 'telegram' && e.telegram.text)).toEqual(t1.map((e) => e.type === 'telegram' && e.telegram.text))
    // recorded timing kept: the span of the second capture matches the first within 150 ms
    const span = (ts: number[]): number => ts[ts.length - 1] - ts[0]
    expect(Math.abs(span(second.times) - span(first.times))).toBeLessThan(150)
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
    let before = 0
    await waitFor(() => statSync(f).size > 12 * 1234, 15_000, 'a dozen frames on disk')
    // what is on disk now must survive the kill
    before = decodeBuffer((await data(f, { records: 0, tornAt: null, warning: null })).bytes, { key: KEY }).filter((e) => e.type === 'telegram').length
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

  it('soak: 100 MB at full speed through a pty into a capture, no byte lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-soak-'))
    const p = await pty()
    const f = join(dir, 'soak.p1cap')
    const cap = cli(['capture', '--port', p.b, '--out', f])
    await waitFor(() => cap.stderr().includes('capturing'), 10_000, 'capture to start')
    const w = await openSerialWriter(p.a)
    cleanups.push(() => w.close())
    const day = readFileSync(resolve(ROOT, 'resources/demo/demo-day.bin'))
    const total = 100 * 1024 * 1024
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
    await waitFor(() => statSync(f).size >= total, 60_000, 'all bytes in the file')
    await new Promise((r) => setTimeout(r, 500))
    cap.child.kill('SIGINT')
    expect(await cap.exit).toBe(0)
    const got = createHash('sha256')
    let gotBytes = 0
    for await (const r of readCapture(f)) if (r.type === 'data') (got.update(r.bytes), (gotBytes += r.bytes.length))
    expect(gotBytes).toBe(total)
    expect(got.digest('hex')).toBe(sentHash)
    console.log(`soak: ${total / 1048576} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }, 120_000)
})
