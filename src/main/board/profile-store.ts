/**
 * Board profiles on disk: one JSON file per profile in a folder, secrets (P1 key, Wi-Fi, MQTT
 * and OTA passwords) only through an injected {@link SecretStore} — Electron passes one on
 * `safeStorage` (OS keychain), `p1studio serve` and the CLI the persistent store of
 * secret-store.ts (OS keyring, else an encrypted file whose key lives beside the data folder),
 * tests and sessions without one {@link memorySecretStore} (this run only). Files are written
 * atomically (temp + rename), mode 0600, write errors (disk full…) in plain words. Exports
 * never contain a secret.
 *
 * A stored secret that cannot be read (key file gone, keyring locked, damaged, an earlier run's
 * memory) is never a value: the profile carries it in `unreadableSecrets` (code and sentence,
 * see secret-guard.ts), saving keeps its stored form, and every writer refuses the profile.
 *
 * Files are schema-checked when read (zod): every field with its type, every known setting
 * with the type of its default (a hand-edited `"MY_WIFI_SSID": 42` makes the file "damaged:
 * settings.MY_WIFI_SSID must be text", never a "….trim is not a function" later on).
 *
 * File: `{ format: "p1studio-board-profile", version: 1, profile: {…, secrets: {NAME: <encrypted>}} }`.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import {
  BOARD_SECRET_KEYS,
  FIRMWARE_GENERATIONS,
  type BoardProfileInput,
  type BoardSecretKey,
  type BoardSecrets,
  type SecretProtection
} from '../../shared/board'
import { ApiError } from '../../shared/contract/errors'
import { fileError, writeFileSafely } from '../capture/safe-file'
import { DEFAULT_DEFINES, DEFAULT_SETTINGS, EMPTY_SECRETS, mergeProfile, type BoardProfile } from './profile'
import { formatErrors } from './profile-rules'
import { SECRET_WORDS, SecretReadError, type UnreadableSecret } from './secret-guard'

/**
 * Encrypts secrets for storage. `name` is the secret's name (KEY_SMARTY…), which a store may
 * bind the value to. encrypt may throw (plain words: the key file cannot be created); decrypt
 * throws when the value cannot be read — a {@link SecretReadError} with its code where it
 * knows why. `protection()` says how new secrets are kept (absent: reported as the OS keychain).
 */
export interface SecretStore {
  encrypt(plain: string, name?: string): string
  decrypt(stored: string, name?: string): string
  protection?(): SecretProtection
}

/** The protection of Electron's safeStorage with a real keychain (keystore.ts). */
export const OS_KEYCHAIN: SecretProtection = { kind: 'os-keychain', label: 'OS keychain', keyFile: null, note: null }
/** The protection of {@link memorySecretStore}. */
export const THIS_RUN_ONLY: SecretProtection = {
  kind: 'this-run-only',
  label: 'this run only',
  keyFile: null,
  note: 'Secrets are kept in memory: after a restart they must be entered again.'
}

/**
 * Secrets kept in this process's memory only (tests, sessions given no store): the file holds
 * an opaque token; after a restart the token is unknown and reading it is an error
 * (`secret_lost_restart`), never a value.
 */
export function memorySecretStore(): SecretStore {
  const values = new Map<string, string>()
  return {
    encrypt(plain) {
      const token = `mem:${randomBytes(12).toString('hex')}`
      values.set(token, plain)
      return token
    },
    decrypt(stored) {
      const v = values.get(stored)
      if (v !== undefined) return v
      if (stored.startsWith('mem:'))
        throw new SecretReadError('secret_lost_restart', 'it was kept in memory only by an earlier run of P1 Studio and is gone since the restart')
      throw new SecretReadError('secret_unreadable', 'it is protected by a keychain or key this run of P1 Studio does not use')
    },
    protection: () => THIS_RUN_ONLY
  }
}

/** What to do about an unreadable secret, by code. */
const REMEDY: Record<UnreadableSecret['code'], string> = {
  secret_key_missing: 'Restore the key file from a backup, or enter the secret again.',
  secret_key_unreadable: 'Correct the key file (32 bytes, yours, mode 0600) or restore it, or enter the secret again.',
  secret_other_key: 'Restore the key file it was saved with, or enter the secret again.',
  secret_damaged: 'Enter the secret again.',
  secret_keyring_unavailable: 'Unlock or start the OS keyring and restart P1 Studio, or enter the secret again.',
  secret_lost_restart: 'Enter the secret again.',
  secret_unreadable: 'Open the profile where it was saved, or enter the secret again.'
}

