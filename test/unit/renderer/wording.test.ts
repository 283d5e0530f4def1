/**
 * Diagnostics results in words (src/shared/i18n/wording.ts), on REAL checks: the main side's
 * evaluateChecks on evidence heard from the virtual meter with each fault
 * (test/helpers/heard-evidence.ts, as test/unit/diagnostics/checks.test.ts builds it), port
 * errors as serial-source explains them, and an inverted line through the bit-level UART model. The English wording must be
 * the main side's sentence, word for word, for every variant (so French and German, which
 * use the same keys and parameters, cover every variant too); French and German must word
 * each one themselves (never fall back to English).
 */
import { describe, expect, it } from 'vitest'
import { AttemptEvidence } from '../../../src/main/diagnostics/evidence'
import { evaluateChecks, overallVerdict, type PortOutcome } from '../../../src/main/diagnostics/checks'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import { SmartyModel } from '../../../src/main/line/smarty-model'
import { meterLine } from '../../../src/main/line/faults'
import { transmitOverLine } from '../../../src/main/line/uart-model'
import { explainPortError, classifyPortError } from '../../../src/main/line/serial-source'
import { tcpChecks, tcpConnectFailure } from '../../../src/main/diagnostics/tcp-checks'
import type { CheckResult } from '../../../src/shared/diagnostics'
import type { MqttCheckResult } from '../../../src/shared/board'
import {
  createFormat,
  translator,
  wordDiagnosisCheck,
  wordDiagnosisProgress,
  wordMqttCheck,
  wordMqttVerdict,
  wordVerdictSummary,
  type Locale,
  type Wording
} from '../../../src/shared/i18n'
import { HEARD_KEY as KEY, HEARD_T0 as T0, SETTINGS_8N1 as SETTINGS, heard } from '../../helpers/heard-evidence'

const w = (l: Locale): Wording => ({ t: translator(l), f: createFormat(l) })

function garbage(settings = SETTINGS, bursts = 3): AttemptEvidence {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 3 }), write: () => undefined })
  const ev = new AttemptEvidence({ settings: { ...settings }, key: KEY, burstGapMs: 500, idleGapMs: 2000 }, T0)
  for (let i = 0; i < bursts; i++) {
    const t = T0 + 1000 + i * 10_000
    ev.push(Buffer.from(transmitOverLine(meter.nextFrame(new Date(t))!, meterLine({ name: 'inverted' }, false), settings).bytes), t)
    ev.tick(t + 3000)
  }
  ev.finish(T0 + 1000 + bursts * 10_000)
  return ev
}

/** A 7E1 meter's plain telegrams read by an 8N1 port: the parity bit lands in bit 7. */
function sevenE1(): AttemptEvidence {
  const meter = new VirtualMeter({ key: Buffer.alloc(16), plain: true, write: () => undefined })
  const ev = new AttemptEvidence({ settings: { ...SETTINGS }, key: null, burstGapMs: 500, idleGapMs: 2000 }, T0)
  for (let i = 0; i < 3; i++) {
    const t = T0 + 1000 + i * 10_000
    const bytes = Buffer.from(meter.nextFrame(new Date(t))!.map((b) => b | (((b.toString(2).match(/1/g)?.length ?? 0) % 2) << 7)))
    ev.push(bytes, t)
    ev.tick(t + 3000)
  }
  ev.finish(T0 + 31_000)
  return ev
}

const TCP = 'tcp://192.168.1.40:2001'
const ok = (label = 'test'): PortOutcome => ({ ok: true, label })
const checksOf = (attempts: AttemptEvidence[], o: { keyGiven?: boolean; port?: PortOutcome; canRetry?: boolean } = {}): CheckResult[] =>
  evaluateChecks({ port: o.port ?? ok(), attempts, keyGiven: o.keyGiven ?? true, cadenceS: 10, canRetry: o.canRetry ?? false })

function portFailure(err: Error & { code?: string }): CheckResult[] {
  const path = '/dev/ttyUSB9'
  return checksOf([], { port: { ok: false, label: path, code: classifyPortError(err) as PortOutcome['code'], message: explainPortError(path, err) } })
}

const noSignal = (): AttemptEvidence => {
  const ev = new AttemptEvidence({ settings: { ...SETTINGS }, key: KEY, burstGapMs: 500, idleGapMs: 2000 }, T0)
  ev.finish(T0 + 12_000)
  return ev
}

