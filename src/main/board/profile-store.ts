/**
 * Board profiles on disk: one JSON file per profile in a folder, secrets (P1 key, Wi-Fi, MQTT
 * and OTA passwords) only through an injected {@link SecretStore} — Electron passes one on
 * `safeStorage` (OS keychain), `p1studio serve` an in-memory one ({@link memorySecretStore}:
 * the secrets live as long as the process). Files are written atomically (temp + rename),
 * mode 0600. Exports never contain a secret.
 *
 * File: `{ format: "p1studio-board-profile", version: 1, profile: {…, secrets: {NAME: <encrypted>}} }`.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { BOARD_SECRET_KEYS, type BoardProfileInput, type BoardSecrets } from '../../shared/board'
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

const storedSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  profile: z.object({
    id: z.string(),
    name: z.string(),
    customer: z.string().default(''),
    meterId: z.string().default(''),
    notes: z.string().default(''),
    board: z.enum(['esp8266', 'esp32']).default('esp8266'),
    defines: z.record(z.string(), z.boolean()).default({}),
    settings: z.record(z.string(), z.unknown()).default({}),
    secrets: z.record(z.string(), z.string()).default({}),
    updatedAt: z.string().default('')
  })
})

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

  private decode(raw: unknown): LoadedProfile {
    const s = storedSchema.parse(raw).profile
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
        profiles.push(this.decode(JSON.parse(await readFile(join(this.dir, n), 'utf8'))))
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
    try {
      return this.decode(JSON.parse(text))
    } catch (e) {
      throw new Error(`The profile file ${this.file(id)} is damaged: ${(e as Error).message}`)
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
      const tmp = `${this.file(p.id)}.${process.pid}.tmp`
      await writeFile(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 })
      await rename(tmp, this.file(p.id))
    } catch (e) {
      throw new Error(`Cannot write the profile into ${this.dir}: ${(e as Error).message}`)
    }
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
