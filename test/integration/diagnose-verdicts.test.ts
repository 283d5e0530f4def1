/**
 * One test per diagnostics verdict: the virtual meter with that fault on one end of a socat
 * pty pair (line faults modelled bit by bit against the other end's settings, read with
 * stty), the diagnostics runner on the other end, both on one virtual clock at the Smarty's
 * real 10 s cadence (test/helpers/virtual-line.ts). The test advances virtual time one timer
 * at a time and waits for the bytes to be read, never for a duration: the verdicts and the
 * time figures are exact whatever the machine's load. diagnose-cadence.test.ts is the one
 * real-time run (the CLI on the system clock).
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SerialPort } from 'serialport'
import type { DiagnosisProgress, DiagnosisReport } from '../../src/shared/diagnostics'
import { runDiagnosis } from '../../src/main/diagnostics/runner'
import { sttyFormat, type MeterFault } from '../../src/main/line/faults'
import type { VirtualMeter } from '../../src/main/line/virtual-meter'
import { VIRTUAL_T0, VirtualLine } from '../helpers/virtual-line'

const KEY = '7C2A93E0B8D14F6A5E0C3B9D21F4A786' // test key, not a meter's
const CADENCE_S = 10

let line: VirtualLine

beforeEach(async () => {
  line = await VirtualLine.open()
})
afterEach(async () => {
  await line.close()
})

async function startMeter(
  fault: MeterFault['name'],
  extra: Partial<MeterFault> = {},
  opts: { plain?: boolean; frameCounter?: number } = {}
): Promise<VirtualMeter> {
  const peer = line.pty.b
  return line.startMeter({
    key: Buffer.from(KEY, 'hex'),
    intervalMs: CADENCE_S * 1000,
    frameCounter: opts.frameCounter ?? 5000,
    fault: { name: fault, ...extra },
    plain: opts.plain ?? false,
    receiver: () => sttyFormat(peer)
  })
}

async function diagnose(opts: { key?: string | null; authKey?: string; path?: string } = {}): Promise<DiagnosisReport> {
  const progress: DiagnosisProgress[] = []
  const path = opts.path ?? line.pty.b
  const r = await line.drive(
    runDiagnosis({
      path,
      key: opts.key === null ? undefined : (opts.key ?? KEY),
      authKey: opts.authKey,
      cadenceS: CADENCE_S,
      appVersion: 'test',
      clock: line.clock,
      openSource: path === line.pty.b ? line.openSource : undefined,
      onProgress: (p) => progress.push(p)
    })
  )
  expect(progress.length).toBeGreaterThan(0)
  expect(progress[progress.length - 1].phase).toBe('done')
  expect(JSON.stringify(r)).not.toContain(KEY)
  // the report is dated by the run's clock: virtual time
  expect(r.startedAt).toBe(new Date(VIRTUAL_T0).toISOString())
  return r
}

/**
 * The virtual meter with `fault` on the line (`o.fault`: its options, `o.meter`: plain
 * telegrams, first frame counter), diagnosed with `o.diagnose`; the verdict must be `verdict`.
 * @returns the report, for the test's checks of its evidence.
 */
async function diagnoseFault(
  verdict: DiagnosisReport['verdict'],
  fault: MeterFault['name'],
  o: { fault?: Partial<MeterFault>; meter?: { plain?: boolean; frameCounter?: number }; diagnose?: { key?: string | null } } = {}
): Promise<DiagnosisReport> {
  await startMeter(fault, o.fault, o.meter)
  const r = await diagnose(o.diagnose)
  expect(r.verdict).toBe(verdict)
  return r
}

const check = (r: DiagnosisReport, id: string) => {
  const c = r.checks.find((x) => x.id === id)
  if (!c) throw new Error(`no check ${id}`)
  return c
}

