/**
 * Read and decode a 30-day capture: 259,200 Smarty frames (one every 10 s, 2020+ layout
 * with per-phase values and gas on M-Bus, ~1.23 kB each) written by the capture writer,
 * then read back with the streaming reader and decoded by the pipeline (deframe +
 * AES-128-GCM + CRC + parse), in a child process that samples its own peak RSS.
 * Targets (issue 4): ≤ 5 s on one core, resident memory ≤ 300 MB.
 *
 * The capture is generated once into the OS temp folder (P1STUDIO_BENCH_DIR to change)
 * and reused while its size matches. Run: npm run bench. Env: BENCH_DAYS (default 30).
 *
 * Hex dump import (issue 12): a 120 MB `xxd` dump of virtual-meter frames (BENCH_HEX_MB) is
 * opened as `p1studio import` does (decode + cut into records, all records held), in a child
 * process sampling its RSS. Target: peak RSS growth ≤ 1× the file (it was ~18×: 122 MB → 2.25 GB,
 * 305 MB failed with "Invalid array length"). Env: BENCH_HEX_MB, BENCH_PARTS=capture,hex.
 */
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CaptureWriter } from '../../src/main/capture/writer'
import { readCaptureBatches } from '../../src/main/capture/reader'
import { openInput } from '../../src/main/capture/importers'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { SmartyModel } from '../../src/main/line/smarty-model'

const KEY = '6E0F5A3C2B1D4E8F9A7C6B5D4E3F2A1B' // test key, not a meter's
const DAYS = Number(process.env.BENCH_DAYS ?? 30)
const FRAMES = DAYS * 8640
const DIR = process.env.P1STUDIO_BENCH_DIR ?? join(tmpdir(), 'p1studio-bench')
const FILE = join(DIR, `capture-${DAYS}d.p1cap`)
const HEX_MB = Number(process.env.BENCH_HEX_MB ?? 120)
/** Parts to run: BENCH_PARTS=capture,hex (default both). */
const PARTS = (process.env.BENCH_PARTS ?? 'capture,hex').split(',')
const HEX_FILE = join(DIR, `dump-${HEX_MB}mb.hex`)

