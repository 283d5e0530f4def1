/**
 * Preload (sandboxed, context-isolated): exposes exactly the P1StudioClient contract as
 * window.p1studio over IPC. No Node API reaches the renderer.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { API_METHODS, type P1StudioClient, type P1StudioEventName } from '../shared/contract'

// kept in sync with src/main/host/ipc.ts (the preload cannot import main-process modules)
const PREFIX = 'p1studio:'
const EVENT = 'p1studio:event'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()
ipcRenderer.on(EVENT, (_e, msg: { event: string; data: unknown }) => {
  for (const l of listeners.get(msg.event) ?? []) l(msg.data)
})

const invoke = (method: string) => (params?: unknown) => ipcRenderer.invoke(PREFIX + method, params)

const methods = Object.fromEntries(API_METHODS.map((m) => [m, invoke(m)])) as unknown as Omit<P1StudioClient, 'on'>
const client: P1StudioClient = {
  ...methods,
  on(event: P1StudioEventName, listener: (data: never) => void) {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener as Listener)
    return () => set!.delete(listener as Listener)
  }
}

contextBridge.exposeInMainWorld('p1studio', client)
