// `prepare` (npm install / npm ci in a git checkout): build the command line bundle (out/cli)
// and the user interface (out/renderer), so that `npx p1studio serve --demo` works right after
// the install. Without the build tools (an install that omits dev dependencies) it says how
// in one line and leaves the install alone. A build error fails the install, as it should.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (m) => console.log(`P1 Studio: ${m}`)

let vite
try {
  vite = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js')
} catch {
  vite = null
}
if (!vite || !existsSync(vite) || !existsSync(join(ROOT, 'src', 'main', 'cli.ts'))) {
  say('not built here (no build tools or sources) — `p1studio` runs from its bundle when one is installed; in a checkout run `npm install` with dev dependencies, then `npm run build:cli && npm run build:renderer`.')
  process.exit(0)
}

for (const [what, config] of [
  ['command line', 'vite.cli.config.ts'],
  ['user interface', 'vite.web.config.ts']
]) {
  const r = spawnSync(process.execPath, [vite, 'build', '--config', config, '--logLevel', 'error'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) {
    console.error(`P1 Studio: building the ${what} failed (${config}); see above.`)
    process.exit(r.status ?? 1)
  }
}
