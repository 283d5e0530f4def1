/**
 * The nightly report's SMTP password kept like the board secrets (src/main/host/smtp-secret.ts,
 * `p1studio smtp-password`): stored from a file or a pipe, AES-256-GCM encrypted under the key
 * file beside the data folder (P1STUDIO_KEYRING=off: no desktop keyring here), the file 0600 and
 * without the password; `status` and serve's log say how it is kept, never the value; a mail to
 * a local SMTP sink (smtp-server, AUTH PLAIN/LOGIN) logs in with it; a stored password that
 * cannot be read (key file gone, file damaged, another key) is an error in plain words — serve
 * refuses to start, a mail is not attempted with an empty or wrong login.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import { openSecretStore, secretKeyFileFor } from '../../src/main/board/secret-store'
import { mailReport, type SmtpOptions } from '../../src/main/output/nightly-report'
import { SmtpPasswordError, sealedSmtpPassword, smtpPasswordFile } from '../../src/main/host/smtp-secret'
import { freePort } from '../helpers/mosquitto'
import { startServe } from '../helpers/serve'

const PASSWORD = 'Sm7p-only-in-the-file!'
const USER = 'pi@example.lu'
const BIN = resolve(__dirname, '../../bin/p1studio.mjs')

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

/** A data folder of its own (its key file goes beside it, in a folder of its own too). */
function dataFolder(): string {
  return join(mkdtempSync(join(tmpdir(), 'p1s-smtp-')), 'data')
}

function cli(args: string[], dir: string, input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    input,
    env: { ...process.env, P1STUDIO_DATA_DIR: dir, P1STUDIO_KEYRING: 'off' }
  })
}

/** A local SMTP sink that takes `USER`/`PASSWORD` only; counts logins tried. */
async function sink(): Promise<{ port: number; logins: string[]; mails: string[]; close(): Promise<void> }> {
  const logins: string[] = []
  const mails: string[] = []
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _s, cb) {
      logins.push(`${auth.username}:${auth.password === PASSWORD ? 'right' : 'wrong'}`)
      if (auth.username === USER && auth.password === PASSWORD) cb(null, { user: auth.username })
      else cb(new Error('Invalid username or password'))
    },
    onData(stream, _s, cb) {
      const parts: Buffer[] = []
      stream.on('data', (d: Buffer) => parts.push(d))
      stream.on('end', () => {
        mails.push(Buffer.concat(parts).toString('latin1'))
        cb()
      })
    }
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())))
  return { port, logins, mails, close: () => new Promise((r) => server.close(() => r())) }
}

const MSG = { subject: 'P1 Studio: test', text: 'figures', html: '<p>figures</p>', png: Buffer.from('89504e47', 'hex'), pngName: 'chart.png' }

/** Every file under `dir` (and the key file beside it) holds no trace of the password. */
function assertNowhere(dir: string): void {
  const files = [
    secretKeyFileFor(dir),
    ...readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
  ]
  for (const f of files) expect(readFileSync(f).includes(Buffer.from(PASSWORD)), f).toBe(false)
}

