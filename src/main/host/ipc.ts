/**
 * Electron transport of the contract: ipcMain.handle('p1studio:<method>') → StudioSession,
 * session events → 'p1studio:event' on the window. Parameters are validated by the
 * session (zod). Errors reach the renderer as plain-English messages.
 */
import { ipcMain, type WebContents } from 'electron'
import { API_METHODS, EVENT_NAMES, type ApiMethod, type P1StudioApi } from '../../shared/contract'
import type { StudioSession } from './session'

/** Channel names shared with the preload. */
export const IPC_PREFIX = 'p1studio:'
export const IPC_EVENT = 'p1studio:event'

/** Wire the session to IPC and to `target`'s renderer. @returns an unwire function. */
export function wireIpc(session: StudioSession, target: () => WebContents | null): () => void {
  for (const m of API_METHODS) {
    ipcMain.handle(IPC_PREFIX + m, async (_e, params: unknown) => {
      const fn = session[m as ApiMethod] as (p?: unknown) => Promise<unknown>
      return fn.call(session as P1StudioApi, params)
    })
  }
  const forward = (event: string) => (data: unknown) => {
    const wc = target()
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT, { event, data })
  }
  const handlers = EVENT_NAMES.map((e) => [e, forward(e)] as const)
  for (const [e, h] of handlers) session.on(e, h)
  return () => {
    for (const m of API_METHODS) ipcMain.removeHandler(IPC_PREFIX + m)
    for (const [e, h] of handlers) session.off(e, h)
  }
}
