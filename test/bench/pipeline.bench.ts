/**
 * Decode throughput and memory of the whole P1 pipeline, on one core.
 *
 * Frames: the published per-phase Luxembourg telegram P5 (RELIP simulator, 48 objects,
 * test/fixtures/vectors/lu_relip_simulator_telegram.txt) with its export counter, export
 * powers and clock moved on for every frame (CRC recomputed), encrypted with encryptGlo under
 * a test key with frame counters 1000… — several thousand distinct ~1.1 kB frames, one stream.
 *
 * Measures
 *   1. pipeline: P1Decoder.push over the stream in 4 kB reads (deframe + AES-128-GCM decrypt
 *      with tag check + CRC-16 + telegram parse; every pass checks that all frames decoded
 *      and that the sum of their 1-0:2.8.0 values is right);
 *   2. bare decrypt: node:crypto alone on the same frames (createDecipheriv + setAAD +
 *      setAuthTag + update + final), with a Buffer key and with a KeyObject; the faster is
 *      the reference;
 *   3. the ratio of the two;
 *   4. peak RSS (sampled every 256 reads) while decoding a 1 GB stream (BENCH_GB=0.1
 *      shortens it), generated on the fly by repeating the stream in 4 kB reads.
 * Rates are per wall-clock second (the targets' measure) and, as a cross-check on a shared
 * machine, per second of this process's CPU time (all its threads, GC helpers included).
 * Targets: ≥ 100,000 frames/s, ≥ 30 % of the bare decrypt rate, < 200 MB RSS.
 *
 * Run: npm run bench   (node --import tsx test/bench/pipeline.bench.ts; not a vitest test)
 * Env: BENCH_GB (default 1), BENCH_FRAMES (default 5000), BENCH_MS (default 4000 per rate).
 */
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { encryptGlo } from '../../src/main/p1/encrypt'
import { crc16Arc, formatCrc } from '../../src/main/p1/crc16'
import { LUX_AUTH_KEY_HEX } from '../../src/shared/types'

const KEY = Buffer.from('5A1B2C3D4E5F60718293A4B5C6D7E8F9', 'hex') // test key, not a meter's
const AK = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
const TITLE = Buffer.from('5341476770ABCDEF', 'hex') // "SAGgp" + 3 bytes
const N = Number(process.env.BENCH_FRAMES ?? 5000)
const RATE_MS = Number(process.env.BENCH_MS ?? 4000)
const GB = Number(process.env.BENCH_GB ?? 1)
const READ = 4096

// ---- frames -------------------------------------------------------------------------------

const P5 = readFileSync(resolve(import.meta.dirname, '../fixtures/vectors/lu_relip_simulator_telegram.txt'), 'latin1')

/** mulberry32, so every run builds the same frames. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const fixed = (v: number, width: number, decimals: number): string => v.toFixed(decimals).padStart(width, '0')
const p2 = (n: number): string => String(n).padStart(2, '0')

/** DSMR timestamp in Luxembourg winter time (the vector's W), 10 s per frame. */
function tst(ms: number): string {
  const d = new Date(ms + 3_600_000)
  return `${p2(d.getUTCFullYear() % 100)}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}W`
}

/** P5 with moved-on values: export counter, export power per phase, clock; CRC recomputed. */
function telegram(i: number, r: () => number): { bytes: Buffer; exportKWh: number } {
  const phases = [r() * 3, r() * 3, r() * 3]
  const total = phases[0] + phases[1] + phases[2]
  const exportKWh = 55437.011 + i * 0.009
  let t = P5.replace('0-0:1.0.0(230315155342W)', `0-0:1.0.0(${tst(Date.UTC(2023, 2, 15, 14, 53, 42) + i * 10_000)})`)
    .replace('1-0:2.8.0(055437.011*kWh)', `1-0:2.8.0(${fixed(exportKWh, 10, 3)}*kWh)`)
    .replace('1-0:2.7.0(03.454*kW)', `1-0:2.7.0(${fixed(total, 6, 3)}*kW)`)
    .replace('1-0:22.7.0(01.160*kW)', `1-0:22.7.0(${fixed(phases[0], 6, 3)}*kW)`)
    .replace('1-0:42.7.0(01.146*kW)', `1-0:42.7.0(${fixed(phases[1], 6, 3)}*kW)`)
    .replace('1-0:62.7.0(01.147*kW)', `1-0:62.7.0(${fixed(phases[2], 6, 3)}*kW)`)
  const bang = t.indexOf('!')
  t = t.slice(0, bang + 1)
  const body = Buffer.from(t, 'latin1')
  return { bytes: Buffer.from(`${t}${formatCrc(crc16Arc(body))}\r\n`, 'latin1'), exportKWh: Number(exportKWh.toFixed(3)) }
}

const r = prng(2026)
const frames: Buffer[] = []
let expectedExportSum = 0
for (let i = 0; i < N; i++) {
  const t = telegram(i, r)
  expectedExportSum += t.exportKWh
  frames.push(encryptGlo({ plaintext: t.bytes, key: KEY, authKey: AK, systemTitle: TITLE, frameCounter: 1000 + i }))
}
const stream = Buffer.concat(frames)
const reads: Buffer[] = []
for (let i = 0; i < stream.length; i += READ) reads.push(stream.subarray(i, i + READ))
const avgFrame = stream.length / N

// ---- 1. pipeline --------------------------------------------------------------------------

