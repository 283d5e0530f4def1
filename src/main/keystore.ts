/**
 * KeyStore on Electron's safeStorage (OS keychain: DPAPI, Keychain, libsecret): the P1
 * key encrypted in a file of the user data folder. Only offered when the OS provides
 * encryption; never a plain-text fallback.
 */
import { app, safeStorage } from 'electron'
import { existsSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { KeyStore } from './host/session'
import { memorySecretStore, type SecretStore } from './board/profile-store'

export function safeStorageKeyStore(): KeyStore {
  const file = join(app.getPath('userData'), 'p1-key.bin')
  return {
    available: () => safeStorage.isEncryptionAvailable(),
    async load() {
      if (!existsSync(file)) return null
      return safeStorage.decryptString(await readFile(file))
    },
    async save(key) {
      if (key === null) await rm(file, { force: true })
      else await writeFile(file, safeStorage.encryptString(key), { mode: 0o600 })
    }
  }
}

/**
 * SecretStore of board profiles on safeStorage: each secret encrypted by the OS keychain and
 * kept as base64 in the profile file. Where the OS offers no encryption the secrets live in
 * this process's memory only (never plain text on disk) and read as empty after a restart.
 * @throws Error from decrypt when an entry is damaged or was written by another keychain.
 */
export function safeStorageSecretStore(): SecretStore {
  const memory = memorySecretStore()
  return {
    encrypt(plain) {
      if (!safeStorage.isEncryptionAvailable()) return memory.encrypt(plain)
      return safeStorage.encryptString(plain).toString('base64')
    },
    decrypt(stored) {
      if (stored.startsWith('mem:')) return memory.decrypt(stored)
      return safeStorage.decryptString(Buffer.from(stored, 'base64'))
    }
  }
}
