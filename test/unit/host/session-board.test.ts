/**
 * The session's side of boards (issue 6): the board methods are part of the contract, a
 * profile's P1 key is tried on the real frames of the open source (published NEXXTLAB frame),
 * a board operation releases the session's own port first, 'board' events are forwarded and
 * a board's MQTT data reaches the live view as a telegram.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioSession } from '../../../src/main/host/session'
import { FakeSource } from '../../helpers/fake-source'
import { API_METHODS, type FrameRecord, type P1StudioEvents } from '../../../src/shared/contract'
import { BOARD_METHODS } from '../../../src/shared/board'
import { openPtyPair } from '../../helpers/pty'

const E1 = Buffer.from(readFileSync(resolve(__dirname, '../../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const KEY = 'D491470F47126332B07D1923B3504188'
const WRONG = 'D491470F47126332B07D1923B3504100'

let session: StudioSession
afterEach(async () => {
  await session?.dispose()
})

function setup(key?: string): { src: FakeSource } {
  const src = new FakeSource()
  session = new StudioSession({
    version: '9.9.9',
    key,
    sourceFactory: () => src,
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
    for (const m of API_METHODS) expect(typeof (session as unknown as Record<string, unknown>)[m], m).toBe('function')
  })

  it('tries a P1 key on the frames of the open source: not tried, right key, wrong key', async () => {
    const { src } = setup()
    expect(session.checkBoardKey(KEY)).toMatchObject({ checked: false, ok: false, message: expect.stringMatching(/No P1 source is open/) })
    await session.openSource({ kind: 'serial', path: '/dev/fake' })
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
    await session.openSource({ kind: 'serial', path: '/dev/fake' })
    src.emit('data', E1, 1000)
    const p = await session.boardSaveProfile({ name: 'NEXXTLAB', settings: { MY_WIFI_SSID: 'Lab', MQTT_SERVER: '10.0.0.2' }, secrets: { KEY_SMARTY: KEY } })
    const out = await session.boardConfigText({ id: p.id, format: 'config.h' })
    expect(out.keyCheck.ok).toBe(true)
    expect(out.text).not.toContain('0xD4, 0x91, 0x47')
    const bad = await session.boardSaveProfile({ id: p.id, name: 'NEXXTLAB', secrets: { KEY_SMARTY: WRONG } })
    const out2 = await session.boardConfigText({ id: bad.id, format: 'esphome' })
    expect(out2.keyCheck).toMatchObject({ checked: true, ok: false })
    await expect(session.boardSaveConfig({ id: bad.id, format: 'esphome' })).rejects.toThrow(/does not decrypt/)
  })

  it('closes its own port before a board operation opens it (one owner per port)', async () => {
    const { src } = setup(KEY)
    await session.openSource({ kind: 'serial', path: '/dev/p1studio-no-such-port' })
    expect(src.started).toBe(true)
    await expect(session.boardMonitorStart({ path: '/dev/p1studio-no-such-port' })).rejects.toThrow()
    expect(src.started).toBe(false)
    expect((await session.getStatus()).source.kind).toBe('none')
  })

  it('stops the board serial monitor on a port before opening that port as the P1 source', async () => {
    setup(KEY)
    const pty = await openPtyPair()
    try {
      const st = await session.boardMonitorStart({ path: pty.b })
      expect(st.monitor).toMatchObject({ open: true, path: pty.b })
      await session.openSource({ kind: 'serial', path: pty.b })
      expect((await session.boardState()).state.monitor.open).toBe(false)
    } finally {
      await pty.close()
    }
  })

  it('forwards board events and shows a board MQTT data as a telegram in the live view', async () => {
    setup()
    const board: P1StudioEvents['board'][] = []
    const frames: FrameRecord[] = []
    session.on('board', (e) => board.push(e))
    session.on('frame', (f) => frames.push(f))
    await session.udpLogStart({ port: 40000 + Math.floor(Math.random() * 20000), host: '127.0.0.1' })
    expect(board.some((e) => e.kind === 'state' && e.udp.open)).toBe(true)
    await session.udpLogStop()
    session.boards.emit('objects', [
      { obis: '0-0:1.0.0', value: '2026-12-01T20:00:00+01:00', unit: null },
      { obis: '1-0:1.7.0', value: 1.234, unit: 'kW' }
    ], 5000)
    expect(frames).toHaveLength(1)
    const f = frames[0]
    expect(f.ok).toBe(true)
    if (!f.ok) return
    expect(f.telegram.identification).toMatch(/^MQTT .* \(board\)$/)
    expect(f.telegram.meterTime).toBe('2026-12-01T20:00:00+01:00')
    expect(f.telegram.objects.find((o) => o.obis === '1-0:1.7.0')).toMatchObject({ value: 1.234, unit: 'kW', raw: '1-0:1.7.0(1.234*kW)' })
    expect((await session.getRecentFrames()).at(-1)?.seq).toBe(f.seq)
  })
})
