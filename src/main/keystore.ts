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
