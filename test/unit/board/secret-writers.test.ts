/**
 * A store token (`mem:…`, `p1sec:…`) or a secret that could not be read never reaches a file:
 * every writer of board secrets — config.h (both layouts, masked or not), the ESPHome YAML (with
 * references or inline) and secrets.yaml, the service's renderConfig / writeConfigFiles, the
 * profile's MQTT password for the verifier — refuses it with its code, and writes nothing.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BOARD_SECRET_KEYS, type BoardSecretKey } from '../../../src/shared/board'
import { writeConfigH } from '../../../src/main/board/config-h'
import { writeEsphomeSecrets, writeEsphomeYaml } from '../../../src/main/board/esphome'
import { mergeProfile, type BoardProfile } from '../../../src/main/board/profile'
import { validateProfile } from '../../../src/main/board/profile-rules'
import { isStoreToken, SecretUnusableError, usableSecret } from '../../../src/main/board/secret-guard'
import { profileMqtt, renderConfig, writeConfigFiles } from '../../../src/main/host/board-config'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'p1s-writers-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A complete profile with every secret set (MQTTPASSWORD and OTA on, so every secret is written). */
function complete(): BoardProfile {
  return mergeProfile(
    {
      name: 'Weber',
      meterId: 'SAG1030700114004',
      settings: { MY_WIFI_SSID: 'Maison', MQTT_SERVER: '192.168.1.5', MY_MQTT_USER: 'smarty', MQTT_TOPIC_OUT: 'weber' },
      defines: { MQTTPASSWORD: true, OTA: true },
      secrets: {
        KEY_SMARTY: '7C2A93E0B8D14F6A5E0C3B9D21F4A786',
        MY_WIFI_PASSWORD: 'correct horse',
        MY_MQTT_PASS: 'mqtt pass',
        MY_OTA_PASS_HASH: '5F4DCC3B5AA765D61D8327DEB882CF99'
      }
    },
    null,
    'weber'
  )
}

/** Every writer, as a call that returns what it would write. */
const WRITERS: [string, (p: BoardProfile) => unknown][] = [
  ['writeConfigH v1.7', (p) => writeConfigH(p, { layout: 'v1.7' })],
  ['writeConfigH v1.6', (p) => writeConfigH(p, { layout: 'v1.6' })],
  ['writeConfigH masked', (p) => writeConfigH(p, { maskSecrets: true })],
  ['writeEsphomeYaml references', (p) => writeEsphomeYaml(p)],
  ['writeEsphomeYaml inline', (p) => writeEsphomeYaml(p, { secrets: 'inline' })],
  ['writeEsphomeSecrets', (p) => writeEsphomeSecrets(p)],
  ['renderConfig config.h files', (p) => renderConfig(p, 'config.h', 'files')],
  ['renderConfig config.h inline', (p) => renderConfig(p, 'config.h', 'inline')],
  ['renderConfig esphome inline', (p) => renderConfig(p, 'esphome', 'inline')],
  ['writeConfigFiles config.h', (p) => writeConfigFiles(join(dir, 'cfg'), p, 'config.h')],
  ['writeConfigFiles esphome', (p) => writeConfigFiles(join(dir, 'cfg'), p, 'esphome')]
]

/** What a writer throws (awaiting async ones), null if it wrote. */
async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f()
    return null
  } catch (e) {
    return e
  }
}

const TOKENS = ['mem:4b83a1c2d3e4f5a6b7c8d9e0', 'p1sec:1:f:0a1b2c3d:q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ']

describe('no writer writes a store token or an unreadable secret', () => {
  it('the complete profile is written by every writer (the refusals below are about the secrets only)', async () => {
    for (const [name, write] of WRITERS) expect(await thrown(() => write(complete())), name).toBeNull()
    expect(readdirSync(join(dir, 'cfg')).sort()).toEqual(['config.h', 'secrets.yaml', 'smartyreader.yaml'])
  })

  it('a token in any secret: every writer refuses with secret_is_token {field}, nothing is written', async () => {
    for (const token of TOKENS) {
      expect(isStoreToken(token)).toBe(true)
      for (const k of BOARD_SECRET_KEYS) {
        const p = complete()
        p.secrets[k] = token
        for (const [name, write] of WRITERS) {
          const e = await thrown(() => write(p))
          expect(e, `${name} ${k} ${token}`).toBeInstanceOf(SecretUnusableError)
          expect(e).toMatchObject({ code: 'secret_is_token', params: { field: k } })
          expect((e as Error).message).not.toContain(token)
        }
        // validation says so on the field, so the form shows it
        expect(validateProfile(p).errors.find((x) => x.field === k)?.code).toBe('secret_is_token')
      }
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('a secret that could not be read: every writer refuses with its code {field, keyFile}, nothing is written', async () => {
    for (const k of BOARD_SECRET_KEYS) {
      const p = complete()
      p.secrets[k] = ''
      p.unreadableSecrets = {
        [k]: {
          code: 'secret_key_missing',
          keyFile: '/home/pi/.P1Studio-secret.key',
          stored: 'p1sec:1:f:…',
          message: 'The secret cannot be read: the key file is missing.'
        }
      } as Partial<Record<BoardSecretKey, never>>
      for (const [name, write] of WRITERS) {
        const e = await thrown(() => write(p))
        expect(e, `${name} ${k}`).toBeInstanceOf(SecretUnusableError)
        expect(e).toMatchObject({ code: 'secret_key_missing', params: { field: k, keyFile: '/home/pi/.P1Studio-secret.key' } })
        expect((e as Error).message).toBe('The secret cannot be read: the key file is missing. Nothing was written.')
      }
      const v = validateProfile(p)
      expect(v.ok).toBe(false)
      expect(v.errors.find((x) => x.field === k)).toMatchObject({ code: 'secret_key_missing', params: { field: k, keyFile: '/home/pi/.P1Studio-secret.key' } })
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it("the verifier and Improv take a profile's secret only when it can be used", () => {
    const p = complete()
    expect(profileMqtt(p).request.password).toBe('mqtt pass')
    p.secrets.MY_MQTT_PASS = TOKENS[0]
    expect(() => profileMqtt(p)).toThrow(SecretUnusableError)
    const q = complete()
    q.secrets.MY_WIFI_PASSWORD = ''
    q.unreadableSecrets = { MY_WIFI_PASSWORD: { code: 'secret_lost_restart', keyFile: null, stored: 'mem:…', message: 'Gone.' } }
    expect(() => usableSecret(q, 'MY_WIFI_PASSWORD')).toThrow(expect.objectContaining({ code: 'secret_lost_restart' }))
    expect(usableSecret(q, 'KEY_SMARTY')).toBe('7C2A93E0B8D14F6A5E0C3B9D21F4A786')
  })
})
