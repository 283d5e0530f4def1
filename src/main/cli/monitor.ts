/**
 * `p1studio monitor --port PATH|tcp://HOST:PORT [--zone ZONE] …`: decode live from a serial port
 * or raw P1 bytes over TCP, one JSON line per frame on stdout as `decode` prints them
 * (docs/cli.md; the meter's `W`/`S` times read in `--zone`, default Europe/Luxembourg), and after each burst the line's counters
 * on stderr (bytes, bursts, frames found, decoded, last failure and its reason). Stops after
 * `--count N` telegrams or Ctrl-C / SIGTERM (exit 0); a port that vanishes ends it with exit 1.
 */
import { P1Decoder } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { sourceFromSpec } from '../line/tcp-source'
import { UsageError, intOpt, keyOpt, lineSettings, parse } from './args'
import { BURST_GAP_MS, LineCounters } from './line-counters'
import { refuseLineSettingsOverTcp, zoneOpt } from './source-opts'

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
    count: { type: 'string' },
    zone: { type: 'string' }
  })
  if (!values.port) throw new UsageError('monitor needs --port PATH or --port tcp://HOST:PORT')
  refuseLineSettingsOverTcp(values.port, values)
  const count = intOpt(values.count, 'count', 1, Number.MAX_SAFE_INTEGER)
  // the meter's zone: its YYMMDDhhmmssW|S times are local times there (default Europe/Luxembourg)
  const zone = zoneOpt(values.zone)
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key'), frameHex: false, zone })
  // a serial port path, or tcp://HOST:PORT (ser2net, ESPHome stream server, network P1 dongles)
  const src = sourceFromSpec(String(values.port), { settings: lineSettings(values) })
  await src.start()
  process.stderr.write(`monitoring ${src.label} (Ctrl-C to stop)\n`)
  const counters = new LineCounters(Date.now())
  return new Promise<number>((resolveExit) => {
    let telegrams = 0
    let stopping = false
    let shown = ''
    // the counters are printed once a burst is over: a pause of BURST_GAP_MS after its last chunk
    let burstTimer: NodeJS.Timeout | null = null
    // a silent line is said too: after 1.2 cadences without a byte ("no bytes: check the cable…")
    let silenceTimer: NodeJS.Timeout | null = null
    const armSilence = (): void => {
      if (silenceTimer) clearTimeout(silenceTimer)
      silenceTimer = setTimeout(show, Math.max(0, (counters.silenceDeadline() ?? Date.now()) - Date.now()) + 1)
    }
    const show = (): void => {
      burstTimer = null
      const line = counters.summary(Date.now())
      if (line !== shown) process.stderr.write(line + '\n')
      shown = line
    }
    const onSignal = (): void => finish(0)
    const finish = (code: number): void => {
      if (stopping) return
      stopping = true
      if (burstTimer) clearTimeout(burstTimer)
      if (silenceTimer) clearTimeout(silenceTimer)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      show()
      void src.stop().then(
        () => resolveExit(code),
        () => resolveExit(code)
      )
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    armSilence()
    src.on('data', (chunk, at) => {
      if (stopping) return
      counters.chunk(chunk, at, Date.now())
      armSilence()
      for (const ev of decoder.push(chunk, at)) {
        counters.event(ev)
        const line = eventJson(ev)
        if (line) process.stdout.write(line + '\n')
        if (ev.type === 'telegram' && count !== undefined && ++telegrams >= count) return finish(0)
      }
      if (burstTimer) clearTimeout(burstTimer)
      burstTimer = setTimeout(show, BURST_GAP_MS)
    })
    src.on('error', (e) => process.stderr.write(e.message + '\n'))
    src.on('end', (reason) => {
      if (stopping) return
      stopping = true
      if (burstTimer) clearTimeout(burstTimer)
      if (silenceTimer) clearTimeout(silenceTimer)
      show()
      process.stderr.write(reason + '\n')
      resolveExit(1)
    })
  })
}
