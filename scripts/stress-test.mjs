// `npm run test:stress -- [--runs N] [--load N | --no-load] [--no-build] [vitest args…]`
//
// Runs the test suite N times (default 5) while every core is kept busy (default 2 busy
// workers per core: a load average of ≥ 4 on two cores) and reports, per test, how often it
// failed and how long it took, and per run the wall time and the load average seen. A test
// that passes alone and fails here is a bug in the test or the code (README, Development).
//
// Load: stress-ng (`--cpu N`) when installed, else N node processes spinning, at normal
// priority like the other work on a busy laptop (`--nice 19` makes them yield instead).
// Exit status 0 only if every run passed.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const HELP = `Usage: npm run test:stress -- [--runs N] [--load N | --no-load] [--no-build] [vitest args or test files…]
  --runs N     how many times to run the suite (default 5)
  --load N     busy workers keeping the CPUs loaded (default 2 per core: ${2 * cpus().length} here)
  --no-load    run without extra load (e.g. to time the suite at idle)
  --nice N     run the load at this niceness (default 0: competing with the tests as equals)
  --no-build   skip building the UI and the CLI bundle first (npm test builds them)
Anything else is passed to vitest run (test files, -t PATTERN…).`

function parseArgs(argv) {
  const o = { runs: 5, load: 2 * cpus().length, nice: 0, build: true, vitest: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const num = (name) => {
      const v = Number(argv[++i])
      if (!Number.isInteger(v) || v < 0 || v > 1000) {
        console.error(`stress-test: ${name} needs a whole number (0–1000)\n\n${HELP}`)
        process.exit(2)
      }
      return v
    }
    if (a === '--runs') o.runs = Math.max(1, num('--runs'))
    else if (a === '--load') o.load = num('--load')
    else if (a === '--no-load') o.load = 0
    else if (a === '--nice') o.nice = Math.min(19, num('--nice'))
    else if (a === '--no-build') o.build = false
    else if (a === '--help' || a === '-h') {
      console.log(HELP)
      process.exit(0)
    } else o.vitest.push(a)
  }
  return o
}

const opts = parseArgs(process.argv.slice(2))
const children = new Set()

function stopAll() {
  for (const c of children) {
    try {
      // each child leads its own process group: its own children (vitest workers, spawned CLIs) go too
      process.kill(-c.pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }
  children.clear()
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopAll()
    process.exit(130)
  })
}
process.on('exit', stopAll)

function startLoad(n) {
  if (n === 0) return 'none'
  const ng = spawnSync('stress-ng', ['--version'], { stdio: 'ignore' })
  if (!ng.error && ng.status === 0) {
    const c = spawn('nice', ['-n', String(opts.nice), 'stress-ng', '--cpu', String(n), '--cpu-method', 'int64', '--quiet'], { stdio: 'ignore', detached: true })
    children.add(c)
    return `stress-ng --cpu ${n} (nice ${opts.nice})`
  }
  for (let i = 0; i < n; i++) {
    const c = spawn('nice', ['-n', String(opts.nice), process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore', detached: true })
    children.add(c)
  }
  return `${n} busy node processes (nice ${opts.nice}; stress-ng not installed)`
}

function build() {
  for (const script of ['build:renderer', 'build:cli']) {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) {
      console.error(`stress-test: npm run ${script} failed`)
      process.exit(1)
    }
  }
}

/** One vitest run with a JSON report: per-test results, wall time, load averages sampled while it ran. */
function runSuite(i, dir) {
  return new Promise((resolve) => {
    const out = join(dir, `run-${i}.json`)
    const args = [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${out}`, ...opts.vitest]
    const t0 = performance.now()
    const loads = []
    const sampler = setInterval(() => loads.push(loadavg()[0]), 5000)
    const c = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    children.add(c)
    let stderr = ''
    c.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    c.on('exit', (code) => {
      children.delete(c)
      clearInterval(sampler)
      const seconds = (performance.now() - t0) / 1000
      let report = null
      try {
        report = JSON.parse(readFileSync(out, 'utf8'))
      } catch {
        /* no report: vitest itself failed */
      }
      resolve({ code, seconds, loads, report, stderr })
    })
  })
}

const fmtS = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s` : `${s.toFixed(1)} s`)
const avg = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : loadavg()[0])

if (opts.build) build()
const dir = mkdtempSync(join(tmpdir(), 'p1s-stress-'))
const loadWhat = startLoad(opts.load)
console.log(`stress-test: ${opts.runs} run(s) of vitest run ${opts.vitest.join(' ')}`.trim() + `, load: ${loadWhat}, ${cpus().length} CPUs`)

/** test id → { runs, failures, maxMs, messages } */
const tests = new Map()
const runs = []
for (let i = 1; i <= opts.runs; i++) {
  const r = await runSuite(i, dir)
  let passed = 0
  let failed = 0
  if (r.report) {
    for (const file of r.report.testResults ?? []) {
      const rel = relative(ROOT, file.name)
      const results = file.assertionResults ?? []
      if (results.length === 0 && file.status === 'failed') {
        // the file did not load or a hook failed: count it as one failing entry
        results.push({ fullName: '(file: load or hook failed)', status: 'failed', duration: 0, failureMessages: [file.message ?? ''] })
      }
      for (const t of results) {
        if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') continue
        const id = `${rel} › ${t.fullName}`
        const e = tests.get(id) ?? { runs: 0, failures: 0, maxMs: 0, messages: [] }
        e.runs++
        e.maxMs = Math.max(e.maxMs, t.duration ?? 0)
        if (t.status === 'passed') passed++
        else {
          failed++
          e.failures++
          const m = String(t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 160)
          if (m && e.messages.length < 3) e.messages.push(`run ${i}: ${m}`)
        }
        tests.set(id, e)
      }
    }
  } else failed = 1
  const ok = r.code === 0 && failed === 0
  runs.push({ ok, seconds: r.seconds, passed, failed, load: avg(r.loads), maxLoad: Math.max(0, ...r.loads) })
  console.log(
    `run ${i}/${opts.runs}: ${ok ? 'PASS' : 'FAIL'} — ${passed} passed, ${failed} failed, ${fmtS(r.seconds)}, load average ${avg(r.loads).toFixed(1)} (max ${Math.max(0, ...r.loads).toFixed(1)})` +
      (r.report ? '' : ` — vitest gave no report (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  )
}
stopAll()
rmSync(dir, { recursive: true, force: true })

const failing = [...tests.entries()].filter(([, e]) => e.failures > 0).sort((a, b) => b[1].failures - a[1].failures)
const slowest = [...tests.entries()].sort((a, b) => b[1].maxMs - a[1].maxMs).slice(0, 10)
console.log('')
console.log(`runs passed: ${runs.filter((r) => r.ok).length}/${runs.length}; wall time per run: ${runs.map((r) => fmtS(r.seconds)).join(', ')}`)
console.log(`tests: ${tests.size}, failing at least once: ${failing.length}`)
for (const [id, e] of failing) {
  console.log(`  ${e.failures}/${e.runs} failed  ${id}`)
  for (const m of e.messages) console.log(`      ${m}`)
}
console.log('slowest tests (longest single run):')
for (const [id, e] of slowest) console.log(`  ${fmtS(e.maxMs / 1000).padStart(10)}  ${id}`)
process.exitCode = runs.every((r) => r.ok) ? 0 : 1
