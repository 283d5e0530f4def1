/**
 * A throwaway Mosquitto broker on a free loopback port, with a temp config (and a password
 * file when users are given). Needs Debian's `mosquitto` package (`.ci/run` installs it);
 * `mosquitto_passwd` comes with it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'

/** Path of the mosquitto binary, or null. */
export function mosquittoPath(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) if (existsSync(p)) return p
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null
}

/** A free TCP port on 127.0.0.1 (`port` 0: any, from the OS's ephemeral range). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(port, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
}

/** A free port below 32768 (the SmartyReader keeps MY_MQTT_PORT in a short; ephemeral ports are above). */
export async function freeLowPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000)
    try {
      return await freePort(p)
    } catch {
      /* taken, try another */
    }
  }
  throw new Error('no free port between 20000 and 32000')
}

export interface Broker {
  url: string
  port: number
  stop(): Promise<void>
}

/**
 * Start mosquitto. @throws Error naming the Debian package when it is not installed, or with
 * its output when it does not start within 5 s.
 */
export async function startMosquitto(opts: { users?: Record<string, string>; port?: number } = {}): Promise<Broker> {
  const bin = mosquittoPath()
  if (!bin) throw new Error('mosquitto is not installed: apt-get install mosquitto')
  const dir = mkdtempSync(join(tmpdir(), 'p1s-mosquitto-'))
  const port = opts.port ?? (await freePort())
  const conf = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stderr', 'log_type error', `user ${userInfo().username}`]
  if (opts.users) {
    const pw = join(dir, 'passwd')
    writeFileSync(pw, '', { mode: 0o600 })
    for (const [u, p] of Object.entries(opts.users)) {
      const r = spawnSync('mosquitto_passwd', ['-b', pw, u, p], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`mosquitto_passwd failed: ${r.stderr || r.error?.message}`)
    }
    conf.push('allow_anonymous false', `password_file ${pw}`)
  } else conf.push('allow_anonymous true')
  writeFileSync(join(dir, 'mosquitto.conf'), conf.join('\n') + '\n')
  const child: ChildProcess = spawn(bin, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const deadline = Date.now() + 5000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${err.trim()}`)
    const ok = await new Promise<boolean>((r) => {
      const s = new Socket()
      s.once('error', () => r(false))
      s.connect(port, '127.0.0.1', () => {
        s.destroy()
        r(true)
      })
    })
    if (ok) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`mosquitto did not listen on ${port}: ${err.trim()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true })
          resolve()
        }
        if (child.exitCode !== null) return done()
        child.once('exit', done)
        child.kill('SIGTERM')
      })
  }
}
