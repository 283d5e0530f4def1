// `npm start`: the desktop app when the Electron runtime is installed; otherwise the same
// UI in the default browser (serve mode, demo source), so the first command always works.
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.status !== 0) process.exit(r.status ?? 1)
}

const electron = electronBinary()
if (electron) {
  run(npx, ['electron-vite', 'build'])
  const child = spawn(electron, [ROOT], { cwd: ROOT, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 0))
} else {
  console.log('P1 Studio: the desktop runtime (Electron) is missing — opening P1 Studio in your browser (serve mode, demo source).')
  // serve builds the user interface first when it is missing or older than its sources
  const child = spawn(process.execPath, [join(ROOT, 'bin/p1studio.mjs'), 'serve', '--demo', '--open', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code) => process.exit(code ?? 0))
}
