/**
 * Decode throughput and memory of the whole P1 pipeline, on one core, and the command line.
 *
 * Frames: test/bench/smarty-frames.ts — the published per-phase Luxembourg telegram P5
 * (48 objects) moved on for every frame, encrypted (AES-128-GCM, frame counters 1000…):
 * several thousand distinct ~1.1 kB frames, one stream.
 *
 * Measures (issue 11), as ratios to bare node:crypto AES-128-GCM on the same frames in the
 * same run — contestants interleaved, one pass each in turn, round after round
 * (test/bench/measure.ts), so that load on the other core hits every side alike:
 *   1. the library as it ships (src/main/p1 built into a vite bundle, library-bundle.ts):
 *      P1Decoder.push over the stream in 4 kB reads (deframe + AES-128-GCM with
 *      tag check + CRC-16 + telegram parse + events; every pass checks that all frames
 *      decoded and that the sum of their 1-0:2.8.0 values is right) with full events (frame
 *      hex), with `frameHex: false`, and with `frameHex: false` plus the JSON line of each
 *      event (JsonLineWriter, what `decode` does in process); the telegram parser alone
 *      (parseTelegramText on the decrypted telegrams: latin1 text, CRC-16, 48 objects), which
 *      with the bare decrypt gives the ceiling of the library's ratio (decrypt + parse, nothing
 *      else);
 *   2. bare decrypt: createDecipheriv + setAAD + setAuthTag + update + final per frame, with
 *      a Buffer key and with a KeyObject; in each round the faster is the reference;
 *   3. per contestant: the median over rounds of its per-round ratio, per wall second and per
 *      CPU second of this process (process.cpuUsage: all threads, GC helpers included; time
 *      spent waiting for a core is not in it), the range of those ratios, and the garbage
 *      collections during its passes (PerformanceObserver 'gc': count and ms per 1,000 frames).
 *      The verdict is on the CPU-time median: a process that waits for a core loses wall
 *      time but not CPU time, and the median of interleaved rounds leaves out the rounds a
 *      neighbour disturbed; the wall-clock figures are printed beside it;
 *   4. peak RSS of a library decoder on a 1 GB stream (BENCH_GB), in a child process
 *      (test/bench/lib-memory.ts), generated on the fly in 4 kB reads;
 *   5. the command line as users run it (`node bin/p1studio.mjs`, the built bundle out/cli):
 *      start-up of `help` and of `decode` on one frame (median of BENCH_STARTS whole
 *      processes, wall and CPU, beside `node -e 0` and `help` from the sources through tsx);
 *      `decode` of 100,000 frames (BENCH_CLI_FRAMES) from a file into a pipe, start-up
 *      included, every line counted, BENCH_CLI_RUNS times, each run between two bare-decrypt
 *      measurements: the median of the runs' ratios to them (wall and CPU: the child's
 *      CPU time from /proc/self/stat cutime + cstime); peak RSS (VmHWM) of `decode -`
 *      reading a 1 GB stream (BENCH_GB) from stdin.
 * Targets: library (full events) ≥ 0.6 of the bare decrypt, library RSS < 200 MB; CLI decode
 * incl. start-up ≥ 0.25, help ≤ 0.3 s, decode of one frame ≤ 0.5 s, decode of 1 GB < 200 MB.
 *
 * Run: npm run bench   (builds the CLI bundle, then node --import tsx test/bench/pipeline.bench.ts;
 *      not a vitest test). Exit status 1 when a target fails.
 * Env: BENCH_LIB_ONLY=1 (the library measurement only), BENCH_GB (default 1), BENCH_FRAMES (default 5000), BENCH_ROUNDS (default 25),
 *      BENCH_CLI_FRAMES (default 100000), BENCH_CLI_RUNS (default 3), BENCH_STARTS (default 9).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { buildLibraryBundle, importLibraryBundle } from './library-bundle'
import { BENCH_AUTH_KEY, BENCH_KEY, benchFrames, readsOf } from './smarty-frames'
import { cpuMs, interleave, median, type Contestant } from './measure'

// V8's memory reducer takes a process starved of CPU by its neighbours (load 15–25 on two
// cores) for an idle one and runs full collections that shrink the young generation: every
// contestant then ran 3–6× slower with 0.1–0.2 major GCs per 1,000 frames (observed in this
// bench, parser alone 30,000 instead of 190,000 telegrams per CPU second). Off, the rounds
// measure the code, not the neighbours' load.
setFlagsFromString('--no-memory-reducer')

// the library as it ships: a vite bundle of src/main/p1 (library-bundle.ts says why not the sources)
const { P1Decoder, JsonLineWriter, parseTelegramText, crc16ArcSliced } = await importLibraryBundle(buildLibraryBundle())

const N = Number(process.env.BENCH_FRAMES ?? 5000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25)
const GB = Number(process.env.BENCH_GB ?? 1)
const READ = 4096
/** BENCH_LIB_ONLY=1: the library measurement alone (no memory runs, no command line). */
const LIB_ONLY = process.env.BENCH_LIB_ONLY === '1'

