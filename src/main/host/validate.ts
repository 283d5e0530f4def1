/**
 * zod schemas for everything that crosses a transport (IPC, WebSocket, CLI). Invalid
 * input is rejected with one plain-English sentence, never a stack trace.
 */
import { z } from 'zod'
import type { SetKeyRequest, SourceRequest } from '../../shared/contract'
import type { DiagnoseRequest } from '../../shared/diagnostics'

const hex32 = z
  .string()
  .transform((s) => s.replace(/\s+/g, ''))
  .refine((s) => /^[0-9A-Fa-f]{32}$/.test(s), { message: 'must be 32 hex digits' })

/** Line settings: baud 50–4 000 000, data bits 5–8, parity, stop bits 1/1.5/2. */
export const lineSettingsSchema = z
  .object({
    baudRate: z.number().int().min(50).max(4_000_000),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)])
  })
  .partial()
  .strict()

export const sourceRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serial'), path: z.string().min(1).max(4096), settings: lineSettingsSchema.optional() }).strict(),
  z.object({ kind: z.literal('demo') }).strict(),
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('capture'), path: z.string().min(1).max(4096), speed: z.union([z.number().positive().max(100_000), z.literal('max')]).optional() }).strict()
])

export const setKeyRequestSchema = z
  .object({
    key: z.union([hex32, z.null()]),
    authKey: hex32.optional(),
    remember: z.boolean().optional()
  })
  .strict()

/** One sentence out of a zod error, e.g. "key: must be 32 hex digits". */
export function explainZodError(e: z.ZodError, what: string): string {
  const first = e.issues[0]
  const path = first?.path.length ? first.path.join('.') + ': ' : ''
  return `Invalid ${what}: ${path}${first?.message ?? 'malformed'}`
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input)
  if (!r.success) throw new Error(explainZodError(r.error, what))
  return r.data
}

/** @throws Error in plain words. */
export const parseSourceRequest = (input: unknown): SourceRequest =>
  parseWith(sourceRequestSchema, input, 'source') as SourceRequest
/** @throws Error in plain words (the key itself is never echoed). */
export const parseSetKeyRequest = (input: unknown): SetKeyRequest =>
  parseWith(setKeyRequestSchema, input, 'key') as SetKeyRequest

/** A diagnosis request: port path, line settings, keys, duration 1–3600 s, cadence 0.1–3600 s. */
export const diagnoseRequestSchema = z
  .object({
    path: z.string().min(1).max(4096).optional(),
    settings: lineSettingsSchema.optional(),
    key: hex32.optional(),
    authKey: hex32.optional(),
    durationS: z.number().min(1).max(3600).optional(),
    cadenceS: z.number().min(0.1).max(3600).optional(),
    retrySettings: z.boolean().optional()
  })
  .strict()

/** @throws Error in plain words (the key itself is never echoed). */
export const parseDiagnoseRequest = (input: unknown): DiagnoseRequest =>
  parseWith(diagnoseRequestSchema, input ?? {}, 'diagnosis request') as DiagnoseRequest

/** @throws Error unless `input` is "html" or "json". */
export const parseReportFormat = (input: unknown): 'html' | 'json' => parseWith(z.enum(['html', 'json']), input, 'report format')

const replaySchema = z
  .object({
    speed: z.union([z.number().positive().max(100_000), z.literal('max')]).optional(),
    paused: z.boolean().optional(),
    seek: z.number().min(0).max(1).optional()
  })
  .strict()
/** @throws Error in plain words. */
export const parseReplayRequest = (input: unknown) => parseWith(replaySchema, input ?? {}, 'replay request')

const startCaptureSchema = z.object({ name: z.string().max(80).optional(), splitDaily: z.boolean().optional() }).strict()
/** @throws Error in plain words. */
export const parseStartCapture = (input: unknown) => parseWith(startCaptureSchema, input ?? {}, 'capture request')

const pathSchema = z.object({ path: z.string().min(1).max(4096) }).strict()
/** @throws Error in plain words. */
export const parsePathRequest = (input: unknown) => parseWith(pathSchema, input, 'request')

const exportSchema = z.object({ path: z.string().min(1).max(4096), format: z.enum(['csv', 'jsonl', 'raw']) }).strict()
/** @throws Error in plain words. */
export const parseExportRequest = (input: unknown) => parseWith(exportSchema, input, 'export request')

const meterId = z.string().min(1).max(200)
/** A time in ms since 1970 within JavaScript's date range (±8.64e15 ms): no "Invalid time value", no "bigint out of int64 range". */
const ms = z
  .number({ message: 'must be a time in ms since 1970' })
  .min(-8.64e15, { message: 'must be a time in ms since 1970 (a date JavaScript can hold)' })
  .max(8.64e15, { message: 'must be a time in ms since 1970 (a date JavaScript can hold)' })
const fromBeforeTo = { message: 'from must not be after to', path: ['from'] }
/** A real calendar date YYYY-MM-DD (no 2026-02-30). */
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  .refine((d) => {
    const t = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d
  }, { message: 'must be a date YYYY-MM-DD' })
const seriesSchema = z
  .object({ meterId, columns: z.array(z.string().max(40)).min(1).max(12), from: ms, to: ms, maxPoints: z.number().int().min(10).max(20_000).optional() })
  .strict()
  .refine((r) => r.from <= r.to, fromBeforeTo)
/** @throws Error in plain words. */
export const parseSeriesRequest = (input: unknown) => parseWith(seriesSchema, input, 'series request')
const daysSchema = z.object({ meterId, classKW: z.number().positive().max(1000), price: z.number().min(0).max(100) }).strict()
/** @throws Error in plain words. */
export const parseDaysRequest = (input: unknown) => parseWith(daysSchema, input, 'days request')
const quartersSchema = z.object({ meterId, date, classKW: z.number().positive().max(1000) }).strict()
/** @throws Error in plain words. */
export const parseQuartersRequest = (input: unknown) => parseWith(quartersSchema, input, 'quarter-hours request')
const messagesSchema = z.object({ meterId, from: ms, to: ms }).strict().refine((r) => r.from <= r.to, fromBeforeTo)
/** @throws Error in plain words. */
export const parseMessagesRequest = (input: unknown) => parseWith(messagesSchema, input, 'messages request')
