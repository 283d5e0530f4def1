/**
 * The nightly report's SMTP password, kept like the board secrets (board/secret-store.ts): in
 * `<data folder>/smtp-password.p1sec` (mode 0600), AES-256-GCM encrypted under the key of the OS
 * keyring or of the key file beside the data folder, with its own AAD name (`SMTP_PASSWORD`:
 * a board secret's stored form cannot be moved here, nor this one into a profile). The file
 * holds one line, the store's token (`p1sec:1:…`), never the password.
 *
 * In memory the password stays sealed too: serve keeps the token and decrypts it only when a
 * mail is sent ({@link sealedSmtpPassword}). A password that cannot be read (key file gone or
 * replaced, keyring locked, file damaged) is an {@link SmtpPasswordError} in plain words —
 * never an empty or wrong value sent to the server. The password never reaches a log, a
 * status line, a report or an export: {@link smtpPasswordStatus} says only whether one is kept
 * and how it is protected.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { SecretProtection } from '../../shared/board'
import type { SecretStore } from '../board/profile-store'
import { SecretReadError, isStoreToken } from '../board/secret-guard'
import { writeFileSafely } from '../capture/safe-file'

/** The AAD name of the SMTP password in the secret store. */
export const SMTP_SECRET_NAME = 'SMTP_PASSWORD'

/** Where the stored password lives: `<dataDir>/smtp-password.p1sec` (0600). */
export function smtpPasswordFile(dataDir: string): string {
  return join(dataDir, 'smtp-password.p1sec')
}

/** The stored SMTP password cannot be used: `code` is the secret store's (SECRET_READ_CODES) or `smtp_password_missing`. */
export class SmtpPasswordError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'SmtpPasswordError'
  }
}

const AGAIN = 'Store it again: p1studio smtp-password set --from-file FILE.'

/**
 * Encrypt `password` with the store and keep it in the data folder (whole or not at all, 0600),
 * replacing a stored one. @throws Error in plain words (an empty password, a folder or key
 * file that cannot be written).
 */
export function saveSmtpPassword(store: SecretStore, dataDir: string, password: string): void {
  if (!password) throw new Error('The SMTP password is empty.')
  if (isStoreToken(password)) throw new Error('That is a stored reference, not the SMTP password itself.')
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw new Error(`Cannot create the data folder ${dataDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e })
  }
  writeFileSafely(smtpPasswordFile(dataDir), store.encrypt(password, SMTP_SECRET_NAME) + '\n', { force: true, what: 'the SMTP password' })
}

/** Forget the stored password. @returns whether one was stored. */
export function clearSmtpPassword(dataDir: string): boolean {
  const f = smtpPasswordFile(dataDir)
  try {
    statSync(f)
  } catch {
    return false
  }
  rmSync(f, { force: true })
  return true
}

/** The stored token, null when none is kept. @throws SmtpPasswordError when the file cannot be read */
function storedToken(dataDir: string): string | null {
  const f = smtpPasswordFile(dataDir)
  let text: string
  try {
    text = readFileSync(f, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    throw new SmtpPasswordError('secret_unreadable', `The stored SMTP password cannot be read: ${f} cannot be opened (${code ?? 'error'}). ${AGAIN}`, {
      cause: e
    })
  }
  const token = text.trim()
  if (!token.startsWith('p1sec:')) throw new SmtpPasswordError('secret_damaged', `The stored SMTP password cannot be read: ${f} is damaged. ${AGAIN}`)
  return token
}

/**
 * A function giving the password when a mail is sent, the password kept encrypted meanwhile.
 * `token`: a store token (`p1sec:…` of the stored file, or of {@link sealPassword}).
 * @returns a function that @throws SmtpPasswordError in plain words when it cannot be read
 */
function opener(store: SecretStore, token: string): () => string {
  return () => {
    try {
      return store.decrypt(token, SMTP_SECRET_NAME)
    } catch (e) {
      const why = e instanceof SecretReadError ? e.message : 'its stored form is damaged'
      throw new SmtpPasswordError(e instanceof SecretReadError ? e.code : 'secret_damaged', `The stored SMTP password cannot be read: ${why}. ${AGAIN}`, {
        cause: e
      })
    }
  }
}

/**
 * The stored password as a sealed opener (for {@link SmtpOptions.password}), null when none
 * is stored. Opened once here, so that serve refuses to start with a password it cannot read.
 * @throws SmtpPasswordError in plain words
 */
export function sealedSmtpPassword(store: SecretStore, dataDir: string): (() => string) | null {
  const token = storedToken(dataDir)
  if (token === null) return null
  const open = opener(store, token)
  open()
  return open
}

/** Keep a password given for this run (`--smtp-password-file`) sealed in memory: encrypted now, opened when a mail is sent. */
export function sealPassword(store: SecretStore, password: string): () => string {
  return opener(store, store.encrypt(password, SMTP_SECRET_NAME))
}

/** What may be shown of the stored password: whether one is kept, where, how protected. Never the value. */
export interface SmtpPasswordStatus {
  stored: boolean
  file: string
  /** How it is protected (the store's), null when none is stored. */
  protection: SecretProtection | null
  /** Why it cannot be read now, null when it can (or none is stored). */
  problem: string | null
}

/** The status of the stored password (it is opened to tell "readable" from "not"). Never throws. */
export function smtpPasswordStatus(store: SecretStore, dataDir: string): SmtpPasswordStatus {
  const file = smtpPasswordFile(dataDir)
  try {
    const open = sealedSmtpPassword(store, dataDir)
    return { stored: open !== null, file, protection: open ? (store.protection?.() ?? null) : null, problem: null }
  } catch (e) {
    return { stored: true, file, protection: store.protection?.() ?? null, problem: (e as Error).message }
  }
}
