// @vitest-environment happy-dom
/**
 * Every view rendered in French and in German on real data, in its richest states (decoded
 * and failed frames of published vectors, a diagnosis of the virtual meter with a wrong key
 * run through the real checks, a replay, a history with days and quarter hours, a board
 * profile, config preview, flash, Improv and MQTT verdict), then searched for English-only
 * text (test/unit/renderer/untranslated.ts). Also: the language switch re-words a report
 * already shown, numbers and dates follow the language.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import LiveView from '../../../src/renderer/src/views/LiveView.vue'
import RawView from '../../../src/renderer/src/views/RawView.vue'
import ConnectView from '../../../src/renderer/src/views/ConnectView.vue'
import DiagnoseView from '../../../src/renderer/src/views/DiagnoseView.vue'
import CaptureView from '../../../src/renderer/src/views/CaptureView.vue'
import HistoryView from '../../../src/renderer/src/views/HistoryView.vue'
import BoardView from '../../../src/renderer/src/views/BoardView.vue'
import StatusBar from '../../../src/renderer/src/components/StatusBar.vue'
import { useSessionStore } from '../../../src/renderer/src/stores/session'
import { useDiagnosisStore } from '../../../src/renderer/src/stores/diagnosis'
import { setLocale } from '../../../src/renderer/src/i18n'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { AttemptEvidence } from '../../../src/main/diagnostics/evidence'
import { evaluateChecks, meterIdentity, overallVerdict } from '../../../src/main/diagnostics/checks'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { SmartyModel } from '../../../src/main/line/smarty-model'
import type { FrameRecord, P1StudioClient, SessionStatus } from '../../../src/shared/contract'
import type { BoardEvent, BoardProfileView, MqttVerifyReport } from '../../../src/shared/board'
import type { DiagnosisReport } from '../../../src/shared/diagnostics'
import { englishOnlyWords, findUntranslated, type WalkElement } from './untranslated'
import { WEBER_PROFILE } from './board-profile.fixture'

const V = resolve(__dirname, '../../fixtures/vectors')
const KEY = 'C0FFEE00112233445566778899AABBCC'
const T = Date.parse('2026-06-20T20:00:05Z')

function record(bytes: Buffer, key?: string, seq = 1): FrameRecord {
  const ev = decodeBuffer(bytes, { key }, T).find((e) => e.type !== 'skipped')!
  if (ev.type === 'telegram') return { ok: true, seq, ...ev.telegram }
  if (ev.type === 'failure') return { ok: false, seq, ...ev.failure }
  throw new Error('no frame')
}
const e1 = Buffer.from(readFileSync(resolve(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const FRAMES: FrameRecord[] = [
  record(e1, 'D491470F47126332B07D1923B3504100', 1),
  record(readFileSync(resolve(V, 'lu_relip_simulator_telegram.txt')), undefined, 2),
  record(e1, 'D491470F47126332B07D1923B3504188', 3)
]

/** A diagnosis with a wrong key, through the real checks (virtual meter frames 10 s apart). */
function wrongKeyReport(): DiagnosisReport {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), fault: { name: 'wrong-key' }, model: new SmartyModel({ seed: 7 }), write: () => undefined })
  const ev = new AttemptEvidence({ settings: { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }, key: KEY, burstGapMs: 500, idleGapMs: 2000 }, T)
  for (let i = 0; i < 4; i++) ev.push(meter.nextFrame(new Date(T + 1000 + i * 10_000))!, T + 1000 + i * 10_000)
  ev.finish(T + 41_000)
  const checks = evaluateChecks({ port: { ok: true, label: '/dev/ttyUSB0' }, attempts: [ev], keyGiven: true, cadenceS: 10, canRetry: false })
  const verdict = overallVerdict(checks)
  return {
    verdict,
    summary: checks.find((c) => c.status === 'fail')!.summary,
    checks,
    meter: meterIdentity([ev]),
    source: { label: '/dev/ttyUSB0', settings: '115200 8N1', tried: ['115200 8N1'] },
    keyTested: true,
    firstFrameHex: null,
    startedAt: new Date(T).toISOString(),
    durationS: 41,
    appVersion: '0.1.0',
    interrupted: null
  }
}

