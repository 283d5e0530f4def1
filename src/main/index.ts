/**
 * Electron main process: a thin shell over StudioSession (plain Node services).
 * Hardening: context isolation, sandboxed renderer, no Node integration, CSP, navigation
 * and new windows blocked (external links open in the OS browser).
 */
import { app, BrowserWindow, Menu, session as electronSession, shell } from 'electron'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StudioSession } from './host/session'
import { wireIpc } from './host/ipc'
import { safeStorageKeyStore, safeStorageSecretStore } from './keystore'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'"

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
  const devUrl = process.env.ELECTRON_RENDERER_URL
  if (!app.isPackaged && devUrl) void win.loadURL(devUrl)
  else void win.loadFile(join(HERE, '../renderer/index.html'))
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault())
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
  studio = new StudioSession({ version: app.getVersion(), keyStore: safeStorageKeyStore(), captureDir: join(app.getPath('documents'), 'P1Studio', 'captures'), historyPath: join(app.getPath('userData'), 'history.duckdb'), boardsDir: join(app.getPath('userData'), 'boards'), secrets: safeStorageSecretStore() })
  await studio.loadRememberedKey()
  wireIpc(studio, () => win?.webContents ?? null)
  createWindow()
  // with no port chosen the app shows the demo, so the first start always shows values
  await studio.openSource({ kind: 'demo' }).catch(() => undefined)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
})

app.on('window-all-closed', () => {
  void studio?.dispose()
  if (process.platform !== 'darwin') app.quit()
})