/** An unreadable secret from its store's error. */
function unreadable(k: BoardSecretKey, stored: string, e: unknown): UnreadableSecret {
  const r =
    e instanceof SecretReadError
      ? e
      : new SecretReadError('secret_unreadable', 'it could not be decrypted (saved by another keychain, or damaged)', null, { cause: e })
  return { code: r.code, keyFile: r.keyFile, stored, message: `${SECRET_WORDS[k]} cannot be read: ${r.message}. ${REMEDY[r.code]}` }
}

const FORMAT = 'p1studio-board-profile'
const EXPORT_FORMAT = 'p1studio-board-profile-export'

const TEXT = { message: 'must be text' }
const NUMBER = { message: 'must be a number' }
const BOOL = { message: 'must be true or false' }

/** Each known setting with the type of its default (values are range-checked on save). */
function settingsTypeSchema(): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {
    firmware: z.enum(FIRMWARE_GENERATIONS, { message: `must be one of ${FIRMWARE_GENERATIONS.join(', ')}` }).optional()
  }
  for (const [k, v] of Object.entries(DEFAULT_SETTINGS)) {
    if (k === 'firmware') continue
    shape[k] = (
      typeof v === 'string'
        ? z.string(TEXT)
        : typeof v === 'number'
          ? z.number(NUMBER).finite(NUMBER)
          : typeof v === 'boolean'
            ? z.boolean(BOOL)
            : z.array(z.number(NUMBER).finite(NUMBER), { message: 'must be a list of numbers' })
    ).optional()
  }
  // settings this version does not know are kept as they are
  return z.object(shape).catchall(z.unknown()) as unknown as z.ZodType<Record<string, unknown>>
}

const storedSchema = z.object(
  {
    format: z.literal(FORMAT, { message: `is not "${FORMAT}"` }),
    version: z.literal(1, { message: 'is not 1 (a newer P1 Studio wrote it?)' }),
    profile: z.object(
      {
        id: z.string(TEXT).regex(/^[A-Za-z0-9_-]{1,80}$/, { message: 'must be letters, digits, - and _ (at most 80)' }),
        name: z.string(TEXT),
        customer: z.string(TEXT).default(''),
        meterId: z.string(TEXT).default(''),
        notes: z.string(TEXT).default(''),
        board: z.enum(['esp8266', 'esp32'], { message: 'must be esp8266 or esp32' }).default('esp8266'),
        defines: z.record(z.string(), z.boolean(BOOL), { message: 'must be an object of true/false switches' }).default({}),
        settings: settingsTypeSchema().default({}),
        secrets: z.record(z.string(), z.string(TEXT), { message: 'must be an object' }).default({}),
        updatedAt: z.string(TEXT).default('')
      },
      { message: 'must be an object' }
    )
  },
  { message: 'is not a JSON object' }
)

/** One plain sentence for a profile file that fails the schema: where and what. */
function explainDamage(e: unknown, raw: unknown): string {
  if (e instanceof z.ZodError) {
    const i = e.issues[0]
    const where = i.path.length ? i.path.join('.').replace(/^profile\./, '') : 'the file'
    let v: unknown = raw
    for (const k of i.path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined
    const got = i.code === 'invalid_type' ? ` (it is ${describe(v)})` : ''
    return `${where} ${i.message}${got}`
  }
  return e instanceof SyntaxError ? 'it is not valid JSON' : 'it cannot be read'
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (v === undefined) return 'missing'
  return typeof v === 'string' ? 'text' : typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

const exportSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  profile: storedSchema.shape.profile.omit({ secrets: true })
})

/** A profile as read from its file. */
export interface LoadedProfile extends BoardProfile {
  /** Names of secrets that are stored but cannot be read now (details in `unreadableSecrets`). */
  lostSecrets: BoardSecretKey[]
}