const capture = {
  active: true,
  dir: '/home/me/P1Studio/captures',
  path: '/home/me/P1Studio/captures/site-visit.p1cap',
  files: [],
  bytes: 12034,
  frames: 10,
  fileBytes: 13000,
  durationS: 95,
  systemTitle: '534147677001BD54',
  error: null,
  errorInfo: null
}
function status(): SessionStatus {
  return {
    capture,
    source: {
      kind: 'capture',
      path: '/home/me/P1Studio/captures/site-visit.p1cap',
      format: 'p1cap',
      replay: { time: T, positionMs: 30_000, durationMs: 95_000, index: 4, count: 10, speed: 10, paused: false, done: false, warning: null, warningInfo: null }
    },
    stats: {
      bytes: 12034,
      decoded: 9,
      failed: { gcm_tag_mismatch: 1, truncated_frame: 2 },
      lastTelegramAt: T,
      lastByteAt: T,
      line: { state: 'ok', bursts: 0, framesFound: 0, unreadableBytes: 0, zeroShare: 0, lastFailure: null, meter: null }
    },
    key: { hasKey: true, masked: '••••4188', origin: 'entered', authKey: '00112233445566778899AABBCCDDEEFF', canRemember: true },
    error: null,
    errorInfo: null,
    version: '0.1.0'
  }
}

const profile: BoardProfileView = WEBER_PROFILE
const mqttReport: MqttVerifyReport = {
  verdict: 'late_messages',
  summary: 'The board publishes, but late.',
  url: 'mqtt://192.168.1.5:1883',
  topic: 'lamsmarty',
  mode: 'cooked',
  startedAt: '',
  durationS: 130,
  checks: [
    {
      id: 'broker',
      title: 'Broker connection',
      status: 'pass',
      code: null,
      summary: 'Connected to mqtt://192.168.1.5:1883.',
      evidence: { url: 'mqtt://192.168.1.5:1883', user: null },
      advice: null
    },
    {
      id: 'messages',
      title: 'Messages',
      status: 'pass',
      code: null,
      summary: '3 messages on 1 topics in 3 publications.',
      evidence: { messages: 3, topics: 1, publications: 3 },
      advice: null
    },
    {
      id: 'interval',
      title: 'Publish interval',
      status: 'fail',
      code: 'late_messages',
      summary: 'Publications are late: up to 130 s apart where 60 s (+22 s) are expected.',
      evidence: { intervalsS: [130, 61.5] },
      advice: 'Check PUBLISH_TIME.'
    },
    {
      id: 'fields',
      title: 'Published fields',
      status: 'warn',
      code: 'some_fields_missing',
      summary: '20 fields; 2 missing.',
      evidence: {},
      advice: 'Fields set to n are not published.'
    },
    { id: 'values', title: 'Values', status: 'skip', code: 'values_not_compared', summary: 'No P1 source.', evidence: {}, advice: 'Open the P1 port.' }
  ]
}

