/**
 * Export of the history store to Parquet or CSV (DuckDB `COPY … TO … (FORMAT …)`), per meter
 * and time range, for pandas/pyarrow, Spark, DuckDB, Excel…
 *
 * Columns: meter_id, meter_time, received_time, frame_counter, then the reading's values
 * (kWh, kW, A, V, counts; src/main/history/store.ts) and message. Parquet keeps the times as
 * timestamps with time zone (UTC-adjusted, µs); CSV writes them as ISO 8601 in the meter's
 * local time with its offset ("2026-03-28T13:00:00+01:00", like the meter's own clock), in the
 * time zone asked (Europe/Luxembourg by default).
 *
 * The file appears whole or not at all: DuckDB writes into a private folder (0700) beside the
 * target, the file is made 0600 and then linked to its name (an existing file is kept unless
 * `overwrite`), so a reader never sees half a file and nobody else can read the history.
 */
import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { HISTORY_TIME_ZONE, localMidnight, nextDate } from '../../shared/history'
import type { HistoryStore } from './store'

/** Export formats. */
export type HistoryExportFormat = 'parquet' | 'csv'

/** Options of {@link exportHistory}. Times in ms since the epoch, meter time, [from, to). */
export interface HistoryExportOptions {
  format: HistoryExportFormat
  /** Target file. */
  out: string
  /** One meter (default all). */
  meterId?: string
  from?: number
  to?: number
  /** Replace an existing file (default false: refuse). */
  overwrite?: boolean
  /** Time zone of the CSV times (default Europe/Luxembourg). */
  timeZone?: string
}

/** What an export wrote. */
export interface HistoryExportResult {
  path: string
  format: HistoryExportFormat
  rows: number
  bytes: number
  meters: string[]
}

/** The reading columns exported after the times, in order (store.ts COLUMNS without t/received). */
export const EXPORT_VALUE_COLUMNS = [
  'frame_counter',
  'import_kwh',
  'export_kwh',
  'import_kw',
  'export_kw',
  'import_kw_l1',
  'import_kw_l2',
  'import_kw_l3',
  'export_kw_l1',
  'export_kw_l2',
  'export_kw_l3',
  'current_l1',
  'current_l2',
  'current_l3',
  'voltage_l1',
  'voltage_l2',
  'voltage_l3',
  'power_failures',
  'long_power_failures',
  'sags_l1',
  'sags_l2',
  'sags_l3',
  'swells_l1',
  'swells_l2',
  'swells_l3',
  'message'
] as const

/** A DuckDB string literal. */
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Whether `tz` is an IANA time zone this system knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** SQL for an epoch-ms column as "YYYY-MM-DDThh:mm:ss±hh:mm" in `tz` (ICU). */
function isoLocal(col: string, tz: string): string {
  const ts = `to_timestamp(${col} / 1000)`
  const local = `(${ts} AT TIME ZONE ${lit(tz)})`
  const off = `((epoch(${local}) - epoch(${ts} AT TIME ZONE 'UTC')) // 60)::INTEGER`
  return `CASE WHEN ${col} IS NULL THEN NULL ELSE strftime(${local}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN ${off} < 0 THEN '-' ELSE '+' END || lpad((abs(${off}) // 60)::VARCHAR, 2, '0') || ':' || lpad((abs(${off}) % 60)::VARCHAR, 2, '0') END`
}

/** Plain words for a failed write. */
function explainExportError(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EEXIST':
      return `${path} already exists: choose another name, or replace it (--force).`
    case 'ENOENT':
      return `The folder ${dirname(path)} does not exist.`
    case 'EACCES':
    case 'EPERM':
      return `Cannot write to ${dirname(path)} (permission denied).`
    case 'ENOSPC':
      return `The disk is full: ${path} was not written.`
    default:
      return `Writing ${path} failed: ${e.message.split('\n')[0]}`
  }
}

/**
 * Export readings. @throws Error in plain words: unknown meter, no reading in the range,
 * the target exists (without `overwrite`), folder missing or not writable, disk full.
 * @throws RangeError for an unknown time zone or a range that ends before it starts.
 */
