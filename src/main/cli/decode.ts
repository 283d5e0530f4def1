/**
 * `p1studio decode [--key HEX] [--auth-key HEX] FILE|-`: one JSON line per frame of a raw
 * byte stream (docs/cli.md). Exit 0 if at least one telegram decoded (or the input held no
 * frame), 1 otherwise.
 */
import { createReadStream, existsSync } from 'node:fs'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { UsageError, keyOpt, parse, write } from './args'

/** Run `decode` with its arguments. @returns the exit status. @throws UsageError, Error (no file). */
export async function cmdDecode(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, 'auth-key': { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('decode needs exactly one FILE (or - for stdin)')
  const file = positionals[0]
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key') })
  if (file !== '-' && !existsSync(file)) throw new Error(`No file at ${file}.`)
  const input = file === '-' ? process.stdin : createReadStream(file)
  let decoded = 0
  let failed = 0
  const emit = async (evs: DecodeEvent[]): Promise<void> => {
    for (const ev of evs) {
      const line = eventJson(ev)
      if (line === null) continue
      if (ev.type === 'telegram') decoded++
      else failed++
      await write(line)
    }
  }
  for await (const chunk of input) await emit(decoder.push(chunk as Buffer))
  await emit(decoder.end())
  return decoded > 0 || failed === 0 ? 0 : 1
}
