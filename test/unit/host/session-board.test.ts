/**
 * The session's side of boards (issue 6): the board methods are part of the contract, a
 * profile's P1 key is tried on the real frames of the open source (published NEXXTLAB frame),
 * ports are leased from one registry (a board operation closes the session's own P1 port, the
 * P1 source stops the board monitor, nothing takes a port from a running diagnosis: real ptys),
 * 'board' events are forwarded and a board's MQTT data is its own 'boardSnapshot' event, not a
 * P1 frame.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioSession } from '../../../src/main/host/session'
import { FakeSource } from '../../helpers/fake-source'
import { API_METHODS, BOARD_METHODS, ApiError, type FrameRecord, type P1StudioEvents } from '../../../src/shared/contract'
import { ManualClock } from '../../../src/main/line/clock'
import { SerialSource } from '../../../src/main/line/serial-source'
import { openPtyPair } from '../../helpers/pty'

const E1 = Buffer.from(readFileSync(resolve(__dirname, '../../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const KEY = 'D491470F47126332B07D1923B3504188'
const WRONG = 'D491470F47126332B07D1923B3504100'

let session: StudioSession
afterEach(async () => {
  await session?.dispose()
})

function setup(key?: string, opts: { clock?: ManualClock; realSerial?: boolean } = {}): { src: FakeSource } {
  const src = new FakeSource()
  session = new StudioSession({
    clock: opts.clock,
    version: '9.9.9',
    key,
    sourceFactory: (req) => (opts.realSerial && req.kind === 'serial' ? new SerialSource(req.path, req.settings, { clock: opts.clock }) : src),
    portLister: async () => [],
    statusThrottleMs: 0,
    boardsDir: mkdtempSync(join(tmpdir(), 'p1s-sessboards-')),
    captureDir: mkdtempSync(join(tmpdir(), 'p1s-sesscap-')),
    historyPath: join(mkdtempSync(join(tmpdir(), 'p1s-sesshist-')), 'h.duckdb')
  })
  return { src }
}

describe('StudioSession and boards', () => {
  it('offers every contract method, the board methods included', () => {
    setup()
    for (const m of BOARD_METHODS) expect(API_METHODS).toContain(m)
    for (const m of API_METHODS) expect(typeof session.api[m], m).toBe('function')
  })

  it('tries a P1 key on the frames of the open source: not tried, right key, wrong key', async () => {
    const { src } = setup()
    expect(session.checkBoardKey(KEY)).toMatchObject({ checked: false, ok: false, message: expect.stringMatching(/No P1 source is open/) })
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    expect(session.checkBoardKey(KEY)).toMatchObject({ checked: false, message: expect.stringMatching(/not sent an encrypted frame yet/) })
    // the session itself has no key: the frame fails (missing_key) but its bytes are kept
    src.emit('data', E1, 1000)
    const right = session.checkBoardKey(KEY)
    expect(right.checked).toBe(true)
    expect(right.ok).toBe(true)
    expect(right.message).toMatch(/^The P1 key decrypts the frames of meter \S+ \(system title [0-9A-F]{16}\) on the open source\.$/)
    const wrong = session.checkBoardKey(WRONG)
    expect(wrong).toMatchObject({ checked: true, ok: false })
    expect(wrong.message).toMatch(/does not decrypt .*system title [0-9A-F]{16}/)
    expect(wrong.message).not.toContain(WRONG)
  })

  it('a profile key goes through the contract: config preview masked, key check from the live frames', async () => {
    const { src } = setup(KEY)
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    src.emit('data', E1, 1000)
    const p = await session.api.boardSaveProfile({ name: 'NEXXTLAB', settings: { MY_WIFI_SSID: 'Lab', MQTT_SERVER: '10.0.0.2' }, secrets: { KEY_SMARTY: KEY } })
    const out = await session.api.boardConfigText({ id: p.id, format: 'config.h' })
    expect(out.keyCheck.ok).toBe(true)
    expect(out.text).not.toContain('0xD4, 0x91, 0x47')
    const bad = await session.api.boardSaveProfile({ id: p.id, name: 'NEXXTLAB', secrets: { KEY_SMARTY: WRONG } })
    const out2 = await session.api.boardConfigText({ id: bad.id, format: 'esphome' })
    expect(out2.keyCheck).toMatchObject({ checked: true, ok: false })
    await expect(session.api.boardSaveConfig({ id: bad.id, format: 'esphome' })).rejects.toThrow(/does not decrypt/)
  })

  it('closes its own port before a board operation opens it (one owner per port)', async () => {
    const { src } = setup(KEY)
    await session.api.openSource({ kind: 'serial', path: '/dev/p1studio-no-such-port' })
    expect(src.started).toBe(true)
    await expect(session.api.boardMonitorStart({ path: '/dev/p1studio-no-such-port' })).rejects.toThrow()
    expect(src.started).toBe(false)
    expect((await session.api.getStatus()).source.kind).toBe('none')
  })

  it('stops the board serial monitor on a port before opening that port as the P1 source', async () => {
    setup(KEY)
    const pty = await openPtyPair()
    try {
      const st = await session.api.boardMonitorStart({ path: pty.b })
      expect(st.monitor).toMatchObject({ open: true, path: pty.b })
      await session.api.openSource({ kind: 'serial', path: pty.b })
      expect((await session.api.boardState()).state.monitor.open).toBe(false)
    } finally {
      await pty.close()
    }
  })

  it('nothing takes a port from a running diagnosis: port_in_use {path, owner}; after it the port is free', async () => {
    const clock = new ManualClock()
    setup(KEY, { clock, realSerial: true })
    const pty = await openPtyPair()
    try {
      const run = session.api.diagnose({ path: pty.b, durationS: 60 })
      for (let i = 0; i < 200 && session.ports.holder(pty.b) !== 'diagnosis'; i++) await new Promise((r) => setTimeout(r, 10))
      expect(session.ports.holder(pty.b)).toBe('diagnosis')
      for (const attempt of [() => session.api.openSource({ kind: 'serial', path: pty.b }), () => session.api.boardMonitorStart({ path: pty.b })]) {
        const e = await attempt().then(
          () => null,
          (x: unknown) => x
        )
        expect(e).toBeInstanceOf(ApiError)
        expect(e).toMatchObject({
          code: 'port_in_use',
          params: { path: pty.b, owner: 'diagnosis' },
          message: `${pty.b} is in use by the diagnosis: wait until it has finished, or stop it first.`
        })
      }
      await session.api.cancelDiagnosis()
      const report = await run
      expect(report.verdict).toBe('no_signal')
      expect(session.ports.holder(pty.b)).toBeNull()
      await session.api.openSource({ kind: 'serial', path: pty.b })
      expect(session.ports.holder(pty.b)).toBe('p1-source')
    } finally {
      await session.api.closeSource()
      await pty.close()
    }
  })

  it('forwards board events; a board MQTT data is a boardSnapshot event, never a P1 frame', async () => {
    setup()
    const board: P1StudioEvents['board'][] = []
    const snapshots: P1StudioEvents['boardSnapshot'][] = []
    const frames: FrameRecord[] = []
    session.on('board', (e) => board.push(e))
    session.on('boardSnapshot', (s) => snapshots.push(s))
    session.on('frame', (f) => frames.push(f))
    await session.api.udpLogStart({ port: 40000 + Math.floor(Math.random() * 20000), host: '127.0.0.1' })
    expect(board.some((e) => e.kind === 'state' && e.udp.open)).toBe(true)
    await session.api.udpLogStop()
    const snapshot = {
      topic: 'lamsmarty',
      generation: 'smartyreader-v1.5' as const,
      objects: [
        { obis: '0-0:1.0.0', value: '2026-12-01T20:00:00+01:00', unit: null },
        { obis: '1-0:1.7.0', value: 1.234, unit: 'kW' }
      ],
      receivedAt: 5000
    }
    session.boards.emit('boardSnapshot', snapshot)
    expect(snapshots).toEqual([snapshot])
    expect(frames).toHaveLength(0)
    expect(await session.api.getRecentFrames()).toHaveLength(0)
  })
})
