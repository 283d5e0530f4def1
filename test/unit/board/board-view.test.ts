// @vitest-environment happy-dom
/**
 * The Board tab (BoardView.vue + stores/board.ts) against a fake client implementing the
 * BoardApi methods: profile form with the main side's validation messages, masked secrets,
 * flash progress from 'board' events, config preview with the key check, MQTT verdict.
 *
 * Lives here (test/unit/board) until it may join test/unit/renderer: the renderer modules are
 * loaded through a computed dynamic import so that tsconfig.node.json (no .vue shim, no
 * @shared paths) does not type-check them; vue-tsc checks the view itself.
 */
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BoardEvent, BoardProfileInput, BoardProfileView, BoardValidation, MqttVerifyReport } from '../../../src/shared/board'
import { WEBER_PROFILE } from '../renderer/board-profile.fixture'

const R = resolve(import.meta.dirname, '../../../src/renderer/src')
const load = (p: string): Promise<any> => import(/* @vite-ignore */ resolve(R, p))

const view: BoardProfileView = WEBER_PROFILE

function fakeClient() {
  const listeners: ((e: BoardEvent) => void)[] = []
  const validated: BoardProfileInput[] = []
  const report: MqttVerifyReport = {
    verdict: 'late_messages',
    summary: 'The board publishes, but late.',
    url: 'mqtt://192.168.1.5:1883',
    topic: 'lamsmarty',
    mode: 'cooked',
    startedAt: '',
    durationS: 3,
    checks: [
      { id: 'broker', title: 'Broker connection', status: 'pass', code: null, summary: 'Connected.', evidence: {}, advice: null },
      { id: 'messages', title: 'Messages', status: 'pass', code: null, summary: '3 messages.', evidence: {}, advice: null },
      {
        id: 'interval',
        title: 'Publish interval',
        status: 'fail',
        code: 'late_messages',
        summary: 'Publications are late: up to 130 s apart.',
        evidence: { intervalsS: [130] },
        advice: 'Check PUBLISH_TIME.'
      },
      { id: 'fields', title: 'Published fields', status: 'pass', code: null, summary: 'All there.', evidence: {}, advice: null },
      { id: 'values', title: 'Values', status: 'skip', code: 'values_not_compared', summary: 'No P1 source.', evidence: {}, advice: null }
    ]
  }
  const client = {
    validated,
    emit: (e: BoardEvent) => listeners.forEach((l) => l(e)),
    on: (ev: string, l: (e: BoardEvent) => void) => {
      if (ev === 'board') listeners.push(l)
      return () => undefined
    },
    listPorts: async () => [],
    boardState: async () => ({
      state: {
        monitor: { open: false, path: null, baudRate: null, error: null },
        udp: { open: false, port: null, error: null },
        mqttSource: { open: false, url: null, topic: null, messages: 0, error: null }
      },
      log: []
    }),
    boardProfiles: async () => [view],
    boardValidateProfile: async (input: BoardProfileInput): Promise<BoardValidation> => {
      validated.push(input)
      const port = input.settings?.MY_MQTT_PORT as number
      return port > 32767
        ? { ok: false, errors: [{ field: 'MY_MQTT_PORT', message: 'The MQTT port must be at most 32767.' }], notes: [] }
        : { ok: true, errors: [], notes: ['Uncomment "#define MQTTPASSWORD" in SmartyReader_v1_7.ino (MQTT user and password).'] }
    },
    boardConfigText: async () => ({
      format: 'config.h',
      fileName: 'config.h',
      text: 'uint8_t KEY_SMARTY[] = {0x••, 0x••, 0xA7, 0x86};',
      notes: [],
      keyCheck: { checked: true, ok: false, message: 'The key does not decrypt the frames of SAG1030700089067.' }
    }),
    boardFlash: async () => new Promise(() => undefined),
    mqttVerify: async () => report
  }
  return client
}

async function mountView() {
  const { mount, flushPromises } = await import('@vue/test-utils')
  const { createPinia, setActivePinia } = await import('pinia')
  const pinia = createPinia()
  setActivePinia(pinia)
  const { useSessionStore } = await load('stores/session.ts')
  const client = fakeClient()
  useSessionStore().client = client
  const BoardView = (await load('views/BoardView.vue')).default
  const w = mount(BoardView, { global: { plugins: [pinia] } })
  await flushPromises()
  return { w, client, flushPromises }
}

describe('Board tab', () => {
  it('profile form: masked secrets, validation message from the main side, sketch notes', async () => {
    const { w, client, flushPromises } = await mountView()
    await w.get('[data-testid="board-profile-select"]').setValue('weber-1a2b3c')
    await flushPromises()
    expect(w.find('[data-testid="board-profile-form"]').exists()).toBe(true)
    const key = w.get('[data-testid="board-f-KEY_SMARTY"]')
    expect(key.attributes('placeholder')).toBe('••••…A786')
    expect((key.element as unknown as { value: string }).value).toBe('')
    await w.get('[data-testid="board-f-MY_MQTT_PORT"]').setValue('40000')
    await new Promise((r) => setTimeout(r, 400))
    await flushPromises()
    expect(client.validated.at(-1)?.settings?.MY_MQTT_PORT).toBe(40000)
    expect(client.validated.at(-1)?.secrets).toEqual({}) // untouched secrets are not sent
    expect(w.get('[data-testid="board-err-MY_MQTT_PORT"]').text()).toBe('The MQTT port must be at most 32767.')
    await w.get('[data-testid="board-f-MY_MQTT_PORT"]').setValue('1884')
    await new Promise((r) => setTimeout(r, 400))
    await flushPromises()
    expect(w.find('[data-testid="board-err-MY_MQTT_PORT"]').exists()).toBe(false)
    expect(w.get('[data-testid="board-notes"]').text()).toContain('MQTTPASSWORD')
    expect(w.html()).not.toMatch(/7C2A93E0/i)
  })

  it('config preview with the key check; flash progress; MQTT verdict and checks', async () => {
    const { w, client, flushPromises } = await mountView()
    await w.get('[data-testid="board-profile-select"]').setValue('weber-1a2b3c')
    await flushPromises()
    await w.get('[data-testid="board-config-generate"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="board-config-text"]').text()).toContain('0x••')
    expect(w.get('[data-testid="board-keycheck"]').text()).toBe('The key does not decrypt the frames of SAG1030700089067.')
    expect(w.find('[data-testid="board-config-save-anyway"]').exists()).toBe(true)

    await w.get('[data-testid="board-port-path"]').setValue('/dev/ttyUSB0')
    await w.get('[data-testid="board-image-path-0"]').setValue('/fw/app.bin')
    await w.get('[data-testid="board-flash"]').trigger('click')
    client.emit({ kind: 'progress', phase: 'writing', fileIndex: 0, fileCount: 1, address: 0x8000, written: 8192, total: 16384, fraction: 0.5 })
    await flushPromises()
    expect(w.get('[data-testid="board-progress-phase"]').text()).toBe('writing')
    expect(w.get('[data-testid="board-progress"]').text()).toContain('0x8000 · 50%')

    await w.get('[data-testid="board-mqtt-verify"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="board-mqtt-verdict-code"]').text()).toBe('late_messages')
    expect(w.get('[data-testid="board-mqtt-check-interval"]').classes()).toContain('fail')
    expect(w.get('[data-testid="board-mqtt-check-interval"]').text()).toContain('Next: Check PUBLISH_TIME.')
  })
})
