/**
 * `p1studio token [--new]`: print serve mode's access token (src/main/host/serve-token.ts),
 * kept 0600 in the data folder ($P1STUDIO_DATA_DIR, else ~/P1Studio) and the same across
 * restarts; created on first use. `--new` replaces it: addresses and browser cookies holding
 * the old one stop working (restart a running serve to use the new one).
 */
import { dataDir } from '../host/session'
import { loadServeToken } from '../host/serve-token'
import { UsageError, parse } from './args'

/** `token`: the token on stdout (one line), notes on stderr. @returns 0. @throws UsageError, Error (folder not writable). */
export async function cmdToken(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { new: { type: 'boolean' } })
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const info = await loadServeToken(dataDir(), { renew: values.new === true })
  if (info.state === 'replaced' && values.new !== true) process.stderr.write(`P1 Studio: a new serve token was made (${info.reason}).\n`)
  if (values.new === true) process.stderr.write('P1 Studio: new serve token; restart a running `p1studio serve` to use it.\n')
  process.stdout.write(info.token + '\n')
  return 0
}
