/**
 * Electron transport of the contract: `ipcMain.handle('p1studio:call')` → the session's router
 * with the desktop caller (full paths: the user at their own computer), session events →
 * 'p1studio:event' on the window. Electron keeps only the message of an Error it carries, so
 * every call answers an envelope (`{result}` | `{error: {code, message, params}}`) that the
 * preload unwraps (src/shared/contract/errors.ts).
 * Every call is checked for its sender first ({@link isAppSender}): only the top frame of the
 * app's own renderer is served; anything else (a frame that navigated away, an iframe, a
 * destroyed frame) is refused without touching the session.
 */
import { ipcMain, type WebContents } from 'electron'
import { EVENT_NAMES, type Envelope } from '../../shared/contract'
import { isAppSender, type AppRenderer } from './desktop-guard'
import type { StudioSession } from './session'

/** Channel names shared with the preload (which cannot import main-process modules: it repeats them). */
export const IPC_CALL = 'p1studio:call'
export const IPC_EVENT = 'p1studio:event'

/** What an IPC call is refused with when its sender is not the app's renderer. */
export const IPC_REFUSED = 'P1 Studio only answers its own window.'

/**
 * Wire the session to IPC and to `target`'s renderer.
 * @param app the app's renderer (built file, dev server URL) that may call
 * @returns an unwire function.
 */
export function wireIpc(session: StudioSession, target: () => WebContents | null, app: AppRenderer): () => void {
  ipcMain.handle(IPC_CALL, async (e, method: unknown, params: unknown): Promise<Envelope> => {
    if (!isAppSender(e.senderFrame, app)) throw new Error(IPC_REFUSED)
    return session.envelope(method, params, session.access.desktop)
  })
  const forward = (event: string) => (data: unknown) => {
    const wc = target()
    // events (frames, status…) only to the app's own page, never to whatever the window shows otherwise
    if (wc && !wc.isDestroyed() && isAppSender(wc.mainFrame, app)) wc.send(IPC_EVENT, { event, data })
  }
  const handlers = EVENT_NAMES.map((e) => [e, forward(e)] as const)
  for (const [e, h] of handlers) session.on(e, h)
  return () => {
    ipcMain.removeHandler(IPC_CALL)
    for (const [e, h] of handlers) session.off(e, h)
  }
}
