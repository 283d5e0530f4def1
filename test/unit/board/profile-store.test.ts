/** Board profiles on disk: secrets only through the SecretStore, exports without secrets. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProfileStore, memorySecretStore, type SecretStore } from '../../../src/main/board/profile-store'
import { ApiError } from '../../../src/shared/contract/errors'
import { profileView } from '../../../src/main/board/profile'

const KEY = 'AEBD21B769A6D13C0DF064E383682EFF'
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'p1s-profiles-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A reversible "encryption" that makes the plain text invisible in the file. */
const rot: SecretStore = {
  encrypt: (s) => 'enc:' + Buffer.from(s).toString('base64').split('').reverse().join(''),
  decrypt: (s) => Buffer.from(s.slice(4).split('').reverse().join(''), 'base64').toString()
}

describe('profile store', () => {
  it('saves secrets only through the secret store, reads them back, masks them in views', async () => {
    const store = new ProfileStore(dir, rot)
    const p = await store.save({
      name: 'Weber, Rue des Prés 4',
      meterId: 'SAG1030700089067',
      settings: { MQTT_TOPIC_OUT: 'weber' },
      secrets: { KEY_SMARTY: KEY.toLowerCase(), MY_WIFI_PASSWORD: 'correct horse' }
    })
    expect(p.id).toMatch(/^weber-rue-des-pres-4-[0-9a-f]{6}$/)
    const file = join(dir, `${p.id}.json`)
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain(KEY)
    expect(text).not.toContain('correct horse')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const back = await store.get(p.id)
    expect(back?.secrets).toEqual({ KEY_SMARTY: KEY, MY_WIFI_PASSWORD: 'correct horse', MY_MQTT_PASS: '', MY_OTA_PASS_HASH: '' })
    expect(back?.settings.MQTT_TOPIC_OUT).toBe('weber')
    const view = profileView(back!)
    expect(JSON.stringify(view)).not.toContain(KEY)
    expect(view.secrets.KEY_SMARTY).toEqual({ set: true, masked: '••••…2EFF', error: null })
    expect(view.secrets.MY_WIFI_PASSWORD).toEqual({ set: true, masked: '••••••', error: null })
    expect(readdirSync(dir)).toEqual([`${p.id}.json`]) // no temp file left
  })

  it('update: absent secrets are kept, null clears, strings set', async () => {
    const store = new ProfileStore(dir, rot)
    const p = await store.save({ name: 'A', secrets: { KEY_SMARTY: KEY, MY_MQTT_PASS: 'x' } })
    await store.save({ id: p.id, name: 'A2', settings: { PUBLISH_TIME: 30000 }, secrets: { MY_MQTT_PASS: null } })
    const q = await store.get(p.id)
    expect(q).toMatchObject({ name: 'A2', settings: { PUBLISH_TIME: 30000 }, secrets: { KEY_SMARTY: KEY, MY_MQTT_PASS: '' } })
  })

  it('refuses malformed values, naming every one of them, but saves incomplete drafts', async () => {
    const store = new ProfileStore(dir, rot)
    await expect(store.save({ name: 'B', settings: { MY_MQTT_PORT: 99999 } })).rejects.toThrow(
      /^The profile was not saved: MY_MQTT_PORT: The MQTT port must be at most 32767\.$/
    )
    await expect(store.save({ name: 'B', secrets: { KEY_SMARTY: 'zz' } })).rejects.toThrow(/KEY_SMARTY: The P1 key must be 32 hex digits/)
    // four bad fields: all four named, as a code with the fields for the renderer
    const four = await store
      .save({
        name: 'C',
        meterId: 'SAG10307',
        settings: { MQTT_SERVER: '192.168.1.300', MY_MQTT_PORT: 0, NET_MAC: 'nope' }
      })
      .catch((e: ApiError) => e)
    expect(four).toBeInstanceOf(ApiError)
    expect((four as ApiError).code).toBe('invalid_profile')
    expect((four as ApiError).params).toEqual({ field: 'MQTT_SERVER', fields: 'MQTT_SERVER,MY_MQTT_PORT,NET_MAC,meterId', count: 4 })
    for (const f of ['MQTT_SERVER', 'MY_MQTT_PORT', 'NET_MAC', 'meterId']) expect((four as ApiError).message).toContain(`${f}: `)
    await expect(store.save({ name: 'draft without key or SSID', settings: { MY_WIFI_SSID: '' } })).resolves.toBeTruthy()
  })

  it('a new profile starts from neutral defaults (no author broker, user, UDP log computer, addresses or MAC), with a client id of its own', async () => {
    const store = new ProfileStore(dir, rot)
    const a = await store.save({ name: 'New 1' })
    const b = await store.save({ name: 'New 2' })
    for (const p of [a, b]) {
      expect(p.settings).toMatchObject({
        MY_WIFI_SSID: '',
        MQTT_SERVER: '',
        MY_MQTT_USER: '',
        UDP_LOG_PC_IP_BYTES: '',
        NET_LOCAL_IP_BYTES: '',
        NET_GATEWAY_BYTES: '',
        NET_MAC: '',
        // the sketch's neutral defaults stay
        MY_MQTT_PORT: 1883,
        PUBLISH_TIME: 60000,
        UDP_LOG_PORT: 6666,
        MQTT_TOPIC_OUT: 'lamsmarty',
        NTP_SERVER: 'lu.pool.ntp.org',
        NET_MASK_BYTES: '255.255.255.0'
      })
      expect(JSON.stringify(p.settings)).not.toMatch(/192\.168\.(178|128)\.|DE:AD:BE:EF|"me"|LAM/)
    }
    expect(a.settings.MQTT_CLIENT_ID).toMatch(/^SmartyReader_[0-9a-f]{6}$/)
    expect(b.settings.MQTT_CLIENT_ID).not.toBe(a.settings.MQTT_CLIENT_ID)
  })

  it('a new profile may start from another one: its settings and switches, never its name, meter or secrets', async () => {
    const store = new ProfileStore(dir, rot)
    const a = await store.save({
      name: 'Mine',
      customer: 'Me',
      meterId: 'SAG1030700114004',
      settings: { MQTT_SERVER: 'broker.local', MY_MQTT_USER: 'smarty', PUBLISH_TIME: 30000 },
      defines: { MQTTPASSWORD: true },
      secrets: { KEY_SMARTY: KEY, MY_MQTT_PASS: 'pw' }
    })
    const b = await store.save({ name: 'Neighbour', copyFrom: a.id })
    expect(b.settings).toMatchObject({ MQTT_SERVER: 'broker.local', MY_MQTT_USER: 'smarty', PUBLISH_TIME: 30000 })
    expect(b.defines.MQTTPASSWORD).toBe(true)
    expect(b).toMatchObject({ name: 'Neighbour', customer: '', meterId: '', secrets: { KEY_SMARTY: '', MY_MQTT_PASS: '' } })
    expect(b.settings.MQTT_CLIENT_ID).not.toBe(a.settings.MQTT_CLIENT_ID)
    await expect(store.save({ name: 'x', copyFrom: 'no-such-profile' })).rejects.toMatchObject({ code: 'not_found' })
  })

  it('exports without any secret and imports as a new profile', async () => {
    const store = new ProfileStore(dir, rot)
    const p = await store.save({
      name: 'C',
      secrets: { KEY_SMARTY: KEY, MY_WIFI_PASSWORD: 'correct horse', MY_MQTT_PASS: 'mqttpw', MY_OTA_PASS_HASH: '5F4DCC3B5AA765D61D8327DEB882CF99' }
    })
    const json = store.exportJson(p)
    for (const s of [KEY, 'correct horse', 'mqttpw', '5F4DCC3B', 'enc:']) expect(json).not.toContain(s)
    expect(JSON.parse(json).profile.secrets).toBeUndefined()
    const q = await store.importJson(json)
    expect(q.id).not.toBe(p.id)
    expect(q.name).toBe('C')
    expect(q.secrets.KEY_SMARTY).toBe('')
    await expect(store.importJson('{"a":1}')).rejects.toThrow('This is not a P1 Studio board profile export.')
  })

  it('memory secret store: after a restart a secret is an error with its code, never a value; saving keeps it as stored', async () => {
    const a = new ProfileStore(dir, memorySecretStore())
    expect(a.protection()).toMatchObject({ kind: 'this-run-only', label: 'this run only' })
    const p = await a.save({ name: 'D', secrets: { KEY_SMARTY: KEY, MY_WIFI_PASSWORD: 'correct horse' } })
    expect((await a.get(p.id))?.secrets.KEY_SMARTY).toBe(KEY)
    const stored = JSON.parse(readFileSync(join(dir, `${p.id}.json`), 'utf8')).profile.secrets
    const b = new ProfileStore(dir, memorySecretStore())
    const q = (await b.get(p.id))!
    expect(q.secrets.KEY_SMARTY).toBe('')
    expect(q.lostSecrets).toEqual(['MY_WIFI_PASSWORD', 'KEY_SMARTY'])
    expect(q.unreadableSecrets?.KEY_SMARTY).toMatchObject({ code: 'secret_lost_restart', stored: stored.KEY_SMARTY })
    expect(q.unreadableSecrets?.KEY_SMARTY?.message).toMatch(/^The P1 key cannot be read: it was kept in memory only .* Enter the secret again\.$/)
    expect(profileView(q).secrets.KEY_SMARTY).toEqual({
      set: true,
      masked: null,
      error: { code: 'secret_lost_restart', params: { field: 'KEY_SMARTY', keyFile: null }, message: q.unreadableSecrets!.KEY_SMARTY!.message }
    })
    // renaming keeps the unreadable secrets as stored; entering one again replaces it
    await b.save({ id: p.id, name: 'D2', secrets: { MY_WIFI_PASSWORD: 'new password' } })
    const after = JSON.parse(readFileSync(join(dir, `${p.id}.json`), 'utf8')).profile
    expect(after.name).toBe('D2')
    expect(after.secrets.KEY_SMARTY).toBe(stored.KEY_SMARTY)
    expect(after.secrets.MY_WIFI_PASSWORD).not.toBe(stored.MY_WIFI_PASSWORD)
    expect(after.unreadableSecrets).toBeUndefined()
    const r = (await b.get(p.id))!
    expect(r.secrets.MY_WIFI_PASSWORD).toBe('new password')
    expect(Object.keys(r.unreadableSecrets ?? {})).toEqual(['KEY_SMARTY'])
    // clearing it removes it
    await b.save({ id: p.id, name: 'D2', secrets: { KEY_SMARTY: null } })
    expect(JSON.parse(readFileSync(join(dir, `${p.id}.json`), 'utf8')).profile.secrets.KEY_SMARTY).toBeUndefined()
  })
})

