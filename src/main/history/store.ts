/**
 * The history store: DuckDB (@duckdb/node-api, prebuilt N-API binaries, no rebuild for
 * Electron) in one file in the user's data folder, one history per meter (meter id from
 * 0-0:42.0.0, else the system title). Why DuckDB: a columnar engine built for exactly this
 * — range scans and GROUP BY over hundreds of thousands of 10-s rows (min/max decimation
 * for charts, ASOF lookups) in milliseconds — with a bulk appender for imports.
 *
 * Readings are keyed by (meter, meter time): importing the same capture twice adds nothing,
 * overlapping captures merge, gaps stay gaps (no row is invented). Each meter keeps its time
 * zone (IANA name; issue 14): its days and quarter hours begin at its own midnights.
 *
 * One database file, one DuckDB instance per process: the history service (queries, imports),
 * the recorder and the nightly report each open a store on the same file and get their own
 * connection (temporary tables, statements) on the one shared instance, closed with the last
 * store. A second process is refused by DuckDB's file lock (said in plain words by the CLI).
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { HISTORY_TIME_ZONE, type Reading } from '../../shared/history'

const COLUMNS = [
  ['t', 'BIGINT'],
  ['received', 'BIGINT'],
  ['frame_counter', 'BIGINT'],
  ['import_kwh', 'DOUBLE'],
  ['export_kwh', 'DOUBLE'],
  ['import_kw', 'DOUBLE'],
  ['export_kw', 'DOUBLE'],
  ['import_kw_l1', 'DOUBLE'],
  ['import_kw_l2', 'DOUBLE'],
  ['import_kw_l3', 'DOUBLE'],
  ['export_kw_l1', 'DOUBLE'],
  ['export_kw_l2', 'DOUBLE'],
  ['export_kw_l3', 'DOUBLE'],
  ['current_l1', 'DOUBLE'],
  ['current_l2', 'DOUBLE'],
  ['current_l3', 'DOUBLE'],
  ['voltage_l1', 'DOUBLE'],
  ['voltage_l2', 'DOUBLE'],
  ['voltage_l3', 'DOUBLE'],
  ['power_failures', 'DOUBLE'],
  ['long_power_failures', 'DOUBLE'],
  ['sags_l1', 'DOUBLE'],
  ['sags_l2', 'DOUBLE'],
  ['sags_l3', 'DOUBLE'],
  ['swells_l1', 'DOUBLE'],
  ['swells_l2', 'DOUBLE'],
  ['swells_l3', 'DOUBLE'],
  ['message', 'VARCHAR']
] as const

/** Series a chart may ask for (column names). */
export const SERIES_COLUMNS = COLUMNS.filter(([, type]) => type === 'DOUBLE').map(([n]) => n)
export type SeriesColumn = (typeof COLUMNS)[number][0]

/** A meter with a history. */
export interface MeterHistory {
  meterId: string
  systemTitle: string | null
  /** The meter's time zone (IANA name) as its source set it, null when never set (then Europe/Luxembourg). */
  zone: string | null
  readings: number
  /** Meter time of the first and last reading, ms. */
  first: number | null
  last: number | null
}

/** One point of a decimated series: bucket start (ms), min and max of each column (null in a gap). */
export interface SeriesPoint {
  t: number
  min: (number | null)[]
  max: (number | null)[]
}

/** A decimated series for a chart. */
export interface SeriesResult {
  columns: string[]
  /** Bucket width, ms (10 000 or less = raw readings). */
  bucketMs: number
  /** Points in time order; a gap is a point with all values null. */
  points: SeriesPoint[]
}

const toNum = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : Number(v))

/** Largest |time| in ms a reading may have: JavaScript's date range (±8.64e15 ms, within int64). */
const MAX_MS = 8.64e15

/** A time in ms as a BIGINT, or null when it is no date (NaN, ±Infinity, beyond ±8.64e15). */
function msBig(v: number): bigint | null {
  return Number.isFinite(v) && Math.abs(v) <= MAX_MS ? BigInt(Math.round(v)) : null
}

