/**
 * The persistent secret store (src/main/board/secret-store.ts): AES-256-GCM values under a key
 * kept in the OS keyring (a fake slot here: this machine has no Secret Service) or in a 0600
 * key file beside the data folder; what cannot be read is a SecretReadError with its code,
 * never a value; the real @napi-rs/keyring probe never stops the store from opening.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSecretStore, secretKeyFileFor, type KeyringSlot } from '../../../src/main/board/secret-store'
import { SecretReadError } from '../../../src/main/board/secret-guard'

let parent: string
let dataDir: string
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'p1s-secrets-'))
  dataDir = join(parent, 'P1Studio')
})
afterEach(() => rmSync(parent, { recursive: true, force: true }))

/** The code a decrypt throws (null if it returns a value). */
function readCode(f: () => string): string | null {
  try {
    f()
    return null
  } catch (e) {
    expect(e).toBeInstanceOf(SecretReadError)
    return (e as SecretReadError).code
  }
}

/** An OS keyring in memory: one entry, counting the calls. */
function fakeKeyring(): KeyringSlot & { value: string | null; sets: number } {
  const slot = {
    value: null as string | null,
    sets: 0,
    get: async () => slot.value,
    set: async (v: string) => {
      slot.sets++
      slot.value = v
    }
  }
  return slot
}

const WIFI = 'correct horse battery'

describe('key file beside the data folder', () => {
  it('is <parent>/.<data folder>-secret.key, created 0600 with the first secret, 32 bytes; a restarted store reads every secret back', async () => {
    expect(secretKeyFileFor(dataDir)).toBe(join(parent, '.P1Studio-secret.key'))
    const a = await openSecretStore({ dataDir, keyring: null })
    const keyFile = join(parent, '.P1Studio-secret.key')
    expect(a.protection()).toEqual({ kind: 'encrypted-file', label: `encrypted file, key in ${keyFile}`, keyFile, note: null })
    expect(existsSync(keyFile)).toBe(false) // nothing written before a secret is
    const enc = a.encrypt(WIFI, 'MY_WIFI_PASSWORD')
    expect(enc).toMatch(/^p1sec:1:f:[0-9a-f]{8}:[A-Za-z0-9_-]+$/)
    expect(enc).not.toContain(WIFI)
    expect(Buffer.from(enc.split(':')[4], 'base64url').toString('latin1')).not.toContain('horse')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(keyFile)).toHaveLength(32)
    expect(a.encrypt(WIFI, 'MY_WIFI_PASSWORD')).not.toBe(enc) // a fresh IV each time
    const b = await openSecretStore({ dataDir, keyring: null })
    expect(b.decrypt(enc, 'MY_WIFI_PASSWORD')).toBe(WIFI)
    expect(b.decrypt(b.encrypt('', 'MY_MQTT_PASS'), 'MY_MQTT_PASS')).toBe('')
    expect(b.decrypt(b.encrypt('päss "wörd" \\ 🔑', 'MY_MQTT_PASS'), 'MY_MQTT_PASS')).toBe('päss "wörd" \\ 🔑')
  })

  it('a value cannot be moved to another field (the name is the AAD)', async () => {
    const s = await openSecretStore({ dataDir, keyring: null })
    const enc = s.encrypt(WIFI, 'MY_WIFI_PASSWORD')
    expect(readCode(() => s.decrypt(enc, 'MY_MQTT_PASS'))).toBe('secret_damaged')
  })

  it('what cannot be read is an error with its code: key file gone, replaced, damaged, another owner’s mode; value damaged; memory token; another keychain', async () => {
    const s = await openSecretStore({ dataDir, keyring: null })
    const enc = s.encrypt(WIFI, 'MY_WIFI_PASSWORD')
    const keyFile = secretKeyFileFor(dataDir)
    const key = readFileSync(keyFile)
    const fresh = async () => openSecretStore({ dataDir, keyring: null })

    rmSync(keyFile)
    const gone = await fresh()
    expect(readCode(() => gone.decrypt(enc, 'MY_WIFI_PASSWORD'))).toBe('secret_key_missing')
    try {
      gone.decrypt(enc, 'MY_WIFI_PASSWORD')
    } catch (e) {
      expect((e as SecretReadError).keyFile).toBe(keyFile)
      expect((e as Error).message).toBe(`the key file ${keyFile} is missing`)
    }

    writeFileSync(keyFile, key.subarray(0, 31), { mode: 0o600 })
    expect(readCode(() => gone.decrypt(enc, 'MY_WIFI_PASSWORD'))).toBe('secret_key_unreadable')
    // a damaged key file is never replaced by a new key (old secrets could be recovered from a backup)
    expect(() => gone.encrypt('x', 'MY_MQTT_PASS')).toThrow(/^Cannot protect the secret: the key file .* is damaged \(not 32 bytes\)\.$/)
    expect(readFileSync(keyFile)).toHaveLength(31)

    writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 })
    expect(readCode(() => gone.decrypt(enc, 'MY_WIFI_PASSWORD'))).toBe('secret_other_key')

    writeFileSync(keyFile, key, { mode: 0o644 })
    chmodSync(keyFile, 0o644)
    const loose = await fresh()
    expect(loose.decrypt(enc, 'MY_WIFI_PASSWORD')).toBe(WIFI)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600) // tightened on read

    const body = Buffer.from(enc.split(':')[4], 'base64url')
    body[14] ^= 0x01
    const tampered = enc.split(':').slice(0, 4).join(':') + ':' + body.toString('base64url')
    expect(readCode(() => loose.decrypt(tampered, 'MY_WIFI_PASSWORD'))).toBe('secret_damaged')
    expect(readCode(() => loose.decrypt('p1sec:1:f:zz', 'MY_WIFI_PASSWORD'))).toBe('secret_damaged')
    expect(readCode(() => loose.decrypt('p1sec:9:f:00000000:AAAA', 'MY_WIFI_PASSWORD'))).toBe('secret_damaged')
    expect(readCode(() => loose.decrypt('mem:4b83a1c2d3e4f5a6b7c8d9e0', 'MY_WIFI_PASSWORD'))).toBe('secret_lost_restart')
    expect(readCode(() => loose.decrypt('djEwYWJjZGVmZ2hpams=', 'MY_WIFI_PASSWORD'))).toBe('secret_unreadable')
  })

  it('the folder beside cannot be written: saving a secret fails in words, nothing is kept in memory instead', async () => {
    const s = await openSecretStore({ dataDir, keyring: null, keyFile: join(parent, 'no-such-dir', 'file-not-dir', 'k') })
    writeFileSync(join(parent, 'no-such-dir'), 'a file where a folder should be')
    expect(() => s.encrypt(WIFI, 'MY_WIFI_PASSWORD')).toThrow(/^Cannot create the key of the board secrets: .* is not a folder\.$/)
  })
})

