/**
 * `p1studio serve` spawned as users run it, for the Chromium tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

export const ROOT = resolve(__dirname, '../..')

/** Start `p1studio serve` and resolve with the URL it prints. */
export function startServe(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), 'serve', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    const timer = setTimeout(() => reject(new Error(`serve did not print a URL: ${out}`)), 30_000)
    const onData = (d: Buffer): void => {
      out += d.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolvePromise({ child, url: m[1] })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}: ${out}`))
    })
  })
}

