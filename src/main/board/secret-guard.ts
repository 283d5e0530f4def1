/**
 * What stands between a board secret and a file: a secret that could not be read is an error
 * (never a value, never a silent empty string), and a store's token (`mem:…`, `p1sec:…`) is
 * never a secret. Every writer of secrets (config.h, ESPHome YAML and secrets.yaml, Improv, the
 * MQTT verifier's password) asks {@link assertSecretsUsable} first.
 *
 * Codes: {@link SECRET_READ_CODES} (src/shared/board.ts) for a stored secret that cannot be
 * read; `secret_is_token` for a store token where a secret belongs. docs/board.md lists them.
 */
import { BOARD_SECRET_KEYS, type BoardSecretKey, type SecretReadCode } from '../../shared/board'
import { ApiError } from '../../shared/contract/errors'

/** The secrets in words, for messages. */
export const SECRET_WORDS: Record<BoardSecretKey, string> = {
  KEY_SMARTY: 'The P1 key',
  MY_WIFI_PASSWORD: 'The Wi-Fi password',
  MY_MQTT_PASS: 'The MQTT password',
  MY_OTA_PASS_HASH: 'The OTA password hash'
}

/**
 * A stored secret that cannot be read (thrown by a SecretStore's decrypt). `code` is one of
 * {@link SECRET_READ_CODES}; the message is one plain sentence without the secret's name (the
 * profile store prefixes it).
 */
export class SecretReadError extends Error {
  constructor(
    readonly code: SecretReadCode,
    message: string,
    readonly keyFile: string | null = null,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'SecretReadError'
  }
}

/** A secret stored but unreadable now: kept as stored (so that a later run with the key can read it), never used as a value. */
export interface UnreadableSecret {
  code: SecretReadCode
  /** One sentence naming the secret and why, e.g. "The Wi-Fi password cannot be read: the key file … is missing. …". */
  message: string
  /** The key file concerned, if any. */
  keyFile: string | null
  /** The stored (encrypted) form, written back unchanged when the profile is saved. */
  stored: string
}

/** What the guard needs of a profile. */
export interface SecretHolder {
  secrets: Record<BoardSecretKey, string>
  unreadableSecrets?: Partial<Record<BoardSecretKey, UnreadableSecret>>
}

// `mem:` + 24 hex (memorySecretStore), `p1sec:<version>:` (secret-store.ts)
const TOKEN = /^(mem:[0-9a-f]{24}|p1sec:\d+:)/

/** Is `value` a secret store's token (an encrypted or in-memory reference) rather than a secret? */
export function isStoreToken(value: string): boolean {
  return TOKEN.test(value)
}

/**
 * Thrown by writers: a secret is unreadable (`code` one of {@link SECRET_READ_CODES}) or holds a
 * store token (`secret_is_token`). Params: {field, keyFile}. An ApiError, so the code and
 * params reach the renderer as they are.
 */
export class SecretUnusableError extends ApiError {
  constructor(code: SecretReadCode | 'secret_is_token', message: string, field: BoardSecretKey, keyFile: string | null) {
    super(code, message, { field, keyFile })
    this.name = 'SecretUnusableError'
  }
}

/**
 * Refuse a profile whose secrets cannot be used as they are: one unreadable (key file gone,
 * keyring locked, damaged) or holding a store token. `keys`: which secrets the caller writes
 * (default all). Pure.
 * @throws SecretUnusableError naming the first such secret and what to do
 */
export function assertSecretsUsable(p: SecretHolder, keys: readonly BoardSecretKey[] = BOARD_SECRET_KEYS): void {
  for (const k of keys) {
    const u = p.unreadableSecrets?.[k]
    if (u) throw new SecretUnusableError(u.code, `${u.message} Nothing was written.`, k, u.keyFile)
  }
  for (const k of keys) {
    if (isStoreToken(p.secrets[k]))
      throw new SecretUnusableError(
        'secret_is_token',
        `${SECRET_WORDS[k]} in this profile is a stored reference ("${p.secrets[k].slice(0, 10)}…"), not the secret itself: enter it again. Nothing was written.`,
        k,
        null
      )
  }
}

/** A profile's secret for use (Improv, MQTT). @throws SecretUnusableError as {@link assertSecretsUsable} */
export function usableSecret(p: SecretHolder, key: BoardSecretKey): string {
  assertSecretsUsable(p, [key])
  return p.secrets[key]
}
