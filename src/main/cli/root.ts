/**
 * Where P1 Studio is installed, and its version: read from package.json with node:fs only,
 * so `p1studio help` and `--version` load nothing else. Works from the TypeScript sources
 * (src/main/cli), the CLI bundle (out/cli) and the packaged app.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

let pkg: { name?: string; version?: string } | null | undefined

function findRoot(from: string): string {
  for (let d = from, i = 0; i < 6; i++, d = dirname(d)) {
    try {
      const p = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (p.name === 'p1studio') {
        pkg = p
        return d
      }
    } catch {
      /* not here */
    }
  }
  pkg = null
  return process.cwd()
}

/** The project (or packaged app) root: the nearest folder above this module whose package.json is P1 Studio's, else the working directory. */
export const ROOT = findRoot(HERE)

/** Application version from package.json ("0.0.0" when it cannot be read). */
export function appVersion(): string {
  return pkg?.version ?? '0.0.0'
}
