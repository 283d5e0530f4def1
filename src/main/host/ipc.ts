/**
 * Electron transport of the contract: ipcMain.handle('p1studio:<method>') → StudioSession,
 * session events → 'p1studio:event' on the window. Parameters are validated by the
 * session (zod). Errors reach the renderer as plain-English messages.
 * Every call is checked for its sender first ({@link isAppSender}): only the top frame of the
 * app's own renderer is served; anything else (a frame that navigated away, an iframe, a
 * destroyed frame) is refused without touching the session.
 */
import { ipcMain, type WebContents } from 'electron'
import { API_METHODS, EVENT_NAMES, type ApiMethod, type P1StudioApi } from '../../shared/contract'
import { isAppSender, type AppRenderer } from './desktop-guard'
import type { StudioSession } from './session'

/** Channel names shared with the preload. */
export const IPC_PREFIX = 'p1studio:'
export const IPC_EVENT = 'p1studio:event'

/** What an IPC call is refused with when its sender is not the app's renderer. */
export const IPC_REFUSED = 'P1 Studio only answers its own window.'

/**
 * Wire the session to IPC and to `target`'s renderer.
 * @param app the app's renderer (built file, dev server URL) that may call
 * @returns an unwire function.
 */
export function wireIpc(session: StudioSession, target: () => WebContents | null, app: AppRenderer): () => void {
  for (const m of API_METHODS) {
    ipcMain.handle(IPC_PREFIX + m, async (e, params: unknown) => {
      if (!isAppSender(e.senderFrame, app)) throw new Error(IPC_REFUSED)
      const fn = session[m as ApiMethod] as (p?: unknown) => Promise<unknown>
      return fn.call(session as P1StudioApi, params)
    })
  }
  const forward = (event: string) => (data: unknown) => {
    const wc = target()
    // events (frames, status…) only to the app's own page, never to whatever the window shows otherwise
    if (wc && !wc.isDestroyed() && isAppSender(wc.mainFrame, app)) wc.send(IPC_EVENT, { event, data })
  }
  const handlers = EVENT_NAMES.map((e) => [e, forward(e)] as const)
  for (const [e, h] of handlers) session.on(e, h)
  return () => {
    for (const m of API_METHODS) ipcMain.removeHandler(IPC_PREFIX + m)
    for (const [e, h] of handlers) session.off(e, h)
  }
}
