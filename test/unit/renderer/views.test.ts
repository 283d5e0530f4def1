// @vitest-environment happy-dom
/** Renderer views on real decoded data (published vectors through the real pipeline). */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import LiveView from '../../../src/renderer/src/views/LiveView.vue'
import RawView from '../../../src/renderer/src/views/RawView.vue'
import ConnectView from '../../../src/renderer/src/views/ConnectView.vue'
import { useSessionStore } from '../../../src/renderer/src/stores/session'
import { createWsClient, type SocketLike } from '../../../src/renderer/src/api/ws-client'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { IDLE_CAPTURE, NO_KEY, sessionStatus } from '../../helpers/session-status'
import { API_METHODS, type FrameRecord, type P1StudioClient, type SessionStatus } from '../../../src/shared/contract'

const V = resolve(__dirname, '../../fixtures/vectors')
function record(bytes: Buffer, key?: string, seq = 1): FrameRecord {
  const ev = decodeBuffer(bytes, { key }, 1_700_000_000_000).find((e) => e.type !== 'skipped')!
  if (ev.type === 'telegram') return { ok: true, seq, ...ev.telegram }
  if (ev.type === 'failure') return { ok: false, seq, ...ev.failure }
  throw new Error('no frame')
}

const keyStatus = NO_KEY
const capture = IDLE_CAPTURE
const status = (): SessionStatus => sessionStatus()

function fakeClient(frames: FrameRecord[]): P1StudioClient & { setKeyCalls: unknown[] } {
  const setKeyCalls: unknown[] = []
  // every method the views here do not call (the Board tab has its own test, test/unit/board/board-view.test.ts)
  const unused = Object.fromEntries(
    API_METHODS.map((m) => [
      m,
      async () => {
        throw new Error(`${m} not used here`)
      }
    ])
  ) as unknown as P1StudioClient
  return {
    ...unused,
    setKeyCalls,
    listPorts: async () => [{ path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: null, vendorId: null, productId: null }],
    getStatus: async () => status(),
    openSource: async () => status(),
    closeSource: async () => status(),
    setKey: async (req) => {
      setKeyCalls.push(req)
      return { ...keyStatus, hasKey: true, masked: '••••' + String(req.key).slice(-4), origin: 'entered' }
    },
    getRecentFrames: async () => frames,
    diagnose: async () => {
      throw new Error('not used here')
    },
    cancelDiagnosis: async () => undefined,
    getDiagnosisReport: async () => null,
    setReplay: async () => status(),
    startCapture: async () => capture,
    stopCapture: async () => capture,
    listCaptures: async () => [],
    importFile: async () => ({ name: 'x.p1cap', path: '/x.p1cap', bytes: 1, modifiedAt: '', warning: null, warnings: [] }),
    exportCapture: async () => ({ path: '/x.csv', name: 'x.csv', telegrams: 0, bytes: 0, warning: null, warnings: [] }),
    historyImport: async () => ({ file: '', telegrams: 0, failed: 0, failures: {}, meters: [], cancelled: false, warning: null }),
    historyImportDemo: async () => ({ file: '', telegrams: 0, failed: 0, failures: {}, meters: [], cancelled: false, warning: null }),
    historyCancelImport: async () => undefined,
    historyMeters: async () => [],
    historySeries: async () => ({ columns: [], bucketMs: 10_000, points: [] }),
    historyDays: async () => ({ days: [], months: [] }),
    historyQuarters: async () => ({ date: '', quarters: [] }),
    historyMessages: async () => [],
    on: () => () => undefined
  }
}

async function withStore(frames: FrameRecord[]): Promise<ReturnType<typeof fakeClient>> {
  setActivePinia(createPinia())
  const client = fakeClient(frames)
  await useSessionStore().attach(client)
  return client
}

describe('LiveView', () => {
  it('shows every object of the last telegram named and grouped, with per-phase table', async () => {
    await withStore([record(readFileSync(resolve(V, 'lu_relip_simulator_telegram.txt')))])
    const w = mount(LiveView)
    await flushPromises()
    const cell = (code: string): string => w.get(`[data-testid="live-value-${code}"]`).text()
    expect(cell('1-0:1.8.0')).toBe('17.901 kWh')
    expect(cell('1-0:2.8.0')).toBe('55437.011 kWh')
    expect(cell('0-0:42.0.0')).toBe('SAG1030700026568')
    expect(cell('1-1:31.4.0')).toBe('100 A / -100 A')
    expect(w.get('[data-testid="live-group-energy"]').text()).toContain('Active energy import (+A)')
    const phases = w.get('[data-testid="live-phases"]')
    expect(phases.findAll('tbody tr')).toHaveLength(3)
    expect(phases.get('[data-testid="live-value-1-0:22.7.0"]').text()).toBe('1.160 kW')
    expect(phases.get('[data-testid="live-value-1-0:52.7.0"]').text()).toBe('233.0 V')
    expect(w.get('[data-testid="live-meter-time"]').text()).toBe('2023-03-15 15:53:42 (UTC+01:00)')
  })

  it('shows unknown codes with their raw text, and M-Bus readings with their time', async () => {
    const text = readFileSync(resolve(V, 'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt'), 'latin1')
    await withStore([record(readFileSync(resolve(V, 'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt')))])
    const w = mount(LiveView)
    await flushPromises()
    expect(w.get('[data-testid="live-value-0-4:24.2.1"]').text()).toContain('28.103 m3')
    expect(w.get('[data-testid="live-value-0-4:24.2.1"]').text()).toContain('2020-07-06 10:29:00')
    expect(text).toContain('0-0:96.13.0()')
    // an unknown code, e.g. a future one, stays visible with its raw text
    const custom = Buffer.from(text.replace('0-0:96.13.5()', '0-0:96.99.9(ABC)').replace(/!.*$/s, '!'), 'latin1')
    await withStore([record(custom)])
    const w2 = mount(LiveView)
    await flushPromises()
    expect(w2.get('[data-testid="live-value-0-0:96.99.9"]').text()).toBe('(ABC)')
  })

  it('explains an authentication key mismatch', async () => {
    const a2 = Buffer.from(readFileSync(resolve(V, 'at_unidentified-repo_test_decode_packet_sc_1_frame.hex'), 'utf8').trim(), 'hex')
    await withStore([record(a2, 'A8C74F67ECA8EF9C55C4743FF6F4F031')])
    const w = mount(LiveView)
    await flushPromises()
    expect(w.get('[data-testid="live-warning-auth_key_mismatch"]').text()).toContain('P1 key is right')
    expect(w.get('[data-testid="live-value-1-0:1.8.0"]').text()).toBe('7112944 Wh')
  })
})

