/**
 * A password from a file (`serve --mqtt-password-file`, `--smtp-password-file`,
 * `smtp-password set --from-file`), never from the command line, where every local user would
 * see it (ps, /proc/PID/cmdline) and a service unit would keep it.
 */
import { readFileSync, statSync } from 'node:fs'
import { UsageError } from './args'

/**
 * A password from a file: its first line,
 * without the line end. A file others may read is said on stderr. @throws UsageError
 */
export function passwordFile(path: unknown, flag: string): string {
  const p = String(path)
  let text: string
  try {
    const st = statSync(p)
    if (!st.isFile() || st.size > 4096) throw new UsageError(`${flag} ${p} must be a small file holding the password`)
    if (st.mode & 0o077) process.stderr.write(`P1 Studio: ${p} can be read by other users: chmod 600 ${p}\n`)
    text = readFileSync(p, 'utf8')
  } catch (e) {
    if (e instanceof UsageError) throw e
    const code = (e as NodeJS.ErrnoException).code
    throw new UsageError(`${flag}: ${code === 'ENOENT' ? `no file at ${p}` : code === 'EACCES' ? `no permission to read ${p}` : `cannot read ${p}`}`)
  }
  const pw = text.split(/\r?\n/)[0]
  if (!pw) throw new UsageError(`${flag} ${p} is empty: put the password on its first line`)
  return pw
}
