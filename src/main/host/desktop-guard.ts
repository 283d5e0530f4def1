/**
 * The desktop window's hardening, as pure functions (no Electron import, so tests run without
 * the Electron binary; src/main/index.ts, src/main/host/ipc.ts and src/main/keystore.ts use them):
 *
 * - {@link isAppSender}: an IPC call is served only when it comes from the app's own renderer —
 *   the top frame showing `out/renderer/index.html` (or, unpackaged, the electron-vite dev
 *   server's origin). A frame that navigated elsewhere, an iframe or a destroyed frame gets
 *   nothing (Electron security checklist §17, "Validate the sender of all IPC messages").
 * - {@link desktopCsp}: the window's Content-Security-Policy; `connect-src` is only what the
 *   app uses: nothing beyond 'self' when packaged (the contract travels over IPC), plus the dev
 *   server's WebSocket for hot reload in development.
 * - {@link keychainProtection}: whether Electron's safeStorage really protects a stored P1 key.
 *   On Linux without a keyring (no GNOME Keyring/KWallet) it falls back to `basic_text`, a
 *   password hard-coded in Chromium: that is obfuscation, not protection, and is treated as no
 *   keychain (the key is kept for this run only, and the key status says so).
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the app's renderer is. */
export interface AppRenderer {
  /** Absolute path of the built renderer's index.html (loaded with loadFile). */
  rendererFile: string
  /** electron-vite dev server URL (ELECTRON_RENDERER_URL), only when not packaged; null otherwise. */
  devUrl?: string | null
}

/** What {@link isAppSender} needs of an IPC sender (Electron's WebFrameMain fits). */
export interface SenderFrameLike {
  url: string
  /** The parent frame; null for a top-level frame. */
  parent: unknown
}

/**
 * True if `frame` is the app's own renderer: a top-level frame whose URL is the renderer file
 * (`file://…/renderer/index.html`, any query or hash) or, in development, on the dev server's
 * origin. Never throws.
 */
export function isAppSender(frame: SenderFrameLike | null | undefined, app: AppRenderer): boolean {
  if (!frame || typeof frame.url !== 'string' || frame.parent !== null) return false
  let url: URL
  try {
    url = new URL(frame.url)
  } catch {
    return false
  }
  if (url.protocol === 'file:') {
    if (url.host !== '') return false // file://server/share/… is not our file
    try {
      return resolve(fileURLToPath(url)) === resolve(app.rendererFile)
    } catch {
      return false
    }
  }
  if (!app.devUrl) return false
  try {
    const dev = new URL(app.devUrl)
    return (dev.protocol === 'http:' || dev.protocol === 'https:') && url.origin === dev.origin
  } catch {
    return false
  }
}

/**
 * The window's Content-Security-Policy header. Packaged: `connect-src 'self'` (the renderer
 * fetches nothing, IPC is not a network request). With a dev server: its WebSocket origin too
 * (Vite's hot reload), and nothing else.
 */
export function desktopCsp(devUrl: string | null): string {
  let connect = "'self'"
  if (devUrl) {
    try {
      const u = new URL(devUrl)
      if (u.protocol === 'http:' || u.protocol === 'https:') connect += ` ${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`
    } catch {
      // a malformed dev URL adds nothing
    }
  }
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connect}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
}

/** What Electron's safeStorage reports. */
export interface SafeStorageState {
  /** process.platform */
  platform: string
  /** safeStorage.isEncryptionAvailable() */
  encryptionAvailable: boolean
  /** safeStorage.getSelectedStorageBackend() on Linux ('basic_text', 'gnome_libsecret', 'kwallet5'…), null elsewhere or before app ready. */
  backend: string | null
}

/** Whether a key stored through safeStorage is protected, and what to tell the user if not. */
export interface KeychainProtection {
  usable: boolean
  /** Plain sentence for the key status when not usable, null when usable. */
  note: string | null
}

/** Linux backends of Chromium's OSCrypt that protect with a secret the user's session holds. */
const LINUX_KEYRINGS = new Set(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6'])

/**
 * Decide whether safeStorage protects secrets here. Linux: only a real keyring backend counts;
 * `basic_text` (a fixed password in Chromium's source) and `unknown` do not. Never throws.
 */
export function keychainProtection(s: SafeStorageState): KeychainProtection {
  if (!s.encryptionAvailable) {
    return { usable: false, note: 'This computer offers no keychain to P1 Studio: the P1 key is kept for this run only.' }
  }
  if (s.platform === 'linux' && !LINUX_KEYRINGS.has(s.backend ?? '')) {
    return {
      usable: false,
      note: 'No keyring is running (GNOME Keyring or KWallet), so a remembered key would be protected by a password anyone can look up: the P1 key is kept for this run only.'
    }
  }
  return { usable: true, note: null }
}
