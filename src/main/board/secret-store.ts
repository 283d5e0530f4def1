/**
 * A persistent {@link SecretStore} for board secrets where no desktop keychain exists
 * (`p1studio serve`, the CLI, a Raspberry Pi without a desktop, Electron whose safeStorage
 * falls back to `basic_text`): each secret AES-256-GCM encrypted (node:crypto) in its profile
 * file, under one 32-byte key kept
 *
 * 1. in the **OS keyring** through @napi-rs/keyring (Secret Service on Linux — pinned, never
 *    the kernel keyring, which forgets at reboot; macOS Keychain; Windows Credential Manager),
 *    service "P1 Studio", account "board-secrets-key", when a probe at start-up reads (and if
 *    needed writes and reads back) that entry within 3 s; else
 * 2. in a **key file beside the data folder**: `<parent>/.<data folder name>-secret.key`
 *    (`~/P1Studio` → `~/.P1Studio-secret.key`), 32 raw bytes, mode 0600, created with the first
 *    secret (exclusively: two processes starting together agree on one key). Beside, not inside:
 *    a copy of the data folder (a backup, a support bundle) does not carry the key.
 *    `P1STUDIO_KEYRING=off` skips the keyring.
 *
 * Stored form: `p1sec:1:<k|f>:<key id>:<base64url(IV 12 ‖ ciphertext ‖ GCM tag 16)>`; `k` keyring,
 * `f` key file; key id = first 4 bytes of SHA-256(key) in hex (tells "another key" from
 * "damaged"); AAD = "p1studio board secret <NAME>" (a value cannot be moved to another field).
 * A value that cannot be read throws a {@link SecretReadError} with a stable code — never a value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { SecretProtection } from '../../shared/board'
import { fileError, writeFileSafely } from '../capture/safe-file'
import type { SecretStore } from './profile-store'
import { SecretReadError } from './secret-guard'

/** The keyring entry holding the key (base64 text): get null when none. Both reject when the keyring cannot be reached. */
export interface KeyringSlot {
  get(signal: AbortSignal): Promise<string | null>
  set(value: string, signal: AbortSignal): Promise<void>
}

/** Options of {@link openSecretStore}. */
export interface SecretStoreOptions {
  /** The data folder (the key file goes beside it). */
  dataDir: string
  /** Another key file (tests); default {@link secretKeyFileFor}(dataDir). */
  keyFile?: string
  /** 'os' (default): @napi-rs/keyring unless P1STUDIO_KEYRING=off; a slot (tests); null: no keyring. */
  keyring?: 'os' | KeyringSlot | null
  /** Longest wait for one keyring call, ms (default 3000: a keyring that hangs must not stop serve from starting). */
  keyringTimeoutMs?: number
}

/** A SecretStore that says which protection is in force. */
export interface PersistentSecretStore extends SecretStore {
  protection(): SecretProtection
}

const VERSION = 1
const PREFIX = `p1sec:${VERSION}:`
const KEY_BYTES = 32

/** `<parent>/.<name>-secret.key` for the data folder `<parent>/<name>`. */
export function secretKeyFileFor(dataDir: string): string {
  const d = resolve(dataDir)
  return join(dirname(d), `.${basename(d) || 'p1studio'}-secret.key`)
}

const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 8)
const aad = (name: string | undefined): Buffer => Buffer.from(`p1studio board secret ${name ?? ''}`, 'utf8')

/** The key of the OS keyring through @napi-rs/keyring (Linux: Secret Service only). @throws when the module cannot load */
export async function osKeyringSlot(service = 'P1 Studio', account = 'board-secrets-key'): Promise<KeyringSlot> {
  const { AsyncEntry } = await import('@napi-rs/keyring')
  // may throw (no D-Bus session): the probe reports it
  const entry = () => new AsyncEntry(service, account, process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined)
  return {
    get: (signal) => entry().getPassword(signal),
    set: (value, signal) => entry().setPassword(value, signal)
  }
}

