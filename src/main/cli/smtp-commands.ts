/**
 * `p1studio smtp-password set --from-file FILE | --stdin`, `clear`, `status`: the nightly
 * report's SMTP password kept like the board secrets (src/main/host/smtp-secret.ts:
 * encrypted under the OS keyring's key or the key file beside the data folder, in
 * `<data folder>/smtp-password.p1sec`, 0600). `serve --smtp-user U` then uses it without a password
 * file. Never on the command line, never printed: `status` says whether one is kept and how.
 */
import { openSecretStore } from '../board/secret-store'
import { dataDir } from '../host/session'
import { clearSmtpPassword, saveSmtpPassword, smtpPasswordStatus } from '../host/smtp-secret'
import { UsageError, parse } from './args'
import { passwordFile } from './password-file'

/** The first line of stdin (a pipe: `pass show mail | p1studio smtp-password set --stdin`). @throws UsageError */
async function stdinPassword(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('--stdin reads the password from a pipe, e.g. pass show mail | p1studio smtp-password set --stdin')
  const parts: Buffer[] = []
  for await (const chunk of process.stdin) parts.push(chunk as Buffer)
  const pw = Buffer.concat(parts).toString('utf8').split(/\r?\n/)[0]
  if (!pw) throw new UsageError('--stdin: the password is empty (it is the first line)')
  return pw
}

/** `smtp-password set|clear|status`. @returns 0 (status: 1 when a stored password cannot be read). @throws UsageError, Error (plain words) */
export async function cmdSmtpPassword(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'from-file': { type: 'string' }, stdin: { type: 'boolean' } })
  const [action, extra] = positionals
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`)
  const dir = dataDir()
  if (action === 'set') {
    if ((values['from-file'] === undefined) === (values.stdin !== true))
      throw new UsageError('smtp-password set needs --from-file FILE or --stdin (one of them)')
    const pw = values.stdin === true ? await stdinPassword() : passwordFile(values['from-file'], '--from-file')
    const store = await openSecretStore({ dataDir: dir })
    saveSmtpPassword(store, dir, pw)
    process.stderr.write(`P1 Studio: SMTP password stored (${store.protection().label}); serve --smtp-user uses it.\n`)
    return 0
  }
  if (values['from-file'] !== undefined || values.stdin) throw new UsageError(`--from-file and --stdin go with smtp-password set`)
  if (action === 'clear') {
    process.stderr.write(clearSmtpPassword(dir) ? 'P1 Studio: SMTP password removed.\n' : 'P1 Studio: no SMTP password was stored.\n')
    return 0
  }
  if (action === 'status') {
    const st = smtpPasswordStatus(await openSecretStore({ dataDir: dir }), dir)
    if (!st.stored) process.stdout.write(`No SMTP password stored (${st.file}).\n`)
    else if (st.problem) process.stdout.write(`${st.problem}\n`)
    else process.stdout.write(`SMTP password stored in ${st.file} (${st.protection?.label ?? 'encrypted'}).\n`)
    return st.problem ? 1 : 0
  }
  throw new UsageError('smtp-password needs set, clear or status')
}
