/**
 * Preload (sandboxed, context-isolated): exposes exactly the P1StudioClient contract as
 * window.p1studio over IPC. No Node API reaches the renderer.
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { P1StudioClient, P1StudioEventName } from '../shared/contract'

// kept in sync with src/main/host/ipc.ts (the preload cannot import main-process modules)
const PREFIX = 'p1studio:'
const EVENT = 'p1studio:event'

type Listener = (data: unknown) => void
const listeners = new Map<string, Set<Listener>>()
ipcRenderer.on(EVENT, (_e, msg: { event: string; data: unknown }) => {
  for (const l of listeners.get(msg.event) ?? []) l(msg.data)
})

const invoke = (method: string) => (params?: unknown) => ipcRenderer.invoke(PREFIX + method, params)

const client: P1StudioClient = {
  listPorts: invoke('listPorts') as P1StudioClient['listPorts'],
  getStatus: invoke('getStatus') as P1StudioClient['getStatus'],
  openSource: invoke('openSource') as P1StudioClient['openSource'],
  closeSource: invoke('closeSource') as P1StudioClient['closeSource'],
  setKey: invoke('setKey') as P1StudioClient['setKey'],
  getRecentFrames: invoke('getRecentFrames') as P1StudioClient['getRecentFrames'],
  diagnose: invoke('diagnose') as P1StudioClient['diagnose'],
  cancelDiagnosis: invoke('cancelDiagnosis') as P1StudioClient['cancelDiagnosis'],
  getDiagnosisReport: invoke('getDiagnosisReport') as P1StudioClient['getDiagnosisReport'],
  on(event: P1StudioEventName, listener: (data: never) => void) {
    let set = listeners.get(event)
    if (!set) listeners.set(event, (set = new Set()))
    set.add(listener as Listener)
    return () => set!.delete(listener as Listener)
  }
}

contextBridge.exposeInMainWorld('p1studio', client)
