/**
 * Electron main process: a thin shell over StudioSession (plain Node services).
 * Hardening: context isolation, sandboxed renderer, no Node integration, CSP with
 * `connect-src` only what the app uses (host/desktop-guard.ts), IPC served only to the app's
 * own renderer (host/ipc.ts), navigation, new windows, webviews and permissions refused
 * (external links open in the OS browser). The packaged app's Electron fuses are set in
 * electron-builder.yml (RunAsNode off, cookie encryption, ASAR integrity, app only from ASAR).
 */
import { app, BrowserWindow, Menu, session as electronSession, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StudioSession } from './host/session'
import { wireIpc } from './host/ipc'
import { desktopCsp, isAppSender, type AppRenderer } from './host/desktop-guard'
import { currentKeychain, safeStorageKeyStore, safeStorageSecretStore } from './keystore'
import { openSecretStore } from './board/secret-store'

const HERE = fileURLToPath(new URL('.', import.meta.url))
/** The app's renderer: the built page, or the dev server when not packaged. */
const RENDERER: AppRenderer = {
  rendererFile: join(HERE, '../renderer/index.html'),
  devUrl: !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null
}
const CSP = desktopCsp(RENDERER.devUrl ?? null)

let win: BrowserWindow | null = null
let studio: StudioSession | null = null

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'P1 Studio',
    show: false,
    webPreferences: {
      preload: join(HERE, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false
    }
  })
  win.once('ready-to-show', () => win?.show())
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== win?.webContents.getURL()) e.preventDefault()
  })
  if (RENDERER.devUrl) void win.loadURL(RENDERER.devUrl)
  else void win.loadFile(RENDERER.rendererFile)
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault())
  // no frame may navigate the app's window (or an iframe) away from the app's own page
  contents.on('will-frame-navigate', (e) => {
    if (!isAppSender({ url: e.url, parent: null }, RENDERER)) e.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
})

app.whenReady().then(async () => {
  electronSession.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
  electronSession.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
      { role: 'help', submenu: [{ role: 'about' }] }
    ])
  )
  studio = new StudioSession({
    version: app.getVersion(),
    keyStore: safeStorageKeyStore(),
    captureDir: join(app.getPath('documents'), 'P1Studio', 'captures'),
    historyPath: join(app.getPath('userData'), 'history.duckdb'),
    boardsDir: join(app.getPath('userData'), 'boards'),
    // board secrets: the OS keychain; where safeStorage has none (Linux basic_text) the OS keyring or an encrypted file, never memory only
    secrets: currentKeychain().usable ? safeStorageSecretStore() : await openSecretStore({ dataDir: app.getPath('userData') })
  })
  await studio.loadRememberedKey()
  wireIpc(studio, () => win?.webContents ?? null, RENDERER)
  createWindow()
  // with no port chosen the app shows the demo, so the first start always shows values
  await studio.api.openSource({ kind: 'demo' }).catch(() => undefined)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  void studio?.dispose()
  if (process.platform !== 'darwin') app.quit()
})
