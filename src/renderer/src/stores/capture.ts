/**
 * The Capture tab's store: the capture folder's files, starting and stopping a capture of
 * the open source, opening a file as a replay, importing dumps (from a browser: uploaded
 * first, issue 12), exporting (from a browser: downloaded from `/download/<name>`), sharing an
 * anonymised copy (`shareCapture`: a fresh key to give with it, issue 15), and the replay
 * controls (pace, pause, seek). The running capture's figures come with the session status.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CaptureFileInfo, CaptureStatus, ExportResult, P1StudioClient, ReplaySpeed, ReplayState, ShareResult } from '@shared/contract'
import { uploadWithProgress, type UploadProgress, type UploadSource } from '../api/files'
import { requireClient, useActions } from './action'
import { useSessionStore } from './session'

/** Export formats of a capture. */
export type ExportFormat = 'csv' | 'jsonl' | 'raw'

export const useCaptureStore = defineStore('capture', () => {
  const session = useSessionStore()
  const files = shallowRef<CaptureFileInfo[]>([])
  /** Replay pace for files opened from the list. */
  const speed = ref<ReplaySpeed>(1)
  const { busy, error, run, quiet } = useActions()
  /** The last stop / import / export / share, for the view to word. */
  const stopped = shallowRef<CaptureStatus | null>(null)
  const imported = shallowRef<CaptureFileInfo | null>(null)
  const exported = shallowRef<{ format: ExportFormat; result: ExportResult } | null>(null)
  const shared = shallowRef<{ from: string; result: ShareResult } | null>(null)
  /** An upload from the browser: bytes sent and in total. */
  const upload = shallowRef<UploadProgress | null>(null)
  const api = (): P1StudioClient => requireClient(session.client)

  const status = computed<CaptureStatus | null>(() => session.status?.capture ?? null)
  const replay = computed<ReplayState | null>(() => (session.status?.source.kind === 'capture' ? session.status.source.replay : null))
  const canCapture = computed(() => !!session.status && session.status.source.kind !== 'none' && !status.value?.active)

  /**
   * What a request names: a file of the list by its name (the capture folder's files are named,
   * in the window and from a browser alike: a browser may name no path), anything else as typed.
   */
  const named = (path: string): string => files.value.find((f) => f.path === path)?.name ?? path.trim()

  function clearResults(): void {
    stopped.value = null
    imported.value = null
    exported.value = null
    shared.value = null
  }

  /** Reload the file list; a failure shows as the error but does not clear the last message. */
  async function refresh(): Promise<void> {
    const list = await quiet(() => api().listCaptures())
    if (list) files.value = list
  }

  const start = (name: string, splitDaily: boolean) =>
    run('start', async () => {
      clearResults()
      await api().startCapture({ name: name.trim() || undefined, splitDaily })
    })

  async function stop(): Promise<void> {
    const s = await run('stop', async () => {
      clearResults()
      return api().stopCapture()
    })
    if (s) stopped.value = s
    await refresh()
  }

  /** Open a capture or dump as the session's source (replayed at `speed`). @returns true if it opened. */
  async function open(path: string): Promise<boolean> {
    clearResults()
    error.value = null
    await session.openSource({ kind: 'capture', path: named(path), speed: speed.value, zone: session.meterZone })
    if (session.error) {
      error.value = session.error
      return false
    }
    return true
  }

  async function importFile(path: string): Promise<void> {
    const f = await run('import', async () => {
      clearResults()
      return api().importFile({ path: named(path) })
    })
    if (f) {
      imported.value = f
      await refresh()
    }
  }

  /**
   * A file of the user's computer, from a browser: uploaded into the capture folder, then
   * imported as a capture ('import') or opened as a replay ('open').
   * @returns true when done
   */
  async function uploadAnd(file: UploadSource, then: 'import' | 'open'): Promise<boolean> {
    clearResults()
    const f = await run('upload', () => uploadWithProgress(api(), 'captures', file, upload))
    if (!f) return false
    await refresh()
    if (then === 'open') return open(f.name)
    await importFile(f.name)
    return imported.value !== null
  }

  async function exportFile(path: string, format: ExportFormat): Promise<void> {
    const r = await run('export', async () => {
      clearResults()
      return api().exportCapture({ path: named(path), format })
    })
    if (r) {
      exported.value = { format, result: r }
      await refresh()
    }
  }

  /** An anonymised copy of a capture to give someone who can help (re-encrypted with a fresh key). */
  async function share(path: string): Promise<void> {
    const r = await run('share', async () => {
      clearResults()
      return api().shareCapture({ path: named(path) })
    })
    if (r) {
      shared.value = { from: named(path), result: r }
      await refresh()
    }
  }

  /** Pace the running replay (the select shows the replay's own speed, whichever window set it). */
  async function setSpeed(s: ReplaySpeed): Promise<void> {
    if (replay.value) await quiet(() => api().setReplay({ speed: s }))
  }
  /** Jump to a fraction 0…1 of the replay's recorded time. */
  const seek = (fraction: number) => quiet(() => api().setReplay({ seek: fraction }))
  async function togglePause(): Promise<void> {
    const r = replay.value
    if (r) await quiet(() => api().setReplay({ paused: !r.paused }))
  }

  return {
    files,
    speed,
    busy,
    error,
    stopped,
    imported,
    exported,
    shared,
    upload,
    status,
    replay,
    canCapture,
    refresh,
    start,
    stop,
    open,
    importFile,
    uploadAnd,
    exportFile,
    share,
    setSpeed,
    seek,
    togglePause
  }
})
