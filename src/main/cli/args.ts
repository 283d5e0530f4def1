/**
 * Shared helpers of the `p1studio` command modules: argument parsing with one-line usage
 * errors (exit 2), key and number options, line settings, JSON output of decode events.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { CosemObject, DecodedTelegram, DecodeFailure, LineSettings } from '../../shared/types'
import { parseKeyHex, type DecodeEvent } from '../p1/pipeline'
import { lineSettingsSchema } from '../host/validate'

const HERE = dirname(fileURLToPath(import.meta.url))
/** The project (or packaged app) root: the nearest folder above this module whose package.json is P1 Studio's. */
export const ROOT = findRoot(HERE)

function findRoot(from: string): string {
  for (let d = from, i = 0; i < 6; i++, d = dirname(d)) {
    try {
      if (JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).name === 'p1studio') return d
    } catch {
      /* not here */
    }
  }
  return process.cwd()
}

/** Application version from package.json. */
export function appVersion(): string {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string
  } catch {
    return '0.0.0'
  }
}

/** A usage error: printed as one line, exit 2. */
export class UsageError extends Error {}

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

/** Objects as the JSON output shows them: code → {value, unit, raw[, values, time]}. */
export function objectsJson(objects: CosemObject[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const o of objects) {
    let k = o.obis
    for (let n = 2; k in out; n++) k = `${o.obis}#${n}`
    const e: Record<string, unknown> = { value: o.value, unit: o.unit, raw: o.raw.slice(o.raw.indexOf('(') + 1).replace(/\)$/, '') }
    if (o.values.length > 1) e.values = o.values.map((v) => ({ value: v.value, unit: v.unit }))
    if (o.time !== null || o.values.length > 1) e.time = o.time
    out[k] = e
  }
  return out
}

/** One decode event as a JSON line (null for skipped bytes). */
export function eventJson(ev: DecodeEvent): string | null {
  if (ev.type === 'skipped') return null
  if (ev.type === 'failure') {
    const f: DecodeFailure = ev.failure
    return JSON.stringify({ error: { code: f.code, message: f.message }, offset: f.offset, systemTitle: f.dlms?.systemTitle ?? null, frameCounter: f.dlms?.frameCounter ?? null })
  }
  const t: DecodedTelegram = ev.telegram
  return JSON.stringify({
    systemTitle: t.dlms?.systemTitle ?? null,
    frameCounter: t.dlms?.frameCounter ?? null,
    identification: t.telegram.identification,
    crcOk: t.telegram.crcOk,
    warnings: t.warnings,
    offset: t.offset,
    objects: objectsJson(t.telegram.objects)
  })
}

/** Write one line to stdout, respecting back-pressure. */
export function write(line: string): Promise<void> {
  return new Promise((r) => (process.stdout.write(line + '\n') ? r() : process.stdout.once('drain', () => r())))
}