function fakeClient(): P1StudioClient & { emit(e: BoardEvent): void } {
  const boardListeners: ((e: BoardEvent) => void)[] = []
  const day = (date: string, imp: number) => ({ date, importKWh: imp, exportKWh: 3.25, peakDemandKW: 7.8, aboveClassKWh: 0.4, aboveClassCost: 0.05 })
  /** An import's summary, a new object each call: the demo day, one meter, all of it new (from a file too). */
  const demoDayImported = () => ({
    file: '',
    telegrams: 8641,
    failed: 0,
    failures: {},
    meters: [{ meterId: 'SAG1030700DEMO01', added: 8641 }],
    cancelled: false,
    warning: null
  })
  const series = (columns: string[], bucketMs = 300_000) => ({
    columns,
    bucketMs,
    points: [0, 1, 2].map((i) => ({ t: T + i * bucketMs, min: columns.map(() => 1 + i), max: columns.map(() => 2.5 + i) }))
  })
  const c = {
    emit: (e: BoardEvent) => boardListeners.forEach((l) => l(e)),
    on: (ev: string, l: (e: never) => void) => {
      if (ev === 'board') boardListeners.push(l as (e: BoardEvent) => void)
      return () => undefined
    },
    listPorts: async () => [{ path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: null, vendorId: null, productId: null }],
    getStatus: async () => status(),
    getRecentFrames: async () => FRAMES,
    openSource: async () => status(),
    closeSource: async () => status(),
    setKey: async () => status().key,
    diagnose: async () => wrongKeyReport(),
    cancelDiagnosis: async () => undefined,
    getDiagnosisReport: async () => null,
    setReplay: async () => status(),
    startCapture: async () => capture,
    stopCapture: async () => ({ ...capture, active: false, files: ['/home/me/P1Studio/captures/site-visit.p1cap'] }),
    listCaptures: async () => [
      { name: 'site-visit.p1cap', path: '/home/me/P1Studio/captures/site-visit.p1cap', bytes: 13000, modifiedAt: new Date(T).toISOString() }
    ],
    importFile: async () => ({ name: 'x.p1cap', path: '/x.p1cap', bytes: 1, modifiedAt: '' }),
    exportCapture: async () => ({ path: '/home/me/P1Studio/captures/site-visit.csv', name: 'site-visit.csv', telegrams: 10, bytes: 0, warning: null }),
    historyImport: async () => demoDayImported(),
    historyImportDemo: async () => demoDayImported(),
    historyCancelImport: async () => undefined,
    historyMeters: async () => [{ meterId: 'SAG1030700DEMO01', systemTitle: '5341476770DE3001', readings: 8641, first: T - 86_400_000, last: T }],
    historySeries: async (req: { columns: string[] }) => series(req.columns),
    historyDays: async () => ({
      days: [day('2026-06-19', 12.345), day('2026-06-20', 9.5)],
      months: [{ month: '2026-06', importKWh: 21.845, exportKWh: 6.5, aboveClassKWh: 0.8, aboveClassCost: 0.1, peakDemandKW: 7.8 }]
    }),
    historyQuarters: async () => ({
      date: '2026-06-20',
      quarters: [0, 1, 2].map((i) => ({ start: T + i * 900_000, demandKW: 6 + i, aboveClassKWh: i ? 0.2 : 0 }))
    }),
    historyMessages: async () => [{ t: T, message: 'Hallo Welt' }],
    boardInfo: async () => ({
      path: '/dev/ttyUSB0',
      chip: 'ESP8266',
      description: 'ESP8266EX',
      features: ['WiFi'],
      crystalMHz: 26,
      mac: '5c:cf:7f:11:22:33',
      flashId: 1,
      flashSize: null,
      flashSizeBytes: null,
      resetLines: false
    }),
    boardFlash: async () => new Promise(() => undefined),
    boardMonitorStart: async () => {
      throw new Error('not used')
    },
    boardMonitorStop: async () => {
      throw new Error('not used')
    },
    udpLogStart: async () => {
      throw new Error('not used')
    },
    udpLogStop: async () => {
      throw new Error('not used')
    },
    boardState: async () => ({
      state: {
        monitor: { open: false, path: null, baudRate: null, error: null },
        udp: {
          open: false,
          port: null,
          error: 'UDP port 6666 is already in use (another log listener, e.g. "nc -kulw 0 6666"?). Stop it or choose another port.',
          problem: { code: 'udp_port_in_use', params: { port: '6666', address: '127.0.0.1', reason: 'EADDRINUSE' } }
        },
        mqttSource: { open: false, url: null, topic: null, messages: 0, error: null }
      },
      log: [{ source: 'udp', time: T, line: 'MQTT connected', from: '192.168.1.50:4210' }]
    }),
    boardProfiles: async () => [profile],
    boardValidateProfile: async () => ({
      ok: false,
      errors: [{ field: 'MY_MQTT_PORT', message: 'The MQTT port must be at most 32767.' }],
      notes: ['Uncomment "#define MQTTPASSWORD" in SmartyReader_v1_7.ino.']
    }),
    boardSaveProfile: async () => profile,
    boardDeleteProfile: async () => undefined,
    boardExportProfile: async () => ({ fileName: 'weber.json', json: '{}' }),
    boardImportProfile: async () => profile,
    boardConfigText: async () => ({
      format: 'config.h',
      fileName: 'config.h',
      text: '#define X 1',
      notes: ['A note from the writer.'],
      keyCheck: { checked: true, ok: false, message: 'The key does not decrypt the frames of SAG1030700089067.' }
    }),
    boardSaveConfig: async () => ({ path: '/x/config.h', keyCheck: { checked: true, ok: true, message: '' } }),
    improvProvision: async () => ({
      info: { firmware: 'ESPHome', version: '2024.6.0', chip: 'ESP32', deviceName: 'p1' },
      state: 'authorized',
      url: null,
      error: 'unable_to_connect',
      message: 'The board could not join "Maison": wrong password?'
    }),
    mqttVerify: async () => mqttReport,
    mqttVerifyCancel: async () => undefined,
    mqttSourceOpen: async () => {
      throw new Error('not used')
    },
    mqttSourceClose: async () => {
      throw new Error('not used')
    }
  }
  return c as unknown as P1StudioClient & { emit(e: BoardEvent): void }
}