/** One pass over the stream; throws if a frame did not decode (the bench measures real work). */
function pipelinePass(): number {
  const d = new P1Decoder({ key: KEY })
  let n = 0
  let exportSum = 0
  for (const c of reads) {
    for (const ev of d.push(c, 0)) {
      if (ev.type !== 'telegram') throw new Error(`bench stream did not decode: ${JSON.stringify(ev).slice(0, 200)}`)
      n++
      exportSum += ev.telegram.telegram.objects[4].value as number // 1-0:2.8.0
    }
  }
  if (n !== N || Math.abs(exportSum - expectedExportSum) > 1e-6 * N) throw new Error(`decoded ${n}/${N} frames, wrong values`)
  return n
}

/** CPU time of this process in ms (user + system, all its threads: JS and GC helpers). */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/**
 * Frames per second of `pass`, run for about `ms`: `wall` per elapsed second (the targets'
 * measure), `cpu` per second of this process's CPU time (a cross-check on a shared machine:
 * other processes do not lower it, GC helper threads do).
 */
function rate(ms: number, pass: () => number): { cpu: number; wall: number } {
  let frames = 0
  const c0 = cpuMs()
  const w0 = performance.now()
  let w = w0
  while (w - w0 < ms) {
    frames += pass()
    w = performance.now()
  }
  const c = cpuMs()
  return { cpu: (frames * 1000) / (c - c0), wall: (frames * 1000) / (w - w0) }
}

// ---- 2. bare decrypt ----------------------------------------------------------------------

const AAD = Buffer.concat([Buffer.from([0x30]), AK])

function barePass(key: Buffer | KeyObject): number {
  for (const f of frames) {
    const iv = Buffer.allocUnsafe(12)
    f.copy(iv, 0, 2, 10)
    f.copy(iv, 8, 14, 18)
    const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
    d.setAAD(AAD)
    d.setAuthTag(f.subarray(f.length - 12))
    d.update(f.subarray(18, f.length - 12))
    d.final()
  }
  return frames.length
}

// ---- 4. memory ----------------------------------------------------------------------------

function memoryRun(bytesTarget: number): { frames: number; peakRssMB: number; startRssMB: number; seconds: number } {
  const d = new P1Decoder({ key: KEY })
  const startRss = process.memoryUsage.rss()
  let peak = startRss
  let total = 0
  let decoded = 0
  let k = 0
  const start = performance.now()
  while (total < bytesTarget) {
    for (const c of reads) {
      for (const ev of d.push(c, 0)) if (ev.type === 'telegram') decoded++
      total += c.length
      if ((++k & 255) === 0) {
        const rss = process.memoryUsage.rss()
        if (rss > peak) peak = rss
      }
    }
  }
  peak = Math.max(peak, process.memoryUsage.rss())
  return { frames: decoded, peakRssMB: peak / 2 ** 20, startRssMB: startRss / 2 ** 20, seconds: (performance.now() - start) / 1000 }
}

// ---- run ----------------------------------------------------------------------------------

const keyObject = createSecretKey(KEY)
rate(1000, pipelinePass) // warm-up (JIT)
rate(500, () => barePass(KEY))
const pipe = rate(RATE_MS, pipelinePass)
const bareBuffer = rate(RATE_MS / 2, () => barePass(KEY))
const bareKeyObject = rate(RATE_MS / 2, () => barePass(keyObject))
const bare = bareBuffer.wall >= bareKeyObject.wall ? bareBuffer : bareKeyObject
const ratio = pipe.wall / bare.wall
const mem = memoryRun(GB * 2 ** 30)

const fmt = (v: number): string => Math.round(v).toLocaleString('en')
const line = (name: string, wall: string, cpu: string, target: string, verdict: string): string =>
  `${name.padEnd(40)} ${wall.padStart(15)} ${cpu.padStart(15)}   ${target.padEnd(15)} ${verdict}`
const load = loadavg()[0]
console.log(`P1 Studio pipeline benchmark — node ${process.version}, one core, load average ${load.toFixed(2)}`)
console.log(`${N} distinct frames (P5 per-phase Luxembourg telegram), ${avgFrame.toFixed(0)} B average, ${READ} B reads`)
console.log(line('measure', 'per wall second', 'per CPU second', 'target', 'verdict'))
console.log(line('pipeline (deframe+GCM+CRC+parse)', `${fmt(pipe.wall)} fr/s`, `${fmt(pipe.cpu)} fr/s`, '≥ 100,000 fr/s', pipe.wall >= 100_000 ? 'PASS' : 'FAIL'))
console.log(line('bare AES-128-GCM decrypt, Buffer key', `${fmt(bareBuffer.wall)} fr/s`, `${fmt(bareBuffer.cpu)} fr/s`, '(reference)', ''))
console.log(line('bare AES-128-GCM decrypt, KeyObject', `${fmt(bareKeyObject.wall)} fr/s`, `${fmt(bareKeyObject.cpu)} fr/s`, '(reference)', ''))
console.log(line('pipeline / best bare decrypt', `${(ratio * 100).toFixed(1)} %`, `${((pipe.cpu / Math.max(bareBuffer.cpu, bareKeyObject.cpu)) * 100).toFixed(1)} %`, '≥ 30 %', ratio >= 0.3 ? 'PASS' : 'FAIL'))
console.log(line(`decode ${GB} GB stream, peak RSS`, `${mem.peakRssMB.toFixed(0)} MB`, '', '< 200 MB', mem.peakRssMB < 200 ? 'PASS' : 'FAIL'))
console.log(
  `  memory run: ${mem.frames.toLocaleString('en')} frames in ${mem.seconds.toFixed(1)} s ` +
    `(${((GB * 1024) / mem.seconds).toFixed(0)} MB/s), RSS at start ${mem.startRssMB.toFixed(0)} MB`
)