/** Every verdict and warning variant the checks produce, with the main side's own sentences. */
function scenarios(): Record<string, CheckResult[]> {
  const nineK = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const
  const at9600 = heard('none')
  ;(at9600 as unknown as { settings: object }).settings = { ...nineK }
  return {
    ok: checksOf([heard('none')]),
    missedByCounter: checksOf([heard('drop', { frames: 6 })]),
    irregular: checksOf([heard('none', { gapS: (i) => [4, 16, 7][i % 3] })]),
    missedByTimePlain: checksOf([heard('none', { plain: true, key: null, gapS: (i) => [10, 20, 10][i % 3] })], { keyGiven: false }),
    wrongKey: checksOf([heard('wrong-key')]),
    wrongKeyOneFrame: checksOf([heard('wrong-key', { frames: 1 })]),
    corrupted: checksOf([heard('flip', { every: 2 })]),
    authKey: checksOf([heard('auth-key')]),
    crc: checksOf([heard('bad-crc')]),
    keyNotTested: checksOf([heard('none', { key: null })], { keyGiven: false }),
    truncated: checksOf([heard('truncate')]),
    oneFrameLongListen: checksOf([heard('none', { frames: 1, gapS: () => 40 })]),
    fewFrames: checksOf([heard('none', { frames: 1 })]),
    noSignal: checksOf([noSignal()]),
    inverted: checksOf([garbage()]),
    otherSettings: checksOf([garbage(), at9600], { canRetry: true }),
    sevenBit: checksOf([sevenE1()], { keyGiven: false }),
    portBusy: portFailure(Object.assign(new Error('Resource busy'), { code: 'EBUSY' })),
    portMissing: portFailure(Object.assign(new Error('No such file or directory'), { code: 'ENOENT' })),
    portDenied: portFailure(Object.assign(new Error('Permission denied'), { code: 'EACCES' })),
    // a TCP source (ser2net, a dongle): the reader sets the line, tcp-checks.ts rewrites port and line
    tcpOk: tcpChecks(checksOf([heard('none')], { port: ok(TCP) }), TCP),
    tcpNoFrame: tcpChecks(checksOf([garbage()], { port: ok(TCP) }), TCP),
    tcpSevenBit: tcpChecks(checksOf([sevenE1()], { keyGiven: false, port: ok(TCP) }), TCP),
    tcpRefused: tcpChecks(checksOf([], { port: { ok: false, label: TCP, ...tcpConnectFailure(TCP, 'connection_refused') } }), TCP, 'connection_refused'),
    tcpTimeout: tcpChecks(checksOf([], { port: { ok: false, label: TCP, ...tcpConnectFailure(TCP, 'connect_timeout') } }), TCP, 'connect_timeout')
  }
}

describe('diagnostics checks in words', () => {
  const all = scenarios()

  it('the scenarios reach every verdict the checks can give on one attempt', () => {
    const verdicts = new Set(Object.values(all).map((c) => overallVerdict(c)))
    for (const v of [
      'ok',
      'missed_frames',
      'irregular_cadence',
      'wrong_key',
      'corrupted_frames',
      'auth_key_mismatch',
      'crc_errors',
      'key_not_tested',
      'truncated_frames',
      'no_signal',
      'inverted_signal',
      'wrong_line_settings',
      'port_busy',
      'port_not_found',
      'port_permission_denied'
    ])
      expect(verdicts, v).toContain(v)
    const codes = new Set(Object.values(all).flatMap((cs) => cs.map((c) => c.code)))
    for (const c of ['few_frames', 'plain_telegrams']) expect(codes, c).toContain(c)
    const line = (name: string) => all[name].find((c) => c.id === 'line')!.summary
    expect(line('sevenBit')).toMatch(/7-bit characters/)
    expect(line('otherSettings')).toMatch(/but frames arrive at 9600 8N1/)
    expect(line('tcpOk')).toMatch(/^Frames arrive over TCP/)
    expect(line('tcpNoFrame')).toMatch(/^Bytes arrive over TCP but none is a P1 frame/)
    expect(line('tcpSevenBit')).toMatch(/^Telegrams arrive over TCP as 7-bit characters/)
    expect(all.tcpRefused[0].summary).toBe(`Could not connect to ${TCP}: nothing accepts connections on that port.`)
    expect(all.oneFrameLongListen.find((c) => c.id === 'cadence')!.summary).toMatch(/^Only one frame in/)
    expect(all.missedByTimePlain.find((c) => c.id === 'cadence')!.summary).toMatch(/\(interval of 20 s\)/)
  })

  it("English: every summary and advice is the main side's sentence, word for word", () => {
    for (const [name, checks] of Object.entries(all)) {
      for (const c of checks) {
        const worded = wordDiagnosisCheck(c, checks, w('en'))
        expect(worded.summary, `${name} / ${c.id}`).toBe(c.summary)
        expect(worded.advice, `${name} / ${c.id} advice`).toBe(c.advice)
        expect(worded.lang, `${name} / ${c.id}`).toBeNull()
      }
    }
  })

  it('French and German: every check worded in the language (no English fallback), figures with the decimal comma', () => {
    for (const l of ['fr', 'de'] as const) {
      for (const [name, checks] of Object.entries(all)) {
        for (const c of checks) {
          const worded = wordDiagnosisCheck(c, checks, w(l))
          expect(worded.lang, `${l} ${name} / ${c.id}: ${worded.summary}`).toBeNull()
          expect(worded.summary).not.toBe(c.summary)
          if (c.advice) expect(worded.advice).not.toBe(c.advice)
          expect(worded.summary).not.toMatch(/\{\w+\}/)
        }
      }
    }
    const irregular = all.irregular.find((c) => c.id === 'cadence')!
    expect(wordDiagnosisCheck(irregular, all.irregular, w('de')).summary).toMatch(
      /^Die Abstände zwischen den Frames liegen zwischen \d+(,\d+)? und \d+(,\d+)? s/
    )
  })

  it("the verdict sentence: the OK one with the mean interval, else the failing check's", () => {
    expect(wordVerdictSummary({ verdict: 'ok', checks: all.ok, summary: '' }, w('en')).text).toBe(
      'Installation OK: frames arrive every 10 s, the key opens them and the CRC is right.'
    )
    expect(wordVerdictSummary({ verdict: 'ok', checks: all.ok, summary: '' }, w('fr')).text).toBe(
      'Installation correcte\u00a0: une trame arrive toutes les 10 s, la clé les ouvre et le CRC est bon.'
    )
    const wrong = all.wrongKey
    expect(wordVerdictSummary({ verdict: 'wrong_key', checks: wrong, summary: '' }, w('en')).text).toBe(wrong.find((c) => c.status === 'fail')!.summary)
    expect(wordVerdictSummary({ verdict: 'key_not_tested', checks: all.keyNotTested, summary: '' }, w('de')).text).toMatch(/^Kein Fehler auf der Leitung/)
  })

  it('progress: what the run is doing, from its phase and figures', () => {
    const p = { phase: 'listening', elapsedS: 3, limitS: 32, settings: '115200 8N1', bytes: 0, frames: 0, message: '' } as const
    expect(wordDiagnosisProgress(p, '/dev/ttyUSB0', true, w('en'))).toBe('Waiting for the first byte at 115200 8N1…')
    expect(wordDiagnosisProgress({ ...p, frames: 2, bytes: 2400 }, '/dev/ttyUSB0', true, w('en'))).toBe('Listening at 115200 8N1: 2 frames so far.')
    expect(wordDiagnosisProgress({ ...p, frames: 1 }, 'x', true, w('fr'))).toBe('Écoute à 115200 8N1\u00a0: 1 trame jusqu’ici.')
    expect(wordDiagnosisProgress({ ...p, bytes: 12 }, 'x', true, w('de'))).toBe('Höre bei 115200 8N1 zu: 12 Bytes, noch kein Frame.')
    expect(wordDiagnosisProgress({ ...p, phase: 'opening' }, '/dev/ttyUSB0', true, w('en'))).toBe('Opening /dev/ttyUSB0…')
    expect(wordDiagnosisProgress(p, 'demo', false, w('en'))).toBe('Listening to demo…')
    expect(wordDiagnosisProgress(null, '', false, w('de'))).toBe('Start…')
  })
})

