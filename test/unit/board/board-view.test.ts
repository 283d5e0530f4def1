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

const R = resolve(import.meta.dirname, '../../../src/renderer/src')
const load = (p: string): Promise<any> => import(/* @vite-ignore */ resolve(R, p))

const view: BoardProfileView = {
  id: 'weber-1a2b3c',
  name: 'Weber',
  customer: 'M. Weber',
  meterId: 'SAG1030700089067',
  notes: '',
  board: 'esp8266',
  defines: { OTA: false, MQTTPASSWORD: false, MQTT_WILL_BIRTH: false, STATIC: false, ETHERNET: false, GET_NTP_TIME: true, PUBLISH_COOKED: true, HOMEASSISTANT: false, OLD_HARDWARE: false },
  settings: {
    MY_WIFI_SSID: 'Maison', MQTT_SERVER: '192.168.1.5', MY_MQTT_PORT: 1883, MY_MQTT_USER: 'me', MQTT_CLIENT_ID: 'SmartyReader_LAM_1', MQTT_TOPIC_OUT: 'lamsmarty', MQTT_MAXIMUM_PACKET_SIZE: 2560,
    PUBLISH_TIME: 60000, SAMPLE_TIME_MIN: 15, WILL_QOS: 1, WILL_TOPIC: 'w', WILL_MESSAGE: '0', WILL_RETAIN: false, BIRTH_TOPIC: 'w', BIRTH_MESSAGE: '1', BIRTH_RETAIN: false,
    NET_MDNSNAME: 'smartyReader', NET_HOSTNAME: 'smartyReader', UDP_LOG_PORT: 6666, UDP_LOG_PC_IP_BYTES: '192.168.1.2', NTP_SERVER: 'lu.pool.ntp.org', TZ_INFO: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
    MY_OTA_NAME: 'SmartyReader', NET_LOCAL_IP_BYTES: '192.168.1.77', NET_GATEWAY_BYTES: '192.168.1.1', NET_MASK_BYTES: '255.255.255.0', NET_DNS_BYTES: '8.8.8.8', NET_MAC: 'DE:AD:BE:EF:FE:01',
    AUTH_DATA: '3000112233445566778899AABBCCDDEEFF', class_kW: [3, 7, 12], exceed_money_per_kWh: [0.1139, 0.1139, 0.1139]
  },
  secrets: { KEY_SMARTY: { set: true, masked: '••••…A786' }, MY_WIFI_PASSWORD: { set: true, masked: '••••••' }, MY_MQTT_PASS: { set: false, masked: null }, MY_OTA_PASS_HASH: { set: false, masked: null } },
  updatedAt: '2026-11-24T10:00:00Z'
}

function fakeClient() {
  const listeners: ((e: BoardEvent) => void)[] = []
  const validated: BoardProfileInput[] = []
  const report: MqttVerifyReport = {
    verdict: 'late_messages', summary: 'The board publishes, but late.', url: 'mqtt://192.168.1.5:1883', topic: 'lamsmarty', mode: 'cooked', startedAt: '', durationS: 3,
    checks: [
      { id: 'broker', title: 'Broker connection', status: 'pass', code: null, summary: 'Connected.', evidence: {}, advice: null },
      { id: 'messages', title: 'Messages', status: 'pass', code: null, summary: '3 messages.', evidence: {}, advice: null },
      { id: 'interval', title: 'Publish interval', status: 'fail', code: 'late_messages', summary: 'Publications are late: up to 130 s apart.', evidence: { intervalsS: [130] }, advice: 'Check PUBLISH_TIME.' },
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
    boardState: async () => ({ state: { monitor: { open: false, path: null, baudRate: null, error: null }, udp: { open: false, port: null, error: null }, mqttSource: { open: false, url: null, topic: null, messages: 0, error: null } }, log: [] }),
    boardProfiles: async () => [view],
    boardValidateProfile: async (input: BoardProfileInput): Promise<BoardValidation> => {
      validated.push(input)
      const port = input.settings?.MY_MQTT_PORT as number
      return port > 32767 ? { ok: false, errors: [{ field: 'MY_MQTT_PORT', message: 'The MQTT port must be at most 32767.' }], notes: [] } : { ok: true, errors: [], notes: ['Uncomment "#define MQTTPASSWORD" in SmartyReader_v1_7.ino (MQTT user and password).'] }
    },
    boardConfigText: async () => ({ format: 'config.h', fileName: 'config.h', text: 'uint8_t KEY_SMARTY[] = {0x••, 0x••, 0xA7, 0x86};', notes: [], keyCheck: { checked: true, ok: false, message: 'The key does not decrypt the frames of SAG1030700089067.' } }),
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