const { frames, stream, exportSum: expectedExportSum } = benchFrames(N)
const reads = readsOf(stream, READ)
const avgFrame = stream.length / N

// ---- 1. the library -----------------------------------------------------------------------

/** One pass over the stream; throws if a frame did not decode (the bench measures real work). */
function pipelinePass(frameHex: boolean): number {
  const d = new P1Decoder({ key: BENCH_KEY, frameHex })
  let n = 0
  let exportSum = 0
  for (const c of reads) {
    const evs = d.push(c, 0)
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]
      if (ev.type !== 'telegram') throw new Error(`bench stream did not decode: ${JSON.stringify(ev).slice(0, 200)}`)
      if (frameHex && ev.telegram.frameHex.length < 2000) throw new Error('frame hex missing')
      n++
      exportSum += ev.telegram.telegram.objects[4].value as number // 1-0:2.8.0
    }
  }
  if (n !== N || Math.abs(exportSum - expectedExportSum) > 1e-6 * N) throw new Error(`decoded ${n}/${N} frames, wrong values`)
  return n
}

/** As the CLI's decode does in process: decoder without frame hex, JSON lines as bytes, taken every 64 kB. */
function jsonPass(): number {
  const d = new P1Decoder({ key: BENCH_KEY, frameHex: false })
  const w = new JsonLineWriter(256 * 1024)
  let n = 0
  let bytes = 0
  for (const c of reads) {
    for (const ev of d.push(c, 0)) {
      if (!w.add(ev) || ev.type !== 'telegram') throw new Error('bench stream did not decode')
      n++
    }
    if (w.length >= 65536) bytes += w.take().length
  }
  bytes += w.take().length
  if (n !== N || bytes < n * 100) throw new Error(`decoded ${n}/${N} frames`)
  return n
}

/**
 * The decrypted telegrams of the stream, for the parser alone: one off-heap buffer and their
 * ends (5,000 retained strings or small Buffers would grow the old generation and make every
 * contestant's major collections dearer).
 */
const plain = (() => {
  const parts: Buffer[] = []
  for (const ev of new P1Decoder({ key: BENCH_KEY, frameHex: false }).push(stream, 0)) {
    if (ev.type === 'telegram') parts.push(Buffer.from(ev.telegram.text, 'latin1'))
  }
  const ends = new Uint32Array(parts.length)
  let end = 0
  parts.forEach((p, i) => (ends[i] = end += p.length))
  return { bytes: Buffer.concat(parts), ends }
})()

/** parseTelegramText alone (text of the bytes, CRC-16, 48 COSEM objects) on every telegram: the floor under the library's cost. */
function parsePass(): number {
  const { bytes, ends } = plain
  let n = 0
  let start = 0
  for (let i = 0; i < ends.length; i++) {
    const b = bytes.subarray(start, ends[i])
    if (parseTelegramText(b, b.toString('latin1')).objects.length === 48) n++
    start = ends[i]
  }
  if (n !== ends.length) throw new Error('parser pass: a telegram lost objects')
  return n
}

/**
 * A floor under any decoder that gives these events: per frame the bare decrypt
 * ({@link bareDecrypt}, as {@link barePass}), the CRC-16 over the telegram (DSMR 5.0.2
 * §6.12; the library's sliced one), the telegram's latin1 text, the frame's upper-case hex
 * (unless `withHex` is false), and 48 objects of the CosemObject shape, each with its
 * one-value array (every telegram gets its own objects) — holding strings made once, so no
 * line is scanned, sliced or read. Its ratio to the bare decrypt is more than the library's
 * "full events" ratio can ever reach with the DecodedTelegram contract; the parser's real work
 * (finding the lines, OBIS codes, values, units, timestamps) comes on top of it.
 */