async function setup() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const client = fakeClient()
  await useSessionStore().attach(client)
  return { pinia, client }
}

async function mounted(view: object, pinia: ReturnType<typeof createPinia>): Promise<VueWrapper> {
  const w = mount(view, { global: { plugins: [pinia] }, attachTo: document.body })
  await flushPromises()
  return w
}

/** Render a view in its states, collecting what is untranslated at each. */
async function states(locale: 'fr' | 'de'): Promise<{ where: string; text: string; words: string[] }[]> {
  setLocale(locale)
  const words = englishOnlyWords(locale)
  const findings: { where: string; text: string; words: string[] }[] = []
  const check = (name: string, w: VueWrapper): void => {
    expect(w.text().length, `${name} renders`).toBeGreaterThan(20)
    for (const f of findUntranslated(w.element as unknown as WalkElement, locale, words)) findings.push({ ...f, where: `${name} ${f.where}` })
  }
  const { pinia, client } = await setup()

  for (const [name, view] of [
    ['connect', ConnectView],
    ['live', LiveView],
    ['raw', RawView],
    ['status bar', StatusBar]
  ] as const) {
    const w = await mounted(view, pinia)
    check(name, w)
    w.unmount()
  }
  // raw: the failed frame too
  const raw = await mounted(RawView, pinia)
  await raw.findAll('[data-testid="raw-frame-row"] button').at(-1)!.trigger('click')
  check('raw failure', raw)
  raw.unmount()
  // connect: the key errors
  const connect = await mounted(ConnectView, pinia)
  await connect.get('[data-testid="key-input"]').setValue('D491470F')
  check('connect key error', connect)
  await connect.get('[data-testid="key-input"]').setValue('')
  await connect.get('[data-testid="key-set"]').trigger('click')
  check('connect key missing', connect)
  connect.unmount()

  // diagnose: running, then the report
  const diag = useDiagnosisStore()
  const d = await mounted(DiagnoseView, pinia)
  diag.running = true
  diag.target = '/dev/ttyUSB0'
  diag.targetIsPort = true
  diag.progress = {
    phase: 'listening',
    elapsedS: 12,
    limitS: 32,
    settings: '115200 8N1',
    bytes: 2400,
    frames: 2,
    message: 'Listening at 115200 8N1: 2 frames so far.'
  }
  await flushPromises()
  check('diagnose running', d)
  diag.running = false
  await flushPromises()
  await d.get('[data-testid="diag-start"]').trigger('click')
  await flushPromises()
  expect(d.get('[data-testid="diag-verdict-code"]').text()).toBe('wrong_key')
  check('diagnose report', d)
  d.unmount()

  // capture: replay, file list, stop message
  const cap = await mounted(CaptureView, pinia)
  await cap.get('[data-testid="capture-stop"]').trigger('click')
  await flushPromises()
  check('capture stopped', cap)
  await cap.get('[data-testid="capture-export-csv"]').trigger('click')
  await flushPromises()
  check('capture exported', cap)
  cap.unmount()

  // history: charts' cards, days table, import message
  const hist = await mounted(HistoryView, pinia)
  await hist.get('[data-testid="history-import-demo"]').trigger('click')
  await flushPromises()
  expect(hist.find('[data-testid="history-days"]').exists()).toBe(true)
  check('history', hist)
  hist.unmount()

  // board: chip, flash progress, profile form with a field error, config preview, Improv, MQTT verdict
  const b = await mounted(BoardView, pinia)
  await b.get('[data-testid="board-port-path"]').setValue('/dev/ttyUSB0')
  await b.get('[data-testid="board-chip"]').trigger('click')
  await flushPromises()
  await b.get('[data-testid="board-image-path-0"]').setValue('/fw/app.bin')
  await b.get('[data-testid="board-flash"]').trigger('click')
  client.emit({ kind: 'progress', phase: 'writing', fileIndex: 0, fileCount: 1, address: 0x8000, written: 8192, total: 16384, fraction: 0.5 })
  await b.get('[data-testid="board-profile-select"]').setValue('weber-1a2b3c')
  await flushPromises()
  await b.get('[data-testid="board-f-MY_MQTT_PORT"]').setValue('40000')
  await new Promise((r) => setTimeout(r, 300))
  await flushPromises()
  await b.get('[data-testid="board-config-generate"]').trigger('click')
  await b.get('[data-testid="board-improv-path"]').setValue('/dev/ttyUSB1')
  await b.get('[data-testid="board-improv-start"]').trigger('click')
  await b.get('[data-testid="board-mqtt-verify"]').trigger('click')
  await flushPromises()
  expect(b.find('[data-testid="board-err-MY_MQTT_PORT"]').exists()).toBe(true)
  expect(b.find('[data-testid="board-mqtt-verdict"]').exists()).toBe(true)
  // the UDP log's failure is worded from its code, in the language shown (not the English sentence marked lang="en")
  const udpProblem = b.get('[data-testid="board-logs-problem"]')
  expect(udpProblem.attributes('lang')).toBeUndefined()
  expect(udpProblem.text()).toContain('nc -kulw 0 6666')
  expect(udpProblem.text()).not.toContain('already in use')
  check('board', b)
  b.unmount()
  return findings
}

