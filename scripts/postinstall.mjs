// Fetch the Electron runtime through electron's own installer (npm 11 blocks dependency
// install scripts). Offline or on CI this prints one warning line and never fails npm install.
import { spawn } from 'node:child_process'
import { electronBinary, electronInstaller } from './electron-binary.mjs'

const say = (m) => console.log(`P1 Studio: ${m}`)

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  say('Electron runtime not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set) — `npm start` will open the UI in your browser instead.')
  process.exit(0)
}
const installer = electronInstaller()
if (!installer || electronBinary()) process.exit(0) // production install, or already there
const child = spawn(process.execPath, [installer], { stdio: ['ignore', 'ignore', 'pipe'] })
let err = ''
child.stderr.on('data', (d) => (err += d))
const timer = setTimeout(() => child.kill('SIGKILL'), 180_000)
child.on('exit', (code) => {
  clearTimeout(timer)
  if (code !== 0) {
    const why = (err.split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONN|timed out/i.test(l)) ?? 'no connection?').trim().slice(0, 120)
    say(`Electron runtime not downloaded (${why}) — \`npm start\` will open the UI in your browser instead.`)
  }
  process.exit(0)
})
child.on('error', () => {
  say('Electron runtime not downloaded — `npm start` will open the UI in your browser instead.')
  process.exit(0)
})