/** An `xxd` dump (16 bytes a line, offsets, ASCII column) of virtual-meter frames, ≥ HEX_MB MB. */
async function generateHex(): Promise<void> {
  mkdirSync(DIR, { recursive: true })
  const tmp = HEX_FILE + '.part'
  const out = createWriteStream(tmp)
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  const t0 = Date.UTC(2026, 2, 1)
  let written = 0
  let offset = 0
  let carry = Buffer.alloc(0)
  for (let i = 0; written < HEX_MB * 1e6; i++) {
    const bytes = Buffer.concat([carry, meter.nextFrame(new Date(t0 + i * 10_000))!])
    const lines: string[] = []
    let k = 0
    for (; k + 16 <= bytes.length; k += 16, offset += 16) {
      const row = bytes.subarray(k, k + 16)
      const hex = row
        .toString('hex')
        .replace(/(....)/g, '$1 ')
        .trimEnd()
      lines.push(`${offset.toString(16).padStart(8, '0')}: ${hex}  ${row.toString('latin1').replace(/[^\x20-\x7e]/g, '.')}\n`)
    }
    carry = bytes.subarray(k)
    const text = lines.join('')
    written += text.length
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((r) => out.end(() => r()))
  renameSync(tmp, HEX_FILE)
}

/** Child: open the hex dump as `import` does, hold every record, print RSS figures. */
async function childHex(): Promise<void> {
  const start = process.memoryUsage.rss()
  let peak = start
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
  const t0 = process.hrtime.bigint()
  const input = await openInput(HEX_FILE)
  const recs: Buffer[] = []
  let bytes = 0
  for await (const r of input.records()) {
    if (r.type !== 'data') continue
    recs.push(r.bytes)
    bytes += r.bytes.length
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage.rss())
  process.stdout.write(JSON.stringify({ wall, records: recs.length, frames: input.frames, bytes, startMB: start / 1048576, peakMB: peak / 1048576 }) + '\n')
}

function generate(): void {
  mkdirSync(DIR, { recursive: true })
  const tmp = FILE + '.part'
  if (existsSync(tmp)) spawnSync('rm', ['-f', tmp])
  const t0 = Date.UTC(2026, 2, 1)
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 30, pvPeakKW: 6, mbusGas: true }), write: () => undefined })
  const w = new CaptureWriter({ path: tmp, source: 'bench', lineSettings: '115200 8N1', appVersion: 'bench' })
  const started = Date.now()
  for (let i = 0; i < FRAMES; i++) {
    const t = t0 + i * 10_000
    w.write(meter.nextFrame(new Date(t))!, t)
  }
  w.close()
  renameSync(tmp, FILE)
  process.stdout.write(`generated ${FRAMES} frames (${(statSync(FILE).size / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
}

/** Child: read + decode, print JSON figures. */
async function child(): Promise<void> {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20)
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const decoder = new P1Decoder({ key: KEY, frameHex: false })
  let telegrams = 0
  let failed = 0
  let n = 0
  for await (const batch of readCaptureBatches(FILE)) {
    for (const r of batch) {
      if (r.type !== 'data') continue
      for (const ev of decoder.push(r.bytes, r.time)) {
        if (ev.type === 'telegram') telegrams++
        else if (ev.type === 'failure') failed++
      }
    }
    if ((++n & 63) === 0) peak = Math.max(peak, process.memoryUsage.rss())
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  clearInterval(timer)
  peak = Math.max(peak, process.memoryUsage.rss())
  process.stdout.write(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1e6, telegrams, failed, peakMB: peak / 1048576 }) + '\n')
}

type Row = (m: string, v: string, target: string, ok: boolean | null) => string

/** Read + decode the generated capture in a child process. */
function capturePart(row: Row): void {
  const expected = FRAMES
  if (!existsSync(FILE)) generate()
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], { encoding: 'utf8', env: process.env })
  if (run.status !== 0) throw new Error(`bench child failed: ${run.stderr}`)
  const r = JSON.parse(run.stdout.trim().split('\n').pop()!) as { wall: number; cpu: number; telegrams: number; failed: number; peakMB: number }
  if (r.telegrams !== expected || r.failed !== 0) throw new Error(`decoded ${r.telegrams}/${expected}, ${r.failed} failed`)
  const size = statSync(FILE).size
  console.log(`${DAYS}-day capture: ${expected} frames, ${(size / 1e6).toFixed(0)} MB, one record per frame (${FILE})`)
  console.log(row('read + decode, wall time', `${r.wall.toFixed(2)} s`, DAYS === 30 ? '≤ 5 s' : '', DAYS === 30 ? r.wall <= 5 : null))
  console.log(row('read + decode, CPU time (all threads)', `${r.cpu.toFixed(2)} s`, '', null))
  console.log(row('rate', `${Math.round(expected / r.wall).toLocaleString('en')} fr/s`, '', null))
  console.log(row('peak RSS', `${r.peakMB.toFixed(0)} MB`, '≤ 300 MB', r.peakMB <= 300))
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child()
  if (process.argv.includes('--child-hex')) return childHex()
  const row = (m: string, v: string, target: string, ok: boolean | null): string =>
    `${m.padEnd(44)}${v.padStart(16)}   ${target.padEnd(14)}${ok === null ? '' : ok ? 'PASS' : 'FAIL'}`
  console.log(`P1 Studio capture benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(2)}`)
  console.log(`${'measure'.padEnd(44)}${'value'.padStart(16)}   ${'target'.padEnd(14)}verdict`)
  if (PARTS.includes('capture')) capturePart(row)
  if (!PARTS.includes('hex')) return
  // hex dump import
  if (!existsSync(HEX_FILE)) await generateHex()
  const hexRun = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child-hex'], { encoding: 'utf8', env: process.env })
  if (hexRun.status !== 0) throw new Error(`hex import child failed: ${hexRun.stderr}`)
  const h = JSON.parse(hexRun.stdout.trim().split('\n').pop()!) as {
    wall: number
    records: number
    frames: number
    bytes: number
    startMB: number
    peakMB: number
  }
  const hexMB = statSync(HEX_FILE).size / 1048576
  const growth = h.peakMB - h.startMB
  console.log(
    `hex dump import: ${hexMB.toFixed(0)} MB xxd dump (${HEX_FILE}) → ${(h.bytes / 1048576).toFixed(0)} MB, ${h.frames} frames, ${h.records} records held`
  )
  console.log(row('open + records, wall time', `${h.wall.toFixed(2)} s`, '', null))
  console.log(row('RSS growth (peak − start)', `${growth.toFixed(0)} MB`, `≤ ${hexMB.toFixed(0)} MB`, growth <= hexMB))
  console.log(row('RSS growth / file size', `${(growth / hexMB).toFixed(2)}×`, '≤ 1× (was 18×)', growth <= hexMB))
}

await main()
