/**
 * Namespace `source`: the serial ports, and the source that feeds the decoding pipeline
 * (a serial port, raw P1 bytes over TCP, the demo, a raw file, a capture replayed with its
 * recorded times).
 *
 * Files are named by a path from the desktop window and the CLI; from a browser (serve mode)
 * only by a name inside the capture folder (`^[\w.-]{1,120}$`), serial devices only as
 * `listPorts()` lists them or the operator allowed them (`serve --allow-port`), and TCP
 * sources only as the operator allowed them (`serve --allow-tcp HOST:PORT`, or the source
 * serve was started with).
 */
import { z } from 'zod'
import type { LineSettings, PortInfo } from '../types'
import { int, method, namespace, noParams, pathText, result } from './define'
import type { SessionStatus } from './session'
import type { WireError } from './errors'

/** Line settings: baud 50–4 000 000, data bits 5–8, parity, stop bits 1/1.5/2 (each optional). */
export const lineSettingsSchema = z
  .object({
    baudRate: z.number().int().min(50).max(4_000_000),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)])
  })
  .partial()
  .strict()

/** Replay pace: times the recorded pace (up to 100 000), or 'max' = all at once. */
export const replaySpeedSchema = z.union([z.number().positive().max(100_000), z.literal('max')])

/**
 * The meter's own time zone (IANA name, default Europe/Luxembourg): turns its `W`/`S` local
 * timestamps into instants and sets the day boundaries of the history (issue 14).
 */
export const zoneSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'must be an IANA time zone such as Europe/Luxembourg')

/** A host name, an IPv4 address or an IPv6 address (without brackets). */
export const tcpHostSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/,
    'must be a host name or an IP address'
  )

/** Which source feeds the pipeline. */
export const sourceRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serial'), path: pathText, settings: lineSettingsSchema.optional(), zone: zoneSchema.optional() }).strict(),
  /** Raw P1 bytes over TCP (ser2net in raw mode, ESPHome's stream server, network P1 dongles), reconnecting with back-off. */
  z.object({ kind: z.literal('tcp'), host: tcpHostSchema, port: int(1, 65535), zone: zoneSchema.optional() }).strict(),
  z.object({ kind: z.literal('demo') }).strict(),
  z.object({ kind: z.literal('file'), path: pathText, zone: zoneSchema.optional() }).strict(),
  /** A capture or any importable dump, replayed with its recorded times; `paused` opens it before the first record plays. */
  z
    .object({ kind: z.literal('capture'), path: pathText, speed: replaySpeedSchema.optional(), paused: z.boolean().optional(), zone: zoneSchema.optional() })
    .strict()
])

/** Which source feeds the pipeline (request of `openSource`). */
export type SourceRequest = z.input<typeof sourceRequestSchema>
/** Replay pace: times the recorded pace, or 'max' = all at once. */
export type ReplaySpeed = z.output<typeof replaySpeedSchema>

/** Where a replay is. Times in ms. */
export interface ReplayState {
  /** Recorded receive time of the last record played (ms since the epoch), null before the first. */
  time: number | null
  positionMs: number
  durationMs: number
  /** Records played / in total. */
  index: number
  count: number
  speed: ReplaySpeed
  paused: boolean
  done: boolean
  /** e.g. the torn-last-record warning, null if none. */
  warning: string | null
  /** The same warning as a code with params (`capture_torn` {offset}, `capture_damaged` {places, bytes, tornOffset}), null if none. */
  warningInfo: WireError | null
}

/** What is currently open (`zone`: the meter's time zone in force, default Europe/Luxembourg). */
export type SourceState =
  | { kind: 'none' }
  | { kind: 'serial'; path: string; settings: LineSettings; open: boolean; zone?: string }
  /** `label` "tcp://HOST:PORT"; `connected` whether a connection is up now (reconnections: `errorInfo` tcp_reconnecting). */
  | { kind: 'tcp'; host: string; port: number; label: string; connected: boolean; zone?: string }
  | { kind: 'demo'; label: string; zone?: string }
  | { kind: 'file'; path: string; done: boolean; zone?: string }
  | { kind: 'capture'; path: string; format: string; replay: ReplayState; zone?: string }

export const SOURCE = namespace({
  /** The serial ports the OS lists. */
  listPorts: method(noParams, 'request', result<PortInfo[]>()),
  /** Open a source (closing the previous one). @throws port codes, not_found, forbidden_path, port_in_use. */
  openSource: method(sourceRequestSchema, 'source', result<SessionStatus>()),
  closeSource: method(noParams, 'request', result<SessionStatus>())
})