export async function exportHistory(store: HistoryStore, opts: HistoryExportOptions): Promise<HistoryExportResult> {
  const tz = opts.timeZone ?? HISTORY_TIME_ZONE
  if (!isTimeZone(tz)) throw new RangeError(`Unknown time zone "${tz}" (e.g. Europe/Luxembourg).`)
  const from = opts.from ?? null
  const to = opts.to ?? null
  for (const v of [from, to]) if (v !== null && !Number.isSafeInteger(Math.trunc(v))) throw new RangeError('The time range is not a valid date.')
  if (from !== null && to !== null && to <= from) throw new RangeError('The range ends before it starts.')
  const known = await store.meters()
  if (opts.meterId !== undefined && !known.some((m) => m.meterId === opts.meterId)) {
    throw new Error(`No history for meter ${opts.meterId}. Meters in the history: ${known.map((m) => m.meterId).join(', ') || 'none'}.`)
  }
  const where = [
    opts.meterId !== undefined ? `meter_id = ${lit(opts.meterId)}` : 'TRUE',
    from !== null ? `t >= ${Math.trunc(from)}` : 'TRUE',
    to !== null ? `t < ${Math.trunc(to)}` : 'TRUE'
  ].join(' AND ')
  const con = store.connection
  const counted = (
    await con.runAndReadAll(`SELECT count(*) AS n, list(DISTINCT meter_id ORDER BY meter_id) AS meters FROM readings WHERE ${where}`)
  ).getRowObjectsJS()[0]
  const rows = Number(counted.n)
  if (rows === 0) throw new Error('No reading in that range: nothing to export.')
  const times =
    opts.format === 'parquet'
      ? `to_timestamp(t / 1000) AS meter_time, to_timestamp(received / 1000) AS received_time`
      : `${isoLocal('t', tz)} AS meter_time, ${isoLocal('received', tz)} AS received_time`
  const query = `SELECT meter_id, ${times}, ${EXPORT_VALUE_COLUMNS.join(', ')} FROM readings WHERE ${where} ORDER BY meter_id, t`
  const format = opts.format === 'parquet' ? `FORMAT parquet, COMPRESSION zstd` : `FORMAT csv, HEADER true`

  const out = resolve(opts.out)
  // a private folder beside the target (same file system: the final link is atomic)
  let dir: string
  try {
    if (
      !opts.overwrite &&
      (await fsp.stat(out).then(
        () => true,
        () => false
      ))
    )
      throw Object.assign(new Error('exists'), { code: 'EEXIST' })
    dir = await fsp.mkdtemp(join(dirname(out), `.${basename(out)}.`))
  } catch (e) {
    throw new Error(explainExportError(out, e as NodeJS.ErrnoException), { cause: e })
  }
  const tmp = join(dir, `export-${randomBytes(4).toString('hex')}`)
  try {
    try {
      await con.run(`COPY (${query}) TO ${lit(tmp)} (${format})`)
    } catch (e) {
      const msg = (e as Error).message
      throw Object.assign(new Error(msg), { code: /No space/i.test(msg) ? 'ENOSPC' : /Permission/i.test(msg) ? 'EACCES' : undefined })
    }
    await fsp.chmod(tmp, 0o600)
    const fh = await fsp.open(tmp, 'r')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (opts.overwrite) await fsp.rename(tmp, out)
    else await fsp.link(tmp, out) // fails if the name appeared meanwhile: never clobbers
    const bytes = (await fsp.stat(out)).size
    return { path: out, format: opts.format, rows, bytes, meters: (counted.meters as string[]) ?? [] }
  } catch (e) {
    throw new Error(explainExportError(out, e as NodeJS.ErrnoException), { cause: e })
  } finally {
    await fsp.rm(dir, { recursive: true, force: true })
  }
}

/**
 * The instant a local date starts in `timeZone` ("2026-03-29" → ms). Days of 23 or 25 hours
 * (DST changes) are right (src/shared/history.ts localMidnight reads the offset at the instant).
 * @throws RangeError for a malformed date.
 */
export function localDayStart(date: string, timeZone: string = HISTORY_TIME_ZONE): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const utc = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || !Number.isFinite(utc) || new Date(utc).toISOString().slice(0, 10) !== date) throw new RangeError(`"${date}" is not a date (YYYY-MM-DD).`)
  return localMidnight(date, timeZone)
}

/**
 * A `--from`/`--to` value: a local date ("2026-03-01": its start; with `end`, the start of
 * the next day, so the date is included) or an instant with an offset ("2026-03-01T06:00:00+01:00").
 * @throws RangeError in plain words otherwise.
 */
export function parseRangeBound(s: string, end: boolean, timeZone: string = HISTORY_TIME_ZONE): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const start = localDayStart(s, timeZone)
    if (!end) return start
    return localDayStart(nextDate(s), timeZone)
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const t = Date.parse(s)
    if (Number.isFinite(t)) return t
  }
  throw new RangeError(`"${s}" is neither a date (2026-03-01) nor a time with its offset (2026-03-01T06:00:00+01:00).`)
}
