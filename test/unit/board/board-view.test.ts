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
import { describe, expect, it, vi } from 'vitest'
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
    firmware: {
      generation: 'smartyreader-v1.6',
      format: 'cooked',
      label: 'SmartyReader v1.6, PUBLISH_COOKED',
      reason: 'key "p_c_l1" in the JSON',
      ambiguous: true
    },
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

/**
 * The main side's coded board messages as profile-rules.ts, sketch-notes.ts, key-check.ts and
 * the secret store send them (code, params, English sentence): the renderer words them itself.
 */
function codedClient() {
  const client = fakeClient()
  const profile: BoardProfileView = {
    ...view,
    secrets: {
      ...view.secrets,
      MY_WIFI_PASSWORD: {
        set: true,
        masked: null,
        error: {
          code: 'secret_key_missing',
          params: { field: 'MY_WIFI_PASSWORD', keyFile: '/home/pi/.P1Studio-secret.key' },
          message: 'The key file /home/pi/.P1Studio-secret.key is gone.'
        }
      }
    },
    secretProtection: {
      kind: 'encrypted-file',
      label: 'encrypted file, key in /home/pi/.P1Studio-secret.key',
      keyFile: '/home/pi/.P1Studio-secret.key',
      note: null
    }
  }
  const refusals = [
    { code: 'secret_key_missing', message: 'The key file is gone.', params: { field: 'MY_WIFI_PASSWORD', keyFile: '/home/pi/.P1Studio-secret.key' } },
    { code: 'profile_incomplete', message: 'The profile is incomplete.', params: { field: 'MQTT_SERVER', fields: 'MQTT_SERVER, KEY_SMARTY', count: 2 } }
  ]
  return Object.assign(client, {
    boardSaveProfile: async () => {
      throw new Error(JSON.stringify(refusals.shift()))
    },
    boardProfiles: async () => [profile],
    boardValidateProfile: async (input: BoardProfileInput): Promise<BoardValidation> => {
      client.validated.push(input)
      return {
        ok: false,
        errors: [
          { field: 'MY_MQTT_PORT', code: 'too_large', params: { field: 'MY_MQTT_PORT', max: 32767 }, message: 'The MQTT port must be at most 32767.' },
          { field: 'MQTT_SERVER', code: 'broker_missing', params: { field: 'MQTT_SERVER' }, message: 'The broker (MQTT_SERVER) is empty.' },
          { field: 'NET_MDNSNAME', code: 'some_future_code', params: { field: 'NET_MDNSNAME' }, message: 'The mDNS name is odd.' }
        ],
        notes: ['Uncomment "#define OTA" in SmartyReader_v1_7.ino (over-the-air updates).'],
        noteCodes: [
          {
            code: 'define_uncomment',
            params: { define: 'OTA', sketch: 'SmartyReader_v1_7.ino' },
            message: 'Uncomment "#define OTA" in SmartyReader_v1_7.ino (over-the-air updates).'
          }
        ]
      }
    },
    boardConfigText: async () => ({
      format: 'config.h',
      fileName: 'config.h',
      text: 'uint8_t KEY_SMARTY[] = {0x••, 0x••, 0xA7, 0x86};',
      notes: [],
      keyCheck: {
        checked: true,
        ok: false,
        code: 'key_wrong',
        params: { meterId: null, systemTitle: '534147677001BD54' },
        message: 'The P1 key does not decrypt the frames of the meter on the open source (system title 534147677001BD54).'
      }
    })
  })
}

async function mountView(client: ReturnType<typeof fakeClient> = fakeClient()) {
  const { mount, flushPromises } = await import('@vue/test-utils')
  const { createPinia, setActivePinia } = await import('pinia')
  const pinia = createPinia()
  setActivePinia(pinia)
  const { useSessionStore } = await load('stores/session.ts')
  useSessionStore(pinia).client = client
  const BoardView = (await load('views/BoardView.vue')).default
  const w = mount(BoardView, { global: { plugins: [pinia] } })
  await flushPromises()
  return { w, client, flushPromises }
}

/**
 * Choose the Weber profile once the list has it, and wait for its form: the list and the
 * profile come from the (fake) main side, which a loaded machine answers later than one flush.
 */
async function chooseWeber(w: Awaited<ReturnType<typeof mountView>>['w']): Promise<void> {
  await vi.waitFor(() => expect(w.find('[data-testid="board-profile-select"] option[value="weber-1a2b3c"]').exists()).toBe(true), { timeout: 10_000 })
  await w.get('[data-testid="board-profile-select"]').setValue('weber-1a2b3c')
  await vi.waitFor(() => expect(w.find('[data-testid="board-profile-form"]').exists()).toBe(true))
}

