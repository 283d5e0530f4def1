/**
 * History for the app (the session delegates here): the DuckDB store opened on first use,
 * imports with progress and cancel, live telegrams from a meter's port added every minute,
 * and the chart/table queries. Aggregates come from src/shared/history.ts, the same code
 * as `p1studio stats`.
 */
import { EventEmitter } from 'node:events'
import type { HistoryDaysResult, HistoryImportProgress, HistoryQuarterResult } from '../../shared/contract'
import { dailyStats, localMidnight, meterIdOf, monthlyStats, nextDate, quarterStats, readingOf, type Reading } from '../../shared/history'
import type { DecodedTelegram } from '../../shared/types'
import { importIntoHistory, type HistoryImportResult } from '../history/import'
import { HistoryStore, SERIES_COLUMNS, type MeterHistory, type SeriesColumn, type SeriesResult } from '../history/store'

/** History queries and imports. Events: 'progress' (import), 'change' (data added). */
export class HistoryService extends EventEmitter<{ progress: [HistoryImportProgress]; change: [] }> {
  private store: HistoryStore | null = null
  private opening: Promise<HistoryStore> | null = null
  private importing: AbortController | null = null
  private live = new Map<string, { title: string | null; rows: Reading[] }>()
  private liveTimer: NodeJS.Timeout | null = null

  constructor(readonly path: string) {
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

  /**
   * Import a capture or dump with `key`. Progress as 'progress' events.
   * @throws Error if an import runs already, or for a bad file (naming the problem).
   */
  async import(path: string, key: string | null, authKey: string): Promise<HistoryImportResult> {
    if (this.importing) throw new Error('An import is already running.')
    const ac = new AbortController()
    this.importing = ac
    try {
      const store = await this.db()
      this.emit('progress', { file: path, fraction: 0, readings: 0, done: false })
      const r = await importIntoHistory(store, path, {
        key,
        authKey,
        signal: ac.signal,
        onProgress: (fraction, readings) => this.emit('progress', { file: path, fraction, readings, done: false })
      })
      this.emit('progress', { file: path, fraction: 1, readings: r.telegrams, done: true })
      this.emit('change')
      if (r.telegrams === 0 && r.failed > 0) {
        const why = r.failures.missing_key ? 'no P1 key is set' : r.failures.gcm_tag_mismatch ? 'the P1 key does not open its frames' : 'its frames do not decode'
        throw new Error(`Nothing imported from ${path}: ${why} (${r.failed} frames).`)
      }
      return r
    } finally {
      this.importing = null
    }
  }

  /** Stop a running import (what was added stays; importing again completes it). */
  cancelImport(): void {
    this.importing?.abort()
  }

  async meters(): Promise<MeterHistory[]> {
    return (await this.db()).meters()
  }

  /** @throws Error for an unknown column. */
  async series(meterId: string, columns: string[], from: number, to: number, maxPoints: number): Promise<SeriesResult> {
    const bad = columns.find((c) => !SERIES_COLUMNS.includes(c as never))
    if (bad) throw new Error(`Unknown series ${bad}.`)
    return (await this.db()).series(meterId, columns as SeriesColumn[], from, to, maxPoints)
  }

  /** Days and months of a meter (whole history, or from/to in ms). */
  async days(meterId: string, classKW: number, price: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<HistoryDaysResult> {
    const rows = await (await this.db()).counters(meterId, from, to)
    const days = dailyStats(rows, classKW, price)
    return { days, months: monthlyStats(days) }
  }

  /** The quarter hours of one local day. */
  async quarters(meterId: string, date: string, classKW: number): Promise<HistoryQuarterResult> {
    const from = localMidnight(date)
    const to = localMidnight(nextDate(date))
    const rows = await (await this.db()).counters(meterId, from - 3600_000, to + 3600_000)
    return { date, quarters: quarterStats(rows, from, to, classKW) }
  }

  async messages(meterId: string, from: number, to: number): Promise<{ t: number; message: string }[]> {
    return (await this.db()).messages(meterId, from, to)
  }

  /** A telegram from a meter's port: kept and added to the history every minute. */
  addLive(t: DecodedTelegram): void {
    const title = t.dlms?.systemTitle ?? null
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
