/**
 * Preload (sandboxed, context-isolated): exposes exactly the P1StudioClient contract as
 * window.p1studio over IPC, its methods built from the contract's list (no method is named
 * here). No Node API reaches the renderer.
 *
 * The main side answers each call with an envelope (src/main/host/ipc.ts). A contextBridge
 * copies only the message of an Error, so a failed call rejects with the plain
 * `{code, message, params}` object (copied whole); the renderer's client throws it as an
 * ApiError (src/renderer/src/api/index.ts).
 */
import { contextBridge, ipcRenderer } from 'electron'
import { contractMethods, type Envelope, type P1StudioClient, type P1StudioEventName } from '../shared/contract'

// the preload cannot import main-process modules: the channel names of src/main/host/ipc.ts
const CALL = 'p1studio:call'
const EVENT = 'p1studio:event'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()
ipcRenderer.on(EVENT, (_e, msg: { event: string; data: unknown }) => {
  for (const l of listeners.get(msg.event) ?? []) l(msg.data)
})

const methods = contractMethods(async (method, params) => {
  const env: Envelope = await ipcRenderer.invoke(CALL, method, params)
  if ('error' in env) throw env.error
  return env.result
})

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
