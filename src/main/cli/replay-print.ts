/** `p1studio replay FILE` without `--to`: decode JSON lines as the recording plays. */
import type { ByteSource } from '../line/source'
import { P1Decoder } from '../p1/pipeline'
import { eventJson } from './args'

/** Print one JSON line per frame of `src` until it ends. @returns exit status 0. */
export async function cmdDecodeEvents(src: ByteSource, key: string | undefined): Promise<number> {
  const decoder = new P1Decoder({ key })
  let last = 0
  src.on('data', (chunk, at) => {
    last = at
    for (const ev of decoder.push(chunk, at)) {
      const line = eventJson(ev)
      if (line) process.stdout.write(line + '\n')
    }
  })
  src.on('error', (e) => process.stderr.write(e.message + '\n'))
  await src.start()
  return new Promise<number>((resolve) => {
    src.on('end', () => {
      for (const ev of decoder.end(last)) {
        const line = eventJson(ev)
        if (line) process.stdout.write(line + '\n')
      }
      resolve(0)
    })
    process.once('SIGINT', () => void src.stop().then(() => resolve(0)))
  })
}
