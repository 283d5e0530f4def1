/**
 * A pseudo-terminal pair from socat: two linked device paths that serialport opens like
 * real serial ports. `socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let counter = 0

/** Open a pty pair. @throws Error if socat is missing or the links do not appear within 5 s. */
export async function openPtyPair(): Promise<{ a: string; b: string; close(): Promise<void> }> {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).error) throw new Error('socat not installed: apt-get install socat')
  const id = `${process.pid}-${Date.now()}-${counter++}`
  const a = join(tmpdir(), `p1s-${id}-a`)
  const b = join(tmpdir(), `p1s-${id}-b`)
  const child = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' })
  const deadline = Date.now() + 5000
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error('socat did not create the pty pair')
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  return {
    a,
    b,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}
