/**
 * Serve mode transport: the built renderer over HTTP and the API contract over a
 * WebSocket at /ws (JSON: `{id, method, params}` → `{id, result}` | `{id, error:{message}}`;
 * pushes `{event, data}`). Binds to 127.0.0.1 by default; on any other address a token
 * is required (query `?token=` or cookie) for both the page and the socket.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { API_METHODS, EVENT_NAMES, type ApiMethod, type P1StudioApi } from '../../shared/contract'
import type { StudioSession } from './session'

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  session: StudioSession
  /** Address to bind (default 127.0.0.1). */
  host?: string
  /** TCP port (default 8417; 0 = any free port). */
  port?: number
  /** Access token; generated when binding beyond loopback and none is given. */
  token?: string
  /** Folder of the built renderer (out/renderer). */
  staticDir: string
}

/** A running server. */
export interface WebServer {
  /** URL to open (with `?token=` when a token is required). */
  url: string
  port: number
  token: string | null
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

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.')
}

function tokenOk(expected: string | null, given: string | null | undefined): boolean {
  if (expected === null) return true
  if (!given) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

function requestToken(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://x')
  const q = url.searchParams.get('token')
  if (q) return q
  const m = /(?:^|;\s*)p1s_token=([^;]+)/.exec(req.headers.cookie ?? '')
  return m ? decodeURIComponent(m[1]) : null
}

/**
 * Start the HTTP + WebSocket server. @throws Error in plain words if the port is taken.
 */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1'
  const token = opts.token ?? (isLoopback(host) ? null : randomBytes(16).toString('hex'))
  const root = resolve(opts.staticDir)
  const session = opts.session

  const server = createServer((req, res) => serveHttp(req, res))
  function serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const given = requestToken(req)
    if (!tokenOk(token, given)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('P1 Studio: a valid token is required (open the URL printed by `p1studio serve`).\n')
      return
    }
    const headers: Record<string, string> = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' }
    if (token) headers['set-cookie'] = `p1s_token=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, 'content-type': 'text/plain' })
      res.end('Method not allowed\n')
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400, headers)
      res.end()
      return
    }
    const rel = normalize(pathname).replace(/^([/\\])+/, '')
    let file = join(root, rel)
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403, { ...headers, 'content-type': 'text/plain' })
      res.end('Forbidden\n')
      return
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html')
    if (!existsSync(file)) {
      res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' })
      res.end('P1 Studio: the user interface is not built yet. Run `npm run build:renderer`, then reload.\n')
      return
    }
    res.writeHead(200, { ...headers, 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' })
    if (req.method === 'HEAD') return void res.end()
    createReadStream(file).pipe(res)
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== '/ws' || !tokenOk(token, requestToken(req))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n')
      socket.destroy()
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  const clients = new Set<WebSocket>()
  const broadcast = (event: string, data: unknown): void => {
    if (clients.size === 0) return
    const msg = JSON.stringify({ event, data })
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg)
  }
  const handlers = EVENT_NAMES.map((e) => [e, (d: unknown): void => broadcast(e, d)] as const)
  for (const [e, h] of handlers) session.on(e, h)

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('error', () => clients.delete(ws))
    ws.on('message', async (raw) => {
      let msg: { id?: unknown; method?: unknown; params?: unknown }
      try {
        msg = JSON.parse(String(raw))
      } catch {
        ws.send(JSON.stringify({ id: null, error: { message: 'Malformed message (not JSON).' } }))
        return
      }
      const id = typeof msg.id === 'number' ? msg.id : null
      if (typeof msg.method !== 'string' || !(API_METHODS as readonly string[]).includes(msg.method)) {
        ws.send(JSON.stringify({ id, error: { message: `Unknown method ${String(msg.method)}.` } }))
        return
      }
      try {
        const fn = session[msg.method as ApiMethod] as (p?: unknown) => Promise<unknown>
        const result = await fn.call(session as P1StudioApi, msg.params)
        ws.send(JSON.stringify({ id, result: result ?? null }))
      } catch (e) {
        ws.send(JSON.stringify({ id, error: { message: (e as Error).message } }))
      }
    })
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (e: Error & { code?: string }) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `Port ${opts.port} is already in use: choose another with --listen HOST:PORT.` : e.message))
    )
    server.listen(opts.port ?? 8417, host, () => resolvePromise())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8417)
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`
  return {
    url,
    port,
    token,
    close: () =>
      new Promise<void>((r) => {
        for (const [e, h] of handlers) session.off(e, h)
        for (const ws of clients) ws.terminate()
        wss.close()
        server.close(() => r())
        server.closeAllConnections?.()
      })
  }
}
