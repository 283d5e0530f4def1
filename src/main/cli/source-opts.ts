/**
 * Source options shared by the commands that read a meter (`monitor`, `capture`, `diagnose`,
 * `export`, `serve`): `--zone ZONE`, the meter's IANA time zone, in which its
 * `YYMMDDhhmmssW|S` telegram times are local times (DSMR 5.0.2 §6.12; default
 * Europe/Luxembourg where the option is absent); and the line settings, which a
 * `tcp://HOST:PORT` source does not take (they are the reader's: ser2net, the dongle).
 */
import { isTimeZone } from '../../shared/meter-time'
import { isTcpSpec } from '../line/tcp-source'
import { UsageError } from './args'

/** `--zone ZONE`: an IANA time zone this platform knows, undefined when absent. @throws UsageError */
export function zoneOpt(v: unknown): string | undefined {
  if (v === undefined) return undefined
  const z = String(v)
  if (!isTimeZone(z)) throw new UsageError(`--zone: unknown time zone "${z}" (an IANA name such as Europe/Luxembourg or Europe/Dublin)`)
  return z
}

const LINE_FLAGS = ['baud', 'data-bits', 'parity', 'stop-bits'] as const

/**
 * Refuse line settings with a TCP source: over TCP they are set where the meter is read, and a
 * flag that silently does nothing would mislead. @throws UsageError
 */
export function refuseLineSettingsOverTcp(port: unknown, values: Record<string, unknown>): void {
  if (typeof port !== 'string' || !isTcpSpec(port)) return
  if (LINE_FLAGS.some((k) => values[k] !== undefined))
    throw new UsageError('--baud, --data-bits, --parity and --stop-bits do not apply to a TCP source: set them where the meter is read (ser2net, the dongle)')
}
