/**
 * `npm run bench`: the benchmarks one after the other, each in its own process (after the CLI
 * bundle is built): pipeline (decode speed and memory, the command line), fuzz (the decoder's
 * long fuzz run), capture (a 30-day capture), history (DuckDB import, the History tab in
 * Chromium). Every benchmark runs even when an earlier one misses a target; the exit status
 * is 1 when any of them failed (targets are printed as PASS/FAIL by each).
 * BENCH_ONLY=pipeline,fuzz runs a subset.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const BENCHES = ['pipeline', 'fuzz', 'capture', 'history']
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim())
const failed: string[] = []
for (const name of BENCHES) {
  if (only && !only.includes(name)) continue
  console.log(`\n== ${name}.bench.ts ==`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, `${name}.bench.ts`)], { stdio: 'inherit' })
  if (r.status !== 0) failed.push(`${name} (exit ${r.status ?? r.signal})`)
}
console.log(failed.length === 0 ? '\nbenchmarks: all ran, no target failed' : `\nbenchmarks with a failure: ${failed.join(', ')}`)
if (failed.length > 0) process.exitCode = 1