describe('the SMTP password kept like a board secret', { timeout: 180_000 }, () => {
  it('smtp-password set --from-file: encrypted, 0600, never shown; a mail logs in with it', async () => {
    const dir = dataFolder()
    const pwFile = join(dir, '..', 'pw.txt')
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 })
    const set = cli(['smtp-password', 'set', '--from-file', pwFile], dir)
    expect(set.status, set.stderr).toBe(0)
    expect(set.stderr).toContain(`SMTP password stored (encrypted file, key in ${secretKeyFileFor(dir)})`)
    rmSync(pwFile)
    const file = smtpPasswordFile(dir)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(secretKeyFileFor(dir)).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8')).toMatch(/^p1sec:1:f:[0-9a-f]{8}:[A-Za-z0-9_-]+\n$/)
    const status = cli(['smtp-password', 'status'], dir)
    expect(status.status).toBe(0)
    expect(status.stdout).toBe(`SMTP password stored in ${file} (encrypted file, key in ${secretKeyFileFor(dir)}).\n`)
    for (const out of [set.stdout, set.stderr, status.stdout, status.stderr]) expect(out).not.toContain(PASSWORD)
    assertNowhere(dir)

    // what serve does with it: sealed, opened to send; the sink sees the right login
    const smtp = await sink()
    const store = await openSecretStore({ dataDir: dir, keyring: null })
    const password = sealedSmtpPassword(store, dir)!
    const opts: SmtpOptions = { host: '127.0.0.1', port: smtp.port, security: 'none', user: USER, password, from: USER, to: ['home@example.lu'] }
    expect(JSON.stringify(opts)).not.toContain(PASSWORD)
    expect(await mailReport(opts, MSG)).toEqual({ accepted: ['home@example.lu'] })
    expect(smtp.logins).toEqual([`${USER}:right`])
    expect(smtp.mails).toHaveLength(1)

    // --stdin replaces it; clear forgets it
    const again = cli(['smtp-password', 'set', '--stdin'], dir, 'another-one\n')
    expect(again.status, again.stderr).toBe(0)
    expect(sealedSmtpPassword(await openSecretStore({ dataDir: dir, keyring: null }), dir)!()).toBe('another-one')
    expect(cli(['smtp-password', 'clear'], dir).stderr).toContain('SMTP password removed')
    expect(cli(['smtp-password', 'status'], dir).stdout).toBe(`No SMTP password stored (${file}).\n`)
    // never on the command line
    expect(cli(['smtp-password', 'set', PASSWORD], dir).status).toBe(2)
  })

  it('a stored password that cannot be read is an error in plain words, never a login: key file gone, another key, damaged', async () => {
    const dir = dataFolder()
    const pwFile = join(dir, '..', 'pw.txt')
    writeFileSync(pwFile, PASSWORD, { mode: 0o600 })
    expect(cli(['smtp-password', 'set', '--from-file', pwFile], dir).status).toBe(0)
    const smtp = await sink()
    const store = await openSecretStore({ dataDir: dir, keyring: null })
    const sealed = sealedSmtpPassword(store, dir)!

    // the key file replaced by another key: the stored password is another key's
    const keyFile = secretKeyFileFor(dir)
    rmSync(keyFile)
    writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 })
    const other = await openSecretStore({ dataDir: dir, keyring: null })
    expect(() => sealedSmtpPassword(other, dir)).toThrow(SmtpPasswordError)
    expect(() => sealedSmtpPassword(other, dir)).toThrow(
      `The stored SMTP password cannot be read: it was encrypted with another key than the one in ${keyFile} (was the key file replaced?). Store it again: p1studio smtp-password set --from-file FILE.`
    )
    // a serve that opened it before the key changed keeps its sealed copy; a new one cannot
    expect(sealed()).toBe(PASSWORD)

    // the key file gone: status says so (exit 1), serve refuses to start, nothing is mailed
    rmSync(keyFile)
    const status = cli(['smtp-password', 'status'], dir)
    expect(status.status).toBe(1)
    expect(status.stdout).toBe(
      `The stored SMTP password cannot be read: the key file ${keyFile} is missing. Store it again: p1studio smtp-password set --from-file FILE.\n`
    )
    const serve = spawnSync(
      process.execPath,
      [
        BIN,
        'serve',
        '--demo',
        '--listen',
        '127.0.0.1:0',
        '--nightly-report',
        '--smtp',
        `smtp+plain://127.0.0.1:${smtp.port}`,
        '--mail-to',
        'home@example.lu',
        '--smtp-user',
        USER
      ],
      { encoding: 'utf8', timeout: 90_000, env: { ...process.env, P1STUDIO_DATA_DIR: dir, P1STUDIO_KEYRING: 'off' } }
    )
    expect(serve.status).toBe(1)
    expect(serve.stderr).toContain(`The stored SMTP password cannot be read: the key file ${keyFile} is missing.`)
    expect(serve.stdout).not.toContain('is serving')
    expect(serve.stderr).not.toMatch(/\n\s+at /) // no stack trace

    // a mail with an opener that cannot open: rejected before any login
    const broken = await openSecretStore({ dataDir: dir, keyring: null })
    const token = readFileSync(smtpPasswordFile(dir), 'utf8').trim()
    const opts: SmtpOptions = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      user: USER,
      password: () => broken.decrypt(token, 'SMTP_PASSWORD'),
      from: USER,
      to: ['home@example.lu']
    }
    await expect(mailReport(opts, MSG)).rejects.toThrow(/is missing/)
    // damaged file
    writeFileSync(smtpPasswordFile(dir), 'p1sec:1:f:00000000:AAAA\n', { mode: 0o600 })
    writeFileSync(keyFile, Buffer.alloc(32, 7), { mode: 0o600 })
    expect(() => sealedSmtpPassword(broken, dir)).toThrow(/^The stored SMTP password cannot be read: /)
    writeFileSync(smtpPasswordFile(dir), 'hunter2\n', { mode: 0o600 })
    expect(() => sealedSmtpPassword(broken, dir)).toThrow(`The stored SMTP password cannot be read: ${smtpPasswordFile(dir)} is damaged.`)
    expect(smtp.logins).toEqual([])
  })

  it('serve --smtp-user without a stored password or a file is a usage error; with one stored it starts and says how it is kept, never the value', async () => {
    const dir = dataFolder()
    const args = [
      '--demo',
      '--listen',
      '127.0.0.1:0',
      '--nightly-report',
      '--smtp',
      'smtp+plain://127.0.0.1:2525',
      '--mail-to',
      'home@example.lu',
      '--smtp-user',
      USER
    ]
    const env = { P1STUDIO_DATA_DIR: dir, P1STUDIO_KEYRING: 'off' }
    const none = spawnSync(process.execPath, [BIN, 'serve', ...args], { encoding: 'utf8', timeout: 90_000, env: { ...process.env, ...env } })
    expect(none.status).toBe(2)
    expect(none.stderr).toContain(`--smtp-user ${USER}: no SMTP password is stored; store it with p1studio smtp-password set --from-file FILE`)
    expect(cli(['smtp-password', 'set', '--stdin'], dir, PASSWORD).status).toBe(0)
    const s = await startServe(args, env)
    cleanup.push(() => void s.child.kill('SIGTERM'))
    await new Promise<void>((r) => {
      const check = (): void => (/nightly report mailed through/.test(s.output()) ? r() : void setTimeout(check, 50))
      check()
    })
    expect(s.output()).toContain(
      `nightly report mailed through 127.0.0.1 as ${USER}, password stored (encrypted file, key in ${secretKeyFileFor(dir)}; never shown)`
    )
    expect(s.output()).not.toContain(PASSWORD)
    s.child.kill('SIGTERM')

    // a password file for one run: sealed the same way, named in the log by its file only
    const pwFile = join(dir, '..', 'run-only.txt')
    writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 })
    const f = await startServe([...args, '--smtp-password-file', pwFile], env)
    cleanup.push(() => void f.child.kill('SIGTERM'))
    await new Promise<void>((r) => {
      const check = (): void => (/nightly report mailed through/.test(f.output()) ? r() : void setTimeout(check, 50))
      check()
    })
    expect(f.output()).toContain(`nightly report mailed through 127.0.0.1 as ${USER}, password from ${pwFile} (`)
    expect(f.output()).not.toContain(PASSWORD)
  })
})
