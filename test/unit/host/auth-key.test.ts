/**
 * Frames accepted through the authentication-key fallback (issue 12): a meter that uses another
 * authentication key than the configured one (the GCM tag fails, the frame opens without it into
 * a telegram whose CRC is right: warning `auth_key_mismatch`) feeds the live view with its
 * warning, but never the history — live or imported — until the user confirms that meter's
 * authentication key (confirmAuthKey, by system title, for the session). Real frames of the
 * virtual meter encrypted with another authentication key.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioSession } from '../../../src/main/host/session'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import type { FrameRecord } from '../../../src/shared/contract'
import { FakeSource } from '../../helpers/fake-source'

const KEY = '5B2E8C1F0A3D6E9B4C7F2A5D8E1B3C6F' // test key, not a meter's
const OTHER_AUTH = 'F0E1D2C3B4A5968778695A4B3C2D1E0F' // not Luxembourg's published authentication key
const T0 = Date.parse('2026-04-01T09:00:00Z')

const sessions: StudioSession[] = []
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.dispose()
})

function setup(): { session: StudioSession; src: FakeSource; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-authkey-'))
  const src = new FakeSource()
  const session = new StudioSession({
    version: 't',
    key: KEY,
    sourceFactory: () => src,
    captureDir: join(dir, 'captures'),
    historyPath: join(dir, 'h.duckdb'),
    boardsDir: join(dir, 'b'),
    dataDir: dir,
    statusThrottleMs: 0
  })
  sessions.push(session)
  return { session, src, dir }
}

const meter = () => new VirtualMeter({ key: Buffer.from(KEY, 'hex'), authKey: Buffer.from(OTHER_AUTH, 'hex'), write: () => undefined })

describe('authentication-key fallback frames', () => {
  it('reach the live view with their warning, the history only after the user confirms that meter', async () => {
    const { session, src } = setup()
    const frames: FrameRecord[] = []
    session.on('frame', (f) => frames.push(f))
    // live telegrams reach the history through recording (the record namespace)
    expect(await session.api.setRecording({ history: true })).toMatchObject({ history: true, telegrams: 0 })
    await session.api.openSource({ kind: 'serial', path: '/dev/meter' })
    const m = meter()
    src.emit('data', m.nextFrame(new Date(T0))!, T0)
    expect(frames).toHaveLength(1)
    const f = frames[0]
    expect(f.ok && f.warnings).toEqual(['auth_key_mismatch'])
    const title = f.dlms!.systemTitle
    expect((await session.api.getStatus()).key.authPending).toEqual([title])
    // live telegrams of that meter stay out of the history
    await session.record.flush()
    expect(await session.api.historyMeters()).toEqual([])
    expect((await session.api.getStatus()).recording).toMatchObject({ history: true, telegrams: 0 })

    const st = await session.api.confirmAuthKey({ systemTitle: title.toLowerCase() })
    expect(st).toMatchObject({ authPending: [], authConfirmed: [title] })
    src.emit('data', m.nextFrame(new Date(T0 + 10_000))!, T0 + 10_000)
    expect(frames[1].ok && frames[1].warnings).toEqual(['auth_key_mismatch'])
    await session.record.flush()
    expect((await session.api.getStatus()).recording).toMatchObject({ history: true, telegrams: 1 })
    const meters = await session.api.historyMeters()
    expect(meters).toHaveLength(1)
    expect(meters[0]).toMatchObject({ readings: 1, systemTitle: title, zone: 'Europe/Luxembourg' })
  })

  it('a capture of such frames imports only once the meter is confirmed', async () => {
    const { session, dir } = setup()
    mkdirSync(join(dir, 'captures'))
    const m = meter()
    const w = new CaptureWriter({ path: join(dir, 'captures', 'other-auth.p1cap'), source: 'test', appVersion: 't' })
    for (let i = 0; i < 4; i++) w.write(m.nextFrame(new Date(T0 + i * 10_000))!, T0 + i * 10_000)
    w.close()
    const refused = await session.api.historyImport({ path: 'other-auth.p1cap' }).then(
      () => null,
      (e: unknown) => e
    )
    expect(refused).toMatchObject({ code: 'auth_key_unconfirmed', params: { frames: 4 } })
    expect(await session.api.historyMeters()).toEqual([])
    const title = (await session.api.getStatus()).key.authPending![0]
    expect(title).toMatch(/^[0-9A-F]{16}$/)
    await session.api.confirmAuthKey({ systemTitle: title })
    expect(await session.api.historyImport({ path: 'other-auth.p1cap' })).toMatchObject({ telegrams: 4 })
    expect((await session.api.historyMeters())[0]).toMatchObject({ readings: 4 })
  })
})