describe('RawView', () => {
  it('labels the DLMS parts with their byte ranges and shows the system title and CRC verdict', async () => {
    const e1 = Buffer.from(readFileSync(resolve(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
    await withStore([record(e1, 'D491470F47126332B07D1923B3504188')])
    const w = mount(RawView)
    await flushPromises()
    expect(w.get('[data-testid="raw-system-title"]').text()).toBe('534147677001BD54')
    expect(w.get('[data-testid="hex-part-frameCounter"]').text()).toContain('bytes 14–17 (4)')
    expect(w.get('[data-testid="hex-part-gcmTag"]').text()).toContain('bytes 635–646 (12)')
    expect(w.get('[data-testid="hex-part-ciphertext"]').text()).toContain('(617)')
    expect(w.get('[data-testid="raw-crc"]').text()).toBe('sent CFDE, computed CFDE: ok')
    expect(w.findAll('.dump .part-gcmTag')).toHaveLength(12)
  })

  it('shows a failure with its code and offset', async () => {
    const e1 = Buffer.from(readFileSync(resolve(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
    await withStore([record(e1, 'D491470F47126332B07D1923B3504100')])
    const w = mount(RawView)
    await flushPromises()
    expect(w.get('[data-testid="raw-failure"]').text()).toContain('gcm_tag_mismatch')
  })
})

describe('ConnectView key entry', () => {
  it('rejects non-hex and short keys in words, and never keeps the key on screen', async () => {
    const client = await withStore([])
    const w = mount(ConnectView)
    await flushPromises()
    const input = w.get('[data-testid="key-input"]')
    expect(input.attributes('type')).toBe('password')
    await input.setValue('D491470F47126332B07D1923B35041ZZ')
    expect(w.get('[data-testid="key-error"]').text()).toContain('hex digits')
    await input.setValue('D491470F')
    expect(w.get('[data-testid="key-error"]').text()).toContain('32 hex digits (8 entered)')
    expect(w.get('[data-testid="key-set"]').attributes('disabled')).toBeDefined()
    await input.setValue('D491 470F 4712 6332 B07D 1923 B350 4188')
    await w.get('[data-testid="key-set"]').trigger('click')
    await flushPromises()
    expect(client.setKeyCalls).toEqual([{ key: 'D491470F47126332B07D1923B3504188', authKey: '00112233445566778899AABBCCDDEEFF', remember: false }])
    expect((input.element as HTMLInputElement).value).toBe('')
    expect(w.html()).not.toContain('D491470F47126332')
    expect(w.get('[data-testid="key-masked"]').text()).toBe('••••4188')
  })
})

describe('WsClient', () => {
  it('matches responses to requests by id, queues calls until open, dispatches events', async () => {
    const sent: string[] = []
    let sock!: SocketLike
    const client = createWsClient('ws://x/ws', () => {
      sock = { readyState: 0, send: (d) => sent.push(d), close: () => undefined, onopen: null, onclose: null, onmessage: null, onerror: null }
      return sock
    })
    const p1 = client.getStatus()
    const p2 = client.listPorts()
    expect(sent).toHaveLength(0)
    sock.readyState = 1
    sock.onopen!({})
    expect(sent.map((s) => JSON.parse(s).method)).toEqual(['getStatus', 'listPorts'])
    const [a, b] = sent.map((s) => JSON.parse(s).id)
    const events: unknown[] = []
    client.on('frame', (f) => events.push(f))
    sock.onmessage!({ data: JSON.stringify({ id: b, result: [{ path: '/dev/x' }] }) })
    sock.onmessage!({ data: JSON.stringify({ event: 'frame', data: { seq: 7 } }) })
    sock.onmessage!({ data: JSON.stringify({ id: a, error: { message: 'nope' } }) })
    await expect(p2).resolves.toEqual([{ path: '/dev/x' }])
    await expect(p1).rejects.toThrow('nope')
    expect(events).toEqual([{ seq: 7 }])
    client.close()
  })
})