function floorPass(key: KeyObject, withHex: boolean): number {
  let n = 0
  let objects = 0
  for (const f of frames) {
    const p = bareDecrypt(f, key)
    const crc = crc16ArcSliced(p, 0, p.lastIndexOf(0x21) + 1)
    const text = p.toString('latin1')
    const hex = withHex ? f.toString('hex').toUpperCase() : 'no hex'
    const list: object[] = []
    for (let k = 0; k < 48; k++)
      list.push({ obis: FLOOR_OBIS, value: k, unit: FLOOR_UNIT, time: null, values: [{ value: k, unit: FLOOR_UNIT, raw: FLOOR_RAW }], raw: FLOOR_RAW })
    if (crc >= 0 && text.length > 0 && hex.length > 0) n++
    objects += list.length
  }
  if (objects !== 48 * frames.length) throw new Error(`floor pass: ${objects} objects`)
  return n
}
const FLOOR_OBIS = '1-0:1.8.1'
const FLOOR_UNIT = 'kWh'
const FLOOR_RAW = '1-0:1.8.1(000123.456*kWh)'

// ---- 2. bare decrypt ----------------------------------------------------------------------

const AAD = Buffer.concat([Buffer.from([0x30]), BENCH_AUTH_KEY])

/** node:crypto alone on one Smarty frame: IV = system title ‖ frame counter, AAD, tag check. @returns the plaintext; @throws on a bad tag. */
function bareDecrypt(f: Buffer, key: Buffer | KeyObject): Buffer {
  const iv = Buffer.allocUnsafe(12)
  f.copy(iv, 0, 2, 10)
  f.copy(iv, 8, 14, 18)
  const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
  d.setAAD(AAD)
  d.setAuthTag(f.subarray(f.length - 12))
  const p = d.update(f.subarray(18, f.length - 12))
  d.final()
  return p
}

function barePass(key: Buffer | KeyObject): number {
  for (const f of frames) bareDecrypt(f, key)
  return frames.length
}

/** Bare decrypt for about `ms`: frames per wall second and per CPU second (the faster key form). */
function bareRate(ms: number): { wall: number; cpu: number } {
  let best = { wall: 0, cpu: 0 }
  for (const key of [BENCH_KEY, keyObject]) {
    let n = 0
    const c0 = cpuMs()
    const t0 = performance.now()
    while (performance.now() - t0 < ms / 2) n += barePass(key)
    const wall = (n * 1000) / (performance.now() - t0)
    const cpu = (n * 1000) / (cpuMs() - c0)
    best = { wall: Math.max(best.wall, wall), cpu: Math.max(best.cpu, cpu) }
  }
  return best
}

// ---- 4. library memory (child process) ---------------------------------------------------

const ROOT = resolve(import.meta.dirname, '../..')

function libraryMemory(): { frames: number; seconds: number; startRssMB: number; peakRssMB: number; peakHwmMB: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/bench/lib-memory.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_GB: String(GB), BENCH_FRAMES: String(N) },
    encoding: 'utf8',
    maxBuffer: 1 << 20
  })
  if (r.status !== 0) throw new Error(`library memory run failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!)
}

// ---- 5. the command line ---------------------------------------------------------------

const BIN = join(ROOT, 'bin/p1studio.mjs')
const CLI_FRAMES = Number(process.env.BENCH_CLI_FRAMES ?? 100_000)
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 3)
const STARTS = Number(process.env.BENCH_STARTS ?? 9)
const TMP = mkdtempSync(join(tmpdir(), 'p1s-bench-'))
const KEY_FILE = join(TMP, 'p1.key')
writeFileSync(KEY_FILE, BENCH_KEY.toString('hex'), { mode: 0o600 })
/** The bundle, even when someone is editing a source meanwhile (npm run bench built it just before). */
const BUNDLE_ENV = { ...process.env, P1STUDIO_CLI: 'bundle' }

/** Clock ticks per second of /proc times (sysconf CLK_TCK; 100 on Linux unless told otherwise). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** CPU seconds (user + system) of this process's waited-for children so far (/proc/self/stat cutime + cstime), 0 off Linux. */
function childCpuS(): number {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8')
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
    // fields after the command name: state is field 3, cutime 16 and cstime 17 (proc(5))
    return (Number(rest[16 - 3]) + Number(rest[17 - 3])) / CLK_TCK
  } catch {
    return 0
  }
}

interface Startup {
  median: number
  min: number
  cpu: number
}

/** Wall and CPU seconds of `node args` (medians of `n` runs, and the fastest wall time); throws if one fails. */
function startup(args: string[], n: number, env: NodeJS.ProcessEnv = BUNDLE_ENV): Startup {
  const times: number[] = []
  const cpus: number[] = []
  for (let i = 0; i < n; i++) {
    const c0 = childCpuS()
    const t0 = performance.now()
    const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
    times.push((performance.now() - t0) / 1000)
    cpus.push(childCpuS() - c0)
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`)
  }
  return { median: median(times), min: Math.min(...times), cpu: median(cpus) }
}

