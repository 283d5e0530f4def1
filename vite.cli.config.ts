/**
 * The `p1studio` command line as a bundle (out/cli): src/main/cli.ts built for Node with code
 * splitting, so each command's modules are a chunk that loads only when that command runs
 * (the dispatcher's `await import('./cli/xxx')`). Dependencies stay external (node_modules,
 * node: built-ins). bin/p1studio.mjs runs this bundle unless a source it was built from is
 * newer (out/cli/manifest.json lists them with the build's start time).
 * Build: `npm run build:cli` (part of `npm run build`, `npm test` and `prepare`).
 */
import { writeFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vite'

const ROOT = import.meta.dirname
const OUT = resolve(ROOT, 'out/cli')

/** Writes out/cli/manifest.json: the project files the bundle was built from and when the build began. */
function sourceManifest(): Plugin {
  let startedAt = 0
  let outDir = OUT
  return {
    name: 'p1studio-cli-manifest',
    configResolved(config) {
      outDir = resolve(ROOT, config.build.outDir)
    },
    buildStart() {
      // a source saved while the build runs is newer than the bundle: the next start rebuilds from sources
      startedAt = Date.now()
    },
    writeBundle() {
      const inputs = [...this.getModuleIds()]
        .filter((id) => !id.startsWith('\0') && id.startsWith(ROOT + '/') && !id.includes('/node_modules/'))
        .map((id) => relative(ROOT, id.split('?')[0]))
        .sort()
      writeFileSync(resolve(outDir, 'manifest.json'), JSON.stringify({ builtAt: startedAt, entry: 'cli.mjs', inputs }, null, 1) + '\n')
    }
  }
}

export default defineConfig({
  root: ROOT,
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: resolve(ROOT, 'src/main/cli.ts'),
    outDir: OUT,
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        format: 'es',
        entryFileNames: 'cli.mjs',
        chunkFileNames: 'chunks/[name]-[hash].mjs'
      }
    }
  },
  // every dependency is loaded from node_modules at run time, never bundled
  ssr: { target: 'node', noExternal: [] },
  plugins: [sourceManifest()]
})
