/**
 * The long run of the deframer/decoder fuzz (the suite runs a few hundred cases in
 * test/unit/p1/robustness.test.ts; the model is test/helpers/p1-fuzz.ts).
 *
 * 1. Cases: random streams of published and virtual-meter frames, garbage, frames cut short
 *    and frames with flipped bytes, read in random chunk sizes. Every case is checked: no
 *    exception, every frame no mutation touched decoded at its offset, events covering the
 *    stream once and in order, failure evidence capped, pending bytes bounded. Figures: cases,
 *    frames checked, frames lost (target 0), cases with a problem (target 0), rate.
 * 2. False frame starts: BENCH_FUZZ_FRAMES (default 300,000) distinct encrypted Smarty frames
 *    back to back through the deframer; ciphertext that spells a frame start (another meter's
 *    header, a telegram's first lines) must cut none of them (target 0). One frame in 5,000 of
 *    the pipeline benchmark was cut by a looser rule.
 * 3. Memory: the cases concatenated into one long stream through ONE decoder (the offsets
 *    grow, the decoder never restarts), peak RSS sampled; target: the RSS growth stays under
 *    64 MB whatever the stream length (the deframer holds at most one frame + one read).
 *
 * Run: node --import tsx test/bench/fuzz.bench.ts   (not a vitest test)
 * Env: BENCH_FUZZ_CASES (default 50,000), BENCH_FUZZ_MB (memory run, default 200),
 *      BENCH_SEED (default: random; printed so a failure can be replayed).
 */
import fc from 'fast-check'
import { cpus, loadavg } from 'node:os'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { Deframer } from '../../src/main/p1/deframer'
import { encryptGlo } from '../../src/main/p1/encrypt'
import { LUX_AUTH_KEY_HEX } from '../../src/shared/types'
import { buildCase, checkCase, framePool, FUZZ_KEY, fuzzCase, type FuzzCase } from '../helpers/p1-fuzz'

const CASES = Number(process.env.BENCH_FUZZ_CASES ?? 50_000)
const MB = Number(process.env.BENCH_FUZZ_MB ?? 200)
const SEED = Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const FRAMES = Number(process.env.BENCH_FUZZ_FRAMES ?? 300_000)
const BATCH = 1000

function cases(seed: number, n: number): FuzzCase[] {
  return fc.sample(fuzzCase(16), { seed, numRuns: n })
}

function checkRun(): { cases: number; bytes: number; frames: number; lost: number; bad: number; firstProblem: string | null; cpuS: number; wallS: number } {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  let frames = 0
  let lost = 0
  let bad = 0
  let bytes = 0
  let firstProblem: string | null = null
  for (let done = 0; done < CASES; done += BATCH) {
    for (const c of cases(SEED + done, Math.min(BATCH, CASES - done))) {
      const built = buildCase(c)
      bytes += built.stream.length
      const r = checkCase(c, built)
      frames += r.frames
      lost += r.lost
      if (r.problems.length > 0) {
        bad++
        firstProblem ??= `${r.problems[0]} — case ${JSON.stringify(c).slice(0, 400)}`
      }
    }
  }
  const cpu = process.cpuUsage(cpu0)
  return { cases: CASES, bytes, frames, lost, bad, firstProblem, cpuS: (cpu.user + cpu.system) / 1e6, wallS: Number(process.hrtime.bigint() - t0) / 1e9 }
}

/** Distinct encrypted frames (the pool's published Luxembourg telegram, counters from SEED) back to back: any error is a false cut. */
function falseStarts(): { frames: number; found: number; errors: number; bytes: number; cpuS: number } {
  const plain = framePool().find((f) => f.name === 'lu_relip_simulator_telegram.txt')!.bytes
  const title = Buffer.from('5341476770ABCDEF', 'hex')
  const ak = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
  const d = new Deframer({ copyFrames: false })
  const cpu0 = process.cpuUsage()
  let found = 0
  let errors = 0
  let bytes = 0
  const batch: Buffer[] = []
  const flush = (): void => {
    const s = Buffer.concat(batch.splice(0))
    bytes += s.length
    for (let i = 0; i < s.length; i += 4096) {
      for (const e of d.push(s.subarray(i, i + 4096), 0)) {
        if (e.type === 'frame') found++
        else if (e.type === 'error') errors++
      }
    }
  }
  for (let i = 0; i < FRAMES; i++) {
    batch.push(encryptGlo({ plaintext: plain, key: FUZZ_KEY, authKey: ak, systemTitle: title, frameCounter: (SEED + i) >>> 0 }))
    if (batch.length === 1000) flush()
  }
  flush()
  for (const e of d.end()) if (e.type === 'frame') found++
  const cpu = process.cpuUsage(cpu0)
  return { frames: FRAMES, found, errors, bytes, cpuS: (cpu.user + cpu.system) / 1e6 }
}

