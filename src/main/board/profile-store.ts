/**
 * Board profiles on disk: one JSON file per profile in a folder, secrets (P1 key, Wi-Fi, MQTT
 * and OTA passwords) only through an injected {@link SecretStore} — Electron passes one on
 * `safeStorage` (OS keychain), `p1studio serve` an in-memory one ({@link memorySecretStore}:
 * the secrets live as long as the process). Files are written atomically (temp + rename),
 * mode 0600, write errors (disk full…) in plain words. Exports never contain a secret.
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
import { BOARD_SECRET_KEYS, FIRMWARE_GENERATIONS, type BoardProfileInput, type BoardSecrets } from '../../shared/board'
import { fileError, writeFileSafely } from '../capture/safe-file'
import { DEFAULT_DEFINES, DEFAULT_SETTINGS, EMPTY_SECRETS, formatErrors, mergeProfile, type BoardProfile } from './profile'

/** Encrypts secrets for storage (Electron: safeStorage + base64). Both may throw. */
export interface SecretStore {
  encrypt(plain: string): string
  decrypt(stored: string): string
}

/**
 * Secrets kept in this process's memory only (serve mode, tests): the file holds an opaque
 * token; after a restart the token is unknown and the secret reads as empty.
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
      if (v === undefined) throw new Error('secret not in memory (the app was restarted)')
      return v
    }
  }
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

/** A profile whose secrets could not be read back (keychain changed, app restarted in serve mode). */
export interface LoadedProfile extends BoardProfile {
  /** Names of secrets that were stored but could not be decrypted (now empty). */
  lostSecrets: string[]
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
    const lost: string[] = []
    for (const k of BOARD_SECRET_KEYS) {
      const enc = s.secrets[k]
      if (!enc) continue
      try {
        secrets[k] = this.secrets.decrypt(enc)
      } catch {
        lost.push(k)
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
      lostSecrets: lost
    }
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
   * Create (no id) or update a profile: the input is merged over the stored one (secrets:
   * string sets, null clears, absent keeps). Incomplete profiles may be saved; malformed
   * values may not.
   * @throws Error naming the first malformed field, or when the folder cannot be written
   */
  async save(input: BoardProfileInput): Promise<BoardProfile> {
    const stored = input.id ? await this.get(input.id) : null
    if (input.id && !stored) throw new Error(`There is no board profile "${input.id}".`)
    const p = mergeProfile(input, stored, input.id ?? newId(input.name))
    const errs = formatErrors(p)
    if (errs.length > 0) throw new Error(`The profile was not saved: ${errs[0].field}: ${errs[0].message}`)
    await this.write(p)
    return p
  }

  private async write(p: BoardProfile): Promise<void> {
    const secrets: Record<string, string> = {}
    for (const k of BOARD_SECRET_KEYS) if (p.secrets[k] !== '') secrets[k] = this.secrets.encrypt(p.secrets[k])
    const body = { format: FORMAT, version: 1, profile: { ...p, secrets } }
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

  /** The profile as JSON without any secret. */
  exportJson(p: BoardProfile): string {
    const { secrets: _secrets, ...rest } = p
    void _secrets
    const profile = { ...rest }
    delete (profile as Partial<LoadedProfile>).lostSecrets
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
