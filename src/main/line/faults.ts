/**
 * Faults the virtual meter can produce on demand, one per diagnostics verdict
 * (docs/verdict-codes.md): what an installer meets at a real meter, made reproducible.
 */
import { execFileSync } from 'node:child_process'
import type { LineTransmitter, UartFormat } from './uart-model'

/** Names accepted by `p1studio simulate --fault NAME`. */
export const METER_FAULTS = ['none', 'silence', 'inverted', 'wrong-baud', 'truncate', 'drop', 'flip', 'wrong-key', 'auth-key', 'bad-crc', 'irregular'] as const

/** One of {@link METER_FAULTS}. */
export type MeterFaultName = (typeof METER_FAULTS)[number]

/** One line per fault, for `p1studio help` and docs/cli.md. */
export const FAULT_HELP: Record<MeterFaultName, string> = {
  none: 'a healthy meter',
  silence: 'nothing on the line (no request signal, broken cable)',
  inverted: 'the line is inverted on the way (plain USB-TTL adapter on the open-collector P1 output)',
  'wrong-baud': 'the meter talks 9600 baud (8N1 encrypted, 7E1 with --plain) instead of 115200',
  truncate: 'every frame cut after N bytes (--truncate-at, default 1024: old firmware buffer)',
  drop: 'every Nth frame lost (--every, default 3): frame counter skips, a 2-interval gap',
  flip: 'one byte flipped in every Nth frame (--every, default 2): a noisy line',
  'wrong-key': 'frames encrypted with another P1 key than --key',
  'auth-key': "frames authenticated with another authentication key than Luxembourg's",
  'bad-crc': 'telegram CRC wrong in every Nth frame (--every, default 1)',
  irregular: 'intervals of 0.55, 1.45, 0.7, 1.35 × the interval in turn'
}

/** A fault and its parameters. */
export interface MeterFault {
  name: MeterFaultName
  /** truncate: bytes kept of each frame (default 1024). */
  truncateAt?: number
  /** drop / flip / bad-crc: every Nth frame is affected (defaults 3 / 2 / 1). */
  every?: number
}

/** Default `every` per fault. */
export function faultEvery(f: MeterFault): number {
  return f.every ?? (f.name === 'drop' ? 3 : f.name === 'flip' ? 2 : 1)
}

/** Interval multipliers of the `irregular` fault, used in turn. */
export const IRREGULAR_FACTORS = [0.55, 1.45, 0.7, 1.35]

/** Another authentication key, for the `auth-key` fault. */
export const OTHER_AUTH_KEY_HEX = 'FFEEDDCCBBAA99887766554433221100'

/** Another P1 key derived from `key` (every byte XOR 0x5A), for the `wrong-key` fault. */
export function otherKey(key: Buffer): Buffer {
  return Buffer.from(key.map((b) => b ^ 0x5a))
}

/** The meter's line for a fault: 115200 8N1 normally, inverted or at 9600. */
export function meterLine(f: MeterFault, plain: boolean): LineTransmitter {
  if (f.name === 'wrong-baud') {
    return plain ? { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 } : { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }
  }
  return { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1, inverted: f.name === 'inverted' }
}

/**
 * The character format a receiving port is set to, read with `stty -F PATH -a` (Linux,
 * coreutils). Used to model the wire on a pseudo-terminal pair: the virtual meter looks at
 * how the other end is set and delivers what a UART set that way would read. Linux ptys
 * keep the speed but not the character size or parity, so those read back as 8N1.
 * @returns null if stty cannot read the port.
 */
export function sttyFormat(path: string): UartFormat | null {
  let out: string
  try {
    out = execFileSync('stty', ['-F', path, '-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 })
  } catch {
    return null
  }
  const speed = /speed (\d+) baud/.exec(out)
  if (!speed) return null
  const cs = /(?:^|\s)cs([5-8])(?:\s|$)/.exec(out)
  const parenb = /(?:^|\s)parenb(?:\s|$)/.test(out)
  const parodd = /(?:^|\s)parodd(?:\s|$)/.test(out)
  const cstopb = /(?:^|\s)cstopb(?:\s|$)/.test(out)
  return {
    baudRate: Number(speed[1]),
    dataBits: (cs ? Number(cs[1]) : 8) as UartFormat['dataBits'],
    parity: parenb ? (parodd ? 'odd' : 'even') : 'none',
    stopBits: cstopb ? 2 : 1
  }
}
