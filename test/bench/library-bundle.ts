/**
 * The P1 library as it ships, for the benchmarks: library-entry.ts built with vite for Node
 * (ES module, target node20, not minified — as vite.cli.config.ts builds the command line and
 * electron-vite the app's main process) into out/bench-lib/library.mjs.
 *
 * Why not the sources through tsx: the app and the CLI never run them that way. tsx compiles
 * each module on its own and resolves imports through loader hooks on a worker thread (4 % of
 * the samples of a profile of the decoder under tsx); the same decoder measured 17–20.5 µs per
 * frame from the sources and 15.3–16 µs bundled (issue 11, this stop's machine).
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'vite'

const ROOT = resolve(import.meta.dirname, '../..')
/** Where the bundle is written (out/ is ignored by git). */
export const LIBRARY_BUNDLE = resolve(ROOT, 'out/bench-lib/library.mjs')

/** The library module's shape (P1Decoder, JsonLineWriter, parseTelegramText). */
export type BenchLibrary = typeof import('./library-entry')

/** Build the bundle (about a second). @throws the build's error. */
export async function buildLibraryBundle(): Promise<string> {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    publicDir: false,
    build: {
      ssr: resolve(import.meta.dirname, 'library-entry.ts'),
      outDir: resolve(ROOT, 'out/bench-lib'),
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      reportCompressedSize: false,
      rollupOptions: { output: { format: 'es', entryFileNames: 'library.mjs' } }
    },
    ssr: { target: 'node', noExternal: [] }
  })
  return LIBRARY_BUNDLE
}

/** Import the built bundle (build it first with {@link buildLibraryBundle}). */
export async function importLibraryBundle(file: string = LIBRARY_BUNDLE): Promise<BenchLibrary> {
  return (await import(pathToFileURL(file).href)) as BenchLibrary
}
