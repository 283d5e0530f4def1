// Where the Electron runtime is, without triggering electron's download-on-require.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

/** Path of the installed Electron binary, or null if the runtime was not downloaded. */
export function electronBinary() {
  let dir
  try {
    dir = dirname(require.resolve('electron/package.json'))
  } catch {
    return null
  }
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return null
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(bin) ? bin : null
}

/** Path of electron's own installer script, or null when electron is not installed (production install). */
export function electronInstaller() {
  try {
    return require.resolve('electron/install.js')
  } catch {
    return null
  }
}
