/**
 * Namespace `key`: the P1 key (AES-128-GCM, 32 hex digits; never sent back, only masked) and
 * the authentication key, and the meters whose authentication key the user confirmed.
 *
 * Frames accepted through the authentication-key fallback (GCM tag failed with the configured
 * authentication key, CRC right: warning `auth_key_mismatch`, DESIGN.md) reach the live view
 * but never the history, until the user confirms that meter's authentication key
 * (`confirmAuthKey`, remembered for the session).
 */
import { z } from 'zod'
import { hex32, method, namespace, result } from './define'

/** Request to set the P1 key and optionally the authentication key. */
export const setKeyRequestSchema = z
  .object({
    /** 32 hex digits, or null to forget the key. */
    key: z.union([hex32, z.null()]),
    /** 32 hex digits; omitted = keep the current one. */
    authKey: hex32.optional(),
    /** Keep the key in the OS keychain (Electron only). */
    remember: z.boolean().optional()
  })
  .strict()
export type SetKeyRequest = z.input<typeof setKeyRequestSchema>

/** A DLMS system title: 8 bytes, 16 hex digits (IDIS package 2). */
export const systemTitleSchema = z
  .string()
  .max(16)
  .regex(/^[0-9A-Fa-f]{16}$/, { message: 'must be a system title (16 hex digits)' })
  .transform((s) => s.toUpperCase())

/** Key status as the renderer may see it: never the key itself. */
export interface KeyStatus {
  /** A P1 key is set for the session. */
  hasKey: boolean
  /** Masked form, e.g. "••••••••••••••••••••••••••••4188" (last 4 hex digits) or null. */
  masked: string | null
  /** Where it came from: typed in, the OS keychain, or the command line. */
  origin: 'none' | 'entered' | 'keychain' | 'cli'
  /** The authentication key (not secret: Luxembourg publishes it), upper-case hex. */
  authKey: string
  /** The key can be remembered in the OS keychain (Electron safeStorage with a real keychain). */
  canRemember: boolean
  /**
   * Electron only: why the key cannot be remembered on this computer, e.g. Linux without a
   * keyring (safeStorage's `basic_text`): "…the P1 key is kept for this run only." Null or
   * absent when it can, and in serve mode.
   */
  keychainNote?: string | null
  /**
   * System titles (upper-case hex) whose frames opened only through the authentication-key
   * fallback (`auth_key_mismatch`) and are kept out of the history until confirmed.
   */
  authPending?: string[]
  /** System titles whose authentication key the user confirmed this session (their fallback frames go into the history). */
  authConfirmed?: string[]
}

export const KEY = namespace({
  /** Set or forget the P1 key. @throws invalid_request (the key is never echoed). */
  setKey: method(setKeyRequestSchema, 'key', result<KeyStatus>()),
  /** The user confirms that the meter with this system title uses another authentication key: its fallback frames go into the history. */
  confirmAuthKey: method(z.object({ systemTitle: systemTitleSchema }).strict(), 'confirmation', result<KeyStatus>())
})