/**
 * A query bound in ms, clamped to the date range (a chart asking for "everything" with
 * ±1e300 gets everything, not "bigint out of int64 range"). @throws Error for NaN.
 */
function bound(v: number, round: (x: number) => number): bigint {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error('The time range is not valid: from and to must be times in ms.')
  return BigInt(round(Math.max(-MAX_MS, Math.min(MAX_MS, v))))
}

/** The DuckDB instance of each open database file of this process, with the stores using it. */
const shared = new Map<string, { instance: Promise<DuckDBInstance>; users: number }>()

/** A new DuckDB instance; the native module is loaded at the first open, not when this module is imported. */
async function createInstance(path: string): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  return DuckDBInstance.create(path)
}

/** The history database. */
export class HistoryStore {
  private closed = false

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly con: DuckDBConnection,
    readonly path: string,
    /** Key of the shared instance, null for an in-memory store (its own instance). */
    private readonly sharedKey: string | null
  ) {}

  /**
   * Open (or create) the store at `path` (':memory:' for tests: a database of its own each
   * time). A file already open in this process is shared: a new connection on its instance.
   * @throws Error in plain words if the file cannot be opened (locked by another P1 Studio…).
   */
  static async open(path: string): Promise<HistoryStore> {
    const key = path === ':memory:' ? null : resolve(path)
    let entry = key ? shared.get(key) : undefined
    if (key && !entry) {
      mkdirSync(dirname(key), { recursive: true })
      entry = { instance: createInstance(key), users: 0 }
      shared.set(key, entry)
    }
    if (entry) entry.users++
    let instance: DuckDBInstance
    try {
      instance = await (entry ? entry.instance : createInstance(path))
    } catch (e) {
      if (key && entry && --entry.users === 0) shared.delete(key)
      throw new Error(`Cannot open the history database ${path}: ${(e as Error).message.split('\n')[0]}`, { cause: e })
    }
    const store = new HistoryStore(instance, await instance.connect(), path, key)
    try {
      const con = store.con
      await con.run(`CREATE TABLE IF NOT EXISTS meters (meter_id VARCHAR PRIMARY KEY, system_title VARCHAR)`)
      // the meter's zone (issue 14); histories of earlier versions get the column, NULL = Europe/Luxembourg
      await con.run(`ALTER TABLE meters ADD COLUMN IF NOT EXISTS zone VARCHAR`)
      await con.run(
        `CREATE TABLE IF NOT EXISTS readings (meter_id VARCHAR NOT NULL, ${COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}, PRIMARY KEY (meter_id, t))`
      )
    } catch (e) {
      store.close()
      throw new Error(`Cannot open the history database ${path}: ${(e as Error).message.split('\n')[0]}`, { cause: e })
    }
    return store
  }

  /** The DuckDB connection, for the modules that add tables or export (history/export.ts, history/recorder.ts). */
  get connection(): DuckDBConnection {
    return this.con
  }

  /** Close this store's connection; the database itself closes with the last store on it. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      this.con.closeSync()
    } catch {
      /* already closed */
    }
    const entry = this.sharedKey ? shared.get(this.sharedKey) : undefined
    if (entry && --entry.users > 0) return
    if (this.sharedKey) shared.delete(this.sharedKey)
    try {
      this.instance.closeSync()
    } catch {
      /* already closed */
    }
  }

  /** The time zone a meter's days are counted in: as its source set it, else Europe/Luxembourg. */
  async zoneOf(meterId: string): Promise<string> {
    const p = await this.con.prepare(`SELECT zone FROM meters WHERE meter_id = $1`)
    p.bindVarchar(1, meterId)
    const z = (await p.runAndReadAll()).getRowObjectsJS()[0]?.zone
    return typeof z === 'string' && z ? z : HISTORY_TIME_ZONE
  }

  /**
   * Add readings of one meter. Rows whose (meter, meter time) exist already are skipped, as
   * are rows whose time is no date (a damaged or crafted capture: NaN, ±1e300); a receive
   * time or frame counter out of range is stored as NULL.
   * @param zone the meter's time zone (IANA name) as its source says; kept for the meter
   *   (the latest given wins), undefined/null keeps what the history knows.
   * @returns the number of rows added.
   */
  async add(meterId: string, systemTitle: string | null, rows: Reading[], zone?: string | null): Promise<number> {
    rows = rows.filter((r) => msBig(r.t) !== null)
    if (rows.length === 0) return 0
    // a fresh staging table per call, dropped after: DuckDB keeps a temporary table's deleted rows
    // in memory (no checkpoint vacuums it), so emptying one with DELETE grew by ~1 MB per 1000
    // rows staged — the soak benchmark's RSS growth (issue 17)
    await this.con.run(`CREATE OR REPLACE TEMP TABLE staging AS SELECT * FROM readings LIMIT 0`)
    let added: number
    try {
      added = await this.stage(meterId, rows)
    } finally {
      await this.con.run(`DROP TABLE IF EXISTS staging`)
    }
    const p = await this.con.prepare(
      `INSERT INTO meters (meter_id, system_title, zone) VALUES ($1, $2, $3) ON CONFLICT (meter_id) DO UPDATE SET system_title = coalesce(excluded.system_title, meters.system_title), zone = coalesce(excluded.zone, meters.zone)`
    )
    try {
      p.bindVarchar(1, meterId)
      if (systemTitle === null) p.bindNull(2)
      else p.bindVarchar(2, systemTitle)
      if (zone) p.bindVarchar(3, zone)
      else p.bindNull(3)
      await p.run()
    } finally {
      p.destroySync()
    }
    return added
  }

  /** Append rows to the staging table, then insert those not in the history yet. @returns rows added. */
  private async stage(meterId: string, rows: Reading[]): Promise<number> {
    const app = await this.con.createAppender('staging')
    try {
      const d = (v: number | null): void => (v === null || !Number.isFinite(v) ? app.appendNull() : app.appendDouble(v))
      for (const r of rows) {
        app.appendVarchar(meterId)
        app.appendBigInt(msBig(r.t)!)
        const received = msBig(r.received)
        if (received === null) app.appendNull()
        else app.appendBigInt(received)
        const fc = r.frameCounter
        if (fc === null || !Number.isInteger(fc) || fc < 0 || fc > 0xffffffff) app.appendNull()
        else app.appendBigInt(BigInt(fc))
        d(r.importKWh)
        d(r.exportKWh)
        d(r.importKW)
        d(r.exportKW)
        for (const v of r.importKWL) d(v)
        for (const v of r.exportKWL) d(v)
        for (const v of r.currentA) d(v)
        for (const v of r.voltageV) d(v)
        d(r.powerFailures)
        d(r.longPowerFailures)
        for (const v of r.sags) d(v)
        for (const v of r.swells) d(v)
        if (r.message === null) app.appendNull()
        else app.appendVarchar(r.message)
        app.endRow()
      }
      app.flushSync()
    } finally {
      app.closeSync()
    }
    const ins = await this.con.run(`INSERT INTO readings SELECT DISTINCT ON (meter_id, t) * FROM staging ON CONFLICT DO NOTHING`)
    return Number(ins.rowsChanged)
  }

  /** The meters with a history. */
  async meters(): Promise<MeterHistory[]> {
    const r = await this.con.runAndReadAll(
      `SELECT m.meter_id, m.system_title, m.zone, count(r.t) AS n, min(r.t) AS first, max(r.t) AS last
       FROM meters m LEFT JOIN readings r USING (meter_id) GROUP BY ALL ORDER BY m.meter_id`
    )
    return r.getRowObjectsJS().map((o) => ({
      meterId: String(o.meter_id),
      systemTitle: o.system_title === null ? null : String(o.system_title),
      zone: typeof o.zone === 'string' && o.zone ? o.zone : null,
      readings: Number(o.n),
      first: toNum(o.first),
      last: toNum(o.last)
    }))
  }

  /**
   * A series for a chart between `from` and `to` (ms, meter time): the readings themselves
   * when they fit in `maxPoints`, else min and max per bucket (so peaks survive); a bucket
   * with no reading after one with readings becomes a gap point (all null).
   */
  async series(meterId: string, columns: SeriesColumn[], from: number, to: number, maxPoints = 1500): Promise<SeriesResult> {
    for (const c of columns) if (!SERIES_COLUMNS.includes(c as never)) throw new Error(`Unknown series ${c}.`)
    const lo = bound(from, Math.floor)
    const hi = bound(to, Math.ceil)
    from = Number(lo)
    to = Number(hi)
    const span = Math.max(1, to - from)
    const bucketMs = Math.max(10_000, Math.ceil(span / Math.max(1, Math.floor(maxPoints) || 1500) / 10_000) * 10_000)
    const sel = columns.map((c) => `min(${c}) AS "min_${c}", max(${c}) AS "max_${c}"`).join(', ')
    const p = await this.con.prepare(
      `SELECT (t - $2) // $4 AS b, min(t) AS t0, ${sel} FROM readings WHERE meter_id = $1 AND t >= $2 AND t < $3 GROUP BY b ORDER BY b`
    )
    p.bindVarchar(1, meterId)
    p.bindBigInt(2, lo)
    p.bindBigInt(3, hi)
    p.bindBigInt(4, BigInt(bucketMs))
    const rows = (await p.runAndReadAll()).getRowObjectsJS()
    const points: SeriesPoint[] = []
    let prevB: number | null = null
    // a reading missing for more than 3 cadences (or 2 buckets) is a gap
    const gapBuckets = bucketMs <= 10_000 ? 3 : 2
    for (const o of rows) {
      const b = Number(o.b)
      if (prevB !== null && b - prevB >= gapBuckets) {
        points.push({ t: from + (prevB + 1) * bucketMs, min: columns.map(() => null), max: columns.map(() => null) })
      }
      points.push({
        t: bucketMs <= 10_000 ? Number(o.t0) : from + b * bucketMs,
        min: columns.map((c) => toNum(o[`min_${c}`])),
        max: columns.map((c) => toNum(o[`max_${c}`]))
      })
      prevB = b
    }
    return { columns, bucketMs, points }
  }

  /**
   * Meter time and energy counters of every reading in [from, to) (ms), in time order, for
   * the daily and 15-minute aggregates (history.ts). 30 days = 259,200 small rows.
   */
  async counters(meterId: string, from: number, to: number): Promise<{ t: number; importKWh: number | null; exportKWh: number | null }[]> {
    const p = await this.con.prepare(`SELECT t, import_kwh, export_kwh FROM readings WHERE meter_id = $1 AND t >= $2 AND t < $3 ORDER BY t`)
    p.bindVarchar(1, meterId)
    p.bindBigInt(2, bound(from, Math.floor))
    p.bindBigInt(3, bound(to, Math.ceil))
    const reader = await p.runAndReadAll()
    const cols = reader.getColumnsJS()
    const [ts = [], imp = [], exp = []] = cols as unknown as [bigint[]?, (number | null)[]?, (number | null)[]?]
    const out = new Array(ts.length)
    for (let i = 0; i < ts.length; i++) out[i] = { t: Number(ts[i]), importKWh: imp[i], exportKWh: exp[i] }
    return out
  }

  /** Text messages and when they changed, in [from, to). */
  async messages(meterId: string, from: number, to: number): Promise<{ t: number; message: string }[]> {
    const p = await this.con.prepare(
      `SELECT t, message FROM (SELECT t, message, lag(message) OVER (ORDER BY t) AS prev FROM readings WHERE meter_id = $1 AND t >= $2 AND t < $3)
       WHERE message IS NOT NULL AND message IS DISTINCT FROM prev ORDER BY t LIMIT 1000`
    )
    p.bindVarchar(1, meterId)
    p.bindBigInt(2, bound(from, Math.floor))
    p.bindBigInt(3, bound(to, Math.ceil))
    return (await p.runAndReadAll()).getRowObjectsJS().map((o) => ({ t: Number(o.t), message: String(o.message) }))
  }
}
