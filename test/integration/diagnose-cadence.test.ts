/**
 * The real Smarty cadence: `p1studio simulate` at 10 s and `p1studio diagnose` (both the CLI,
 * as child processes) on a socat pty pair. The verdict must be `ok` with intervals of 10 s;
 * it takes ~21–30 s, so it lives in its own file and runs beside the others.
 */
import { spawn } from 'node:child_process'
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

it('diagnoses a meter at the real 10 s cadence: ok, three frames ten seconds apart', async () => {
  let sim: ReturnType<typeof spawn> | null = null
  try {
    const started = Date.now()
    // the installer starts the check, the meter's next frame comes a little later
    setTimeout(() => {
      sim = spawn(process.execPath, ['bin/p1studio.mjs', 'simulate', '--port', pty.a, '--key', KEY, '--interval', '10', '--peer', pty.b], { stdio: 'ignore' })
    }, 1500)
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
    expect(cad.minIntervalS as number).toBeGreaterThan(9.5)
    expect(cad.maxIntervalS as number).toBeLessThan(10.5)
    expect(r.meter.lastFrameCounter! - r.meter.firstFrameCounter!).toBe(2)
    // a verdict in under 30 s, with progress shown while listening
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(err).toMatch(/Listening at 115200 8N1/)
  } finally {
    ;(sim as ReturnType<typeof spawn> | null)?.kill('SIGINT')
  }
}, 45_000)
