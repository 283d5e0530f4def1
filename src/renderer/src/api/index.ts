/**
 * The API client: Electron's preload bridge (window.p1studio) when present, else the
 * serve mode WebSocket on the same origin (token from the page URL's ?token=). Either way a
 * failed call rejects with `{code, message, params}` (an ApiError over the WebSocket, the
 * plain object over the bridge): toApiError (./errors.ts) reads both.
 */
import type { P1StudioClient } from '@shared/contract'
import { createWsClient, type ConnectionState } from './ws-client'

export interface ApiHandle {
  client: P1StudioClient
  /**
   * A browser on serve mode (no Electron bridge): files are uploaded and downloaded, never named
   * by a path on the serving computer (issue 12). False in the desktop window.
   */
  browser: boolean
  /** Transport state: always 'open' for Electron IPC. */
  onConnection(listener: (s: ConnectionState) => void): () => void
}

export function createApi(): ApiHandle {
  if (window.p1studio) return { client: window.p1studio, browser: false, onConnection: (l) => (l('open'), () => undefined) }
  const token = new URLSearchParams(location.search).get('token')
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const url = `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`
  const ws = createWsClient(url)
  return { client: ws, browser: true, onConnection: (l) => (l(ws.state), ws.onConnection(l)) }
}