function memoryRun(): { bytes: number; telegrams: number; failures: number; startMB: number; peakMB: number; maxPending: number } {
  const d = new P1Decoder({ key: FUZZ_KEY })
  global.gc?.()
  const start = process.memoryUsage.rss()
  let peak = start
  let bytes = 0
  let telegrams = 0
  let failures = 0
  let maxPending = 0
  let t = 0
  for (let seed = SEED; bytes < MB * 1e6; seed++) {
    for (const c of cases(seed, 200)) {
      const s = buildCase(c).stream
      for (let i = 0, k = 0; i < s.length;) {
        const n = c.reads[k++ % c.reads.length]
        for (const e of d.push(s.subarray(i, i + n), (t += 1))) {
          if (e.type === 'telegram') telegrams++
          else if (e.type === 'failure') failures++
        }
        maxPending = Math.max(maxPending, d.pendingBytes)
        i += n
      }
      bytes += s.length
    }
    peak = Math.max(peak, process.memoryUsage.rss())
  }
  d.end()
  return { bytes, telegrams, failures, startMB: start / 2 ** 20, peakMB: peak / 2 ** 20, maxPending }
}

const row = (m: string, v: string, target: string, ok: boolean | null): string =>
  `${m.padEnd(46)}${v.padStart(18)}   ${target.padEnd(15)}${ok === null ? '' : ok ? 'PASS' : 'FAIL'}`

framePool()
console.log(`P1 Studio decoder fuzz — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(2)}, seed ${SEED}`)
console.log(`${'measure'.padEnd(46)}${'value'.padStart(18)}   ${'target'.padEnd(15)}verdict`)
const r = checkRun()
console.log(row('cases (streams of ≤ 16 segments)', r.cases.toLocaleString('en'), '', null))
console.log(row('bytes decoded', `${(r.bytes / 1e6).toFixed(1)} MB`, '', null))
console.log(row('untouched frames checked', r.frames.toLocaleString('en'), '', null))
console.log(row('untouched frames lost', r.lost.toLocaleString('en'), '0', r.lost === 0))
console.log(row('cases with a problem', r.bad.toLocaleString('en'), '0', r.bad === 0))
console.log(row('rate (CPU time, checks included)', `${Math.round(r.cases / r.cpuS).toLocaleString('en')} cases/s`, '', null))
console.log(row('wall time', `${r.wallS.toFixed(1)} s`, '', null))
if (r.firstProblem) console.log(`first problem: ${r.firstProblem}`)
const fs = falseStarts()
console.log(row(`${fs.frames.toLocaleString('en')} encrypted frames back to back`, `${(fs.bytes / 1e6).toFixed(0)} MB`, '', null))
console.log(row('  frames found', fs.found.toLocaleString('en'), fs.frames.toLocaleString('en'), fs.found === fs.frames))
console.log(row('  false cuts (errors)', fs.errors.toLocaleString('en'), '0', fs.errors === 0))
const m = memoryRun()
console.log(row(`one decoder, ${(m.bytes / 1e6).toFixed(0)} MB of fuzz`, `${m.telegrams.toLocaleString('en')} tel.`, '', null))
console.log(row('  failures reported', m.failures.toLocaleString('en'), '', null))
console.log(row('  largest pending frame', `${m.maxPending} B`, '≤ 8192 + read', m.maxPending <= 8192 + 5000))
console.log(row('  RSS at start → peak', `${m.startMB.toFixed(0)} → ${m.peakMB.toFixed(0)} MB`, '+ < 64 MB', m.peakMB - m.startMB < 64))
if (r.lost > 0 || r.bad > 0 || fs.errors > 0 || fs.found !== fs.frames || m.peakMB - m.startMB >= 64) process.exitCode = 1