describe('diagnostics verdicts through a pty', () => {
  it('ok: healthy meter, key verified, cadence, meter id', async () => {
    const r = await diagnoseFault('ok', 'none')
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'])
    expect(r.meter.meterId).toBe('SAG1030700089067')
    expect(r.meter.serialFromSystemTitle).toBe('089067')
    expect(r.meter.systemTitle).toBe('5341476770015BEB')
    expect(r.meter.perPhase).toBe(true)
    expect(r.meter.lastFrameCounter! - r.meter.firstFrameCounter!).toBe(2)
    const cad = check(r, 'cadence').evidence
    // the real cadence, exactly: three frames 10 s apart on the virtual clock
    expect(cad.intervalsS).toEqual([10, 10])
    expect(cad.meanIntervalS).toBe(10)
    // the meter's first frame came 3 s after listening began, the third 20 s later
    expect(r.durationS).toBe(23)
    const tel = check(r, 'telegram').evidence
    expect(tel.voltageMinV as number).toBeGreaterThanOrEqual(207)
    expect(tel.breakerState).toBe('1')
    expect(r.firstFrameHex?.startsWith('DB085341476770015BEB')).toBe(true)
  })

  it('port_not_found: a path with no device', async () => {
    const r = await diagnose({ path: join(tmpdir(), 'no-such-tty-p1studio') })
    expect(r.verdict).toBe('port_not_found')
    expect(check(r, 'port').summary).toMatch(/No serial port/)
    expect(check(r, 'signal').status).toBe('skip')
  })

  it('port_busy: another program holds the port', async () => {
    const holder = new SerialPort({ path: line.pty.b, baudRate: 115200, autoOpen: false })
    await new Promise<void>((res, rej) => holder.open((e) => (e ? rej(e) : res())))
    try {
      const r = await diagnose()
      expect(r.verdict).toBe('port_busy')
      expect(check(r, 'port').advice).toMatch(/Close the other program/)
    } finally {
      await new Promise<void>((res) => holder.close(() => res()))
    }
  })

  it('port_permission_denied: a user outside the dialout group', async () => {
    chmodSync(line.pty.b, 0o600)
    const asRoot = process.getuid?.() === 0
    if (!asRoot) {
      chmodSync(line.pty.b, 0o000)
      const r = await diagnose()
      expect(r.verdict).toBe('port_permission_denied')
      return
    }
    // as root, run the CLI as "nobody", who may not open the root-owned 0600 pty (its start-up
    // took 24 s at load 28 on two cores: the limits are the CLI's, not the diagnosis')
    const out = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, 'bin/p1studio.mjs', 'diagnose', '--port', line.pty.b, '--json'], {
      encoding: 'utf8',
      timeout: 120_000
    })
    expect(out.status).toBe(1)
    const r = JSON.parse(out.stdout) as DiagnosisReport
    expect(r.verdict).toBe('port_permission_denied')
    expect(check(r, 'port').advice).toMatch(/dialout/)
  }, 150_000)

  it('port_error: a path that is not a serial port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-'))
    const file = join(dir, 'not-a-tty')
    writeFileSync(file, 'x')
    const r = await diagnose({ path: file })
    expect(r.verdict).toBe('port_error')
  })

  it('no_signal: nothing on the line', async () => {
    const r = await diagnoseFault('no_signal', 'silence')
    const s = check(r, 'signal')
    expect(s.evidence.bytes).toBe(0)
    expect(s.evidence.listenedS as number).toBeGreaterThanOrEqual(1.2 * CADENCE_S)
    expect(s.evidence.listenedS as number).toBeLessThanOrEqual(1.2 * CADENCE_S + 0.1)
    expect(s.advice).toMatch(/pin 1/)
  })

  it('inverted_signal: garbage in bursts at every setting tried', async () => {
    const r = await diagnoseFault('inverted_signal', 'inverted')
    const l = check(r, 'line')
    expect(l.evidence.tried).toEqual(['115200 8N1', '9600 7E1'])
    expect(l.evidence.bursts as number).toBeGreaterThanOrEqual(1)
    expect(l.evidence.zeroShare as number).toBeLessThan(0.2)
    expect(l.advice).toMatch(/inverts/)
  })

  it('wrong_line_settings: a meter at 9600 8N1 is found by reopening the port', async () => {
    const r = await diagnoseFault('wrong_line_settings', 'wrong-baud')
    const l = check(r, 'line')
    expect(l.evidence.working).toBe('9600 8N1')
    expect(l.evidence.tried).toEqual(['115200 8N1', '9600 7E1', '9600 8N1'])
    expect(l.evidence.zeroShareAtFirst as number).toBeGreaterThan(0.5)
    expect(r.source.settings).toBe('9600 8N1')
    // the rest is checked at the working settings
    expect(check(r, 'key').status).toBe('pass')
  })

  it('wrong_line_settings: a plain DSMR meter at 9600 7E1', async () => {
    const r = await diagnoseFault('wrong_line_settings', 'wrong-baud', { meter: { plain: true }, diagnose: { key: null } })
    expect(check(r, 'line').evidence.working).toBe('9600 7E1')
    expect(check(r, 'key').code).toBe('plain_telegrams')
    expect(check(r, 'telegram').status).toBe('pass')
  })

  it('truncated_frames: every frame cut at 1024 bytes', async () => {
    const r = await diagnoseFault('truncated_frames', 'truncate', { fault: { truncateAt: 1024 } })
    const f = check(r, 'framing').evidence
    expect(f.truncatedAtBytes).toEqual([1024])
    expect(f.declaredBytes).toEqual([1234])
    expect(check(r, 'framing').advice).toMatch(/1024/)
  })

  it('missed_frames: frame counter skips and a two-interval gap', async () => {
    // frames 5001, 5003, 5005 arrive (the first one sent is not the one lost: 20 s of
    // silence from the start would be no_signal, the runner's 1.2-cadence limit)
    const r = await diagnoseFault('missed_frames', 'drop', { fault: { every: 2 }, meter: { frameCounter: 5001 } })
    const c = check(r, 'cadence').evidence
    expect(c.missedFrames as number).toBeGreaterThanOrEqual(1)
    expect(c.maxIntervalS as number).toBeGreaterThan(1.6 * CADENCE_S)
    expect(c.maxIntervalS).toBe(2 * CADENCE_S)
    expect(c.missedFrames).toBe(2)
  })

  it('irregular_cadence: intervals far from the cadence', async () => {
    const r = await diagnoseFault('irregular_cadence', 'irregular')
    const c = check(r, 'cadence').evidence
    expect(c.missedFrames).toBe(0)
    expect(c.minIntervalS as number).toBeLessThan(0.75 * CADENCE_S)
    // IRREGULAR_FACTORS 0.55, 1.45 × 10 s
    expect(c.intervalsS).toEqual([5.5, 14.5])
  })

  it('wrong_key: the tag fails on every frame; system title and serial shown', async () => {
    const r = await diagnoseFault('wrong_key', 'wrong-key')
    const k = check(r, 'key')
    expect(k.evidence.tagFailed).toBe(3)
    expect(k.evidence.systemTitle).toBe('5341476770015BEB')
    expect(k.summary).toContain('089067')
    expect(check(r, 'telegram').status).toBe('skip')
  })

  it('corrupted_frames: some frames verify, some do not', async () => {
    const r = await diagnoseFault('corrupted_frames', 'flip', { fault: { every: 2 } })
    const k = check(r, 'key').evidence
    expect(k.tagVerified as number).toBeGreaterThanOrEqual(1)
    expect(k.tagFailed as number).toBeGreaterThanOrEqual(1)
  })

  it('auth_key_mismatch: right P1 key, other authentication key', async () => {
    const r = await diagnoseFault('auth_key_mismatch', 'auth-key')
    expect(check(r, 'key').advice).toMatch(/authentication key/)
    // the telegrams were still read
    expect(r.meter.meterId).toBe('SAG1030700089067')
  })

  it('key_not_tested: encrypted frames, no key given', async () => {
    const r = await diagnoseFault('key_not_tested', 'none', { diagnose: { key: null } })
    expect(r.keyTested).toBe(false)
    expect(check(r, 'key').status).toBe('skip')
    expect(check(r, 'cadence').status).toBe('pass')
  })

  it('crc_errors: the telegram CRC is wrong', async () => {
    const r = await diagnoseFault('crc_errors', 'bad-crc')
    expect(check(r, 'telegram').evidence.crcErrors as number).toBeGreaterThanOrEqual(3)
    expect(check(r, 'key').status).toBe('pass')
  })
})
