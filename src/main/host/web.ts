/**
 * Serve mode transport: the built renderer over HTTP and the API contract over a
 * WebSocket at /ws (JSON: `{id, method, params}` → `{id, result}` |
 * `{id, error: {code, message, params}}`; pushes `{event, data}`, and 'frame'/'status'
 * coalesced as `{batch:[…], dropped}` every 100 ms: see web-outbox.ts). Every call runs with
 * the browser caller's rules (caller.ts: files by name in the app's folders, listed or allowed
 * ports, allowed brokers); exports come back as `GET /download/<name>` from the capture folder.
 *
 * Serve mode is a network service and every browser page is a possible client, so
 * (issue 12, web-guard.ts):
 * - a token on every request, on loopback too (query `?token=` once, then the
 *   SameSite=Strict HttpOnly cookie; `Authorization: Bearer` for scripts);
 * - `Host` a loopback literal, an address of this machine or a `--host-name` (DNS rebinding);
 * - `Origin` the server's own on every WebSocket upgrade;
 * - no request can throw: unparsable targets and damaged cookies get 400;
 * - at most {@link WebLimits.maxClients} sockets, {@link WebLimits.maxInFlight} requests in
 *   flight per socket, and a client that stops reading is dropped (web-outbox.ts).
 */
import { randomBytes } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { EVENT_NAMES, isApiMethod, MAX_REQUESTS_IN_FLIGHT, type WireError } from '../../shared/contract'
import { fileInFolder } from './caller'
import type { StudioSession } from './session'
import { checkRequest, tokenCookieName, type GuardConfig } from './web-guard'
import { Outbox, type OutboxLimits, type OutboxTimers } from './web-outbox'

/** Limits of the WebSocket side. */
export interface WebLimits {
  /** Open WebSocket connections at once (default 16); more get 503. */
  maxClients: number
  /** Requests of one connection awaiting their answer (default 8); more are answered with an error at once. */
  maxInFlight: number
  /** Batching and backpressure per client (web-outbox.ts). */
  outbox: Partial<OutboxLimits>
}

export const DEFAULT_WEB_LIMITS: WebLimits = { maxClients: 16, maxInFlight: MAX_REQUESTS_IN_FLIGHT, outbox: {} }

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  session: StudioSession
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /** TCP port (default 8417; 0 = any free port). */
  port?: number
  /** Access token (serve passes the data folder's, serve-token.ts); a random one for this run when omitted. */
  token?: string
  /** Host names a browser may use besides loopback and this machine's addresses (`--host-name`). */
  hostNames?: readonly string[]
  /** Folder of the built renderer (out/renderer). */
  staticDir: string
  limits?: Partial<WebLimits>
  /** Timers of the per-client batches (tests pass a manual clock). */
  timers?: OutboxTimers
  /**
   * More GET routes by exact path (e.g. `/metrics` of src/main/output/metrics.ts), served
   * behind the same token, Host and Origin checks as everything else.
   */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>
}

/** A running server. */
export interface WebServer {
  /** URL to open, with `?token=`. */
  url: string
  port: number
  token: string
  /** Open WebSocket connections. */
  readonly clients: number
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

/**
 * The page's policy: scripts and connections to its own origin only ('self' covers the
 * same-origin ws:// socket: CSP Level 3, Chromium 71+, Firefox, Safari 16+).
 */
export const SERVE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': SERVE_CSP,
  'x-content-type-options': 'nosniff',
  // the address may carry ?token=: never send it to another site as a Referer
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY'
}

const COOKIE_MAX_AGE_S = 400 * 86_400

/** Exports and captures come back to the browser here: `GET /download/<name>` (token and Host checked like every request). */
export const DOWNLOAD = '/download/'

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === ''
}

/** IP literals of this machine (what a browser may type as Host when serve listens on all interfaces). */
function machineAddresses(): string[] {
  const out: string[] = []
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.address.includes('%')) out.push(a.address)
  return out
}