/** Run the CLI with stdout into a pipe this process drains, counting lines; stdin from `feed` if given. Samples the child's peak RSS (VmHWM). */
function runCli(
  args: string[],
  feed?: (stdin: NodeJS.WritableStream) => Promise<void>
): Promise<{ seconds: number; cpuS: number; lines: number; status: number | null; peakRssMB: number; stderr: string }> {
  return new Promise((done, fail) => {
    const c0 = childCpuS()
    const t0 = performance.now()
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: BUNDLE_ENV, stdio: [feed ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
    let lines = 0
    let stderr = ''
    let peakKB = 0
    const sample = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peakKB = Math.max(peakKB, Number(m[1]))
      } catch {
        /* gone */
      }
    }
    const timer = setInterval(sample, 50)
    child.stdout!.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++
    })
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', fail)
    // the last sample before the process is reaped: VmHWM is the peak of its whole life
    child.stdout!.on('end', sample)
    child.on('exit', (status) => {
      clearInterval(timer)
      const seconds = (performance.now() - t0) / 1000
      // 'exit' comes after libuv reaped the child: its CPU time is in this process's cutime now
      done({ seconds, cpuS: childCpuS() - c0, lines, status, peakRssMB: peakKB / 1024, stderr })
    })
    if (feed) feed(child.stdin!).catch(fail)
  })
}

/** Write the bench stream into `out` until `bytes`, with back-pressure, then end it. */
async function feedStream(out: NodeJS.WritableStream, bytes: number): Promise<number> {
  let sent = 0
  let framesSent = 0
  while (sent < bytes) {
    if (!out.write(stream)) await new Promise((r) => out.once('drain', r))
    sent += stream.length
    framesSent += N
  }
  out.end()
  return framesSent
}

interface CliRun {
  seconds: number
  cpuS: number
  lines: number
  /** Bare decrypt around this run (mean of before and after), frames per wall / CPU second. */
  bare: { wall: number; cpu: number }
  ratioWall: number
  ratioCpu: number
}

async function cliRuns(): Promise<{
  node: Startup
  help: Startup
  helpSources: Startup
  one: Startup
  runs: CliRun[]
  big: { frames: number; lines: number; peakRssMB: number; seconds: number }
}> {
  if (!existsSync(join(ROOT, 'out/cli/cli.mjs'))) throw new Error('the CLI bundle is not built: run `npm run build:cli` (npm run bench does)')
  const oneFile = join(TMP, 'one.bin')
  writeFileSync(oneFile, frames[0])
  const node = startup(['-e', '0'], STARTS)
  const help = startup([BIN, 'help'], STARTS)
  const one = startup([BIN, 'decode', '--key-file', KEY_FILE, oneFile], STARTS)
  const helpSources = startup([BIN, 'help'], 3, { ...process.env, P1STUDIO_CLI: 'source' })
  // 100,000 frames: the distinct frames repeated, in a file
  const manyFile = join(TMP, 'many.bin')
  const fd = openSync(manyFile, 'w')
  for (let i = 0; i < CLI_FRAMES; i++) writeSync(fd, frames[i % N])
  closeSync(fd)
  const runs: CliRun[] = []
  let before = bareRate(800)
  for (let k = 0; k < CLI_RUNS; k++) {
    const many = await runCli(['decode', '--key-file', KEY_FILE, manyFile])
    if (many.status !== 0 || many.lines !== CLI_FRAMES) throw new Error(`CLI decode: status ${many.status}, ${many.lines}/${CLI_FRAMES} lines: ${many.stderr}`)
    const after = bareRate(800)
    const bare = { wall: (before.wall + after.wall) / 2, cpu: (before.cpu + after.cpu) / 2 }
    const wall = many.lines / many.seconds
    const cpu = many.lines / many.cpuS
    runs.push({ seconds: many.seconds, cpuS: many.cpuS, lines: many.lines, bare, ratioWall: wall / bare.wall, ratioCpu: cpu / bare.cpu })
    before = after
  }
  rmSync(manyFile, { force: true })
  // 1 GB through stdin
  let sentFrames = 0
  const big = await runCli(['decode', '--key-file', KEY_FILE, '-'], async (stdin) => {
    sentFrames = await feedStream(stdin, GB * 2 ** 30)
  })
  if (big.status !== 0 || big.lines !== sentFrames)
    throw new Error(`CLI decode of ${GB} GB: status ${big.status}, ${big.lines}/${sentFrames} lines: ${big.stderr}`)
  return { node, help, helpSources, one, runs, big: { frames: sentFrames, lines: big.lines, peakRssMB: big.peakRssMB, seconds: big.seconds } }
}

