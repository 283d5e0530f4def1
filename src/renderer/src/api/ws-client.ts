/**
 * P1StudioClient over the serve mode WebSocket (/ws): requests `{id, method, params}`,
 * responses `{id, result}` | `{id, error: {code, message, params}}` (rejected as an ApiError
 * with its code), pushes `{event, data}` and batches
 * `{batch: [{event, data}, …], dropped}` (serve coalesces 'frame' and 'status' every 100 ms:
 * src/main/host/web-outbox.ts), which are handed to the listeners one event at a time, so
 * the rest of the renderer sees the usual per-frame calls.
 * At most {@link MAX_REQUESTS_IN_FLIGHT} requests await their answer at once (serve answers
 * more with the error 'busy' and never runs them): the others wait here, in the order they
 * were made, and go out as answers come back.
 * Reconnects with backoff; calls made while disconnected wait for the connection.
 * The serve token arrives once in the page address (`?token=`); the server then sets its
 * cookie, and {@link forgetTokenInAddress} removes the token from the address bar.
 */
import {
  contractMethods,
  fromWire,
  MAX_REQUESTS_IN_FLIGHT,
  type ApiMethod,
  type P1StudioClient,
  type P1StudioEventName,
  type P1StudioEvents,
  type WireError
} from '@shared/contract'

type Listener = (data: unknown) => void
/** Connection state for the UI. */
export type ConnectionState = 'connecting' | 'open' | 'closed'

/** Minimal WebSocket shape (the browser's, or a test double). */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

/** The WebSocket client: the connection, and the contract's methods on it ({@link createWsClient}). */
export type WsClient = WsConnection & P1StudioClient

/**
 * A client on `url`: every contract method is a request on the connection (built from the
 * contract's list, src/shared/contract/client.ts).
 * @param makeSocket the browser's WebSocket by default (tests pass ws's).
 */
export function createWsClient(url: string, makeSocket?: (url: string) => SocketLike): WsClient {
  const c = new WsConnection(url, makeSocket)
  return Object.assign(
    c,
    contractMethods((method, params) => c.call(method, params))
  )
}

/** The connection: requests and answers, events, reconnection. */
export class WsConnection {
  private socket: SocketLike | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  /** Requests not sent yet (disconnected, or {@link maxInFlight} awaiting their answer), oldest first. */
  private readonly queue: { id: number; text: string }[] = []
  /** Ids sent on the current socket and not answered yet. */
  private readonly inFlight = new Set<number>()
  private readonly listeners = new Map<string, Set<Listener>>()
  private backoffMs = 500
  private stopped = false
  state: ConnectionState = 'connecting'

  constructor(
    private readonly url: string,
    private readonly makeSocket: (url: string) => SocketLike = (u) => new WebSocket(u) as unknown as SocketLike,
    /** Requests sent at most before their answers (serve's limit). */
    private readonly maxInFlight = MAX_REQUESTS_IN_FLIGHT
  ) {
    if (typeof window !== 'undefined' && window.location && window.history) forgetTokenInAddress(window.location, window.history)
    this.connect()
  }

  private setState(s: ConnectionState): void {
    this.state = s
    for (const l of this.listeners.get('connection') ?? []) l(s)
  }

  private connect(): void {
    if (this.stopped) return
    this.setState('connecting')
    const ws = this.makeSocket(this.url)
    this.socket = ws
    ws.onopen = () => {
      this.backoffMs = 500
      this.setState('open')
      this.sendQueued()
    }
    ws.onmessage = (ev) => this.onMessage(String(ev.data))
    ws.onerror = () => undefined
    ws.onclose = () => {
      if (this.socket !== ws) return
      this.socket = null
      // what was sent has no answer coming; what still waits here goes out on the next connection
      for (const id of this.inFlight) {
        this.pending.get(id)?.reject(new Error('Disconnected from the P1 Studio service.'))
        this.pending.delete(id)
      }
      this.inFlight.clear()
      this.setState('closed')
      if (!this.stopped) {
        setTimeout(() => this.connect(), this.backoffMs)
        this.backoffMs = Math.min(this.backoffMs * 2, 5000)
      }
    }
  }

  private onMessage(text: string): void {
    let msg: { id?: number; result?: unknown; error?: Partial<WireError>; event?: string; data?: unknown; batch?: unknown }
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (typeof msg !== 'object' || msg === null) return
    if (Array.isArray(msg.batch)) {
      for (const item of msg.batch as { event?: unknown; data?: unknown }[]) {
        if (item && typeof item.event === 'string') this.dispatch(item.event, item.data)
      }
      return
    }
    if (typeof msg.event === 'string') {
      this.dispatch(msg.event, msg.data)
      return
    }
    if (typeof msg.id !== 'number') return
    const p = this.pending.get(msg.id)
    if (!p || !this.inFlight.delete(msg.id)) return
    this.pending.delete(msg.id)
    this.sendQueued()
    const err = msg.error
    if (err)
      p.reject(
        fromWire({
          code: typeof err.code === 'string' ? err.code : 'unknown',
          message: typeof err.message === 'string' ? err.message : 'The request failed.',
          params: err.params ?? {}
        })
      )
    else p.resolve(msg.result)
  }

  private dispatch(event: string, data: unknown): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        l(data)
      } catch (e) {
        // one failing listener must not starve the others nor the rest of a batch
        console.error(e)
      }
    }
  }

  /** Send one request; resolves with its result, rejects with an ApiError. */
  call(method: ApiMethod, params?: unknown): Promise<unknown> {
    const id = this.nextId++
    const text = JSON.stringify({ id, method, params })
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.queue.push({ id, text })
      this.sendQueued()
    })
  }

  /** Send what waits, oldest first, while the socket is open and fewer than {@link maxInFlight} await their answer. */
  private sendQueued(): void {
    const ws = this.socket
    if (!ws || ws.readyState !== 1) return
    while (this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      const { id, text } = this.queue.shift()!
      this.inFlight.add(id)
      ws.send(text)
    }
  }

  on<E extends P1StudioEventName>(event: E, listener: (data: P1StudioEvents[E]) => void): () => void {
    return this.onAny(event, listener as Listener)
  }

  /** Connection state changes ('connecting' | 'open' | 'closed'). */
  onConnection(listener: (s: ConnectionState) => void): () => void {
    return this.onAny('connection', listener as Listener)
  }

  private onAny(event: string, listener: Listener): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set!.delete(listener)
  }

  close(): void {
    this.stopped = true
    this.socket?.close()
  }
}

/**
 * Remove `token` from the page address (history.replaceState: no reload, no history entry),
 * so the serve token is not left in the address bar, bookmarks or screenshots; the server's
 * SameSite=Strict cookie carries it from then on. Other query parameters and the hash stay.
 * @returns true if the address held a token.
 */
export function forgetTokenInAddress(
  loc: { href: string },
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string | URL | null): void }
): boolean {
  let url: URL
  try {
    url = new URL(loc.href)
  } catch {
    return false
  }
  if (!url.searchParams.has('token')) return false
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  return true
}
