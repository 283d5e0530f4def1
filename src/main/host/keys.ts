/**
 * The P1 key and the authentication key of the session (namespace `key`). The key never leaves
 * this object but masked; in Electron it can be remembered through a {@link KeyStore} (the OS
 * keychain). The demo brings its documented key while no key is set, and drops it again when a
 * real source opens (a meter's frames then say "no key set", not "wrong key").
 *
 * Authentication-key fallback (DESIGN.md; issue 12): a frame whose GCM tag fails with the
 * configured authentication key but which opens into a telegram with a right CRC carries the
 * warning `auth_key_mismatch`. Such frames reach the live view; they go into the history only
 * once the user confirms that meter's authentication key (by system title, for the session).
 */
import { EventEmitter } from 'node:events'
import { KEY, type Handlers, type KeyStatus, type RequestOut } from '../../shared/contract'
import { LUX_AUTH_KEY_HEX } from '../../shared/types'
import { DEMO_KEY_HEX } from '../line/demo-source'
import { parseKeyHex } from '../p1/pipeline'
import type { Caller } from './caller'

/** Where a remembered P1 key is kept (Electron: safeStorage). */
export interface KeyStore {
  available(): boolean
  /** Why the key cannot be remembered here (plain sentence for the key status), null when it can. */
  note?(): string | null
  load(): Promise<string | null>
  save(key: string | null): Promise<void>
}

/** Mask a key for display: only the last 4 hex digits ("••••…4188" style, 28 dots). */
export function maskKey(hex: string): string {
  return '•'.repeat(28) + hex.slice(-4).toUpperCase()
}

const upperHex = (hex: string, what?: string): string => parseKeyHex(hex, what).toString('hex').toUpperCase()

/** Events: 'change' when the keys changed (the decoder takes them, the status is sent). */
export class KeyService extends EventEmitter<{ change: [] }> implements Handlers<typeof KEY, Caller> {
  private p1: string | null = null
  private auth: string = LUX_AUTH_KEY_HEX
  private origin: KeyStatus['origin'] = 'none'
  /** The key was set automatically for the demo. */
  private demoKeyActive = false
  private readonly pending = new Set<string>()
  private readonly confirmed = new Set<string>()

  private readonly keyStore?: KeyStore

  /** @throws TypeError if `key`/`authKey` are given but malformed. */
  constructor(opts: { key?: string; authKey?: string; keyStore?: KeyStore } = {}) {
    super()
    this.keyStore = opts.keyStore
    if (opts.authKey) this.auth = upperHex(opts.authKey, 'Authentication key')
    if (opts.key) {
      this.p1 = upperHex(opts.key)
      this.origin = 'cli'
    }
  }

  /** The P1 key (upper-case hex) or null. */
  get key(): string | null {
    return this.p1
  }

  /** The authentication key (upper-case hex). */
  get authKey(): string {
    return this.auth
  }

  /** Load a remembered key from the key store (Electron start-up). */
  async loadRemembered(): Promise<void> {
    if (this.p1 || !this.keyStore?.available()) return
    const k = await this.keyStore.load().catch(() => null)
    if (!k) return
    try {
      this.apply(upperHex(k), 'keychain')
    } catch {
      /* a damaged entry is ignored */
    }
  }

  /**
   * Before a source opens (it builds its decoder with the keys then, and sends the status):
   * the demo brings its own key when none is set; a real source drops it.
   */
  prepareFor(kind: 'serial' | 'demo' | 'file' | 'capture'): void {
    if (kind === 'demo' && !this.p1) {
      this.p1 = DEMO_KEY_HEX
      this.origin = 'entered'
      this.demoKeyActive = true
    } else if (kind !== 'demo' && this.demoKeyActive) {
      this.p1 = null
      this.origin = 'none'
      this.demoKeyActive = false
    }
  }

  async setKey(req: RequestOut<(typeof KEY.methods)['setKey']>): Promise<KeyStatus> {
    if (req.authKey) this.auth = upperHex(req.authKey, 'Authentication key')
    const key = req.key === null ? null : upperHex(req.key)
    this.apply(key, key ? 'entered' : 'none')
    if (this.keyStore?.available()) {
      if (req.remember && key) {
        await this.keyStore.save(key)
        this.origin = 'keychain'
      } else if (key === null || req.remember === false) await this.keyStore.save(null)
    }
    this.emit('change')
    return this.status()
  }

  async confirmAuthKey(req: RequestOut<(typeof KEY.methods)['confirmAuthKey']>): Promise<KeyStatus> {
    this.confirmed.add(req.systemTitle)
    this.pending.delete(req.systemTitle)
    this.emit('change')
    return this.status()
  }

  /**
   * May a telegram with these warnings, from this system title, go into the history? Frames
   * opened through the authentication-key fallback only after the user confirmed that meter;
   * until then the system title is listed as pending in the key status.
   */
  admitToHistory(warnings: readonly string[], systemTitle: string | null): boolean {
    if (!warnings.includes('auth_key_mismatch')) return true
    const title = (systemTitle ?? '').toUpperCase()
    if (this.confirmed.has(title)) return true
    if (!this.pending.has(title)) {
      this.pending.add(title)
      this.emit('change')
    }
    return false
  }

  /** What the renderer may see: never the key itself. */
  status(): KeyStatus {
    return {
      hasKey: this.p1 !== null,
      masked: this.p1 ? maskKey(this.p1) : null,
      origin: this.origin,
      authKey: this.auth,
      canRemember: this.keyStore?.available() ?? false,
      keychainNote: this.keyStore?.note?.() ?? null,
      authPending: [...this.pending],
      authConfirmed: [...this.confirmed]
    }
  }

  private apply(key: string | null, origin: KeyStatus['origin']): void {
    this.demoKeyActive = false
    this.p1 = key
    this.origin = key ? origin : 'none'
  }
}