describe('OS keyring', () => {
  it('holds the key when it answers: secrets are p1sec:…:k:…, nothing is written beside the data folder, a restart reads them', async () => {
    const ring = fakeKeyring()
    const a = await openSecretStore({ dataDir, keyring: ring })
    expect(a.protection()).toEqual({ kind: 'os-keyring', label: 'OS keyring', keyFile: null, note: null })
    expect(ring.sets).toBe(1)
    expect(Buffer.from(ring.value!, 'base64')).toHaveLength(32)
    const enc = a.encrypt(WIFI, 'MY_WIFI_PASSWORD')
    expect(enc).toMatch(/^p1sec:1:k:/)
    expect(existsSync(secretKeyFileFor(dataDir))).toBe(false)
    const b = await openSecretStore({ dataDir, keyring: ring })
    expect(ring.sets).toBe(1) // the existing key is used, never replaced
    expect(b.decrypt(enc, 'MY_WIFI_PASSWORD')).toBe(WIFI)
  })

  it('a keyring that fails or never answers: the key file, and the protection says why; its secrets then read as keyring_unavailable', async () => {
    const ring = fakeKeyring()
    const enc = (await openSecretStore({ dataDir, keyring: ring })).encrypt(WIFI, 'MY_WIFI_PASSWORD')
    const locked: KeyringSlot = {
      get: async () => {
        throw new Error('Platform failure: DBus error: the collection is locked')
      },
      set: async () => undefined
    }
    const a = await openSecretStore({ dataDir, keyring: locked })
    expect(a.protection()).toMatchObject({ kind: 'encrypted-file', note: 'No OS keyring reachable (DBus error: the collection is locked).' })
    expect(readCode(() => a.decrypt(enc, 'MY_WIFI_PASSWORD'))).toBe('secret_keyring_unavailable')
    expect(a.decrypt(a.encrypt('x', 'MY_MQTT_PASS'), 'MY_MQTT_PASS')).toBe('x')
    // a keyring that never answers (a D-Bus call without an answer) does not hold the start up
    const hanging: KeyringSlot = { get: () => new Promise(() => undefined), set: () => new Promise(() => undefined) }
    const h = await openSecretStore({ dataDir, keyring: hanging, keyringTimeoutMs: 20 })
    expect(h.protection()).toMatchObject({ kind: 'encrypted-file', note: 'No OS keyring reachable (no answer in 0.02 s).' })
    // an entry that is not a P1 Studio key is not used (nor overwritten)
    const foreign = fakeKeyring()
    foreign.value = 'hunter2'
    expect((await openSecretStore({ dataDir, keyring: foreign })).protection().note).toMatch(/is not a P1 Studio key/)
    expect(foreign.value).toBe('hunter2')
  })

  it('the real keyring (@napi-rs/keyring, Secret Service on Linux) is probed and never stops the store from opening', async () => {
    const s = await openSecretStore({ dataDir })
    const p = s.protection()
    expect(['os-keyring', 'encrypted-file']).toContain(p.kind)
    // on this headless machine there is no Secret Service: the key file, and why
    if (p.kind === 'encrypted-file' && process.env.P1STUDIO_KEYRING !== 'off') expect(p.note).toMatch(/^No OS keyring/)
    expect(s.decrypt(s.encrypt(WIFI, 'MY_WIFI_PASSWORD'), 'MY_WIFI_PASSWORD')).toBe(WIFI)
    expect(basename(dirname(secretKeyFileFor(dataDir)))).toBe(basename(parent))
  })

  it('P1STUDIO_KEYRING=off skips it', async () => {
    const before = process.env.P1STUDIO_KEYRING
    process.env.P1STUDIO_KEYRING = 'off'
    try {
      expect((await openSecretStore({ dataDir })).protection()).toMatchObject({
        kind: 'encrypted-file',
        note: 'P1STUDIO_KEYRING=off: the OS keyring is not used.'
      })
    } finally {
      if (before === undefined) delete process.env.P1STUDIO_KEYRING
      else process.env.P1STUDIO_KEYRING = before
    }
  })
})
