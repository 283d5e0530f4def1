/**
 * BoardService, the app's side: zod-checked plain-object requests, 'board' events, the port
 * guard, profiles with masked secrets, config output with the key check, files with secrets
 * only in the profiles folder, flashing through the ROM double, MQTT verification from a
 * profile against mosquitto.
 */
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'mqtt'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { BoardEvent, BoardKeyCheck } from '../../src/shared/board'
import { BOARD, BOARD_METHODS } from '../../src/shared/contract'
import { BoardService } from '../../src/main/host/board-service'
import { PortRegistry } from '../../src/main/host/port-registry'
import { namespaceApi } from '../../src/main/host/router'
import { memorySecretStore } from '../../src/main/board/profile-store'
import { openPtyPair } from '../helpers/pty'
import { RomDouble } from '../helpers/rom-double'
import { freeLowPort, startMosquitto, type Broker } from '../helpers/mosquitto'

const KEY = '7C2A93E0B8D14F6A5E0C3B9D21F4A786'
const FIX = join(import.meta.dirname, '../fixtures/board')
let dir: string
let svc: BoardService
let events: BoardEvent[]
let guarded: string[]
let keyResult: BoardKeyCheck | null

/** A port registry that records every port leased (the service leases each port it opens). */
function ports(): PortRegistry {
  const r = new PortRegistry()
  r.on('change', (p, owner) => owner && guarded.push(p))
  return r
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'p1s-boards-'))
  events = []
  guarded = []
  keyResult = null
  svc = new BoardService({
    profilesDir: dir,
    secrets: memorySecretStore(),
    checkKey: (k) =>
      keyResult ?? {
        checked: true,
        ok: k === KEY,
        message: k === KEY ? 'The key decrypts the frames of SAG1030700089067.' : 'The key does not decrypt the frames of SAG1030700089067.'
      },
    ports: ports()
  })
  svc.on('board', (e) => events.push(e))
})
afterEach(async () => {
  await svc.close()
  rmSync(dir, { recursive: true, force: true })
})

const complete = {
  name: 'Weber',
  meterId: 'SAG1030700089067',
  settings: { MY_WIFI_SSID: 'Maison', MQTT_SERVER: '127.0.0.1', MQTT_TOPIC_OUT: 'weber' },
  secrets: { KEY_SMARTY: KEY, MY_WIFI_PASSWORD: 'correct horse' }
}

