/**
 * The desktop window's hardening without the Electron binary: the pure predicates
 * (src/main/host/desktop-guard.ts), the real ipc.ts and keystore.ts on a stand-in 'electron'
 * module (a fake ipcMain and safeStorage), and the packaged app's fuses validated by
 * electron-builder's own configuration loader and schema.
 */
import { existsSync, mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted(() => ({
  handlers: new Map<string, (e: unknown, params: unknown) => Promise<unknown>>(),
  userData: '',
  storage: { available: true, backend: 'gnome_libsecret' as string }
}))

vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, fn: (e: unknown, p: unknown) => Promise<unknown>) => void fake.handlers.set(ch, fn),
    removeHandler: (ch: string) => void fake.handlers.delete(ch)
  },
  app: { getPath: () => fake.userData },
  safeStorage: {
    isEncryptionAvailable: () => fake.storage.available,
    getSelectedStorageBackend: () => fake.storage.backend,
    encryptString: (s: string) => Buffer.from(s, 'utf8').reverse(),
    decryptString: (b: Buffer) => Buffer.from(b).reverse().toString('utf8')
  }
}))

import { desktopCsp, isAppSender, keychainProtection } from '../../../src/main/host/desktop-guard'
import { IPC_CALL, IPC_REFUSED, wireIpc } from '../../../src/main/host/ipc'
import { safeStorageKeyStore, safeStorageSecretStore } from '../../../src/main/keystore'
import { StudioSession } from '../../../src/main/host/session'

const ROOT = resolve(import.meta.dirname, '../../..')
const RENDERER = { rendererFile: '/opt/P1 Studio/resources/app.asar/out/renderer/index.html', devUrl: null }
const appUrl = pathToFileURL(RENDERER.rendererFile).href

describe('IPC sender check', () => {
  it('only the top frame of the app’s own renderer', () => {
    expect(isAppSender({ url: appUrl, parent: null }, RENDERER)).toBe(true)
    expect(isAppSender({ url: appUrl + '#/board', parent: null }, RENDERER)).toBe(true)
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'file:///opt/P1%20Studio/resources/app.asar/out/renderer/other.html',
      'file:///opt/P1%20Studio/resources/app.asar/out/renderer/../renderer2/index.html',
      'file://server/opt/P1%20Studio/resources/app.asar/out/renderer/index.html',
      'http://localhost:5173/',
      'about:blank',
      'devtools://devtools/bundled/index.html',
      'not a url'
    ])
      expect(isAppSender({ url, parent: null }, RENDERER), url).toBe(false)
    expect(isAppSender({ url: appUrl, parent: {} }, RENDERER)).toBe(false) // an iframe
    expect(isAppSender(null, RENDERER)).toBe(false) // a destroyed frame
    const dev = { ...RENDERER, devUrl: 'http://localhost:5173' }
    expect(isAppSender({ url: 'http://localhost:5173/?x=1', parent: null }, dev)).toBe(true)
    expect(isAppSender({ url: 'http://localhost:5174/', parent: null }, dev)).toBe(false)
    expect(isAppSender({ url: 'http://127.0.0.1:5173/', parent: null }, dev)).toBe(false)
  })

  it('ipc.ts serves the app’s page and refuses every other sender without calling the session', async () => {
    fake.handlers.clear()
    const listPorts = vi.fn(async () => [])
    const session = new StudioSession({ version: '9.9.9', portLister: listPorts })
    const sent: unknown[] = []
    let shown = appUrl
    const wc = {
      isDestroyed: () => false,
      get mainFrame() {
        return { url: shown, parent: null }
      },
      send: (_ch: string, m: unknown) => void sent.push(m)
    }
    const unwire = wireIpc(session, () => wc as never, RENDERER)
    const call = (method: string, senderFrame: unknown, params?: unknown) =>
      (fake.handlers.get(IPC_CALL) as unknown as (e: unknown, m: string, p: unknown) => Promise<unknown>)({ senderFrame }, method, params)
    await expect(call('getStatus', { url: appUrl, parent: null })).resolves.toMatchObject({ result: { version: '9.9.9' } })
    await expect(call('listPorts', { url: 'https://evil.example/', parent: null })).rejects.toThrow(IPC_REFUSED)
    await expect(call('listPorts', { url: appUrl, parent: { url: appUrl } })).rejects.toThrow(IPC_REFUSED)
    await expect(call('listPorts', null)).rejects.toThrow(IPC_REFUSED)
    expect(listPorts).not.toHaveBeenCalled()
    // errors cross as an envelope {code, message, params}: Electron would keep only an Error's message
    await expect(call('setKey', { url: appUrl, parent: null }, { key: '1234' })).resolves.toEqual({
      error: { code: 'invalid_request', message: 'Invalid key: key: must be 32 hex digits', params: { field: 'key' } }
    })
    await expect(call('rm -rf', { url: appUrl, parent: null })).resolves.toMatchObject({ error: { code: 'unknown_method' } })
    // the desktop keeps full paths
    await expect(call('importFile', { url: appUrl, parent: null }, { path: '/p1studio/no/such/file.hex' })).resolves.toMatchObject({
      error: { code: 'failed', message: expect.stringMatching(/No file at \/p1studio\/no\/such\/file\.hex/) }
    })
    // events reach the window only while it shows the app's page
    session.emit('history', { file: 'a', fraction: 0, readings: 0, done: false })
    shown = 'https://evil.example/'
    session.emit('history', { file: 'b', fraction: 0, readings: 0, done: false })
    expect(sent).toEqual([{ event: 'history', data: { file: 'a', fraction: 0, readings: 0, done: false } }])
    unwire()
    expect(fake.handlers.size).toBe(0)
    await session.dispose()
  })
})