describe('every view in French and German', () => {
  afterAll(() => setLocale('en'))

  it('French: no English-only text in any view and state', async () => {
    expect(await states('fr')).toEqual([])
  }, 60_000)

  it('German: no English-only text in any view and state', async () => {
    expect(await states('de')).toEqual([])
  }, 60_000)

  it('the check finds an English sentence left in a French view (it can fail)', async () => {
    setLocale('fr')
    const el = document.createElement('div')
    el.innerHTML =
      '<p>Compteur de trames</p><p>Waiting for the meter</p><p lang="en">Main side sentence</p><code>wrong_key</code><span translate="no">/home/me/captures</span><input placeholder="choose a port">'
    const found = findUntranslated(el as unknown as WalkElement, 'fr', englishOnlyWords('fr'))
    expect(found.map((f) => f.text)).toEqual(['Waiting for the meter', 'placeholder="choose a port"'])
  })

  it('switching the language re-words what is shown: a verdict, numbers and dates', async () => {
    const { pinia } = await setup()
    setLocale('en')
    const d = await mounted(DiagnoseView, pinia)
    await d.get('[data-testid="diag-start"]').trigger('click')
    await flushPromises()
    const en = d.get('[data-testid="diag-check-key"]').text()
    expect(en).toMatch(/The P1 key does not open any of the 4 frames/)
    setLocale('de')
    await flushPromises()
    expect(d.get('[data-testid="diag-check-key"]').text()).toMatch(/Der P1-Schlüssel öffnet keinen der 4 Frames/)
    expect(d.get('[data-testid="diag-summary"]').text()).toMatch(/^Der P1-Schlüssel öffnet keinen/)
    expect(document.documentElement.lang).toBe('de')
    d.unmount()
    const live = await mounted(LiveView, pinia)
    expect(live.get('[data-testid="live-value-1-0:1.8.0"]').text()).toBe('6,695 kWh')
    setLocale('fr')
    await flushPromises()
    expect(live.text()).toContain('Énergie active soutirée (+A)')
    live.unmount()
    const h = await mounted(HistoryView, pinia)
    await flushPromises()
    expect(h.get('[data-testid="day-import-2026-06-19"]').text()).toBe('12,345')
    // one time convention in every language (issue 15): ISO dates and 24-hour times in the meter's
    // zone (Europe/Luxembourg, CEST: the first reading 2026-06-19T20:00:05Z is 22:00:05); the
    // words and the numbers follow the language
    const days = () => h.get('[data-testid="history-days"]')
    expect(days().get('thead').text()).toBe('datesoutirage kWhinjection kWhpointe 15 min kWdépassement kWhfrais €')
    expect(days().get('tbody tr').text()).toBe('2026-06-1912,3453,2507,8000,4000,05')
    expect(h.get('[data-testid="history-range"]').text()).toBe('2026-06-19 22:00:05 – 2026-06-20 22:00:15 · min/max par 5 min')
    setLocale('de')
    await flushPromises()
    expect(days().get('thead').text()).toBe('DatumBezug kWhEinspeisung kWhSpitze 15 min kWÜberschreitung kWhZuschlag €')
    expect(days().get('tbody tr').text()).toBe('2026-06-1912,3453,2507,8000,4000,05')
    expect(h.get('[data-testid="history-range"]').text()).toBe('2026-06-19 22:00:05 – 2026-06-20 22:00:15 · Min./Max. je 5 min')
    setLocale('en')
    await flushPromises()
    expect(days().get('tbody tr').text()).toBe('2026-06-1912.3453.2507.8000.4000.05')
    setLocale('de')
    h.unmount()
    expect(localStorage.getItem('p1studio.locale')).toBe('de')
  }, 60_000)
})