// ---- run ----------------------------------------------------------------------------------

const keyObject = createSecretKey(BENCH_KEY)
const load0 = loadavg()[0]
// warm-up (JIT) of every contestant
for (let i = 0; i < 3; i++) {
  pipelinePass(true)
  pipelinePass(false)
  jsonPass()
  parsePass()
  floorPass(keyObject, true)
  floorPass(keyObject, false)
  barePass(BENCH_KEY)
  barePass(keyObject)
}
const lib = await interleave(
  {
    full: () => pipelinePass(true),
    noHex: () => pipelinePass(false),
    json: jsonPass,
    parse: parsePass,
    floor: () => floorPass(keyObject, true),
    floorNoHex: () => floorPass(keyObject, false),
    bareBuffer: () => barePass(BENCH_KEY),
    bareKeyObject: () => barePass(keyObject)
  },
  ['bareBuffer', 'bareKeyObject'],
  ROUNDS
)
const mem = LIB_ONLY ? null : libraryMemory()
const cli = LIB_ONLY ? null : await cliRuns()
rmSync(TMP, { recursive: true, force: true })

const fmt = (v: number): string => Math.round(v).toLocaleString('en')
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`
const range = (r: [number, number]): string => `${(r[0] * 100).toFixed(0)}–${(r[1] * 100).toFixed(0)} %`
const sec = (v: Startup): string => `${v.median.toFixed(3)} s`
const cpuSec = (v: Startup): string => `${v.cpu.toFixed(2)} s CPU`
const line = (name: string, wall: string, cpu: string, target: string, verdict: string): string =>
  `${name.padEnd(48)} ${wall.padStart(15)} ${cpu.padStart(15)}   ${target.padEnd(10)} ${verdict}`
const ok = (b: boolean): string => (b ? 'PASS' : 'FAIL')
const failures: string[] = []
const judge = (name: string, pass: boolean): string => {
  if (!pass) failures.push(name)
  return ok(pass)
}

console.log(
  `P1 Studio pipeline benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`
)
console.log(`${N} distinct frames (P5 per-phase Luxembourg telegram), ${avgFrame.toFixed(0)} B average, ${READ} B reads; ${ROUNDS} interleaved rounds`)
console.log(line('library (medians of interleaved rounds)', 'per wall second', 'per CPU second', 'target', 'verdict'))
const rateRow = (name: string, c: Contestant): string => line(name, `${fmt(c.wall)} fr/s`, `${fmt(c.cpu)} fr/s`, '', '')
console.log(rateRow('P1Decoder, full events (frame hex)', lib.full))
console.log(rateRow('P1Decoder, frameHex off', lib.noHex))
console.log(rateRow('P1Decoder, frameHex off + JSON line (as decode)', lib.json))
console.log(rateRow('telegram parser alone (CRC + 48 objects)', lib.parse))
console.log(rateRow('bare AES-128-GCM decrypt, Buffer key', lib.bareBuffer))
console.log(rateRow('bare AES-128-GCM decrypt, KeyObject', lib.bareKeyObject))
const ratioRow = (name: string, c: Contestant, target: number | null): string =>
  line(name, pct(c.ratioWall), pct(c.ratioCpu), target === null ? '' : `≥ ${target * 100} %`, target === null ? '' : judge(name, c.ratioCpu >= target))
console.log(ratioRow('library (full events) / bare decrypt', lib.full, 0.6))
console.log(ratioRow('library (frameHex off) / bare decrypt', lib.noHex, null))
console.log(ratioRow('library (frameHex off + JSON) / bare decrypt', lib.json, null))
console.log(
  `  spread of the per-round ratios (full events): wall ${range(lib.full.ratioWallRange)}, CPU ${range(lib.full.ratioCpuRange)}; ` +
    `best pass / best bare pass: ${pct(lib.full.ratioBest)}`
)
// decrypt + parse and nothing else: the best ratio the library could reach with this parser
const ceiling = (r: number): string => pct(1 / (1 + 1 / r))
console.log(
  `  floor (decrypt + CRC-16 + text + frame hex + 48 empty objects, floorPass): wall ${pct(lib.floor.ratioWall)}, CPU ${pct(lib.floor.ratioCpu)} — ` +
    `more than full events can reach; without the frame hex: wall ${pct(lib.floorNoHex.ratioWall)}, CPU ${pct(lib.floorNoHex.ratioCpu)}`
)
console.log(
  `  ceiling (bare decrypt + parser alone, no deframing, events or frame hex): wall ${ceiling(lib.parse.ratioWall)}, CPU ${ceiling(lib.parse.ratioCpu)}`
)
const gcRow = (name: string, c: Contestant): string =>
  `  GC per 1,000 frames, ${name.padEnd(30)} ${c.gcPer1000.count.toFixed(2).padStart(6)} collections (${c.gcPer1000.major.toFixed(2)} major), ${c.gcPer1000.ms.toFixed(2)} ms`
for (const [name, c] of Object.entries(lib)) console.log(gcRow(name, c))
if (mem !== null) {
  console.log(line(`library: decode ${GB} GB stream, peak RSS`, `${mem.peakRssMB.toFixed(0)} MB`, '', '< 200 MB', judge('library RSS', mem.peakRssMB < 200)))
  console.log(
    `  child process: ${mem.frames.toLocaleString('en')} frames in ${mem.seconds.toFixed(1)} s ` +
      `(${((GB * 1024) / mem.seconds).toFixed(0)} MB/s), RSS at start ${mem.startRssMB.toFixed(0)} MB, VmHWM ${mem.peakHwmMB.toFixed(0)} MB`
  )
}
if (cli !== null) {
  console.log('command line (node bin/p1studio.mjs, built bundle out/cli; start-up = median of the whole process: wall time, and its CPU time)')
  console.log(line(`node -e 0 (the machine's floor)`, sec(cli.node), cpuSec(cli.node), '', ''))
  console.log(line('p1studio help: start-up', sec(cli.help), cpuSec(cli.help), '≤ 0.3 s', judge('help start-up', cli.help.median <= 0.3)))
  console.log(line('p1studio help from the sources (tsx)', sec(cli.helpSources), cpuSec(cli.helpSources), '(before)', ''))
  console.log(line('p1studio decode, one frame: start-up', sec(cli.one), cpuSec(cli.one), '≤ 0.5 s', judge('decode start-up', cli.one.median <= 0.5)))
  const cliWall = median(cli.runs.map((r) => r.lines / r.seconds))
  const cliCpu = median(cli.runs.map((r) => r.lines / r.cpuS))
  console.log(line(`p1studio decode, ${fmt(CLI_FRAMES)} frames incl. start-up`, `${fmt(cliWall)} fr/s`, `${fmt(cliCpu)} fr/s`, '', ''))
  console.log(
    line(
      '  bare decrypt around the CLI runs',
      `${fmt(median(cli.runs.map((r) => r.bare.wall)))} fr/s`,
      `${fmt(median(cli.runs.map((r) => r.bare.cpu)))} fr/s`,
      '',
      ''
    )
  )
  const cliRatioWall = median(cli.runs.map((r) => r.ratioWall))
  const cliRatioCpu = median(cli.runs.map((r) => r.ratioCpu))
  console.log(
    line('p1studio decode incl. start-up / bare decrypt', pct(cliRatioWall), pct(cliRatioCpu), '≥ 25 %', judge('CLI decode ratio', cliRatioCpu >= 0.25))
  )
  console.log(`  ${cli.runs.length} runs: ${cli.runs.map((r) => `${pct(r.ratioWall)} wall / ${pct(r.ratioCpu)} CPU (${r.seconds.toFixed(2)} s)`).join(', ')}`)
  console.log(line(`p1studio decode - of ${GB} GB, peak RSS`, `${cli.big.peakRssMB.toFixed(0)} MB`, '', '< 200 MB', judge('CLI RSS', cli.big.peakRssMB < 200)))
  console.log(
    `  CLI memory run: ${cli.big.lines.toLocaleString('en')} frames in ${cli.big.seconds.toFixed(1)} s (${fmt(cli.big.lines / cli.big.seconds)} fr/s, stdin → stdout pipe)`
  )
}
console.log(failures.length === 0 ? 'all targets met' : `targets not met: ${failures.join(', ')}`)
if (failures.length > 0) process.exitCode = 1
