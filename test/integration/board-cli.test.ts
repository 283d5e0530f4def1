/**
 * `p1studio board …` as users run it (node bin/p1studio.mjs: the bundle `npm test` builds, or
 * the sources when a source is newer), with the dispatcher's error handling (UsageError → one
 * line, exit 2; other errors → one line, exit 1). The ROM double and mosquitto run in this
 * process.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPtyPair } from '../helpers/pty'
import { RomDouble } from '../helpers/rom-double'
import { startMosquitto, type Broker } from '../helpers/mosquitto'
import { ProfileStore } from '../../src/main/board/profile-store'
import { openSecretStore } from '../../src/main/board/secret-store'

const ROOT = resolve(import.meta.dirname, '../..')
const FIX = join(ROOT, 'test/fixtures/board')
const BIN = join(ROOT, 'bin/p1studio.mjs')

function run(args: string[], timeoutMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [BIN, 'board', ...args], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', ...env }
    })
    let out = ''
    let err = ''
    c.stdout.on('data', (d) => (out += d))
    c.stderr.on('data', (d) => (err += d))
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs)
    c.on('close', (code) => {
      clearTimeout(t)
      res({ code: code ?? -1, out, err })
    })
  })
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'p1s-board-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('p1studio board', () => {
  it('wrong arguments: one line, exit 2', async () => {
    for (const [args, msg] of [
      [[], /^p1studio: board needs a sub-command: info, flash, config, profiles, verify, improv, monitor \(see: p1studio help\)\n$/],
      [['flash', '--port', '/dev/x'], /^p1studio: board flash needs at least one FILE\[@OFFSET\]/],
      [['flash', '--port', '/dev/x', 'a.bin@zz'], /^p1studio: a\.bin@zz: the offset after @ must be a number/],
      [['verify', '--mqtt', 'http://x', '--topic', 't'], /^p1studio: --mqtt must be a URL/],
      [['config', '--profile', 'p.json', '--format', 'yaml'], /^p1studio: --format must be config\.h or esphome/],
      [['frobnicate'], /^p1studio: unknown board sub-command "frobnicate"/]
    ] as const) {
      const r = await run([...args])
      expect(r.code, r.err).toBe(2)
      expect(r.err).toMatch(msg)
      expect(r.err.trim().split('\n')).toHaveLength(1)
    }
  }, 120_000) // six child processes: seconds apiece on a loaded machine

  it('info and flash against the ROM double; wrong chip exits 1 in one line', async () => {
    const pty = await openPtyPair()
    const rom = await RomDouble.start(pty.a, { chip: 'esp32', mac: '24:0a:c4:aa:bb:cc' })
    try {
      const info = await run(['info', '--port', pty.b, '--no-reset'])
      expect(info.code, info.err).toBe(0)
      expect(info.out).toMatch(/^Chip: {7}ESP32 \(ESP32-D0WDQ6-V3 \(revision 3\)\)$/m)
      expect(info.out).toMatch(/^MAC: {8}24:0a:c4:aa:bb:cc$/m)
      expect(info.out).toMatch(/^Flash: {6}4MB/m)
      await rom.reset() // what the RTS pulse at the end of "info" does to a real board
      const app = join(FIX, 'esp32-app.bin')
      const f = await run(['flash', '--port', pty.b, '--no-reset', '--json', `${join(FIX, 'esp32-bootloader.bin')}@0x1000`, `${app}@0x10000`])
      expect(f.code, f.err).toBe(0)
      const j = JSON.parse(f.out)
      expect(j.images.map((i: { offset: number; verified: boolean }) => [i.offset, i.verified])).toEqual([
        [0x1000, true],
        [0x10000, true]
      ])
      expect(Buffer.compare(rom.flash.subarray(0x10000, 0x10000 + 70000), readFileSync(app))).toBe(0)
      expect(f.err).toMatch(/writing/)
      await rom.reset()
      const wrong = await run(['flash', '--port', pty.b, '--no-reset', join(FIX, 'esp8266-app.bin')])
      expect(wrong.code).toBe(1)
      // progress lines first, then the error in one line
      const last = wrong.err.trim().split('\n').pop()!
      expect(last).toMatch(
        /^p1studio: Nothing was written\. esp8266-app\.bin was built for ESP8266, but this board is an ESP32: choose the ESP32 build of the firmware\.$/
      )
      expect(wrong.err.split('\n').filter((l) => l.startsWith('p1studio:'))).toHaveLength(1)
    } finally {
      await rom.stop()
      await pty.close()
    }
  })

  it('config: masked on screen, secrets only in --out; a config.h as profile', async () => {
    const prof = join(dir, 'weber.json')
    writeFileSync(
      prof,
      JSON.stringify({
        name: 'Weber',
        // a profile starts with no broker (not the sketch author's): it must name one
        settings: { MY_WIFI_SSID: 'Maison', MQTT_SERVER: 'mqtt.weber.lan', MQTT_TOPIC_OUT: 'weber' },
        secrets: { KEY_SMARTY: '7C2A93E0B8D14F6A5E0C3B9D21F4A786', MY_WIFI_PASSWORD: 'correct horse' }
      })
    )
    const shown = await run(['config', '--profile', prof, '--format', 'config.h'])
    expect(shown.code, shown.err).toBe(0)
    expect(shown.out).toContain('String MQTT_TOPIC_OUT = "weber";')
    expect(shown.out).toContain('const char *MQTT_SERVER = "mqtt.weber.lan";')
    expect(shown.out).not.toContain('0x7C, 0x2A')
    expect(shown.out).not.toContain('correct horse')
    expect(shown.err).toMatch(/secrets are masked on screen/)
    const out = join(dir, 'config.h')
    const w = await run(['config', '--profile', prof, '--format', 'config.h', '--out', out])
    expect(w.code, w.err).toBe(0)
    expect(w.out).toBe('')
    expect(readFileSync(out, 'utf8')).toContain('uint8_t KEY_SMARTY[] = {0x7C, 0x2A')
    // the written config.h is itself a profile: ESPHome from it, with another key given on the command line
    const y = await run(['config', '--profile', out, '--format', 'esphome', '--key', '00112233445566778899AABBCCDDEEFF', '--out', join(dir, 'smarty.yaml')])
    expect(y.code, y.err).toBe(0)
    expect(readFileSync(join(dir, 'secrets.yaml'), 'utf8')).toContain('p1_decryption_key: "00112233445566778899AABBCCDDEEFF"')
    expect(readFileSync(join(dir, 'smarty.yaml'), 'utf8')).toContain('topic_prefix: "weber"')
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ name: 'x', settings: { MY_MQTT_PORT: 99999, MQTT_SERVER: '192.168.1.300' } }))
    const b = await run(['config', '--profile', bad])
    expect(b.code).toBe(1)
    // every field's error in one line, not the first only
    expect(b.err).toBe(
      `p1studio: ${bad}: MQTT_SERVER: The broker "192.168.1.300" is not an IPv4 address: each of its four numbers is 0–255. ` +
        'MY_MQTT_PORT: The MQTT port must be at most 32767. MY_WIFI_SSID: The Wi-Fi SSID is empty. ' +
        'KEY_SMARTY: The P1 key is missing: ask the network operator (Creos, Sudstroum…) for the 32 hex digits of this meter.\n'
    )
  }, 120_000) // four child processes

  it('a profile saved by the app or serve, by its id: secrets read from the same store; a lost key file stops it in one line', async () => {
    const data = join(dir, 'Data')
    mkdirSync(data)
    const env = { P1STUDIO_DATA_DIR: data, P1STUDIO_KEYRING: 'off' }
    const keyFile = join(dir, '.Data-secret.key')
    const store = new ProfileStore(join(data, 'boards'), await openSecretStore({ dataDir: data, keyring: null }))
    const p = await store.save({
      name: 'Hoffmann',
      meterId: 'SAG1030700114004',
      settings: { MY_WIFI_SSID: 'Hoffmann', MQTT_SERVER: 'broker.lan', MQTT_TOPIC_OUT: 'hoffmann' },
      secrets: { KEY_SMARTY: '7C2A93E0B8D14F6A5E0C3B9D21F4A786', MY_WIFI_PASSWORD: 'correct horse' }
    })
    const list = await run(['profiles', '--json'], 30_000, env)
    expect(list.code, list.err).toBe(0)
    expect(JSON.parse(list.out)).toEqual({
      secrets: { kind: 'encrypted-file', label: `encrypted file, key in ${keyFile}`, keyFile, note: 'P1STUDIO_KEYRING=off: the OS keyring is not used.' },
      profiles: [
        {
          id: p.id,
          name: 'Hoffmann',
          meterId: 'SAG1030700114004',
          secrets: { MY_WIFI_PASSWORD: 'set', KEY_SMARTY: 'set', MY_MQTT_PASS: 'not set', MY_OTA_PASS_HASH: 'not set' }
        }
      ],
      skipped: []
    })
    const out = join(dir, 'hoffmann.h')
    const w = await run(['config', '--profile', p.id, '--out', out], 30_000, env)
    expect(w.code, w.err).toBe(0)
    expect(w.err).toContain(`note: board secrets: encrypted file, key in ${keyFile}`)
    expect(readFileSync(out, 'utf8')).toContain('uint8_t KEY_SMARTY[] = {0x7C, 0x2A')
    expect(readFileSync(out, 'utf8')).toContain('const char *MY_WIFI_PASSWORD = "correct horse";')
    expect(statSync(out).mode & 0o777).toBe(0o600)
    // an existing file is kept unless --force
    const again = await run(['config', '--profile', p.id, '--out', out], 30_000, env)
    expect(again.code).toBe(1)
    expect(again.err.trim().split('\n')).toHaveLength(2) // the note, then the one error line
    expect(again.err).toMatch(/\np1studio: .*hoffmann\.h.*exists/)
    expect((await run(['config', '--profile', p.id, '--out', out, '--force'], 30_000, env)).code).toBe(0)

    rmSync(keyFile)
    const out2 = join(dir, 'hoffmann-2.h')
    const lost = await run(['config', '--profile', p.id, '--out', out2], 30_000, env)
    expect(lost.code).toBe(1)
    expect(lost.err.split('\n').filter((l) => l.startsWith('p1studio:'))).toEqual([
      `p1studio: ${p.id}: MY_WIFI_PASSWORD: The Wi-Fi password cannot be read: the key file ${keyFile} is missing. Restore the key file from a backup, or enter the secret again. ` +
        `KEY_SMARTY: The P1 key cannot be read: the key file ${keyFile} is missing. Restore the key file from a backup, or enter the secret again.`
    ])
    expect(existsSync(out2)).toBe(false)
    const listed = await run(['profiles'], 30_000, env)
    expect(listed.code, listed.err).toBe(0)
    expect(listed.out).toContain(`${p.id}  Hoffmann  meter SAG1030700114004  secrets: none\n`)
    expect(listed.out).toContain(`    secret_key_missing: The P1 key cannot be read: the key file ${keyFile} is missing.`)
  }, 180_000) // six child processes

  describe('verify', () => {
    let broker: Broker
    beforeAll(async () => {
      broker = await startMosquitto()
    })
    afterAll(async () => {
      await broker.stop()
    })

    it('a silent board: verdict no_messages, exit 1; JSON report', async () => {
      const t = await run(['verify', '--mqtt', broker.url, '--topic', 'lamsmarty', '--interval', '1', '--duration', '1.5'])
      expect(t.code).toBe(1)
      expect(t.out).toMatch(/^Verdict: no_messages — The board publishes nothing on this topic\.$/m)
      expect(t.out).toMatch(/^PASS {2}Broker connection: Connected to mqtt:\/\/127\.0\.0\.1:\d+\.$/m)
      const j = await run(['verify', '--mqtt', broker.url, '--topic', 'lamsmarty', '--interval', '1', '--duration', '1', '--json'])
      expect(JSON.parse(j.out)).toMatchObject({ verdict: 'no_messages', topic: 'lamsmarty' })
    })
  })
})