describe('profile files are schema-checked when read', () => {
  it('a setting of the wrong type makes the file "damaged" in plain words, never a TypeError later', async () => {
    const store = new ProfileStore(dir, rot)
    const p = await store.save({ name: 'E', settings: { MY_WIFI_SSID: 'home' } })
    const file = join(dir, `${p.id}.json`)
    const body = JSON.parse(readFileSync(file, 'utf8'))
    const cases: [string, (b: typeof body) => void, RegExp][] = [
      ['SSID a number', (b) => (b.profile.settings.MY_WIFI_SSID = 42), /settings\.MY_WIFI_SSID must be text \(it is a number\)/],
      ['port as text', (b) => (b.profile.settings.MY_MQTT_PORT = '1883'), /settings\.MY_MQTT_PORT must be a number \(it is text\)/],
      ['retain not boolean', (b) => (b.profile.settings.WILL_RETAIN = 'yes'), /settings\.WILL_RETAIN must be true or false/],
      ['class_kW not a list', (b) => (b.profile.settings.class_kW = 7), /settings\.class_kW must be a list of numbers/],
      ['unknown firmware', (b) => (b.profile.settings.firmware = 'tasmota'), /settings\.firmware must be one of smartyreader-v1\.5/],
      ['define not boolean', (b) => (b.profile.defines.OTA = 1), /defines\.OTA must be true or false/],
      ['name missing', (b) => delete b.profile.name, /name must be text \(it is missing\)/],
      ['id of another file', (b) => (b.profile.id = 'other-id'), /id is "other-id", not the file's name/],
      ['not JSON', () => undefined, /it is not valid JSON/]
    ]
    for (const [what, change, msg] of cases) {
      const b = JSON.parse(JSON.stringify(body))
      change(b)
      writeFileSync(file, what === 'not JSON' ? '{"format": ' : JSON.stringify(b))
      const err = await store.get(p.id).then(
        () => null,
        (e: Error) => e.message
      )
      expect(err, what).toMatch(/^The board profile file .*\.json is damaged: /)
      expect(err, what).toMatch(msg)
      expect(err, what).not.toMatch(/is not a function|ZodError|\[object|"code"/)
      // listing skips it by name instead of failing
      expect((await store.list()).skipped, what).toEqual([`${p.id}.json`])
    }
    // unknown settings (a newer version) are kept; a sound file reads again
    body.profile.settings.SOME_FUTURE_SETTING = 'x'
    writeFileSync(file, JSON.stringify(body))
    expect((await store.get(p.id))?.settings.MY_WIFI_SSID).toBe('home')
  })
})
