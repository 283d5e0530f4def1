/**
 * `p1studio serve` spawned as users run it, for the Chromium and serve tests, and raw HTTP
 * for requests no well-behaved client sends (forged Host, broken targets, damaged cookies).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { resolve } from 'node:path'
import WebSocket from 'ws'

export const ROOT = resolve(__dirname, '../..')

/** A running serve: the URL it printed (it carries `?token=`), and its parts. */
export interface ServeProcess {
  child: ChildProcess
  /** As printed, e.g. http://127.0.0.1:40123/?token=… */
  url: string
  /** http://127.0.0.1:PORT (the page's origin). */
  origin: string
  port: number
  token: string
  /** Everything serve wrote to stdout and stderr so far. */
  output(): string
}

/** Start `p1studio serve ARGS` and resolve once it prints its URL. @throws Error with its output if it exits first or prints none within 60 s. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), 'serve', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env }
    })
    let out = ''
    let done = false
    const timer = setTimeout(() => {
      done = true
      child.kill('SIGKILL')
      reject(new Error(`serve did not print a URL: ${out}`))
    }, 60_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      // the whole URL up to the end of its line (a read may end inside the token)
      const m = /(http:\/\/127\.0\.0\.1:(\d+))\/(?:\?token=([0-9A-Za-z_-]+))?(?=\s)/.exec(out)
      if (m && !done) {
        done = true
        clearTimeout(timer)
        resolvePromise({ child, url: m[0], origin: m[1], port: Number(m[2]), token: m[3] ?? '', output: () => out })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (!done) reject(new Error(`serve exited with ${code}: ${out}`))
      done = true
    })
  })
}

/** Stop a serve process and wait for it to exit. */
export async function stopServe(serve: ServeProcess | undefined): Promise<void> {
  const child = serve?.child
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((r) => {
    child.once('exit', () => r())
    child.kill('SIGTERM')
  })
}

/**
 * Send `request` verbatim over TCP and collect the answer until the server closes or
 * `idleMs` pass without bytes after the headers. @returns the status code (null if the
 * connection ended with no status line) and the raw text.
 */
export function rawHttp(port: number, request: string, idleMs = 500): Promise<{ status: number | null; text: string; error: string | null }> {
  return new Promise((resolvePromise) => {
    const sock = connect(port, '127.0.0.1')
    let text = ''
    let idle: NodeJS.Timeout | null = null
    let error: string | null = null
    const finish = (): void => {
      if (idle) clearTimeout(idle)
      sock.destroy()
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      resolvePromise({ status: m ? Number(m[1]) : null, text, error })
    }
    sock.on('connect', () => sock.write(request))
    sock.on('data', (d) => {
      text += d.toString('latin1')
      if (text.includes('\r\n\r\n')) {
        if (idle) clearTimeout(idle)
        idle = setTimeout(finish, idleMs)
      }
    })
    sock.on('error', (e) => {
      error = (e as NodeJS.ErrnoException).code ?? e.message
    })
    sock.on('close', finish)
  })
}

/** A WebSocket upgrade request (RFC 6455 §4.1) with the given target and extra header lines. */
export function upgradeRequest(target: string, headers: Record<string, string>): string {
  const lines = [
    `GET ${target} HTTP/1.1`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13'
  ]
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`)
  return lines.join('\r\n') + '\r\n\r\n'
}

/** A WebSocket to serve as its own page opens it: its Origin, the token in the address. Resolves once open. */
export async function pageSocket(where: { port: number; token: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${where.port}/ws?token=${where.token}`, { origin: `http://127.0.0.1:${where.port}` })
  await socketOpen(ws)
  return ws
}

/** Resolves when `ws` opens; rejects on its first error. */
export function socketOpen(ws: WebSocket): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    ws.once('open', () => resolvePromise())
    ws.once('error', reject)
  })
}

/** One contract call over a socket: sends `{id, method, params}`, resolves with the message answering `id`. */
export function wsCall(
  ws: WebSocket,
  id: number,
  method: string,
  params?: unknown
): Promise<{ id: number; result?: unknown; error?: { message: string; code?: string } }> {
  return new Promise((resolvePromise) => {
    const onMsg = (raw: WebSocket.RawData): void => {
      const m = JSON.parse(String(raw))
      if (m.id === id) {
        ws.off('message', onMsg)
        resolvePromise(m)
      }
    }
    ws.on('message', onMsg)
    ws.send(JSON.stringify({ id, method, params }))
  })
}