/** Run one keyring call with a time limit. @throws on timeout or failure */
async function timed<T>(ms: number, what: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort()
      reject(new Error(`no answer in ${ms / 1000} s`))
    }, ms)
  })
  try {
    return await Promise.race([Promise.resolve().then(() => what(ac.signal)), limit])
  } finally {
    clearTimeout(timer)
  }
}

const shortReason = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e))
    .split('\n')[0]
    .replace(/^Platform failure: /, '')
    .slice(0, 160)

/** The keyring's key: the stored one, or a new one written and read back. @returns null and why when the keyring cannot be used */
async function keyringKey(slot: KeyringSlot, ms: number): Promise<{ key: Buffer | null; why: string | null }> {
  try {
    const parse = (t: string | null): Buffer | null => {
      if (t === null) return null
      const b = Buffer.from(t, 'base64')
      if (b.length !== KEY_BYTES) throw new Error('the keyring entry "P1 Studio / board-secrets-key" is not a P1 Studio key')
      return b
    }
    const stored = parse(await timed(ms, (s) => slot.get(s)))
    if (stored) return { key: stored, why: null }
    await timed(ms, (s) => slot.set(randomBytes(KEY_BYTES).toString('base64'), s))
    // read back: what the keyring holds now (another process may have written first) is the key
    const back = parse(await timed(ms, (s) => slot.get(s)))
    if (!back) throw new Error('the keyring did not keep the key')
    return { key: back, why: null }
  } catch (e) {
    return { key: null, why: shortReason(e) }
  }
}

/** Read a key file: 32 bytes, a regular file of this user (made 0600 if it was looser). @throws SecretReadError */
function readKeyFile(path: string): Buffer {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SecretReadError('secret_key_missing', `the key file ${path} is missing`, path, { cause: e })
    throw new SecretReadError('secret_key_unreadable', `the key file ${path} cannot be read (${code ?? 'error'})`, path, { cause: e })
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new SecretReadError('secret_key_unreadable', `the key file ${path} is not a file`, path)
    const uid = process.getuid?.()
    if (uid !== undefined && st.uid !== uid) throw new SecretReadError('secret_key_unreadable', `the key file ${path} belongs to another user`, path)
    if (st.size !== KEY_BYTES) throw new SecretReadError('secret_key_unreadable', `the key file ${path} is damaged (not ${KEY_BYTES} bytes)`, path)
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, 0o600)
    const key = Buffer.alloc(KEY_BYTES)
    if (readSync(fd, key, 0, KEY_BYTES, 0) !== KEY_BYTES) throw new SecretReadError('secret_key_unreadable', `the key file ${path} is damaged`, path)
    return key
  } finally {
    closeSync(fd)
  }
}

/** The key file's key, created (0600, exclusively) when there is none. @throws Error in plain words when it cannot be written */
function loadOrCreateKeyFile(path: string): Buffer {
  try {
    return readKeyFile(path)
  } catch (e) {
    if (!(e instanceof SecretReadError) || e.code !== 'secret_key_missing')
      throw new Error(`Cannot protect the secret: ${e instanceof Error ? e.message : e}.`, { cause: e })
  }
  const what = 'the key of the board secrets'
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new Error(`Cannot create ${what}: ${fileError(path, e, what).message}`, { cause: e })
  }
  try {
    // a temporary name then a hard link: never an overwrite, and two processes agree on the first key
    writeFileSafely(path, randomBytes(KEY_BYTES), { what })
  } catch (e) {
    const errno = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code
    if (errno !== 'EEXIST') throw new Error(`Cannot create ${what}: ${(e as Error).message}`, { cause: e })
  }
  return readKeyFile(path)
}

/**
 * Open the store: probe the OS keyring (unless told not to), else use the key file.
 * Never rejects: a keyring that fails or hangs means the key file (and `protection().note` says why).
 */
