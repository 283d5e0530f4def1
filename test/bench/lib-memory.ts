/**
 * Child process of pipeline.bench.ts: one P1Decoder (full events, frame hex) decodes a stream
 * of `BENCH_GB` GB — the benchmark's Smarty frames repeated, generated on the fly in 4 kB
 * reads, never held whole — and samples this process's RSS every 256 reads. Prints one JSON
 * line: `{frames, seconds, startRssMB, peakRssMB, peakHwmMB}` (peakHwmMB: VmHWM, the kernel's
 * peak, Linux only, else 0).
 * Run by the benchmark (after it built out/bench-lib/library.mjs): node --import tsx test/bench/lib-memory.ts
 */
import { readFileSync } from 'node:fs'
import { importLibraryBundle } from './library-bundle'
import { BENCH_KEY, benchFrames, readsOf } from './smarty-frames'

// the bundle pipeline.bench.ts built before it started this process (the library as it ships)
const { P1Decoder } = await importLibraryBundle()
const GB = Number(process.env.BENCH_GB ?? 1)
const { stream } = benchFrames(Number(process.env.BENCH_FRAMES ?? 5000))
const reads = readsOf(stream, 4096)

function hwmMB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

const d = new P1Decoder({ key: BENCH_KEY })
const startRss = process.memoryUsage.rss()
let peak = startRss
let total = 0
let frames = 0
let k = 0
const target = GB * 2 ** 30
const t0 = performance.now()
while (total < target) {
  for (const c of reads) {
    for (const ev of d.push(c, 0)) if (ev.type === 'telegram') frames++
    total += c.length
    if ((++k & 255) === 0) {
      const rss = process.memoryUsage.rss()
      if (rss > peak) peak = rss
    }
  }
}
for (const ev of d.end(0)) if (ev.type === 'telegram') frames++
peak = Math.max(peak, process.memoryUsage.rss())
console.log(JSON.stringify({ frames, seconds: (performance.now() - t0) / 1000, startRssMB: startRss / 2 ** 20, peakRssMB: peak / 2 ** 20, peakHwmMB: hwmMB() }))