/**
 * Start the HTTP + WebSocket server. @throws Error in plain words if the port is taken.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? randomBytes(32).toString('hex')
  const root = resolve(opts.staticDir)
  const session = opts.session
  const limits: WebLimits = { ...DEFAULT_WEB_LIMITS, ...opts.limits }
  const hostNames = [...(opts.hostNames ?? [])]
  let port = opts.port ?? 8417

  const guard = (): GuardConfig => ({
    port,
    token,
    hostNames,
    localAddresses: isWildcard(host) ? machineAddresses() : isIP(host) ? [host] : []
  })

  const server = createServer((req, res) => {
    serveHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' })
      res.end()
    })
  })
  // a slow or silent client must not hold a connection open for long
  server.headersTimeout = 20_000
  server.requestTimeout = 30_000
  // TCP connections at once, sockets included (a browser opens ~6 per host; 16 sockets)
  server.maxConnections = 4 * limits.maxClients

  async function serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const v = checkRequest(req, guard(), false)
    if (!v.ok) {
      res.writeHead(v.status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      res.end(v.message + '\n')
      return
    }
    const headers: Record<string, string> = { ...SECURITY_HEADERS }
    if (v.tokenInQuery) {
      headers['set-cookie'] = `${tokenCookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${COOKIE_MAX_AGE_S}`
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, 'content-type': 'text/plain', allow: 'GET, HEAD' })
      res.end('Method not allowed\n')
      return
    }
    if (v.pathname.startsWith(DOWNLOAD)) return serveDownload(req, res, headers, v.pathname.slice(DOWNLOAD.length))
    const route = opts.routes && Object.prototype.hasOwnProperty.call(opts.routes, v.pathname) ? opts.routes[v.pathname] : null
    if (route) return route(req, res)
    let pathname: string
    try {
      pathname = decodeURIComponent(v.pathname)
    } catch {
      res.writeHead(400, { ...headers, 'content-type': 'text/plain' })
      res.end('Bad request\n')
      return
    }
    if (pathname.includes('\0')) {
      res.writeHead(400, { ...headers, 'content-type': 'text/plain' })
      res.end('Bad request\n')
      return
    }
    const rel = normalize(pathname).replace(/^([/\\])+/, '')
    let file = join(root, rel)
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, { ...headers, 'content-type': 'text/plain' })
      res.end('Forbidden\n')
      return
    }
    let st = await fsp.stat(file).catch(() => null)
    if (!st || !st.isFile()) {
      file = join(root, 'index.html')
      st = await fsp.stat(file).catch(() => null)
    }
    if (!st || !st.isFile()) {
      res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
      res.end('P1 Studio: the user interface is not built yet. Run `npm run build:renderer`, then reload.\n')
      return
    }
    res.writeHead(200, {
      ...headers,
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'content-length': String(st.size)
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  /** A file of the capture folder (an export, a capture) as an attachment: by name, checked like every name from a browser. */
  async function serveDownload(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, encoded: string): Promise<void> {
    let file: string
    try {
      file = await fileInFolder(session.captures.dir, decodeURIComponent(encoded), 'captures')
    } catch (e) {
      const notFound = (e as { code?: string }).code === 'not_found'
      res.writeHead(notFound ? 404 : 403, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
      res.end((e instanceof Error && !(e instanceof URIError) ? e.message : 'Bad request') + '\n')
      return
    }
    const st = await fsp.stat(file).catch(() => null)
    if (!st?.isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
      res.end('Not found\n')
      return
    }
    const name = file.slice(file.lastIndexOf(sep) + 1)
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="${name}"`,
      'content-length': String(st.size),
      'cache-control': 'no-store'
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  // 1 MiB: an upload chunk (512 KiB as base64, src/shared/contract/files.ts) and its envelope
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false })
  const clients = new Map<WebSocket, Outbox>()
  let upgrading = 0

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // Node removes its own error handler from upgraded sockets: without this a reset kills the process
    socket.on('error', () => socket.destroy())
    const refuse = (status: number, message: string): void => {
      const body = message + '\n'
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      )
    }
    const v = checkRequest(req, guard(), true)
    if (!v.ok) return refuse(v.status, v.message)
    if (clients.size + upgrading >= limits.maxClients)
      return refuse(503, `P1 Studio serves at most ${limits.maxClients} connections at once: close a tab and reload.`)
    // counted until ws calls back, or the socket closes (ws answers a bad handshake itself)
    upgrading++
    let counted = true
    const settle = (): void => {
      if (counted) upgrading--
      counted = false
    }
    socket.once('close', settle)
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        settle()
        onConnection(ws)
      })
    } catch {
      settle()
      socket.destroy()
    }
  })

  const broadcast = (event: string, data: unknown): void => {
    if (clients.size === 0) return
    const json = JSON.stringify(data ?? null)
    if (event === 'frame') for (const o of clients.values()) o.frame(json)
    else if (event === 'status') for (const o of clients.values()) o.status(json)
    else {
      const text = `{"event":${JSON.stringify(event)},"data":${json}}`
      for (const o of clients.values()) o.send(text)
    }
  }
  const handlers = EVENT_NAMES.map((e) => [e, (d: unknown): void => broadcast(e, d)] as const)
  for (const [e, h] of handlers) session.on(e, h)

  function onConnection(ws: WebSocket): void {
    const outbox = new Outbox(
      {
        get bufferedAmount() {
          return ws.bufferedAmount
        },
        send: (text) => ws.send(text),
        drop: () => ws.terminate()
      },
      limits.outbox,
      opts.timers
    )
    clients.set(ws, outbox)
    let inFlight = 0
    const gone = (): void => {
      outbox.close()
      clients.delete(ws)
    }
    ws.on('close', gone)
    ws.on('error', gone)
    const answer = (id: number | null, body: { result: unknown } | { error: WireError }): void => {
      outbox.reply(JSON.stringify({ id, ...body }))
    }
    const refuse = (id: number | null, code: string, message: string): void => answer(id, { error: { code, message, params: {} } })
    ws.on('message', (raw, isBinary) => {
      let msg: unknown
      try {
        msg = isBinary ? undefined : JSON.parse(String(raw))
      } catch {
        msg = undefined
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return refuse(null, 'malformed', 'Malformed message (not a JSON object).')
      const { id: rawId, method, params } = msg as { id?: unknown; method?: unknown; params?: unknown }
      const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? rawId : null
      if (!isApiMethod(method)) {
        return refuse(id, 'unknown_method', `Unknown method ${typeof method === 'string' ? method.slice(0, 60) : String(method)}.`)
      }
      if (inFlight >= limits.maxInFlight) {
        return refuse(id, 'busy', `Too many requests at once (at most ${limits.maxInFlight}): wait for the answers, then try again.`)
      }
      inFlight++
      // a browser: files by name in the app's folders, listed or allowed ports, allowed brokers
      session
        .envelope(method, params, session.access.browser)
        .then((body) => answer(id, body))
        .catch(() => undefined)
        .finally(() => inFlight--)
    })
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (e: Error & { code?: string }) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `Port ${opts.port} is already in use: choose another with --listen HOST:PORT.`
            : e.code === 'EADDRNOTAVAIL'
              ? `${host} is not an address of this computer: choose one with --listen HOST:PORT.`
              : e.code === 'EACCES'
                ? `Not allowed to listen on port ${opts.port} (ports below 1024 need administrator rights).`
                : `Cannot listen on ${host}:${opts.port}: ${e.message}`
        )
      )
    )
    server.listen(port, host, () => resolvePromise())
  })
  const addr = server.address()
  port = typeof addr === 'object' && addr ? addr.port : port
  const shownHost = host.includes(':') && host !== '::' ? `[${host}]` : isWildcard(host) ? '127.0.0.1' : host
  const url = `http://${shownHost}:${port}/?token=${encodeURIComponent(token)}`
  return {
    url,
    port,
    token,
    get clients() {
      return clients.size
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [e, h] of handlers) session.off(e, h)
        for (const [ws, o] of clients) {
          o.close()
          ws.terminate()
        }
        clients.clear()
        wss.close()
        server.close(() => r())
        server.closeAllConnections?.()
      })
  }
}
