/**
 * `p1studio decode [--key HEX | --key-file FILE] [--auth-key HEX] [--zone ZONE] FILE|-`: one JSON line per
 * frame of a raw byte stream (docs/cli.md, src/main/p1/event-json.ts). Streams: the input is
 * read in large chunks, the decoder builds no frame hex (never printed), the lines are written
 * as bytes into one buffer and go out in batches of ≥ 64 kB with back-pressure (one `write`
 * per batch, waiting for `drain` when the reader is slower). Exit 0 if at least one telegram
 * decoded (or the input held no frame), 1 otherwise.
 */
import { createReadStream, existsSync } from 'node:fs'
import { isTimeZone } from '../../shared/meter-time'
import { P1Decoder } from '../p1/pipeline'
import { JsonLineWriter } from '../p1/event-json'
import { UsageError, keyOpt, parse } from './args'
import { writeChunk } from './output'

/** Read size for a file input, bytes (stdin gives what the pipe holds, 64 kB). */
const READ_BYTES = 256 * 1024
/** Output gathered before one write, bytes. */
const BATCH_BYTES = 64 * 1024

/** Run `decode` with its arguments. @returns the exit status. @throws UsageError, Error (no file). */
export async function cmdDecode(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, 'auth-key': { type: 'string' }, zone: { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('decode needs exactly one FILE (or - for stdin)')
  const file = positionals[0]
  // the meter's zone: its YYMMDDhhmmssW|S times are local times there (default Europe/Luxembourg)
  const zone = values.zone === undefined ? undefined : String(values.zone)
  if (zone !== undefined && !isTimeZone(zone))
    throw new UsageError(`--zone: unknown time zone "${zone}" (an IANA name such as Europe/Luxembourg or Europe/Dublin)`)
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key'), frameHex: false, zone })
  if (file !== '-' && !existsSync(file)) throw new Error(`No file at ${file}.`)
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_BYTES })
  const out = new JsonLineWriter(4 * BATCH_BYTES)
  let decoded = 0
  let failed = 0
  const gather = (evs: ReturnType<P1Decoder['push']>): void => {
    for (let i = 0; i < evs.length; i++) {
      const ev = evs[i]
      if (!out.add(ev)) continue
      if (ev.type === 'telegram') decoded++
      else failed++
    }
  }
  for await (const chunk of input) {
    gather(decoder.push(chunk as Buffer))
    if (out.length >= BATCH_BYTES) await writeChunk(process.stdout, out.take())
  }
  gather(decoder.end())
  if (out.length > 0) await writeChunk(process.stdout, out.take())
  return decoded > 0 || failed === 0 ? 0 : 1
}
