/**
 * Shared helpers of the `p1studio` command modules: argument parsing with one-line, plain
 * usage errors (exit 2), the P1 key from `--key`, `--key-file` or `P1STUDIO_KEY`, number
 * options, line settings, buffered stdout output. Light on purpose (no zod, no serialport):
 * every command loads it.
 */
import { readFileSync, statSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { LineSettings } from '../../shared/types'
import { parseKeyHex } from '../p1/pipeline'
import { UsageError } from './usage'

export { ROOT, appVersion } from './root'
export { UsageError } from './usage'
/** Moved to src/main/p1/event-json.ts (pure, below both the CLI and the capture export). */
export { eventJson, objectsJson } from '../p1/event-json'

/** Environment variable holding the P1 key (32 hex digits) for commands that take `--key`. */
export const KEY_ENV = 'P1STUDIO_KEY'

const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/

/** One line for a node:util parseArgs error, in words a user understands. */
function plainParseError(e: unknown): string {
  const err = e as { code?: string; message?: string }
  const msg = String(err.message ?? '')
  const quoted = /'([^']*)'/.exec(msg)?.[1]?.replace(/ <value>$/, '') ?? ''
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(msg)) return `${quoted} takes no value`
      if (/ambiguous/.test(msg)) return `${quoted} needs a value (to give one that starts with "-", write ${quoted}=VALUE)`
      return `${quoted} needs a value`
    default:
      return msg.split('\n')[0]
  }
}

function checkedKey(hex: string, where: string): string {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) throw new UsageError(`${where} must hold the P1 key as 32 hex digits`)
  return hex.toUpperCase()
}

/**
 * The P1 key from `--key-file FILE` or the environment (`P1STUDIO_KEY`) when `--key` is not
 * given. The key's digits never appear in a message. @throws UsageError.
 */
function keyFromFileOrEnv(values: Record<string, string | boolean | undefined>): void {
  const file = values['key-file']
  delete values['key-file']
  if (file !== undefined) {
    if (values.key !== undefined) throw new UsageError('give the P1 key with --key or with --key-file, not both')
    const path = String(file)
    let text: string
    try {
      if (statSync(path).size > 4096) throw new UsageError(`--key-file ${path} must hold the P1 key as 32 hex digits`)
      text = readFileSync(path, 'utf8')
    } catch (e) {
      if (e instanceof UsageError) throw e
      const code = (e as NodeJS.ErrnoException).code
      throw new UsageError(
        `--key-file: ${code === 'ENOENT' ? `no file at ${path}` : code === 'EACCES' ? `no permission to read ${path}` : `cannot read ${path}`}`
      )
    }
    values.key = checkedKey(text.trim(), `--key-file ${path}`)
    return
  }
  const env = process.env[KEY_ENV]
  if (values.key === undefined && env !== undefined && env.trim() !== '') values.key = checkedKey(env.trim(), `the environment variable ${KEY_ENV}`)
}

/**
 * Parse a command's arguments (node:util parseArgs, strict, positionals allowed).
 * - A string option followed by a negative number takes it as its value (`--duration -5`
 *   reaches the range check instead of a parser message).
 * - Where `key` is an option, `--key-file FILE` is one too, and `P1STUDIO_KEY` is the
 *   fallback; `values.key` is then the key from whichever was given (32 hex digits).
 * @throws UsageError with one plain line.
 */
export function parse(args: string[], options: ParseArgsConfig['options']): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const opts: NonNullable<ParseArgsConfig['options']> = { ...options }
  const withKey = opts.key?.type === 'string'
  if (withKey && !opts['key-file']) opts['key-file'] = { type: 'string' }
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null
    if (name !== null && opts[name]?.type === 'string' && i + 1 < args.length && NEGATIVE_NUMBER.test(args[i + 1])) {
      joined.push(`${a}=${args[++i]}`)
    } else joined.push(a)
  }
  let r: ReturnType<typeof parseArgs>
  try {
    r = parseArgs({ args: joined, options: opts, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError(plainParseError(e))
  }
  const values = { ...r.values } as Record<string, string | boolean | undefined>
  if (withKey) keyFromFileOrEnv(values)
  return { values, positionals: r.positionals }
}

/** A key option (32 hex digits) → upper-case hex, undefined when absent. @throws UsageError. */
export function keyOpt(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined
  try {
    return parseKeyHex(String(v), what).toString('hex').toUpperCase()
  } catch (e) {
    throw new UsageError(`--${what === 'P1 key' ? 'key' : 'auth-key'}: ${(e as Error).message}`)
  }
}

/** A number option within [min, max], undefined when absent. @throws UsageError. */
export function intOpt(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (v === '' || typeof v === 'boolean' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`)
  return n
}

const PARITIES: readonly LineSettings['parity'][] = ['none', 'even', 'odd', 'mark', 'space']
const STOP_BITS: readonly number[] = [1, 1.5, 2]

/**
 * `--baud N --data-bits N --parity P --stop-bits N` → the given part of the line settings
 * (the session fills the rest from 115200 8N1). @throws UsageError.
 */
export function lineSettings(values: Record<string, unknown>): Partial<LineSettings> {
  const out: Partial<LineSettings> = {}
  const whole = (name: string, min: number, max: number): number => {
    const n = intOpt(values[name], name, min, max)!
    if (!Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`)
    return n
  }
  if (values.baud !== undefined) out.baudRate = whole('baud', 50, 4_000_000)
  if (values['data-bits'] !== undefined) out.dataBits = whole('data-bits', 5, 8) as LineSettings['dataBits']
  if (values.parity !== undefined) {
    const p = String(values.parity)
    if (!(PARITIES as readonly string[]).includes(p)) throw new UsageError(`--parity must be one of ${PARITIES.join(', ')}`)
    out.parity = p as LineSettings['parity']
  }
  if (values['stop-bits'] !== undefined) {
    const s = Number(values['stop-bits'])
    if (!STOP_BITS.includes(s)) throw new UsageError('--stop-bits must be 1, 1.5 or 2')
    out.stopBits = s as LineSettings['stopBits']
  }
  return out
}

/** Write one line to stdout, respecting back-pressure. */
export function write(line: string): Promise<void> {
  return new Promise((r) => (process.stdout.write(line + '\n') ? r() : process.stdout.once('drain', () => r())))
}
