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
import { memorySecretStore, type SecretStore } from './board/profile-store'

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
 * kept as base64 in the profile file. Where the OS offers no real keychain (none, or Linux's
 * `basic_text`) the secrets live in this process's memory only (never on disk under a
 * well-known password) and read as empty after a restart.
 * @throws Error from decrypt when an entry is damaged or was written by another keychain.
 */
export function safeStorageSecretStore(): SecretStore {
  const memory = memorySecretStore()
  return {
    encrypt(plain) {
      if (!currentKeychain().usable) return memory.encrypt(plain)
      return safeStorage.encryptString(plain).toString('base64')
    },
    decrypt(stored) {
      if (stored.startsWith('mem:')) return memory.decrypt(stored)
      return safeStorage.decryptString(Buffer.from(stored, 'base64'))
    }
  }
}
