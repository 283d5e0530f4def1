/**
 * The line state of the session's status (issue 15) on real bytes: the virtual meter on one
 * end of a socat pty pair — healthy, with an inverted line (modelled bit by bit against the
 * reading end's settings), with another P1 key, or silent — and the session's P1 source on the
 * other end, both on one virtual clock at the Smarty's real 10 s cadence
 * (test/helpers/virtual-line.ts). The test advances virtual time one timer at a time and waits
 * for the bytes to be read, never for a duration: the states and counters are exact whatever
 * the machine's load.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StudioSession } from '../../src/main/host/session'
import { sttyFormat, type MeterFault } from '../../src/main/line/faults'
import type { LineState, SessionStatus } from '../../src/shared/contract'
import { VIRTUAL_T0, VirtualLine, waitUntil } from '../helpers/virtual-line'

const KEY = '7C2A93E0B8D14F6A5E0C3B9D21F4A786' // test key, not a meter's
const TITLE = '5341476770015BEB' // the virtual meter's system title
const FIRST_FRAME_MS = 3000 // the meter's first frame, after the port opened

let line: VirtualLine
let session: StudioSession
let statuses: SessionStatus[]

beforeEach(async () => {
  line = await VirtualLine.open()
  const dir = mkdtempSync(join(tmpdir(), 'p1s-line-'))
  session = new StudioSession({
    version: 'test',
    key: KEY,
    clock: line.clock,
    sourceFactory: (req) => {
      if (req.kind !== 'serial') throw new Error('serial only here')
      return line.openSource(req.settings ?? {})
    },
    portLister: async () => [],
    captureDir: join(dir, 'captures'),
    historyPath: join(dir, 'h.duckdb'),
    boardsDir: join(dir, 'boards')
  })
  statuses = []
  session.on('status', (s) => statuses.push(s))
})
afterEach(async () => {
  await session.dispose()
  await line.close()
})

async function meter(fault: MeterFault['name']): Promise<void> {
  const peer = line.pty.b
  await line.startMeter(
    { key: Buffer.from(KEY, 'hex'), intervalMs: 10_000, frameCounter: 5000, fault: { name: fault }, receiver: () => sttyFormat(peer) },
    FIRST_FRAME_MS
  )
}

/**
 * Advance virtual time to `t` (ms after VIRTUAL_T0), one timer at a time, each time after every byte written was read.
 * @returns how many timers ran
 */
async function advanceTo(t: number): Promise<number> {
  const until = VIRTUAL_T0 + t
  let ran = 0
  for (;;) {
    await waitUntil(
      () => line.listening && line.settled,
      () => `the reader (${line.received} of ${line.written} bytes read)`
    )
    // the status of the bytes just read is out (a state change is sent at once)
    await new Promise((r) => setImmediate(r))
    const due = line.clock.nextDue()
    if (due === null || due > until) break
    line.clock.runNext()
    ran++
  }
  line.clock.advanceTo(until)
  return ran
}

async function lineState(): Promise<LineState> {
  return (await session.api.getStatus()).stats.line
}

describe('the line state in the session status, over a pty in virtual time', () => {
  it('ok: three frames 10 s apart decoded; the meter named by its id', async () => {
    await session.api.openSource({ kind: 'serial', path: line.pty.b })
    expect((await lineState()).state).toBe('waiting')
    await meter('none')
    await advanceTo(FIRST_FRAME_MS + 20_000 + 500)
    const s = await lineState()
    expect(s).toMatchObject({ state: 'ok', bursts: 3, framesFound: 3, unreadableBytes: 0, lastFailure: null, meter: 'SAG1030700089067' })
    const st = await session.api.getStatus()
    expect(st.stats.decoded).toBe(3)
    expect(st.stats.bytes).toBe(line.written)
    expect(st.errorInfo).toBeNull()
    // pushed live: the first status after the first frame already said ok
    const firstOk = statuses.find((x) => x.stats.line.state === 'ok')
    expect(firstOk?.stats.lastByteAt).toBe(VIRTUAL_T0 + FIRST_FRAME_MS)
  })

  it('bytes_no_frames: an inverted line gives bursts of unreadable bytes, no frame', async () => {
    await session.api.openSource({ kind: 'serial', path: line.pty.b })
    await meter('inverted')
    await advanceTo(FIRST_FRAME_MS + 20_000 + 500)
    const s = await lineState()
    expect(s.state).toBe('bytes_no_frames')
    expect(s.bursts).toBe(3)
    expect(s.framesFound).toBe(0)
    expect(s.lastFailure).toBeNull()
    expect(s.meter).toBeNull()
    expect(s.unreadableBytes).toBeGreaterThan(0)
    expect(s.unreadableBytes).toBeLessThanOrEqual(line.written)
    // the pattern of an inverted line at the right baud rate: few 0x00 (a too-fast line gives mostly 0x00)
    expect(s.zeroShare).toBeLessThan(0.2)
    expect((await session.api.getStatus()).stats.decoded).toBe(0)
  })

  it('frames_not_decoded: another P1 key — every frame found, none opens; the failure names the system title', async () => {
    await session.api.openSource({ kind: 'serial', path: line.pty.b })
    await meter('wrong-key')
    await advanceTo(FIRST_FRAME_MS + 20_000 + 500)
    const s = await lineState()
    expect(s).toMatchObject({ state: 'frames_not_decoded', bursts: 3, framesFound: 3, unreadableBytes: 0, meter: TITLE })
    expect(s.lastFailure).toEqual({ code: 'gcm_tag_mismatch', at: VIRTUAL_T0 + FIRST_FRAME_MS + 20_000, systemTitle: TITLE })
    expect((await session.api.getStatus()).stats.failed).toEqual({ gcm_tag_mismatch: 3 })
  })

  it('no_bytes: a silent line turns from waiting to no_bytes after 1.2 cadences, pushed by a timer on the clock', async () => {
    await session.api.openSource({ kind: 'serial', path: line.pty.b })
    await meter('silence')
    await advanceTo(12_000)
    expect((await lineState()).state).toBe('waiting')
    const before = statuses.length
    await advanceTo(12_002)
    const s = await lineState()
    expect(s).toEqual({ state: 'no_bytes', bursts: 0, framesFound: 0, unreadableBytes: 0, zeroShare: 0, lastFailure: null, meter: null })
    // no byte came: the status event was the timer's
    expect(statuses.length).toBeGreaterThan(before)
    expect(statuses[statuses.length - 1].stats.line.state).toBe('no_bytes')
    // once silent, the silence timer rests until bytes come (it re-armed every millisecond: 48,098 runs here)
    expect(await advanceTo(60_000)).toBeLessThan(50)
    expect((await session.api.getStatus()).stats.bytes).toBe(0)
  })
})
