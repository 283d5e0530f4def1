/**
 * The P1 library as it ships, for the benchmarks: library-entry.ts built with the command
 * line's vite config (vite.cli.config.ts: ES module for Node, target node20, not minified)
 * into out/bench-lib/library.mjs.
 *
 * Why not the sources through tsx: the app and the CLI never run them that way. tsx compiles
 * each module on its own and resolves imports through loader hooks on a worker thread (4 % of
 * the samples of a profile of the decoder under tsx); the same decoder measured 17–20.5 µs per
 * frame from the sources and 15.3–16 µs bundled (issue 11, this stop's machine).
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const ROOT = resolve(import.meta.dirname, '../..')
/** Where the bundle is written (out/ is ignored by git). */
export const LIBRARY_BUNDLE = resolve(ROOT, 'out/bench-lib/library.mjs')

/** The library module's shape (P1Decoder, JsonLineWriter, parseTelegramText, crc16ArcSliced). */
export type BenchLibrary = typeof import('./library-entry')

/**
 * Build the bundle (about a second) in a child process, so that vite (≈150 MB of RSS and its
 * build threads) is never loaded into a process that measures time or memory.
 * @throws Error with the build's output when it fails.
 */
export function buildLibraryBundle(): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`building ${LIBRARY_BUNDLE} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`)
  return LIBRARY_BUNDLE
}

/**
 * The build itself (this file run as a script): the command line's own vite config
 * (vite.cli.config.ts) with library-entry.ts as the entry and out/bench-lib as the output, so
 * the benchmark's bundle is built exactly as the shipped CLI is (the config's source manifest
 * lands beside it, unused).
 */
async function build(): Promise<void> {
  const vite = await import('vite')
  await vite.build({
    configFile: resolve(ROOT, 'vite.cli.config.ts'),
    build: {
      ssr: resolve(import.meta.dirname, 'library-entry.ts'),
      outDir: resolve(ROOT, 'out/bench-lib'),
      rollupOptions: { output: { entryFileNames: 'library.mjs' } }
    }
  })
}

/** Import the built bundle (build it first with {@link buildLibraryBundle}). */
export async function importLibraryBundle(file: string = LIBRARY_BUNDLE): Promise<BenchLibrary> {
  return (await import(pathToFileURL(file).href)) as BenchLibrary
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await build()
