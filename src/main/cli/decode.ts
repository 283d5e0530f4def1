/**
 * `p1studio decode [--key HEX | --key-file FILE] [--auth-key HEX] FILE|-`: one JSON line per
 * frame of a raw byte stream (docs/cli.md, src/main/p1/event-json.ts). Streams: the input is
 * read in large chunks, the decoder builds no frame hex (never printed), the lines go out in
 * batches with back-pressure (./output). Exit 0 if at least one telegram decoded (or the
 * input held no frame), 1 otherwise.
 */
import { createReadStream, existsSync } from 'node:fs'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { UsageError, keyOpt, parse } from './args'
import { LineBatcher } from './output'

/** Read size for a file input, bytes (stdin gives what the pipe holds, 64 kB). */
const READ_BYTES = 256 * 1024

/** Run `decode` with its arguments. @returns the exit status. @throws UsageError, Error (no file). */
export async function cmdDecode(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, 'auth-key': { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('decode needs exactly one FILE (or - for stdin)')
  const file = positionals[0]
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key'), frameHex: false })
  if (file !== '-' && !existsSync(file)) throw new Error(`No file at ${file}.`)
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_BYTES })
  const out = new LineBatcher(process.stdout)
  let decoded = 0
  let failed = 0
  const gather = (evs: DecodeEvent[]): void => {
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]
      const line = eventJson(ev)
      if (line === null) continue
      if (ev.type === 'telegram') decoded++
      else failed++
      out.line(line)
    }
  }
  for await (const chunk of input) {
    gather(decoder.push(chunk as Buffer))
    if (out.full) await out.flush()
  }
  gather(decoder.end())
  await out.flush()
  return decoded > 0 || failed === 0 ? 0 : 1
}
