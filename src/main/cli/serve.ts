/**
 * `p1studio serve`: the P1 Studio UI in a browser — a StudioSession behind the HTTP +
 * WebSocket server of src/main/host/web.ts (docs/cli.md). Serve flags go here.
 */
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { dataDir, StudioSession } from '../host/session'
import { loadServeToken } from '../host/serve-token'
import { startWebServer } from '../host/web'
import { ROOT, UsageError, appVersion, keyOpt, lineSettings, parse } from './args'
import { ensureUiBuilt, projectUiPaths } from './ui-build'

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open'
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url]
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
    child.on('error', () => process.stdout.write(`Open ${url} in your browser.\n`))
    child.unref()
  } catch {
    process.stdout.write(`Open ${url} in your browser.\n`)
  }
}

/** `--token T`: at least 16 URL-safe characters (it goes into the address and a cookie). @throws UsageError */
function tokenOpt(v: unknown): string {
  const t = String(v)
  if (!/^[A-Za-z0-9._~-]{16,256}$/.test(t))
    throw new UsageError('--token must be 16 to 256 letters, digits or . _ ~ - (or leave it out: serve keeps its own, see p1studio token)')
  return t
}

/** `--host-name NAME` (repeatable): names a browser may use for this server besides loopback. @throws UsageError */
function hostNamesOpt(v: unknown): string[] {
  const names = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((n) => String(n).toLowerCase())
  for (const n of names)
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(n) || n.length > 253)
      throw new UsageError(`--host-name ${n}: give a host name such as pi.local or p1.example.org`)
  return names
}

/** A repeatable option's values. */
function listOpt(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]
}

/** `--allow-broker HOST[:PORT]` (repeatable): brokers a browser may have P1 Studio connect to. @throws UsageError */
function brokersOpt(v: unknown): string[] {
  const list = listOpt(v)
  for (const b of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(b) || Number(b.split(':').pop()) > 65535) {
      throw new UsageError(`--allow-broker ${b}: give HOST or HOST:PORT, e.g. 192.168.1.5:1883`)
    }
  }
  return list
}

/**
 * `serve`: StudioSession + web server, after building the UI when it is missing or stale
 * (./ui-build; not with P1STUDIO_RENDERER_DIR). Resolves with 0 when stopped by a signal.
 * @throws UsageError for wrong arguments, Error when the address is taken.
 */
export async function cmdServe(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    demo: { type: 'boolean' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    listen: { type: 'string' },
    token: { type: 'string' },
    open: { type: 'boolean' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' },
    'capture-dir': { type: 'string' },
    history: { type: 'string' },
    capture: { type: 'string' },
    'host-name': { type: 'string', multiple: true },
    'allow-port': { type: 'string', multiple: true },
    'allow-broker': { type: 'string', multiple: true }
  })
  if ([values.port, values.demo, values.capture].filter(Boolean).length > 1) throw new UsageError('choose one of --port PATH, --capture FILE or --demo')
  const givenToken = values.token === undefined ? undefined : tokenOpt(values.token)
  const hostNames = hostNamesOpt(values['host-name'])
  let host = '127.0.0.1'
  let port = 8417
  if (values.listen !== undefined) {
    const m = /^(.*):(\d{1,5})$/.exec(String(values.listen))
    if (!m || Number(m[2]) > 65535) throw new UsageError('--listen must be HOST:PORT, e.g. 127.0.0.1:8417')
    host = m[1].replace(/^\[|\]$/g, '') || '127.0.0.1'
    port = Number(m[2])
  }
  const session = new StudioSession({
    version: appVersion(),
    // the port the operator serves is one a browser may diagnose, reopen or hand to a board tool
    allowPorts: [...listOpt(values['allow-port']), ...(values.port ? [String(values.port)] : [])],
    allowBrokers: brokersOpt(values['allow-broker']),
    key: keyOpt(values.key, 'P1 key'),
    authKey: keyOpt(values['auth-key'], 'Authentication key'),
    captureDir: values['capture-dir'] === undefined ? undefined : String(values['capture-dir']),
    historyPath: values.history === undefined ? undefined : String(values.history)
  })
  const settings = lineSettings(values)
  const staticDir = process.env.P1STUDIO_RENDERER_DIR ?? join(ROOT, 'out', 'renderer')
  if (process.env.P1STUDIO_RENDERER_DIR === undefined) {
    const ui = await ensureUiBuilt(projectUiPaths(ROOT), (line) => process.stderr.write(line + '\n'))
    if (ui.state === 'missing') process.stderr.write(`P1 Studio: ${ui.message}\n`)
    else if (ui.state === 'stale') process.stderr.write(`P1 Studio: serving the user interface as last built (${ui.reason})\n`)
  }
  const token = givenToken ?? (await loadServeToken(dataDir())).token
  const server = await startWebServer({ session, host, port, token, hostNames, staticDir })
  if (values.port) {
    try {
      await session.api.openSource({ kind: 'serial', path: String(values.port), settings })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: choose another port there)\n`)
    }
  } else if (values.capture) {
    try {
      await session.api.openSource({ kind: 'capture', path: resolve(String(values.capture)) })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: open another capture there)\n`)
    }
  } else {
    await session.api.openSource({ kind: 'demo' })
  }
  const what = values.port ? String(values.port) : values.capture ? String(values.capture) : 'the demo'
  process.stdout.write(`P1 Studio is serving ${what} at ${server.url} (captures in ${(await session.api.getStatus()).capture.dir})\n`)
  if (values.open) openBrowser(server.url)
  return new Promise<number>((resolveExit) => {
    const stop = (): void => {
      void session
        .dispose()
        .then(() => server.close())
        .then(() => resolveExit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
