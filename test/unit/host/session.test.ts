/** StudioSession with a fake byte source carrying the published NEXXTLAB frame. */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StudioSession, maskKey } from '../../../src/main/host/session'
import { FakeSource } from '../../helpers/fake-source'
import type { FrameRecord, SessionStatus } from '../../../src/shared/contract'

const E1 = Buffer.from(readFileSync(resolve(__dirname, '../../fixtures/vectors/lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const KEY = 'D491470F47126332B07D1923B3504188'

function setup(opts: { key?: string } = {}): { session: StudioSession; src: FakeSource; frames: FrameRecord[]; statuses: SessionStatus[] } {
  const src = new FakeSource()
  const session = new StudioSession({ version: '9.9.9', key: opts.key, sourceFactory: () => src, portLister: async () => [], statusThrottleMs: 0 })
  const frames: FrameRecord[] = []
  const statuses: SessionStatus[] = []
  session.on('frame', (f) => frames.push(f))
  session.on('status', (s) => statuses.push(s))
  return { session, src, frames, statuses }
}

describe('StudioSession', () => {
  it('decodes frames from the source, counts them and keeps them for the raw view', async () => {
    const { session, src, frames } = setup({ key: KEY })
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    expect(src.started).toBe(true)
    src.emit('data', E1.subarray(0, 300), 1000)
    src.emit('data', E1.subarray(300), 1001)
    expect(frames).toHaveLength(1)
    const f = frames[0]
    expect(f.ok).toBe(true)
    if (f.ok) expect(f.telegram.objects.find((o) => o.obis === '1-0:1.8.0')!.value).toBe(6.695)
    const st = await session.api.getStatus()
    expect(st.stats).toMatchObject({ bytes: E1.length, decoded: 1, lastTelegramAt: 1000, lastByteAt: 1001 })
    expect(st.source).toEqual({
      kind: 'serial',
      path: '/dev/fake',
      settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 },
      open: true,
      zone: 'Europe/Luxembourg'
    })
    // the line state: one burst, one frame found and decoded, the meter named by its id
    expect(st.stats.line).toMatchObject({ state: 'ok', bursts: 1, framesFound: 1, unreadableBytes: 0, lastFailure: null, meter: 'SAG1030700114004' })
  })

  it('counts failures by code and caps the history at 100 frames', async () => {
    const { session, src } = setup({ key: 'D491470F47126332B07D1923B3504100' })
    await session.api.openSource({ kind: 'demo' })
    for (let i = 0; i < 120; i++) src.emit('data', E1, i)
    const st = await session.api.getStatus()
    expect(st.stats.failed).toEqual({ gcm_tag_mismatch: 120 })
    const recent = await session.api.getRecentFrames()
    expect(recent).toHaveLength(100)
    expect(recent[0].seq).toBe(21)
    expect(recent[99].seq).toBe(120)
  })

  it('never lets the key out: statuses and frames only carry a mask', async () => {
    const { session, src, frames, statuses } = setup()
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    const ks = await session.api.setKey({ key: KEY.toLowerCase() })
    expect(ks).toMatchObject({ hasKey: true, masked: maskKey(KEY), origin: 'entered' })
    expect(ks.masked!.endsWith('4188')).toBe(true)
    src.emit('data', E1, 5)
    const all = JSON.stringify([statuses, frames, await session.api.getStatus(), await session.api.getRecentFrames()])
    expect(all.toUpperCase()).not.toContain(KEY)
    expect(all.toUpperCase()).not.toContain(KEY.slice(0, 16))
    expect(frames[0].ok).toBe(true)
  })

  it('rejects malformed requests in plain words', async () => {
    const { session } = setup()
    await expect(session.api.setKey({ key: '1234' })).rejects.toThrow('Invalid key: key: must be 32 hex digits')
    await expect(session.api.openSource({ kind: 'serial', path: '' } as never)).rejects.toThrow(/Invalid source/)
    await expect(session.api.openSource({ kind: 'serial', path: '/x', settings: { baudRate: 7 } } as never)).rejects.toThrow(/baudRate/)
    await expect(session.api.openSource({ kind: 'nope' } as never)).rejects.toThrow(/Invalid source/)
  })

  it('a source that fails to open leaves no source and reports the error; a pulled cable keeps stats', async () => {
    const src = new FakeSource()
    src.start = async () => {
      throw new Error('No serial port at /dev/ttyUSB9.')
    }
    const session = new StudioSession({ version: '1', sourceFactory: () => src, statusThrottleMs: 0 })
    await expect(session.api.openSource({ kind: 'serial', path: '/dev/ttyUSB9' })).rejects.toThrow('No serial port at /dev/ttyUSB9.')
    expect((await session.api.getStatus()).source).toEqual({ kind: 'none' })
    const { session: s2, src: src2 } = setup({ key: KEY })
    await s2.api.openSource({ kind: 'serial', path: '/dev/fake' })
    src2.emit('data', E1, 1)
    src2.emit('end', 'Port /dev/fake disconnected. Check the cable, then open it again.')
    const st = await s2.api.getStatus()
    expect(st.error).toMatch(/disconnected/)
    expect(st.source).toMatchObject({ kind: 'serial', open: false })
    expect(st.stats.decoded).toBe(1)
    expect(await s2.api.getRecentFrames()).toHaveLength(1)
  })

  it('the demo source brings its documented key when none is set', async () => {
    const { session } = setup()
    await session.api.openSource({ kind: 'demo' })
    expect((await session.api.getStatus()).key).toMatchObject({ hasKey: true, masked: maskKey('000102030405060708090A0B0C0D0E0F') })
    // …and drops it when a real meter is opened, so its frames say "no key set", not "wrong key"
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    expect((await session.api.getStatus()).key).toMatchObject({ hasKey: false, origin: 'none' })
    await session.api.setKey({ key: KEY })
    await session.api.openSource({ kind: 'demo' })
    await session.api.openSource({ kind: 'serial', path: '/dev/fake' })
    expect((await session.api.getStatus()).key).toMatchObject({ hasKey: true, masked: maskKey(KEY) })
  })
})
