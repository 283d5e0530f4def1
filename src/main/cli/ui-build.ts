/**
 * `p1studio serve` builds the user interface when out/renderer is missing or older than its
 * sources (src/renderer, src/shared, vite.web.config.ts), as `npm start` does — when the build
 * tools (vite, a dev dependency) are installed; otherwise it says how.
 *
 * Safe with several `serve` processes at once (the Chromium tests start many): one build at a
 * time (a lock folder holding the builder's pid), built into a temporary folder, then the new
 * assets are added beside the old ones and index.html is replaced last with one rename, so a
 * page being loaded never finds index.html missing nor loses the assets it names. A process
 * that finds another one building serves the UI already there, or waits when there is none.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Where the UI is built from and to. */
export interface UiBuildPaths {
  /** Project root (package.json, node_modules). */
  root: string
  /** Built UI folder (out/renderer): index.html + assets/. */
  outDir: string
  /** Source folders and files whose changes make the built UI stale. */
  sources: string[]
  /** Vite config of the UI build (vite.web.config.ts). */
  config: string
}

/** What {@link ensureUiBuilt} did. */
export type UiBuildOutcome =
  | { state: 'fresh' }
  | { state: 'built'; seconds: number }
  /** Stale, but another process is rebuilding it: the UI there is served meanwhile. */
  | { state: 'stale'; reason: string }
  /** Not built and cannot be: `message` says what to do. */
  | { state: 'missing'; message: string }

/** The paths of this project's UI build. */
export function projectUiPaths(root: string): UiBuildPaths {
  return {
    root,
    outDir: join(root, 'out', 'renderer'),
    sources: [join(root, 'src', 'renderer'), join(root, 'src', 'shared'), join(root, 'vite.web.config.ts')],
    config: join(root, 'vite.web.config.ts')
  }
}

function newestMtime(path: string): number {
  let st
  try {
    st = statSync(path)
  } catch {
    return 0
  }
  if (!st.isDirectory()) return st.mtimeMs
  let t = 0
  for (const e of readdirSync(path, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue
    t = Math.max(t, newestMtime(join(path, e.name)))
  }
  return t
}

/** '' when the built UI is current, else why not. A source tree that is not there (an installed package) never makes it stale. */
export function uiStaleness(p: UiBuildPaths): string {
  const index = join(p.outDir, 'index.html')
  if (!existsSync(index)) return 'not built'
  const built = statSync(index).mtimeMs
  const newest = Math.max(...p.sources.map(newestMtime))
  return newest > built ? 'older than its sources' : ''
}

function viteBin(root: string): string | null {
  try {
    const pkg = createRequire(join(root, 'package.json')).resolve('vite/package.json')
    const bin = join(dirname(pkg), 'bin', 'vite.js')
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

const LOCK = '.renderer-build.lock'

function lockHolderAlive(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'))
    if (!Number.isInteger(pid) || pid <= 0) return statSync(lock).mtimeMs > Date.now() - 10 * 60_000
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: alive but another user's; a lock without its pid file yet is being made right now
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EPERM') return true
    if (code === 'ENOENT') return existsSync(lock) && statSync(lock).mtimeMs > Date.now() - 10_000
    return false
  }
}

function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock)
    writeFileSync(join(lock, 'pid'), String(process.pid))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    if (lockHolderAlive(lock)) return false
    rmSync(lock, { recursive: true, force: true })
    return tryLock(lock)
  }
}

function runVite(bin: string, p: UiBuildPaths, outDir: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'build', '--config', p.config, '--logLevel', 'error', '--outDir', outDir, '--emptyOutDir'], {
      cwd: p.root,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)))
    child.on('error', (e) => resolve(e.message))
    child.on('exit', (code) =>
      resolve(
        code === 0
          ? null
          : (err
              .trim()
              .split('\n')
              .find((l) => l.trim() !== '') ?? `vite exited with ${code}`)
      )
    )
  })
}

/** Move a finished build into `outDir`: assets first (new names beside the old), index.html last, with one rename. */
function install(tmp: string, outDir: string, startedAt: number): void {
  mkdirSync(outDir, { recursive: true })
  const copyTree = (from: string, to: string): void => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (from === tmp && e.name === 'index.html') continue
      const src = join(from, e.name)
      const dst = join(to, e.name)
      if (e.isDirectory()) {
        mkdirSync(dst, { recursive: true })
        copyTree(src, dst)
      } else copyFileSync(src, dst)
    }
  }
  copyTree(tmp, outDir)
  const index = join(tmp, 'index.html')
  // a source saved during the build is newer than this build: the next start builds again
  utimesSync(index, new Date(startedAt), new Date(startedAt))
  renameSync(index, join(outDir, 'index.html'))
  // assets of earlier builds: kept for pages loaded before (an hour), then removed
  const html = readFileSync(join(outDir, 'index.html'), 'utf8')
  const assets = join(outDir, 'assets')
  if (existsSync(assets)) {
    for (const name of readdirSync(assets)) {
      const f = join(assets, name)
      if (!html.includes(name) && statSync(f).mtimeMs < Date.now() - 3600_000) rmSync(f, { force: true })
    }
  }
}

/**
 * Make sure the built UI is there and current, building it when it is missing or stale.
 * @param say progress for the user (one line each), e.g. to stderr.
 * @param waitMs how long to wait for another process's build when there is no UI yet.
 * @returns what was done; never throws for a failed build (`missing` with the reason).
 */
export async function ensureUiBuilt(p: UiBuildPaths, say: (line: string) => void, waitMs = 5 * 60_000): Promise<UiBuildOutcome> {
  const why = uiStaleness(p)
  if (why === '') return { state: 'fresh' }
  const hasUi = why !== 'not built'
  const bin = viteBin(p.root)
  if (!bin) {
    if (hasUi) return { state: 'stale', reason: 'the build tools are not installed' }
    return {
      state: 'missing',
      message: `the user interface is not built, and its build tools are not installed: run \`npm install\` then \`npm run build:renderer\` in ${p.root}`
    }
  }
  const out = dirname(p.outDir)
  mkdirSync(out, { recursive: true })
  const lock = join(out, LOCK)
  const deadline = Date.now() + waitMs
  while (!tryLock(lock)) {
    if (hasUi) return { state: 'stale', reason: 'another P1 Studio process is rebuilding it' }
    if (Date.now() > deadline)
      return {
        state: 'missing',
        message: `the user interface is not built (another process has been building it for too long): run \`npm run build:renderer\` in ${p.root}`
      }
    await new Promise((r) => setTimeout(r, 250))
  }
  try {
    // another process may have finished a build while this one waited for the lock
    if (uiStaleness(p) === '') return { state: 'fresh' }
    say(hasUi ? 'P1 Studio: the user interface is older than its sources — rebuilding it…' : 'P1 Studio: building the user interface (once)…')
    const startedAt = Date.now()
    const tmp = join(out, `.renderer-${process.pid}-${startedAt}`)
    try {
      const failure = await runVite(bin, p, tmp)
      if (failure) {
        if (hasUi) return { state: 'stale', reason: `the rebuild failed: ${failure}` }
        return { state: 'missing', message: `the user interface could not be built (${failure}): run \`npm run build:renderer\` in ${p.root} to see why` }
      }
      install(tmp, p.outDir, startedAt)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
    return { state: 'built', seconds: (Date.now() - startedAt) / 1000 }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}