/** A short id from the name: "weber-rue-des-pres-4-3fa2c1". */
function newId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
  return `${slug || 'board'}-${randomBytes(3).toString('hex')}`
}

/** Profiles in a folder. */
export class ProfileStore {
  constructor(
    readonly dir: string,
    private readonly secrets: SecretStore
  ) {}

  /** How new secrets are kept. */
  protection(): SecretProtection {
    return this.secrets.protection?.() ?? OS_KEYCHAIN
  }

  private file(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw new Error(`Invalid profile id "${id}".`)
    return join(this.dir, `${id}.json`)
  }

  /** @throws ZodError for a file that fails the schema. */
  private decode(raw: unknown, fileId?: string): LoadedProfile {
    const s = storedSchema.parse(raw).profile
    if (fileId !== undefined && s.id !== fileId)
      throw new z.ZodError([{ code: 'custom', path: ['profile', 'id'], message: `is "${s.id}", not the file's name "${fileId}"`, input: s.id }])
    const secrets: BoardSecrets = { ...EMPTY_SECRETS }
    const lost: BoardSecretKey[] = []
    const unreadableSecrets: Partial<Record<BoardSecretKey, UnreadableSecret>> = {}
    for (const k of BOARD_SECRET_KEYS) {
      const enc = s.secrets[k]
      if (!enc) continue
      try {
        secrets[k] = this.secrets.decrypt(enc, k)
      } catch (e) {
        lost.push(k)
        unreadableSecrets[k] = unreadable(k, enc, e)
      }
    }
    return {
      id: s.id,
      name: s.name,
      customer: s.customer,
      meterId: s.meterId,
      notes: s.notes,
      board: s.board,
      defines: { ...DEFAULT_DEFINES, ...s.defines },
      settings: { ...DEFAULT_SETTINGS, ...(s.settings as object) },
      secrets,
      updatedAt: s.updatedAt,
      ...(lost.length ? { unreadableSecrets } : {}),
      lostSecrets: lost
    }
  }

  /**
   * A stored profile file given by path (the CLI's `--profile FILE`), read with this store's
   * secrets. @throws Error in plain words if it is not a stored profile or is damaged
   */
  async readStoredFile(path: string): Promise<LoadedProfile> {
    let raw: unknown
    try {
      raw = JSON.parse(await readFile(path, 'utf8'))
      return this.decode(raw)
    } catch (e) {
      throw new Error(`The board profile file ${path} is damaged: ${explainDamage(e, raw)}.`, { cause: e })
    }
  }

  /** Is this parsed JSON a stored profile file (format "p1studio-board-profile")? */
  static isStoredFile(raw: unknown): boolean {
    return typeof raw === 'object' && raw !== null && (raw as { format?: unknown }).format === FORMAT
  }

