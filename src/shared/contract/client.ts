/**
 * The contract's methods as one object, each a request through a transport: the preload's IPC
 * bridge, the serve mode WebSocket client, and the session's own trusted API (desktop and
 * CLI) all build their methods here from API_METHODS, so none of them lists a method.
 */
import { API_METHODS, type ApiMethod, type P1StudioApi } from './index'

/**
 * Requests one serve-mode WebSocket connection may have awaiting their answer (src/main/host/web.ts
 * answers a 9th at once with the error 'busy'). The renderer's client (ws-client.ts) sends at
 * most this many and holds the others back in order, so a page that asks for a lot at once on a
 * slow machine waits instead of losing requests.
 */
export const MAX_REQUESTS_IN_FLIGHT = 8

/** Sends one request: the method's name and its (unvalidated) parameters; resolves with the result. */
export type Requester = (method: ApiMethod, params: unknown) => Promise<unknown>

/** Every method of {@link P1StudioApi} as `(params) => requester(method, params)`. */
export function contractMethods(requester: Requester): P1StudioApi {
  const api: Partial<Record<ApiMethod, (params?: unknown) => Promise<unknown>>> = {}
  for (const m of API_METHODS) api[m] = (params?: unknown) => requester(m, params)
  // the one place the table becomes the typed API: each entry forwards its own method's request and result
  return api as P1StudioApi
}
