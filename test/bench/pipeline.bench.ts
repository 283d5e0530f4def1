/**
 * Decode throughput and memory of the whole pipeline (deframe + decrypt + CRC + parse) on
 * realistic Luxembourg frames (~1.2 kB, per-phase values, gas channel), beside the bare
 * node:crypto AES-128-GCM decrypt rate of the same frames. Run: npm run bench
 * (BENCH_GB=0.1 shortens the memory run). Targets (issue #2): ≥ 100,000 frames/s,
 * ≥ 30% of the bare decrypt rate, < 200 MB resident while decoding 1 GB.
 */
import { spawnSync } from 'node:child_process'
import { createDecipheriv } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { encryptGlo } from '../../src/main/p1/encrypt'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { LUX_AUTH_KEY_HEX } from '../../src/shared/types'

const KEY = Buffer.from('5A1B2C3D4E5F60718293A4B5C6D7E8F9', 'hex')
const AK = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
const TITLE = Buffer.from('5341476770112233', 'hex')
const N = 4000

const model = new SmartyModel({ seed: 11, pvPeakKW: 6, mbusGas: true })
const frames: Buffer[] = []
const t0 = Date.UTC(2026, 3, 1)
for (let i = 0; i < N; i++) {
  const now = new Date(t0 + i * 10_000)
  model.step(now, 10)
  frames.push(encryptGlo({ plaintext: model.telegram(now), key: KEY, authKey: AK, systemTitle: TITLE, frameCounter: 1 + i }))
}
const stream = Buffer.concat(frames)
const avg = stream.length / N

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size))
  return out
}
const streamChunks = chunks(stream, 4096)

function pipelineRate(ms: number): number {
  let frames = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    const d = new P1Decoder({ key: KEY })
    for (const c of streamChunks) for (const ev of d.push(c, 0)) if (ev.type === 'telegram') frames++
    now = performance.now()
  }
  return (frames * 1000) / (now - start)
}

function bareRate(ms: number): number {
  const aad = Buffer.concat([Buffer.from([0x30]), AK])
  let n = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    for (const f of frames) {
      const iv = Buffer.concat([f.subarray(2, 10), f.subarray(14, 18)])
      const d = createDecipheriv('aes-128-gcm', KEY, iv, { authTagLength: 12 })
      d.setAAD(aad)
      d.setAuthTag(f.subarray(f.length - 12))
      d.update(f.subarray(18, f.length - 12))
      d.final()
      n++
    }
    now = performance.now()
  }
  return (n * 1000) / (now - start)
}

function memoryRun(bytesTarget: number): { frames: number; peakRssMB: number; seconds: number } {
  const d = new P1Decoder({ key: KEY })
  let peak = process.memoryUsage.rss()
  let total = 0
  let decoded = 0
  const start = performance.now()
  while (total < bytesTarget) {
    for (const c of streamChunks) {
      for (const ev of d.push(c, 0)) if (ev.type === 'telegram') decoded++
      total += c.length
    }
    peak = Math.max(peak, process.memoryUsage.rss())
  }
  return { frames: decoded, peakRssMB: peak / 2 ** 20, seconds: (performance.now() - start) / 1000 }
}

const gb = Number(process.env.BENCH_GB ?? '1')
if (process.env.BENCH_MODE === 'memory') {
  // child process: nothing but the stream decode, so its peak RSS is the decoder's
  process.stdout.write(JSON.stringify(memoryRun(gb * 2 ** 30)))
  process.exit(0)
}
pipelineRate(1000) // warm-up
const pipe = pipelineRate(4000)
const bare = bareRate(3000)
const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
  env: { ...process.env, BENCH_MODE: 'memory' },
  encoding: 'utf8',
  maxBuffer: 1 << 20
})
const mem = JSON.parse(child.stdout.slice(child.stdout.indexOf('{'))) as ReturnType<typeof memoryRun>
const ratio = pipe / bare
const row = (name: string, value: string, target: string, ok: boolean): string =>
  `${name.padEnd(34)} ${value.padStart(16)}   target ${target.padEnd(14)} ${ok ? 'PASS' : 'FAIL'}`

console.log(`P1 Studio decode benchmark — ${N} distinct frames, ${avg.toFixed(0)} B average, 4 kB reads, node ${process.version}`)
console.log(row('pipeline (deframe+decrypt+CRC+parse)', `${Math.round(pipe).toLocaleString('en')} fr/s`, '≥ 100,000', pipe >= 100_000))
console.log(row('bare AES-128-GCM decrypt', `${Math.round(bare).toLocaleString('en')} fr/s`, '(reference)', true))
console.log(row('pipeline / bare decrypt', `${(ratio * 100).toFixed(1)} %`, '≥ 30 %', ratio >= 0.3))
console.log(row(`decode ${gb} GB stream, peak RSS`, `${mem.peakRssMB.toFixed(0)} MB`, '< 200 MB', mem.peakRssMB < 200))
console.log(`  (${mem.frames.toLocaleString('en')} frames in ${mem.seconds.toFixed(1)} s, ${((gb * 1024) / mem.seconds).toFixed(0)} MB/s)`)
