/**
 * Measuring rates on a shared machine: contestants run interleaved, one pass each in turn,
 * round after round, in one process, so load that comes and goes on the other core hits
 * every contestant alike; each round gives each contestant's rate relative to a reference
 * contestant, and the verdict takes the median of those per-round ratios (one disturbed
 * round does not decide it). Every pass is timed twice: wall clock (performance.now) and
 * this process's CPU time (process.cpuUsage: user + system of all its threads, GC helpers
 * included — time the process spends waiting for a core is not in it).
 *
 * GC: `performance` 'gc' entries (PerformanceObserver) are attributed to the pass whose
 * time window holds their start: count and milliseconds per 1,000 frames, per contestant.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks'

/** A contestant: one pass over the frames, returning how many frames it handled (it checks its own results). */
export type Pass = () => number

/** One pass's figures. */
interface Sample {
  frames: number
  /** ms */
  wall: number
  /** ms of CPU time */
  cpu: number
  t0: number
  t1: number
}

/** What {@link interleave} gives per contestant. Rates in frames per second. */
export interface Contestant {
  /** Median over rounds of the pass rate per wall second. */
  wall: number
  /** Median over rounds of the pass rate per CPU second. */
  cpu: number
  /** Fastest pass, per wall second. */
  bestWall: number
  /** Median over rounds of (this rate / the reference's rate in the same round), wall clock. */
  ratioWall: number
  /** Same with CPU time. */
  ratioCpu: number
  /** Best wall rate / the reference's best wall rate. */
  ratioBest: number
  /** Smallest and largest per-round wall ratio (the spread load caused). */
  ratioWallRange: [number, number]
  /** Smallest and largest per-round CPU ratio. */
  ratioCpuRange: [number, number]
  /** Garbage collections during its passes, per 1,000 frames: count (minor + major) and ms. */
  gcPer1000: { count: number; ms: number; major: number }
}

/** Median of `xs` (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** CPU time of this process so far, ms (user + system, all threads). */
export function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

interface GcEntry {
  start: number
  duration: number
  major: boolean
}

/**
 * Run `passes` interleaved for `rounds` rounds (the order rotates every round) and compare
 * each with `reference` (a key of `passes`). `reference` may also name several passes
 * (`refs`): the faster of them in each round is the reference of that round.
 */
export async function interleave(passes: Record<string, Pass>, refs: string[], rounds: number): Promise<Record<string, Contestant>> {
  const names = Object.keys(passes)
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]))
  const gc: GcEntry[] = []
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind
      gc.push({ start: e.startTime, duration: e.duration, major: kind === constants.NODE_PERFORMANCE_GC_MAJOR })
    }
  })
  obs.observe({ entryTypes: ['gc'] })
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length]
      const c0 = cpuMs()
      const t0 = performance.now()
      const frames = passes[name]()
      const t1 = performance.now()
      const c1 = cpuMs()
      samples[name].push({ frames, wall: t1 - t0, cpu: c1 - c0, t0, t1 })
    }
    // let the observer collect this round's GC entries
    await new Promise((res) => setImmediate(res))
  }
  await new Promise((res) => setTimeout(res, 50))
  obs.disconnect()
  const rateWall = (s: Sample): number => (s.frames * 1000) / s.wall
  const rateCpu = (s: Sample): number => (s.frames * 1000) / Math.max(s.cpu, 0.001)
  const refWall: number[] = []
  const refCpu: number[] = []
  for (let r = 0; r < rounds; r++) {
    refWall.push(Math.max(...refs.map((n) => rateWall(samples[n][r]))))
    refCpu.push(Math.max(...refs.map((n) => rateCpu(samples[n][r]))))
  }
  const refBest = Math.max(...refs.map((n) => Math.max(...samples[n].map(rateWall))))
  const out: Record<string, Contestant> = {}
  for (const n of names) {
    const s = samples[n]
    const rw = s.map((x, r) => rateWall(x) / refWall[r])
    const rc = s.map((x, r) => rateCpu(x) / refCpu[r])
    let count = 0
    let ms = 0
    let major = 0
    let frames = 0
    for (const x of s) {
      frames += x.frames
      for (const g of gc) {
        if (g.start >= x.t0 && g.start < x.t1) {
          count++
          ms += g.duration
          if (g.major) major++
        }
      }
    }
    out[n] = {
      wall: median(s.map(rateWall)),
      cpu: median(s.map(rateCpu)),
      bestWall: Math.max(...s.map(rateWall)),
      ratioWall: median(rw),
      ratioCpu: median(rc),
      ratioBest: Math.max(...s.map(rateWall)) / refBest,
      ratioWallRange: [Math.min(...rw), Math.max(...rw)],
      ratioCpuRange: [Math.min(...rc), Math.max(...rc)],
      gcPer1000: { count: (count * 1000) / frames, ms: (ms * 1000) / frames, major: (major * 1000) / frames }
    }
  }
  return out
}