describe('Board tab', () => {
  it('profile form: masked secrets, validation message from the main side, sketch notes', async () => {
    const { w, client, flushPromises } = await mountView()
    await chooseWeber(w)
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
    await chooseWeber(w)
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
    expect(w.get('[data-testid="board-mqtt-firmware"]').text()).toBe(
      'Firmware recognised from its messages: SmartyReader v1.6 (v1.6 and v1.7 publish alike here: taken as expected)'
    )
    expect(w.get('[data-testid="board-mqtt-check-interval"]').classes()).toContain('fail')
    expect(w.get('[data-testid="board-mqtt-check-interval"]').text()).toContain('Next: Check PUBLISH_TIME.')
  })

  it('Verify waits for a broker: none typed (mqtt://) or none in the profile disables it and says why', async () => {
    const { w, flushPromises } = await mountView()
    await chooseWeber(w)
    const verify = () => w.get('[data-testid="board-mqtt-verify"]')
    expect(verify().attributes('disabled')).toBeUndefined() // the profile names 192.168.1.5
    await w.get('[data-testid="board-mqtt-use-profile"]').setValue(false)
    await flushPromises()
    expect(verify().attributes('disabled')).toBeDefined()
    expect(w.get('[data-testid="board-mqtt-broker-needed"]').text()).toBe('Enter the broker (mqtt://host:1883) to verify.')
    await w.get('[data-testid="board-mqtt-url"]').setValue('mqtt://:1883')
    expect(verify().attributes('disabled')).toBeDefined()
    await w.get('[data-testid="board-mqtt-url"]').setValue('mqtt://192.168.1.7:1883')
    expect(verify().attributes('disabled')).toBeUndefined()
    expect(w.find('[data-testid="board-mqtt-broker-needed"]').exists()).toBe(false)
  })

  it('words the coded board messages in the language shown: field errors, secret read errors, protection, sketch notes, key check; an unknown code in English, marked', async () => {
    const { setLocale } = await load('i18n/index.ts')
    setLocale('fr')
    try {
      const { w, flushPromises } = await mountView(codedClient())
      await chooseWeber(w)
      await w.get('[data-testid="board-f-MY_MQTT_PORT"]').setValue('40000')
      await new Promise((r) => setTimeout(r, 400))
      await flushPromises()
      expect(w.get('[data-testid="board-err-MY_MQTT_PORT"]').text()).toBe('Doit valoir au plus 32767.')
      expect(w.get('[data-testid="board-errors-MY_MQTT_PORT"]').text()).toBe('Port : Doit valoir au plus 32767.')
      expect(w.get('[data-testid="board-errors-MQTT_SERVER"]').text()).toMatch(/^Broker \(IP ou nom d’hôte\) : Pas de broker : indiquez l’adresse IPv4/)
      const unknown = w.get('[data-testid="board-errors-NET_MDNSNAME"] span')
      expect(unknown.text()).toBe('The mDNS name is odd.')
      expect(unknown.attributes('lang')).toBe('en')
      expect(w.get('[data-testid="board-errors-MY_MQTT_PORT"] span').attributes('lang')).toBeUndefined()
      expect(w.get('[data-testid="board-secret-error-MY_WIFI_PASSWORD"]').text()).toBe(
        'Enregistré, mais le fichier de clé /home/pi/.P1Studio-secret.key a disparu : saisissez à nouveau le secret.'
      )
      expect(w.get('[data-testid="board-protection"]').text()).toBe(
        'Les secrets sont chiffrés avec une clé gardée dans le fichier /home/pi/.P1Studio-secret.key (lisible par votre seul compte).'
      )
      expect(w.get('[data-testid="board-notes"]').text()).toBe('Décommentez « #define OTA » dans SmartyReader_v1_7.ino (mises à jour par le réseau).')
      await w.get('[data-testid="board-config-generate"]').trigger('click')
      await flushPromises()
      expect(w.get('[data-testid="board-keycheck"]').text()).toBe(
        'La clé P1 ne déchiffre pas les trames du compteur sur la source ouverte (titre système 534147677001BD54) : vérifiez la clé donnée par le gestionnaire de réseau pour ce compteur.'
      )
      // refused requests: a secret the key file no longer opens, worded as on its field; an incomplete profile
      await w.get('[data-testid="board-profile-form"]').trigger('submit')
      await flushPromises()
      expect(w.get('[data-testid="board-error"]').text()).toBe(
        'Enregistré, mais le fichier de clé /home/pi/.P1Studio-secret.key a disparu : saisissez à nouveau le secret.'
      )
      await w.get('[data-testid="board-profile-form"]').trigger('submit')
      await flushPromises()
      expect(w.get('[data-testid="board-error"]').text()).toBe('Le profil n’est pas encore complet : remplissez ou corrigez MQTT_SERVER, KEY_SMARTY.')
      setLocale('de')
      await flushPromises()
      expect(w.get('[data-testid="board-error"]').text()).toBe('Das Profil ist noch nicht vollständig: MQTT_SERVER, KEY_SMARTY ausfüllen oder korrigieren.')
      expect(w.get('[data-testid="board-err-MY_MQTT_PORT"]').text()).toBe('Darf höchstens 32767 sein.')
      expect(w.get('[data-testid="board-protection"]').text()).toMatch(
        /^Die Geheimnisse sind mit einem Schlüssel aus der Datei \/home\/pi\/\.P1Studio-secret\.key verschlüsselt/
      )
    } finally {
      setLocale('en')
    }
  })
})
