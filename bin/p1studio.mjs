#!/usr/bin/env node
// p1studio command line. Runs the bundle built by `npm run build:cli` (out/cli, also built by
// `npm run build`, `npm test` and `npm install` in a checkout). Falls back to the TypeScript
// sources through tsx only in development: when the bundle is missing, or when a source it
// was built from is newer than its build (out/cli/manifest.json) — a developer editing src
// never runs a stale bundle. P1STUDIO_CLI=source or =bundle forces one or the other.
import { readFileSync, statSync } from 'node:fs'

const ROOT = new URL('../', import.meta.url)
const OUT = new URL('out/cli/', ROOT)

/** Why the bundle cannot be used ('' = it is current). A few stat calls: no directory walk. */
function bundleStale() {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(new URL('manifest.json', OUT), 'utf8'))
  } catch {
    return 'not built'
  }
  let sources = true
  for (const file of manifest.inputs) {
    let mtime
    try {
      mtime = statSync(new URL(file, ROOT)).mtimeMs
    } catch {
      // an installed package without its sources runs the bundle; a checkout lost a file
      if (sources) sources = existsSync(new URL('src/main/cli.ts', ROOT))
      if (sources) return `${file} is gone`
      continue
    }
    if (mtime > manifest.builtAt) return `${file} changed`
  }
  return ''
}

function existsSync(url) {
  try {
    statSync(url)
    return true
  } catch {
    return false
  }
}

const want = process.env.P1STUDIO_CLI
let main
const stale = want === 'source' ? 'P1STUDIO_CLI=source' : bundleStale()
if (stale === '' || want === 'bundle') {
  ;({ main } = await import(new URL('cli.mjs', OUT).href))
} else {
  if (process.stderr.isTTY && want !== 'source') process.stderr.write(`p1studio: running from the sources (bundle ${stale}; npm run build:cli makes it current)\n`)
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import(new URL('src/main/cli.ts', ROOT).href))
}
process.exitCode = await main(process.argv.slice(2))
// The command has returned: its work is done. A handle it left open (a timer, a file being
// replayed) must not keep the process alive; one that ends by itself ends it sooner.
setTimeout(() => process.exit(), 1000).unref()
