/**
 * `p1studio monitor --port PATH …`: decode live from a serial port, one JSON line per frame
 * as `decode` prints them (docs/cli.md); stops after `--count N` telegrams or Ctrl-C.
 */
import { P1Decoder } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { SerialSource } from '../line/serial-source'
import { UsageError, intOpt, keyOpt, lineSettings, parse } from './args'

/** Run `monitor` with its arguments. @returns the exit status. @throws UsageError, Error (port). */
export async function cmdMonitor(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' },
    count: { type: 'string' }
  })
  if (!values.port) throw new UsageError('monitor needs --port PATH')
  const count = intOpt(values.count, 'count', 1, Number.MAX_SAFE_INTEGER)
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key') })
  const src = new SerialSource(String(values.port), lineSettings(values))
  await src.start()
  process.stderr.write(`monitoring ${src.label} (Ctrl-C to stop)\n`)
  return new Promise<number>((resolveExit) => {
    let telegrams = 0
    const finish = (code: number): void => {
      void src.stop().then(() => resolveExit(code))
    }
    process.once('SIGINT', () => finish(0))
    src.on('data', (chunk, at) => {
      for (const ev of decoder.push(chunk, at)) {
        const line = eventJson(ev)
        if (line) process.stdout.write(line + '\n')
        if (ev.type === 'telegram' && count !== undefined && ++telegrams >= count) return finish(0)
      }
    })
    src.on('error', (e) => process.stderr.write(e.message + '\n'))
    src.on('end', (reason) => {
      process.stderr.write(reason + '\n')
      resolveExit(1)
    })
  })
}