describe('BoardService', () => {
  it('implements every method BOARD_METHODS lists', () => {
    for (const m of BOARD_METHODS) expect(typeof (svc as unknown as Record<string, unknown>)[m], m).toBe('function')
  })

  it('rejects malformed requests in one sentence', async () => {
    const api = namespaceApi(BOARD, svc, svc.defaultCaller)
    await expect(api.boardFlash({ path: '/dev/x', images: [] } as never)).rejects.toThrow(/^Invalid flash request: images /)
    await expect(api.boardConfigText({ id: '../etc', format: 'config.h' })).rejects.toThrow(/^Invalid configuration request: id is not a profile id$/)
    await expect(api.mqttVerify({ url: 'http://x', topic: 't' })).rejects.toThrow(/^Invalid MQTT request: url must be a broker URL/)
  })

  it('profiles: masked views, validation messages, config preview masked, saved file has the secrets', async () => {
    const v = await svc.boardValidateProfile({ name: 'x', settings: { MY_MQTT_PORT: 40000 } })
    expect(v.ok).toBe(false)
    expect(v.errors.find((e) => e.field === 'MY_MQTT_PORT')?.message).toMatch(/at most 32767/)
    const p = await svc.boardSaveProfile(complete)
    expect(JSON.stringify(p)).not.toContain(KEY)
    expect(p.secrets.KEY_SMARTY.masked).toBe('••••…A786')
    expect((await svc.boardProfiles()).map((x) => x.id)).toEqual([p.id])
    const out = await svc.boardConfigText({ id: p.id, format: 'config.h' })
    expect(out.text).not.toContain('0x7C, 0x2A')
    expect(out.text).not.toContain('correct horse')
    expect(out.keyCheck).toEqual({ checked: true, ok: true, message: 'The key decrypts the frames of SAG1030700089067.' })
    const saved = await svc.boardSaveConfig({ id: p.id, format: 'config.h' })
    expect(saved.path).toBe(join(dir, p.id, 'config.h'))
    expect(readFileSync(saved.path, 'utf8')).toContain('uint8_t KEY_SMARTY[] = {0x7C, 0x2A, 0x93, 0xE0')
    const yaml = await svc.boardSaveConfig({ id: p.id, format: 'esphome' })
    expect(readFileSync(yaml.path, 'utf8')).toContain('decryption_key: !secret p1_decryption_key')
    expect(readFileSync(join(dir, p.id, 'secrets.yaml'), 'utf8')).toContain(`p1_decryption_key: "${KEY}"`)
    const exp = await svc.boardExportProfile({ id: p.id })
    expect(exp.json).not.toContain(KEY)
    expect(exp.json).not.toContain('correct horse')
  })

  it('a key that does not fit the open meter: said in the preview, refused on save unless forced', async () => {
    const p = await svc.boardSaveProfile({ ...complete, secrets: { ...complete.secrets, KEY_SMARTY: '00112233445566778899AABBCCDDEEFF' } })
    const out = await svc.boardConfigText({ id: p.id, format: 'esphome' })
    expect(out.keyCheck).toMatchObject({ checked: true, ok: false })
    // the check's own code and params reach the renderer; the English stays for the CLI and logs
    keyResult = {
      checked: true,
      ok: false,
      code: 'key_wrong',
      params: { meterId: null, systemTitle: '5341475F0001E240' },
      message: 'The key does not decrypt the frames of SAG1030700089067.'
    }
    await expect(svc.boardSaveConfig({ id: p.id, format: 'config.h' })).rejects.toMatchObject({
      code: 'key_wrong',
      params: { meterId: null, systemTitle: '5341475F0001E240' },
      message: 'Not saved: The key does not decrypt the frames of SAG1030700089067. Check the key, or go on anyway.'
    })
    // "Copy" is refused the same way: a wrong key goes into no clipboard unless forced
    await expect(svc.boardConfigSecretText({ id: p.id, format: 'config.h', confirm: true })).rejects.toMatchObject({
      code: 'key_wrong',
      message: 'Not copied: The key does not decrypt the frames of SAG1030700089067. Check the key, or go on anyway.'
    })
    await expect(svc.boardSaveConfig({ id: p.id, format: 'config.h', force: true })).resolves.toMatchObject({ keyCheck: { ok: false } })
    await expect(svc.boardConfigSecretText({ id: p.id, format: 'config.h', confirm: true, force: true })).resolves.toMatchObject({
      secretsIncluded: true,
      text: expect.stringContaining('uint8_t KEY_SMARTY[] = {0x00, 0x11, 0x22')
    })
    const incomplete = await svc.boardSaveProfile({ name: 'no key' })
    await expect(svc.boardConfigText({ id: incomplete.id, format: 'config.h' })).rejects.toThrow(/^Complete the profile first: /)
  })

  it('"Copy" gives what compiles only when confirmed; the preview says how secrets are kept and words its notes as codes', async () => {
    const p = await svc.boardSaveProfile(complete)
    expect(p.secretProtection).toEqual({
      kind: 'this-run-only',
      label: 'this run only',
      keyFile: null,
      note: 'Secrets are kept in memory: after a restart they must be entered again.'
    })
    expect((await svc.boardState()).state.secrets).toEqual(p.secretProtection)
    const api = namespaceApi(BOARD, svc, svc.defaultCaller)
    await expect(api.boardConfigSecretText({ id: p.id, format: 'config.h' } as never)).rejects.toThrow(/^Invalid configuration request: confirm /)
    const copy = await api.boardConfigSecretText({ id: p.id, format: 'config.h', confirm: true })
    expect(copy.secretsIncluded).toBe(true)
    expect(copy.text).toContain('uint8_t KEY_SMARTY[] = {0x7C, 0x2A, 0x93, 0xE0')
    expect(copy.text).toContain('const char *MY_WIFI_PASSWORD = "correct horse";')
    // the ESPHome copy compiles on its own: secrets inline, no !secret
    const yaml = await api.boardConfigSecretText({ id: p.id, format: 'esphome', confirm: true })
    expect(yaml.text).toContain(`decryption_key: "${KEY}"`)
    expect(yaml.text).not.toContain('!secret')
    const preview = await api.boardConfigText({ id: p.id, format: 'config.h' })
    expect(preview.secretsIncluded).toBe(false)
    expect(preview.noteCodes?.map((n) => n.message)).toEqual(preview.notes)
    const yamlPreview = await api.boardConfigText({ id: p.id, format: 'esphome' })
    expect(yamlPreview.noteCodes?.map((n) => n.code)).toEqual(['esphome_secrets_file', 'esphome_no_improv'])
  })

  it('a new profile has no broker: Verify is refused naming the field, unless the request gives the broker', async () => {
    const p = await svc.boardSaveProfile({ name: 'Blank', settings: { MQTT_TOPIC_OUT: 'blank' } })
    expect(p.settings.MQTT_SERVER).toBe('')
    const api = namespaceApi(BOARD, svc, svc.defaultCaller)
    await expect(api.mqttVerify({ profileId: p.id })).rejects.toMatchObject({
      code: 'invalid_request',
      params: { field: 'MQTT_SERVER' },
      message: 'The profile "Blank" names no broker (MQTT_SERVER): enter it in the profile, or give the broker URL.'
    })
    await expect(api.mqttSourceOpen({ profileId: p.id })).rejects.toMatchObject({ code: 'invalid_request', params: { field: 'MQTT_SERVER' } })
    // a URL without a host is no broker either
    await expect(api.mqttVerify({ url: 'mqtt://:1883', topic: 't' })).rejects.toThrow(/^Invalid MQTT request: url names no broker/)
  })

  it('UDP log towards a profile: its UDP_LOG_PC_IP and UDP_LOG_PORT; the state says the address and why', async () => {
    const port = await freeLowPort()
    const p = await svc.boardSaveProfile({ name: 'Udp', settings: { UDP_LOG_PC_IP_BYTES: '127.0.0.1', UDP_LOG_PORT: port } })
    const st = await svc.udpLogStart({ profileId: p.id })
    expect(st.udp).toEqual({
      open: true,
      port,
      error: null,
      problem: null,
      address: '127.0.0.1',
      via: 'profile',
      reason: "the firmware's UDP_LOG_PC_IP (127.0.0.1)"
    })
    expect((await svc.udpLogStop()).udp).toMatchObject({ open: false, address: null, via: null })
    await expect(svc.udpLogStart({ profileId: 'no-such-board' })).rejects.toMatchObject({ code: 'not_found' })
    // the port taken by another listener: the request's error and the state carry the code and the port
    const other = createSocket('udp4')
    await new Promise<void>((r) => other.bind(port, '127.0.0.1', () => r()))
    try {
      await expect(svc.udpLogStart({ profileId: p.id })).rejects.toMatchObject({ code: 'udp_port_in_use', params: { port: String(port) } })
      expect((await svc.boardState()).state.udp).toMatchObject({
        open: false,
        error: expect.stringMatching(new RegExp(`^UDP port ${port} is already in use`)),
        problem: { code: 'udp_port_in_use', params: { port: String(port), address: '127.0.0.1', reason: 'EADDRINUSE' } }
      })
    } finally {
      other.close()
    }
  })

  it('flash through the service: port guard, progress and log events, result, unreadable image', async () => {
    const pty = await openPtyPair()
    const rom = await RomDouble.start(pty.a, { chip: 'esp8266' })
    try {
      const r = await svc.boardFlash({ path: pty.b, reset: 'none', images: [{ path: join(FIX, 'esp8266-app.bin'), offset: 0 }] })
      expect(r.images[0]).toMatchObject({ path: join(FIX, 'esp8266-app.bin'), offset: 0, bytes: 49999, verified: true })
      expect(guarded).toEqual([pty.b])
      const kinds = new Set(events.map((e) => e.kind))
      expect(kinds.has('progress')).toBe(true)
      expect(events.some((e) => e.kind === 'log' && e.source === 'flash' && /ESP8266/.test(e.line))).toBe(true)
      expect(Buffer.compare(rom.flash.subarray(0, 49999), readFileSync(join(FIX, 'esp8266-app.bin')))).toBe(0)
      await expect(svc.boardFlash({ path: pty.b, reset: 'none', images: [{ path: join(dir, 'missing.bin'), offset: 0 }] })).rejects.toThrow(
        /^Cannot read the image .*missing\.bin: no such file$/
      )
    } finally {
      await rom.stop()
      await pty.close()
    }
  })

  it('serial monitor: lines as events and in the state', async () => {
    const pty = await openPtyPair()
    try {
      const st = await svc.boardMonitorStart({ path: pty.b })
      expect(st.monitor).toMatchObject({ open: true, path: pty.b, baudRate: 115200 })
      writeFileSync(pty.a, 'hello from the board\n')
      await new Promise((r) => setTimeout(r, 300))
      const { log } = await svc.boardState()
      expect(log.some((l) => l.source === 'monitor' && l.line === 'hello from the board')).toBe(true)
      expect((await svc.boardMonitorStop()).monitor.open).toBe(false)
    } finally {
      await pty.close()
    }
  })
})

