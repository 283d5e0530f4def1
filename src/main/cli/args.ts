/**
 * Shared helpers of the `p1studio` command modules: argument parsing with one-line usage
 * errors (exit 2), key and number options, line settings, JSON output of decode events.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { LineSettings } from '../../shared/types'
import { parseKeyHex } from '../p1/pipeline'
import { lineSettingsSchema } from '../host/validate'
import { UsageError } from './usage'

export { ROOT, appVersion } from './root'
export { UsageError } from './usage'
/** Moved to src/main/p1/event-json.ts (pure, below both the CLI and the capture export). */
export { eventJson, objectsJson } from '../p1/event-json'

export function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true })
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals }
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0])
  }
}

export function keyOpt(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined
  try {
    return parseKeyHex(String(v), what).toString('hex').toUpperCase()
  } catch (e) {
    throw new UsageError(`--${what === 'P1 key' ? 'key' : 'auth-key'}: ${(e as Error).message}`)
  }
}

export function intOpt(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`)
  return n
}

export function lineSettings(values: Record<string, unknown>): Partial<LineSettings> {
  const raw: Record<string, unknown> = {}
  if (values.baud !== undefined) raw.baudRate = intOpt(values.baud, 'baud', 50, 4_000_000)
  if (values['data-bits'] !== undefined) raw.dataBits = intOpt(values['data-bits'], 'data-bits', 5, 8)
  if (values.parity !== undefined) raw.parity = values.parity
  if (values['stop-bits'] !== undefined) raw.stopBits = Number(values['stop-bits'])
  const r = lineSettingsSchema.safeParse(raw)
  if (!r.success) throw new UsageError(`line settings: ${r.error.issues[0].path.join('.')} ${r.error.issues[0].message}`)
  return r.data as Partial<LineSettings>
}

/** Write one line to stdout, respecting back-pressure. */
export function write(line: string): Promise<void> {
  return new Promise((r) => (process.stdout.write(line + '\n') ? r() : process.stdout.once('drain', () => r())))
}