export async function openSecretStore(opts: SecretStoreOptions): Promise<PersistentSecretStore> {
  const keyFile = opts.keyFile ?? secretKeyFileFor(opts.dataDir)
  const ms = opts.keyringTimeoutMs ?? 3000
  let ringKey: Buffer | null = null
  let note: string | null = null
  const wanted = opts.keyring === undefined || opts.keyring === 'os' ? (process.env.P1STUDIO_KEYRING === 'off' ? null : 'os') : opts.keyring
  if (wanted === null) note = opts.keyring === null ? null : 'P1STUDIO_KEYRING=off: the OS keyring is not used.'
  else {
    let slot: KeyringSlot | null = null
    try {
      slot = wanted === 'os' ? await osKeyringSlot() : wanted
    } catch (e) {
      note = `No OS keyring: ${shortReason(e)}.`
    }
    if (slot) {
      const r = await keyringKey(slot, ms)
      ringKey = r.key
      if (r.why) note = `No OS keyring reachable (${r.why}).`
    }
  }
  return new GcmSecretStore(ringKey, keyFile, note)
}

class GcmSecretStore implements PersistentSecretStore {
  private fileKey: Buffer | null = null

  constructor(
    private readonly ringKey: Buffer | null,
    private readonly keyFile: string,
    private readonly note: string | null
  ) {}

  protection(): SecretProtection {
    if (this.ringKey) return { kind: 'os-keyring', label: 'OS keyring', keyFile: null, note: null }
    return { kind: 'encrypted-file', label: `encrypted file, key in ${this.keyFile}`, keyFile: this.keyFile, note: this.note }
  }

  /** @throws Error in plain words when the key file cannot be created */
  encrypt(plain: string, name?: string): string {
    const kind = this.ringKey ? 'k' : 'f'
    const key = this.ringKey ?? (this.fileKey ??= loadOrCreateKeyFile(this.keyFile))
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', key, iv)
    c.setAAD(aad(name))
    const body = Buffer.concat([iv, c.update(plain, 'utf8'), c.final(), c.getAuthTag()])
    return `${PREFIX}${kind}:${keyId(key)}:${body.toString('base64url')}`
  }

  /** @throws SecretReadError */
  decrypt(stored: string, name?: string): string {
    if (stored.startsWith('mem:'))
      throw new SecretReadError('secret_lost_restart', 'it was kept in memory only by an earlier run of P1 Studio and is gone since the restart')
    const m = /^p1sec:(\d+):([kf]):([0-9a-f]{8}):([A-Za-z0-9_-]+)$/.exec(stored)
    if (!m || Number(m[1]) !== VERSION) {
      if (!stored.startsWith('p1sec:'))
        throw new SecretReadError('secret_unreadable', 'it was stored by another keychain (the desktop app?) that is not available here')
      throw new SecretReadError('secret_damaged', 'its stored form is damaged')
    }
    let key: Buffer
    let keyFile: string | null = null
    if (m[2] === 'k') {
      if (!this.ringKey)
        throw new SecretReadError('secret_keyring_unavailable', 'it is protected by the OS keyring, which cannot be reached now (locked or not running)')
      key = this.ringKey
    } else {
      keyFile = this.keyFile
      key = this.fileKey ??= readKeyFile(this.keyFile)
    }
    if (keyId(key) !== m[3])
      throw new SecretReadError(
        'secret_other_key',
        keyFile
          ? `it was encrypted with another key than the one in ${keyFile} (was the key file replaced?)`
          : 'it was encrypted with another key than the OS keyring holds now',
        keyFile
      )
    const body = Buffer.from(m[4], 'base64url')
    if (body.length < 12 + 16) throw new SecretReadError('secret_damaged', 'its stored form is damaged', keyFile)
    try {
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12))
      d.setAAD(aad(name))
      d.setAuthTag(body.subarray(body.length - 16))
      return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).toString('utf8')
    } catch (e) {
      throw new SecretReadError('secret_damaged', 'its stored form is damaged (the GCM tag does not match)', keyFile, { cause: e })
    }
  }
}
