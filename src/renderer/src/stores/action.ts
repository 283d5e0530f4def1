/**
 * The one way a store runs an API call: which action is busy, the last error as an
 * {@link ApiError}, and a message for the user. Used inside Pinia setup stores.
 */
import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import type { P1StudioClient } from '@shared/contract'
import { localError, toApiError, type ApiError } from '../api/errors'

/** A user-facing note after an action (a success message). */
export type Note = string

/** State and runner of a store's actions. */
export interface Actions {
  /** Name of the running action, null when idle. */
  busy: Ref<string | null>
  /** Last error, null after a success. */
  error: ShallowRef<ApiError | null>
  /** Last success note, null until one is set. */
  note: ShallowRef<Note | null>
  /**
   * Run `fn` as action `what`: clears error and note, sets `busy`, catches the error.
   * @returns fn's result, undefined if it threw (then `error` is set).
   */
  run<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>
  /** Same, without touching `busy`, `note` or a previous error unless this call fails (background refreshes). */
  quiet<T>(fn: () => Promise<T>): Promise<T | undefined>
}

/** Create the action state of one store. */
export function useActions(): Actions {
  const busy = ref<string | null>(null)
  const error = shallowRef<ApiError | null>(null)
  const note = shallowRef<Note | null>(null)
  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    note.value = null
    busy.value = what
    try {
      return await fn()
    } catch (e) {
      error.value = toApiError(e)
      return undefined
    } finally {
      busy.value = null
    }
  }
  async function quiet<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (e) {
      error.value = toApiError(e)
      return undefined
    }
  }
  return { busy, error, note, run, quiet }
}

/** The client, or an error every action reports the same way when the UI is not connected yet. */
export function requireClient(client: P1StudioClient | null): P1StudioClient {
  if (!client) {
    const e = localError('not_connected', 'Not connected to the P1 Studio service.')
    throw Object.assign(new Error(e.message), { code: e.code, params: e.params })
  }
  return client
}