describe('MQTT verification checks in words', () => {
  const check = (id: MqttCheckResult['id'], status: MqttCheckResult['status'], code: MqttCheckResult['code']): MqttCheckResult => ({
    id,
    title: 'x',
    status,
    code,
    summary: "The verifier's English sentence.",
    evidence: {},
    advice: status === 'pass' ? null : 'English advice.'
  })
  const variants: MqttCheckResult[] = [
    check('broker', 'pass', null),
    check('broker', 'fail', 'broker_unreachable'),
    check('broker', 'fail', 'broker_auth_failed'),
    check('broker', 'fail', 'broker_tls_error'),
    check('messages', 'pass', null),
    check('messages', 'fail', 'no_messages'),
    check('interval', 'pass', null),
    check('interval', 'fail', 'late_messages'),
    check('interval', 'warn', 'early_messages'),
    check('interval', 'warn', null),
    check('fields', 'pass', null),
    check('fields', 'fail', 'missing_fields'),
    check('fields', 'warn', 'some_fields_missing'),
    check('values', 'pass', null),
    check('values', 'fail', 'values_mismatch'),
    check('values', 'skip', 'values_not_compared'),
    check('values', 'warn', null),
    check('values', 'skip', null)
  ]

  it("English keeps the verifier's detailed sentences; French and German word each variant from its code", () => {
    for (const c of variants) {
      expect(wordMqttCheck(c, w('en'))).toMatchObject({ summary: c.summary, advice: c.advice, lang: null })
      for (const l of ['fr', 'de'] as const) {
        const worded = wordMqttCheck(c, w(l))
        expect(worded.lang, `${l} ${c.id} ${c.status} ${c.code}`).toBeNull()
        expect(worded.summary).not.toBe(c.summary)
        if (c.status !== 'pass' && c.code) expect(worded.advice, `${l} advice for ${c.code}`).not.toBeNull()
      }
    }
    expect(wordMqttVerdict({ verdict: 'late_messages', summary: 'The board publishes, but late.' }, w('de')).text).toBe(
      'Die Platine veröffentlicht, aber zu spät.'
    )
  })

  it("a code it does not know keeps the verifier's English, marked as English", () => {
    const future = { ...check('fields', 'fail', 'missing_fields'), code: 'unknown_generation' as never }
    expect(wordMqttCheck(future, w('fr'))).toMatchObject({ summary: future.summary, lang: 'en' })
  })
})
