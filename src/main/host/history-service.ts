/**
 * History for the app (namespace `history`): the DuckDB store opened on first use, imports
 * with progress and cancel, live telegrams from a meter's port added every minute, and the
 * chart/table queries. Aggregates come from src/shared/history.ts, the same code as
 * `p1studio stats`. Telegrams opened through the authentication-key fallback go in only once
 * the user confirmed that meter's authentication key (keys.ts).
 */
import { EventEmitter } from 'node:events'
import {
  ApiError,
  HISTORY,
  type Handlers,
  type HistoryDaysResult,
  type HistoryImportProgress,
  type HistoryImportSummary,
  type HistoryMeter,
  type HistoryQuarterResult,
  type HistorySeries,
  type RequestOut
} from '../../shared/contract'
import { dailyStats, localMidnight, meterIdOf, monthlyStats, nextDate, quarterStats, readingOf, type Reading } from '../../shared/history'
import { LUX_AUTH_KEY_HEX, type DecodedTelegram } from '../../shared/types'
import { DEMO_KEY_HEX, demoFilePath } from '../line/demo-source'
import { importIntoHistory } from '../history/import'
import { HistoryStore, SERIES_COLUMNS, type SeriesColumn } from '../history/store'
import type { Caller } from './caller'
import type { KeyService } from './keys'

type Req<M extends keyof typeof HISTORY.methods> = RequestOut<(typeof HISTORY.methods)[M]>

const COLUMN_NAMES: readonly string[] = SERIES_COLUMNS
/** A column the store charts (import_kw, voltage_l1…). */
const isSeriesColumn = (c: string): c is SeriesColumn => COLUMN_NAMES.includes(c)

/** History queries and imports. Events: 'progress' (import), 'change' (data added). */
export class HistoryService extends EventEmitter<{ progress: [HistoryImportProgress]; change: [] }> implements Handlers<typeof HISTORY, Caller> {
  private store: HistoryStore | null = null
  private opening: Promise<HistoryStore> | null = null
  private importing: AbortController | null = null
  private live = new Map<string, { title: string | null; rows: Reading[] }>()
  private liveTimer: NodeJS.Timeout | null = null

  constructor(
    readonly path: string,
    private readonly keys: KeyService
  ) {
    super()
  }

  private async db(): Promise<HistoryStore> {
    if (this.store) return this.store
    this.opening ??= HistoryStore.open(this.path).then((s) => (this.store = s))
    try {
      return await this.opening
    } catch (e) {
      this.opening = null
      throw e
    }
  }

  /** Import a capture or dump with the session's key. @throws naming the problem. */
  async historyImport(req: Req<'historyImport'>, caller: Caller): Promise<HistoryImportSummary> {
    return this.import(await caller.inputFile(req.path), this.keys.key, this.keys.authKey, true)
  }

  /** Import the bundled demo day (its own key). */
  async historyImportDemo(): Promise<HistoryImportSummary> {
    return this.import(demoFilePath(), DEMO_KEY_HEX, LUX_AUTH_KEY_HEX, false)
  }

  /**
   * Import `path` with `key`. Progress as 'progress' events.
   * @throws ApiError already_running, Error for a bad file (naming the problem).
   */
  private async import(path: string, key: string | null, authKey: string, gated: boolean): Promise<HistoryImportSummary> {
    if (this.importing) throw new ApiError('already_running', 'An import is already running.')
    const ac = new AbortController()
    this.importing = ac
    try {
      const store = await this.db()
      this.emit('progress', { file: path, fraction: 0, readings: 0, done: false })
      const r = await importIntoHistory(store, path, {
        key,
        authKey,
        signal: ac.signal,
        admit: gated ? (t) => this.keys.admitToHistory(t.warnings, t.dlms?.systemTitle ?? null) : undefined,
        onProgress: (fraction, readings) => this.emit('progress', { file: path, fraction, readings, done: false })
      })
      this.emit('progress', { file: path, fraction: 1, readings: r.telegrams, done: true })
      this.emit('change')
      if (r.telegrams === 0 && (r.failures.auth_key_mismatch ?? 0) > 0) {
        throw new ApiError(
          'auth_key_unconfirmed',
          `Nothing imported from ${path}: its frames open only without their authentication tag (the meter uses another authentication key). Confirm that meter's authentication key to import them.`,
          { frames: r.failures.auth_key_mismatch ?? 0 }
        )
      }
      if (r.telegrams === 0 && r.failed > 0) {
        const why = r.failures.missing_key
          ? 'no P1 key is set'
          : r.failures.gcm_tag_mismatch
            ? 'the P1 key does not open its frames'
            : 'its frames do not decode'
        throw new Error(`Nothing imported from ${path}: ${why} (${r.failed} frames).`)
      }
      return r
    } finally {
      this.importing = null
    }
  }

