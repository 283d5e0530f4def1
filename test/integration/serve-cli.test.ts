/**
 * The serve token from the command line (issue 12): `p1studio token` prints the data folder's
 * token (0600, the same across runs; --new replaces it), `p1studio serve` prints an address that
 * carries that token on every start, --token overrides it, --host-name adds names the Host check
 * accepts. Real processes, a temporary data folder.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { rawHttp, ROOT, startServe, stopServe, type ServeProcess } from '../helpers/serve'

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((r) => {
    const child = spawn(process.execPath, [resolve(ROOT, 'bin/p1studio.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => r({ code, stdout, stderr }))
  })
}

const running: ServeProcess[] = []
afterEach(async () => {
  for (const s of running.splice(0)) await stopServe(s)
})

describe('p1studio token and serve', () => {
  it('token prints one token, kept 0600 in the data folder, the same on every run; serve uses it across restarts', async () => {
    const data = mkdtempSync(join(tmpdir(), 'p1s-cli-data-'))
    const env = { P1STUDIO_DATA_DIR: data }
    const first = await cli(['token'], env)
    expect(first.code).toBe(0)
    const token = first.stdout.trim()
    expect(first.stdout).toMatch(/^[0-9a-f]{64}\n$/)
    expect(statSync(join(data, 'serve-token')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(data, 'serve-token'), 'utf8').trim()).toBe(token)
    expect((await cli(['token'], env)).stdout.trim()).toBe(token)

    const a = await startServe(['--demo', '--listen', '127.0.0.1:0', '--capture-dir', join(data, 'captures')], env)
    running.push(a)
    expect(a.token).toBe(token)
    expect(a.url).toBe(`${a.origin}/?token=${token}`)
    expect((await fetch(a.url)).status).toBe(200)
    await stopServe(a)
    const b = await startServe(['--demo', '--listen', '127.0.0.1:0', '--capture-dir', join(data, 'captures')], env)
    running.push(b)
    expect(b.token).toBe(token) // a bookmarked address keeps working after a restart
    expect(b.output()).not.toMatch(/\bat http:\/\/[^ ]*\/ /) // never an address without the token

    const renewed = await cli(['token', '--new'], env)
    expect(renewed.code).toBe(0)
    expect(renewed.stdout.trim()).toMatch(/^[0-9a-f]{64}$/)
    expect(renewed.stdout.trim()).not.toBe(token)
    expect(renewed.stderr).toMatch(/restart a running `p1studio serve`/)
  }, 120_000)

  it('--token overrides the kept token; a short one is refused; --host-name names pass the Host check', async () => {
    const data = mkdtempSync(join(tmpdir(), 'p1s-cli-data-'))
    const env = { P1STUDIO_DATA_DIR: data }
    const short = await cli(['serve', '--demo', '--listen', '127.0.0.1:0', '--token', 'abc'], env)
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/^p1studio: --token must be 16 to 256 letters/)
    const badName = await cli(['serve', '--demo', '--listen', '127.0.0.1:0', '--host-name', 'http://x/'], env)
    expect(badName.code).toBe(2)
    expect(badName.stderr).toMatch(/--host-name http:\/\/x\/: give a host name/)

    const given = 'my-own-serve-token-0123456789'
    const s = await startServe(
      [
        '--demo',
        '--listen',
        '127.0.0.1:0',
        '--token',
        given,
        '--host-name',
        'p1.example.org',
        '--host-name',
        'Pi.Local',
        '--capture-dir',
        join(data, 'captures')
      ],
      env
    )
    running.push(s)
    expect(s.token).toBe(given)
    const get = (host: string) => rawHttp(s.port, `GET /?token=${given} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)
    expect((await get('p1.example.org')).status).toBe(200)
    expect((await get(`pi.local:${s.port}`)).status).toBe(200)
    expect((await get(`attacker.example:${s.port}`)).status).toBe(403)
  }, 120_000)
})
