/**
 * The one real-time diagnosis: `p1studio simulate` at the real 10 s cadence and
 * `p1studio diagnose` (both the CLI, as child processes, on the system clock) on a socat pty
 * pair. Every verdict is also reached in virtual time (diagnose-verdicts.test.ts); this test
 * checks that the same holds with real ptys, real timers and two processes. It takes 20–30 s
 * of listening, so it lives in its own file and runs beside the others.
 *
 * Tolerances hold at load 8 on two cores: the meter runs before the check starts (as a real
 * meter does, so neither CLI's start-up, 3–12 s under load, is in the figures), intervals may
 * be 1 s off 10 s (timer and scheduling lateness under load is tens of ms; the cadence check
 * itself allows 2 s), and the time limit covers both start-ups.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DiagnosisReport } from '../../src/shared/diagnostics'
import { openPtyPair } from '../helpers/pty'

const KEY = '3D5F7A9C1E2B4D6F8091A2B3C4D5E6F7' // test key, not a meter's
let pty: Awaited<ReturnType<typeof openPtyPair>>
beforeAll(async () => {
  pty = await openPtyPair()
})
afterAll(async () => {
  await pty.close()
})

/** Resolve once `child`'s stderr matches `re` (a condition, not a duration); reject if it exits first. */
function stderrMatch(child: ChildProcess, re: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = ''
    const onData = (d: Buffer): void => {
      text += d.toString()
      if (re.test(text)) {
        child.stderr!.off('data', onData)
        resolve()
      }
    }
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing ${re}: ${text}`)))
  })
}

it('diagnoses a meter at the real 10 s cadence: ok, three frames ten seconds apart', async () => {
  let sim: ChildProcess | null = null
  try {
    // the meter sends all the time; the installer comes and starts the check
    sim = spawn(process.execPath, ['bin/p1studio.mjs', 'simulate', '--port', pty.a, '--key', KEY, '--interval', '10', '--peer', pty.b], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
    await stderrMatch(sim, /^frame \d+: \d+ bytes$/m)
    const diag = spawn(process.execPath, ['bin/p1studio.mjs', 'diagnose', '--port', pty.b, '--key', KEY, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    diag.stdout.on('data', (d) => (out += d))
    diag.stderr.on('data', (d) => (err += d))
    const code = await new Promise<number | null>((res) => diag.on('exit', res))
    const r = JSON.parse(out) as DiagnosisReport
    expect(r.verdict, err).toBe('ok')
    expect(code).toBe(0)
    const cad = r.checks.find((c) => c.id === 'cadence')!.evidence
    expect(cad.expectedIntervalS).toBe(10)
    expect(cad.minIntervalS as number, `intervals ${JSON.stringify(cad.intervalsS)} s`).toBeGreaterThan(9)
    expect(cad.maxIntervalS as number, `intervals ${JSON.stringify(cad.intervalsS)} s`).toBeLessThan(11)
    expect(r.meter.lastFrameCounter! - r.meter.firstFrameCounter!).toBe(2)
    // a verdict within about 30 s of listening (three frames; the first within one cadence),
    // with progress shown while listening
    expect(r.durationS).toBeLessThan(32)
    expect(err).toMatch(/Listening at 115200 8N1/)
  } finally {
    if (sim && sim.exitCode === null) {
      const exited = new Promise((res) => sim!.once('exit', res))
      sim.kill('SIGINT')
      await exited
    }
  }
}, 120_000)