  /** Stop a running import (what was added stays; importing again completes it). */
  async historyCancelImport(): Promise<void> {
    this.importing?.abort()
  }

  async historyMeters(): Promise<HistoryMeter[]> {
    await this.flushLive()
    return (await this.db()).meters()
  }

  /** @throws Error for an unknown column. */
  async historySeries(r: Req<'historySeries'>): Promise<HistorySeries> {
    const bad = r.columns.find((c) => !isSeriesColumn(c))
    if (bad) throw new ApiError('invalid_request', `Unknown series ${bad}.`, { field: 'columns' })
    const columns = r.columns.filter(isSeriesColumn)
    return (await this.db()).series(r.meterId, columns, r.from, r.to, r.maxPoints ?? 1500)
  }

  /** Days and months of a meter, midnight to midnight in the meter's own zone (as its source set it). */
  async historyDays(r: Req<'historyDays'>): Promise<HistoryDaysResult> {
    const db = await this.db()
    const rows = await db.counters(r.meterId, 0, Number.MAX_SAFE_INTEGER)
    const days = dailyStats(rows, r.classKW, r.price, await db.zoneOf(r.meterId))
    return { days, months: monthlyStats(days) }
  }

  /** The quarter hours of one day of the meter's own zone. */
  async historyQuarters(r: Req<'historyQuarters'>): Promise<HistoryQuarterResult> {
    const db = await this.db()
    const zone = await db.zoneOf(r.meterId)
    const from = localMidnight(r.date, zone)
    const to = localMidnight(nextDate(r.date), zone)
    const rows = await db.counters(r.meterId, from - 3600_000, to + 3600_000)
    return { date: r.date, quarters: quarterStats(rows, from, to, r.classKW) }
  }

  async historyMessages(r: Req<'historyMessages'>): Promise<{ t: number; message: string }[]> {
    return (await this.db()).messages(r.meterId, r.from, r.to)
  }

  /** A telegram from a meter's port: kept and added to the history every minute (unless held back: keys.ts). */
  addLive(t: DecodedTelegram): void {
    const title = t.dlms?.systemTitle ?? null
    if (!this.keys.admitToHistory(t.warnings, title)) return
    const meterId = meterIdOf(t.telegram, title)
    let e = this.live.get(meterId)
    if (!e) this.live.set(meterId, (e = { title, rows: [] }))
    e.rows.push(readingOf(t.telegram, t.receivedAt, t.dlms?.frameCounter ?? null))
    if (!this.liveTimer) {
      this.liveTimer = setTimeout(() => void this.flushLive(), 60_000)
      this.liveTimer.unref()
    }
  }

  /** Write the live readings now. */
  async flushLive(): Promise<void> {
    if (this.liveTimer) clearTimeout(this.liveTimer)
    this.liveTimer = null
    const batches = [...this.live]
    this.live = new Map()
    if (batches.every(([, e]) => e.rows.length === 0)) return
    try {
      const store = await this.db()
      for (const [meterId, e] of batches) await store.add(meterId, e.title, e.rows)
      this.emit('change')
    } catch {
      /* the history is a convenience for live data: a locked database must not stop the live view */
    }
  }

  async dispose(): Promise<void> {
    this.importing?.abort()
    await this.flushLive()
    this.store?.close()
    this.store = null
  }
}