  /** Every readable profile, by name. Damaged files are skipped (named in `skipped`). */
  async list(): Promise<{ profiles: LoadedProfile[]; skipped: string[] }> {
    let names: string[]
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'))
    } catch {
      return { profiles: [], skipped: [] }
    }
    const profiles: LoadedProfile[] = []
    const skipped: string[] = []
    for (const n of names) {
      try {
        profiles.push(this.decode(JSON.parse(await readFile(join(this.dir, n), 'utf8')), n.slice(0, -5)))
      } catch {
        skipped.push(n)
      }
    }
    profiles.sort((a, b) => a.name.localeCompare(b.name))
    return { profiles, skipped }
  }

  /** One profile, null if there is none with that id. @throws Error if the file is damaged */
  async get(id: string): Promise<LoadedProfile | null> {
    let text: string
    try {
      text = await readFile(this.file(id), 'utf8')
    } catch {
      return null
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
      return this.decode(raw, id)
    } catch (e) {
      throw new Error(
        `The board profile file ${this.file(id)} is damaged: ${explainDamage(e, raw)}. Correct it in a text editor, or delete it and create the profile again.`,
        { cause: e }
      )
    }
  }

  /**
   * The profile a new one starts from (null: the defaults): `copyFrom`'s settings, switches and board (never its
   * name, customer, meter or secrets), else the sketch's neutral defaults (profile.ts).
   * @throws ApiError not_found when `copyFrom` names no profile
   */
  async startingPoint(copyFrom: string | undefined): Promise<BoardProfile | null> {
    if (!copyFrom) return null
    const t = await this.get(copyFrom)
    if (!t) throw new ApiError('not_found', `There is no board profile "${copyFrom}" to start from.`, { name: copyFrom })
    return { ...t, name: '', customer: '', meterId: '', notes: '', secrets: { ...EMPTY_SECRETS }, unreadableSecrets: undefined }
  }

  /**
   * Create (no id) or update a profile: the input is merged over the stored one (secrets:
   * string sets, null clears, absent keeps; a stored secret that cannot be read stays as
   * stored unless set or cleared). Incomplete profiles may be saved; malformed values may not.
   * A new profile starts from `copyFrom` or the neutral defaults.
   * @throws ApiError `invalid_profile` listing every malformed field (params {field: the first, fields, count}),
   *   Error when the folder cannot be written or a secret cannot be protected
   */
  async save(input: BoardProfileInput & { copyFrom?: string }): Promise<BoardProfile> {
    const { copyFrom, ...rest } = input
    const stored = rest.id ? await this.get(rest.id) : await this.startingPoint(copyFrom)
    if (rest.id && !stored) throw new ApiError('not_found', `There is no board profile "${rest.id}".`, { name: rest.id })
    const id = rest.id ?? newId(rest.name)
    const p = mergeProfile(rest, stored, id)
    // a new board gets a client id of its own (the broker drops a client whose id connects twice)
    if (!rest.id && rest.settings?.MQTT_CLIENT_ID === undefined) p.settings.MQTT_CLIENT_ID = `SmartyReader_${id.slice(-6)}`
    const errs = formatErrors(p)
    if (errs.length > 0)
      throw new ApiError('invalid_profile', `The profile was not saved: ${errs.map((e) => `${e.field}: ${e.message}`).join(' ')}`, {
        field: errs[0].field,
        fields: errs.map((e) => e.field).join(','),
        count: errs.length
      })
    await this.write(p)
    return p
  }

  private async write(p: BoardProfile): Promise<void> {
    const secrets: Record<string, string> = {}
    for (const k of BOARD_SECRET_KEYS) {
      const kept = p.unreadableSecrets?.[k]
      if (kept) secrets[k] = kept.stored
      else if (p.secrets[k] !== '') secrets[k] = this.secrets.encrypt(p.secrets[k], k)
    }
    const { unreadableSecrets: _u, ...plain } = p
    void _u
    delete (plain as Partial<LoadedProfile>).lostSecrets
    const body = { format: FORMAT, version: 1, profile: { ...plain, secrets } }
    try {
      await mkdir(this.dir, { recursive: true })
    } catch (e) {
      throw fileError(this.file(p.id), e, 'the board profile')
    }
    // a temporary file beside it (0600), renamed over the old one when complete
    writeFileSafely(this.file(p.id), JSON.stringify(body, null, 2) + '\n', { force: true, what: 'the board profile' })
  }

  /** Delete a profile (and its generated files). Idempotent. */
  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true })
    await rm(join(this.dir, id), { recursive: true, force: true })
  }

  /** The profile as JSON without any secret (nor the stored form of an unreadable one). */
  exportJson(p: BoardProfile): string {
    const { id, name, customer, meterId, notes, board, defines, settings, updatedAt } = p
    const profile = { id, name, customer, meterId, notes, board, defines, settings, updatedAt }
    return JSON.stringify({ format: EXPORT_FORMAT, version: 1, exportedAt: new Date().toISOString(), profile }, null, 2) + '\n'
  }

  /**
   * Import an exported profile as a new one (new id, no secrets).
   * @throws Error if the JSON is not a P1 Studio board profile export or has malformed values
   */
  async importJson(json: string): Promise<BoardProfile> {
    let raw: unknown
    try {
      raw = JSON.parse(json)
    } catch {
      throw new Error('This is not a JSON file.')
    }
    const r = exportSchema.safeParse(raw)
    if (!r.success) throw new Error('This is not a P1 Studio board profile export.')
    const e = r.data.profile
    return this.save({ name: e.name, customer: e.customer, meterId: e.meterId, notes: e.notes, board: e.board, defines: e.defines, settings: e.settings })
  }
}
