/**
 * KeyStore on Electron's safeStorage (OS keychain: DPAPI, Keychain, libsecret/KWallet): the P1
 * key encrypted in a file of the user data folder. Only offered when the OS really protects it
 * ({@link keychainProtection}): on Linux without a keyring safeStorage falls back to
 * `basic_text`, a password written in Chromium's source — that is treated as no keychain (the
 * key is kept for this run only, and the key status says so). Never a plain-text fallback.
 */
import { app, safeStorage } from 'electron'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KeyStore } from './host/session'
import { keychainProtection, type KeychainProtection } from './host/desktop-guard'
import { memorySecretStore, OS_KEYCHAIN, THIS_RUN_ONLY, type SecretStore } from './board/profile-store'
import { SecretReadError } from './board/secret-guard'

/** What safeStorage offers here (call after app 'ready': the Linux backend is 'unknown' before). */
export function currentKeychain(): KeychainProtection {
  return keychainProtection({
    platform: process.platform,
    encryptionAvailable: safeStorage.isEncryptionAvailable(),
    backend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null
  })
}

export function safeStorageKeyStore(): KeyStore {
  const file = join(app.getPath('userData'), 'p1-key.bin')
  return {
    available: () => currentKeychain().usable,
    note: () => currentKeychain().note,
    async load() {
      if (!currentKeychain().usable || !existsSync(file)) return null
      return safeStorage.decryptString(await readFile(file))
    },
    async save(key) {
      if (key === null) await rm(file, { force: true })
      else if (currentKeychain().usable) await writeFile(file, safeStorage.encryptString(key), { mode: 0o600 })
    }
  }
}

/**
 * SecretStore of board profiles on safeStorage: each secret encrypted by the OS keychain and
 * kept as base64 in the profile file; protection `os-keychain`. Only used where the keychain is
 * real (index.ts): with none, or Linux's `basic_text`, the app uses the persistent store of
 * board/secret-store.ts instead (OS keyring through @napi-rs/keyring, else an encrypted file
 * whose key lies beside the data folder) — never a well-known password. Used alone without a
 * keychain it keeps secrets in this run's memory (`this-run-only`).
 * A value this keychain cannot read is a {@link SecretReadError}: `secret_unreadable` (another
 * store's value: `p1sec:…` from a run without the keychain, `mem:…` of an earlier run as
 * `secret_lost_restart`) or `secret_damaged` (safeStorage refuses it). Never a value.
 */
export function safeStorageSecretStore(): SecretStore {
  // used alone (without index.ts's choice) where the keychain is missing: this run's memory, never a well-known password
  const memory = memorySecretStore()
  return {
    encrypt(plain) {
      if (!currentKeychain().usable) return memory.encrypt(plain)
      return safeStorage.encryptString(plain).toString('base64')
    },
    decrypt(stored) {
      // this run's memory, else secret_lost_restart
      if (stored.startsWith('mem:')) return memory.decrypt(stored)
      if (stored.startsWith('p1sec:'))
        throw new SecretReadError('secret_unreadable', "it was saved in P1 Studio's encrypted file while the OS keychain was not available")
      try {
        return safeStorage.decryptString(Buffer.from(stored, 'base64'))
      } catch (e) {
        throw new SecretReadError('secret_damaged', 'the OS keychain cannot decrypt it (damaged, or saved under another user or keychain)', null, { cause: e })
      }
    },
    protection: () => (currentKeychain().usable ? OS_KEYCHAIN : THIS_RUN_ONLY)
  }
}