describe('CSP of the desktop window', () => {
  it('connect-src: nothing but self when packaged, plus the dev server’s socket in development', () => {
    expect(desktopCsp(null)).toMatch(/connect-src 'self';/)
    expect(desktopCsp(null)).not.toMatch(/ws:|wss:|\*/)
    expect(desktopCsp('http://localhost:5173')).toMatch(/connect-src 'self' ws:\/\/localhost:5173;/)
    expect(desktopCsp('not a url')).toMatch(/connect-src 'self';/)
  })
})

describe('keychain on Linux without a keyring (safeStorage basic_text)', () => {
  beforeEach(() => {
    fake.userData = mkdtempSync(join(tmpdir(), 'p1s-keystore-'))
  })

  it('the predicate: basic_text and unknown are no keychain; libsecret/KWallet and other platforms are', () => {
    expect(keychainProtection({ platform: 'linux', encryptionAvailable: true, backend: 'basic_text' })).toMatchObject({
      usable: false,
      note: expect.stringMatching(/kept for this run only/)
    })
    expect(keychainProtection({ platform: 'linux', encryptionAvailable: true, backend: 'unknown' }).usable).toBe(false)
    expect(keychainProtection({ platform: 'linux', encryptionAvailable: true, backend: 'gnome_libsecret' })).toEqual({ usable: true, note: null })
    expect(keychainProtection({ platform: 'linux', encryptionAvailable: true, backend: 'kwallet6' }).usable).toBe(true)
    expect(keychainProtection({ platform: 'darwin', encryptionAvailable: true, backend: null }).usable).toBe(true)
    expect(keychainProtection({ platform: 'win32', encryptionAvailable: false, backend: null })).toMatchObject({
      usable: false,
      note: expect.stringMatching(/run only/)
    })
  })

  it.runIf(process.platform === 'linux')(
    'keystore.ts: with basic_text the key is not written, the key status says it is kept for this run only; board secrets stay in memory',
    async () => {
      fake.storage.backend = 'basic_text'
      fake.storage.available = true
      const session = new StudioSession({ version: '1', keyStore: safeStorageKeyStore() })
      const status = await session.api.setKey({ key: '5A1B2C3D4E5F60718293A4B5C6D7E8F9', remember: true })
      expect(status).toMatchObject({
        hasKey: true,
        origin: 'entered',
        canRemember: false,
        keychainNote: expect.stringMatching(/No keyring is running .* kept for this run only\.$/)
      })
      expect(existsSync(join(fake.userData, 'p1-key.bin'))).toBe(false)
      expect(safeStorageSecretStore().encrypt('wifi-password')).toMatch(/^mem:/)
      await session.dispose()

      fake.storage.backend = 'gnome_libsecret'
      const s2 = new StudioSession({ version: '1', keyStore: safeStorageKeyStore() })
      expect(await s2.api.setKey({ key: '5A1B2C3D4E5F60718293A4B5C6D7E8F9', remember: true })).toMatchObject({
        origin: 'keychain',
        canRemember: true,
        keychainNote: null
      })
      expect(existsSync(join(fake.userData, 'p1-key.bin'))).toBe(true)
      expect(safeStorageSecretStore().encrypt('wifi-password')).not.toMatch(/^mem:/)
      await s2.dispose()
    }
  )
})

describe('Electron fuses of the packaged app', () => {
  it('electron-builder.yml sets them, and electron-builder’s own loader and schema accept the file', async () => {
    const require = createRequire(join(ROOT, 'package.json'))
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config')
    const { DebugLogger } = require('builder-util')
    const config = await getConfig(ROOT, null, null)
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true
    })
    expect(config.asar ?? true).toBe(true) // integrity checks need the app in an asar
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  }, 60_000)
})
