/**
 * Namespace `history`: the meters' history (DuckDB on the main side): imports with progress
 * ('history' events) and cancel, chart series, days, months, quarter hours, text messages.
 * Times are ms since 1970 within JavaScript's date range; dates are real calendar dates.
 */
import { z } from 'zod'
import type { DayStats, QuarterStats } from '../history'
import { method, namespace, noParams, result, text } from './define'
import { fileRequestSchema } from './capture'

/** Progress of a history import. */
export interface HistoryImportProgress {
  file: string
  /** 0…1. */
  fraction: number
  /** Telegrams decoded so far. */
  readings: number
  done: boolean
}

/** A meter with a history. Times ms since the epoch (meter time). */
export interface HistoryMeter {
  meterId: string
  systemTitle: string | null
  readings: number
  first: number | null
  last: number | null
}

/** What an import added (src/main/history/import.ts). */
export interface HistoryImportSummary {
  file: string
  telegrams: number
  failed: number
  /** Failure codes and how often (wrong key → gcm_tag_mismatch, no key → missing_key). */
  failures: Record<string, number>
  meters: { meterId: string; added: number }[]
  cancelled: boolean
  warning: string | null
}

/** A chart series: min and max per bucket (raw readings when `bucketMs` ≤ 10 000); all-null points are gaps. */
export interface HistorySeries {
  columns: string[]
  bucketMs: number
  points: { t: number; min: (number | null)[]; max: (number | null)[] }[]
}

/** Days and months (kWh, kW, € or the price's currency). */
export interface HistoryDaysResult {
  days: DayStats[]
  months: { month: string; importKWh: number; exportKWh: number; aboveClassKWh: number; aboveClassCost: number; peakDemandKW: number | null }[]
}

/** The quarter hours of one local day. */
export interface HistoryQuarterResult {
  date: string
  quarters: QuarterStats[]
}

const meterId = text(200, 1)
/** A time in ms since 1970 within JavaScript's date range (±8.64e15 ms): no "Invalid time value", no "bigint out of int64 range". */
const ms = z
  .number({ message: 'must be a time in ms since 1970' })
  .min(-8.64e15, { message: 'must be a time in ms since 1970 (a date JavaScript can hold)' })
  .max(8.64e15, { message: 'must be a time in ms since 1970 (a date JavaScript can hold)' })
const fromBeforeTo = { message: 'from must not be after to', path: ['from'] }
/** A real calendar date YYYY-MM-DD (no 2026-02-30). */
const date = z
  .string()
  .max(10)
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  .refine(
    (d) => {
      const t = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
      return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d
    },
    { message: 'must be a date YYYY-MM-DD' }
  )
/** A power class (Luxembourg's grid tariff: 3, 7, 12 kW…): more than 0, at most 1000 kW. */
const classKW = z
  .number({ message: 'must be a power in kW' })
  .gt(0, { message: 'must be more than 0 kW (the power class of the connection, e.g. 7)' })
  .max(1000, { message: 'must be at most 1000 kW' })
/** A price per kWh: 0 or more, at most 100. */
const price = z
  .number({ message: 'must be a price per kWh' })
  .min(0, { message: 'must not be negative (a price per kWh, e.g. 0.1139)' })
  .max(100, { message: 'must be at most 100 per kWh' })

export const seriesRequestSchema = z
  .object({ meterId, columns: z.array(text(40)).min(1).max(12), from: ms, to: ms, maxPoints: z.number().int().min(10).max(20_000).optional() })
  .strict()
  .refine((r) => r.from <= r.to, fromBeforeTo)
export const daysRequestSchema = z.object({ meterId, classKW, price }).strict()
export const quartersRequestSchema = z.object({ meterId, date, classKW }).strict()
export const messagesRequestSchema = z
  .object({ meterId, from: ms, to: ms })
  .strict()
  .refine((r) => r.from <= r.to, fromBeforeTo)

export const HISTORY = namespace({
  /** Import a capture or dump into the history (session's key); progress as 'history' events. @throws naming the problem. */
  historyImport: method(fileRequestSchema, 'request', result<HistoryImportSummary>()),
  /** Import the bundled demo day (its own key) into the history: a chart in one click. */
  historyImportDemo: method(noParams, 'request', result<HistoryImportSummary>()),
  historyCancelImport: method(noParams, 'request', result<void>()),
  historyMeters: method(noParams, 'request', result<HistoryMeter[]>()),
  /** Decimated series for a chart; columns from the store (import_kw, voltage_l1…). */
  historySeries: method(seriesRequestSchema, 'series request', result<HistorySeries>()),
  /** Daily and monthly energy, peak 15-minute demand, energy above `classKW` and its cost at `price` per kWh. */
  historyDays: method(daysRequestSchema, 'days request', result<HistoryDaysResult>()),
  historyQuarters: method(quartersRequestSchema, 'quarter-hours request', result<HistoryQuarterResult>()),
  /** Text messages (0-0:96.13.0) when they changed. */
  historyMessages: method(messagesRequestSchema, 'messages request', result<{ t: number; message: string }[]>())
})
