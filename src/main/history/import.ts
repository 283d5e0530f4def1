/**
 * Import captures (or any dump the capture reader takes) into the history store: decode
 * every frame (frameHex off: bulk), reduce telegrams to readings, add them per meter in
 * batches. Progress by file position; cancellable between batches (what was added stays:
 * the store dedupes, so importing again completes it).
 */
import { stat } from 'node:fs/promises'
import { meterIdOf, readingOf, type Reading } from '../../shared/history'
import { openInput } from '../capture/importers'
import { readCaptureBatches, type CaptureRecord } from '../capture/reader'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import type { HistoryStore } from './store'
import type { DecodedTelegram } from '../../shared/types'
import type { HistoryImportSummary as HistoryImportResult } from '../../shared/contract/history'

/** Options of {@link importIntoHistory}. */
export interface HistoryImportOptions {
  key?: string | null
  authKey?: string
  /** Called with the share done (0…1) and the readings decoded so far. */
  onProgress?: (fraction: number, readings: number) => void
  signal?: AbortSignal
  /** Rows per store batch (default 50,000). */
  batch?: number
  /**
   * May this telegram go into the history? (Frames opened through the authentication-key
   * fallback only once the user confirmed that meter's key: src/main/host/keys.ts.) Default: all.
   * Telegrams refused are counted in `failures.auth_key_mismatch`, not in `telegrams`.
   */
  admit?: (t: DecodedTelegram) => boolean
}

/** What an import did: the contract's HistoryImportSummary (src/shared/contract/history.ts), declared once. */
export type { HistoryImportSummary as HistoryImportResult } from '../../shared/contract/history'

/**
 * Import one file. @throws CaptureFormatError / Error in plain words for a bad or missing
 * file, TypeError for a malformed key.
 */
export async function importIntoHistory(store: HistoryStore, path: string, opts: HistoryImportOptions = {}): Promise<HistoryImportResult> {
  const input = await openInput(path)
  const size = (await stat(path)).size
  const decoder = new P1Decoder({ key: opts.key ?? null, authKey: opts.authKey, frameHex: false })
  const res: HistoryImportResult = { file: path, telegrams: 0, failed: 0, failures: {}, meters: [], cancelled: false, warning: null }
  const pending = new Map<string, { title: string | null; rows: Reading[] }>()
  const added = new Map<string, number>()
  const batch = opts.batch ?? 50_000
  let meterOfTitle = new Map<string, string>()
  let lastMeter: string | null = null
  let queued = 0

  // Writes are chained, not awaited one by one: DuckDB inserts a batch on its own threads
  // while the next batch is decoded here. At most one batch waits (memory stays bounded).
  let writing: Promise<void> = Promise.resolve()
  let writeError: unknown = null
  const flush = async (wait = false): Promise<void> => {
    await writing
    if (writeError) throw writeError
    for (const [meterId, p] of pending) {
      if (p.rows.length === 0) continue
      const rows = p.rows
      const title = p.title
      p.rows = []
      writing = writing.then(async () => {
        try {
          const n = await store.add(meterId, title, rows)
          added.set(meterId, (added.get(meterId) ?? 0) + n)
        } catch (e) {
          writeError ??= e
        }
      })
    }
    queued = 0
    if (wait) {
      await writing
      if (writeError) throw writeError
    }
  }
  const take = (evs: DecodeEvent[]): void => {
    for (const ev of evs) {
      if (ev.type === 'failure') {
        res.failed++
        res.failures[ev.failure.code] = (res.failures[ev.failure.code] ?? 0) + 1
        continue
      }
      if (ev.type !== 'telegram') continue
      const t = ev.telegram
      if (opts.admit && !opts.admit(t)) {
        res.failures.auth_key_mismatch = (res.failures.auth_key_mismatch ?? 0) + 1
        continue
      }
      res.telegrams++
      const title = t.dlms?.systemTitle ?? null
      // the meter id is in the telegram; a system title maps to it once seen
      let meterId = meterIdOf(t.telegram, null)
      if (meterId === 'unknown') meterId = (title && meterOfTitle.get(title)) ?? title ?? lastMeter ?? 'unknown'
      else if (title) meterOfTitle.set(title, meterId)
      lastMeter = meterId
      let p = pending.get(meterId)
      if (!p) pending.set(meterId, (p = { title, rows: [] }))
      p.title ??= title
      p.rows.push(readingOf(t.telegram, t.receivedAt, t.dlms?.frameCounter ?? null))
      queued++
    }
  }

  let lastTime = 0
  let lastReport = 0
  const handle = async (r: CaptureRecord): Promise<boolean> => {
    if (r.type !== 'data') return true
    lastTime = r.time
    take(decoder.push(r.bytes, r.time))
    if (queued >= batch) {
      await flush()
      if (opts.signal?.aborted) {
        res.cancelled = true
        return false
      }
    }
    if (opts.onProgress && Date.now() - lastReport > 200) {
      lastReport = Date.now()
      opts.onProgress(input.format === 'capture' ? Math.min(1, r.offset / size) : 0.5, res.telegrams)
    }
    return true
  }
  const summary = { records: 0, tornAt: null, warning: null }
  outer: if (input.format === 'capture') {
    for await (const recs of readCaptureBatches(path, summary)) for (const r of recs) if (!(await handle(r))) break outer
  } else {
    for await (const r of input.records(summary)) if (!(await handle(r))) break outer
  }
  if (!res.cancelled) take(decoder.end(lastTime))
  await flush(true)
  meterOfTitle = new Map()
  res.meters = [...added].map(([meterId, n]) => ({ meterId, added: n }))
  res.warning = summary.warning
  opts.onProgress?.(1, res.telegrams)
  return res
}
