/**
 * `p1studio serve`: the P1 Studio UI in a browser — a StudioSession behind the HTTP +
 * WebSocket server of src/main/host/web.ts (docs/cli.md). Serve flags go here.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { StudioSession } from '../host/session'
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
    capture: { type: 'string' }
  })
  if ([values.port, values.demo, values.capture].filter(Boolean).length > 1) throw new UsageError('choose one of --port PATH, --capture FILE or --demo')
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
  const server = await startWebServer({ session, host, port, token: values.token as string | undefined, staticDir })
  if (values.port) {
    try {
      await session.openSource({ kind: 'serial', path: String(values.port), settings })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: choose another port there)\n`)
    }
  } else if (values.capture) {
    try {
      await session.openSource({ kind: 'capture', path: String(values.capture) })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: open another capture there)\n`)
    }
  } else {
    await session.openSource({ kind: 'demo' })
  }
  const what = values.port ? String(values.port) : values.capture ? String(values.capture) : 'the demo'
  process.stdout.write(`P1 Studio is serving ${what} at ${server.url} (captures in ${(await session.getStatus()).capture.dir})\n`)
  if (values.open) openBrowser(server.url)
  return new Promise<number>((resolveExit) => {
    const stop = (): void => {
      void session.dispose().then(() => server.close()).then(() => resolveExit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