describe('BoardService MQTT', () => {
  let broker: Broker
  beforeAll(async () => {
    broker = await startMosquitto({ port: await freeLowPort() })
  })
  afterAll(async () => {
    await broker.stop()
  })

  it('a profile without a broker is verified on the broker the request gives; the summaries carry codes', async () => {
    const p = await svc.boardSaveProfile({ name: 'Blank', settings: { MQTT_TOPIC_OUT: 'blank', PUBLISH_TIME: 10000 } })
    const r = await svc.mqttVerify({ profileId: p.id, url: broker.url, intervalS: 0.3, toleranceS: 0.3, durationS: 1 })
    expect(r.url).toBe(broker.url)
    expect(r.topic).toBe('blank')
    expect(r.verdict).toBe('no_messages')
    expect(r.checks.find((c) => c.id === 'broker')).toMatchObject({ status: 'pass', summaryCode: 'broker_connected', summaryParams: { url: broker.url } })
    expect(r.checks.find((c) => c.id === 'messages')).toMatchObject({ status: 'fail', summaryCode: 'messages_none', summaryParams: { topic: 'blank' } })
    expect(r.checks.find((c) => c.id === 'interval')).toMatchObject({ status: 'skip', summaryCode: 'skipped_no_messages', summaryParams: {} })
  })

  it('verify from a profile (URL, topic, interval, cooked mode) and the field source', async () => {
    const port = Number(new URL(broker.url).port)
    const p = await svc.boardSaveProfile({ ...complete, settings: { ...complete.settings, MY_MQTT_PORT: port, PUBLISH_TIME: 10000 } })
    const pub = connect(broker.url, { reconnectPeriod: 0 })
    await new Promise<void>((r) => pub.once('connect', () => r()))
    const doc = {
      ntp_datetime: '2026-11-24T10:00:00',
      smarty_datetime: '2026-11-24T10:00:00',
      smarty_id: 'SAG1030700089067',
      energy_consumption_calc_kWh: 1.5,
      energy_production_calc_kWh: 0,
      power_consumption_calc_W: 500,
      power_production_calc_W: 0
    }
    const timer = setInterval(() => pub.publish('weber', JSON.stringify(doc)), 300)
    try {
      const r = await svc.mqttVerify({ profileId: p.id, intervalS: 0.3, toleranceS: 0.3, durationS: 3 })
      expect(r.url).toBe(`mqtt://127.0.0.1:${port}`)
      expect(r.topic).toBe('weber')
      expect(r.mode).toBe('cooked')
      expect(r.checks.find((c) => c.id === 'fields')?.status).toBe('warn') // only some calculated values
      expect(r.verdict).toBe('values_not_compared')
      expect(events.some((e) => e.kind === 'verify' && e.phase === 'done')).toBe(true)
      const objs: unknown[] = []
      svc.on('boardSnapshot', (s) => objs.push(s.objects))
      const st = await svc.mqttSourceOpen({ profileId: p.id })
      expect(st.mqttSource).toMatchObject({ open: true, topic: 'weber' })
      await new Promise((r2) => setTimeout(r2, 800))
      expect(objs.length).toBeGreaterThan(0)
      expect(objs[0]).toContainEqual({ obis: '1-0:1.7.0', value: 0.5, unit: 'kW' })
      expect((await svc.mqttSourceClose()).mqttSource.open).toBe(false)
    } finally {
      clearInterval(timer)
      pub.end(true)
    }
  })
})
