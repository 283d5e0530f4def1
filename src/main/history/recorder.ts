/**
 * The recorder of an always-on P1 Studio (`p1studio serve --record`): every decoded telegram
 * into the history store, and — if asked — every byte into daily capture files; it resumes
 * after a restart or a power cut without a duplicate and without a hole that was not a real
 * outage, and it records the outages so that the history shows gaps as gaps, with a reason.
 *
 * - Write-through: a reading is committed as soon as the previous commit is done (a commit
 *   takes milliseconds; while one runs, the next telegrams are committed together). Nothing
 *   waits in memory for a minute, so kill -9 or a power cut loses at most the telegram being
 *   written — the same as the bytes in flight on the line.
 * - Resume from the capture: with daily captures and the P1 key, a new run first reads the
 *   newest capture file and commits the telegrams it holds beyond the history's last reading —
 *   what a crash caught between the capture's write and the history's commit.
 * - No duplicate: the store is keyed by (meter, meter time) (store.ts); a reading seen again
 *   after a restart adds nothing. Capture files are never reopened: a restart on the same day
 *   starts `<name>-YYYY-MM-DD.2.p1cap` (.3, …) beside the first one.
 * - Outages: a gap longer than {@link RecorderOptions.gapMs} (default 35 s: three frames of a
 *   Smarty's 10 s cadence missing) between two readings of a meter is written to the
 *   `outages` table with its reason: `recorder_interrupted` (P1 Studio ended without closing:
 *   crash, kill, power cut), `recorder_stopped` (closed on purpose), `undecodable_frames`
 *   (frames came but did not decode: wrong key, damaged line) or `no_telegrams` (P1 Studio
 *   ran, the line was silent). Each run of the recorder is a row of `recorder_runs`
 *   (started, last commit, ended: null after a crash).
 *
 * Receive times come from the telegrams; run times from the clock. Days of capture files are
 * meter-local (Europe/Luxembourg) days of the receive time.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { localDate, meterIdOf, readingOf, type Reading } from '../../shared/history'
import type { DecodedTelegram, DecodeFailure } from '../../shared/types'
import { readCaptureBatches } from '../capture/reader'
import { CaptureWriter } from '../capture/writer'
import { systemClock, type Clock } from '../line/clock'
import { P1Decoder } from '../p1/pipeline'
import type { HistoryStore } from './store'

/** Why the history has no reading for a while. */
export type OutageReason = 'recorder_interrupted' | 'recorder_stopped' | 'undecodable_frames' | 'no_telegrams'

/** A recorded outage: no reading of `meterId` between the readings at `start` and `end` (meter time, ms). */
export interface Outage {
  meterId: string
  /** Meter time of the last reading before the gap, ms. */
  start: number
  /** Meter time of the first reading after it, ms. */
  end: number
  reason: OutageReason
  /** Frames that came in the gap but failed (while this run was recording). */
  failedFrames: number
}

/** One run of a recorder. Times in ms since the epoch (the recorder's clock). */
export interface RecorderRun {
  runId: number
  started: number
  /** Time of the run's last commit, null before the first. */
  lastCommit: number | null
  /** When it was closed; null while running, or when it ended without closing (crash, power cut). */
  ended: number | null
  readings: number
}

/** Daily capture files. */
export interface RecorderCaptureOptions {
  /** Folder of the files (created if missing). */
  dir: string
  /** File names: `<name>-YYYY-MM-DD.p1cap` (default "p1studio"). */
  name?: string
  /** Written into each file's header. */
  source: string
  lineSettings?: string | null
  appVersion: string
}

/** Options of {@link Recorder.open}. */
export interface RecorderOptions {
  store: HistoryStore
  /** Run times (default the system clock). */
  clock?: Clock
  /** Also keep every byte in daily capture files (see {@link Recorder.bytes}). */
  capture?: RecorderCaptureOptions
  /** A longer gap between two readings of a meter is an outage, ms (default 35 000). */
  gapMs?: number
  /**
   * Keys to read the newest capture file back at the start (with `capture`): telegrams the
   * previous run captured but did not commit are committed then. Without it, no read-back.
   */
  recover?: { key: string | null; authKey?: string }
}

/** What {@link Recorder.open} read back from the newest capture file. */
export interface RecorderRecovery {
  file: string | null
  /** Readings committed from it (received but not in the history before). */
  added: number
}

/** Events of a {@link Recorder}. */
export interface RecorderEvents {
  /** Readings committed (count, meter time of the last one). */
  recorded: [count: number, lastT: number]
  outage: [outage: Outage]
  /** A problem in plain words (the history or the capture could not be written). Recording goes on where it can. */
  error: [error: Error]
}

interface Pending {
  meterId: string
  title: string | null
  reading: Reading
}

/** Create the recorder's tables if missing. */
async function ensureTables(store: HistoryStore): Promise<void> {
  const con = store.connection
  await con.run(`CREATE TABLE IF NOT EXISTS recorder_runs (run_id INTEGER PRIMARY KEY, started BIGINT NOT NULL, last_commit BIGINT, ended BIGINT, readings BIGINT NOT NULL DEFAULT 0)`)
  await con.run(
    `CREATE TABLE IF NOT EXISTS outages (meter_id VARCHAR NOT NULL, start_t BIGINT NOT NULL, end_t BIGINT NOT NULL, reason VARCHAR NOT NULL, failed_frames INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (meter_id, start_t))`
  )
}

/** The recorded outages of a meter overlapping [from, to) (meter time, ms), in time order. */
export async function outagesOf(store: HistoryStore, meterId: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<Outage[]> {
  await ensureTables(store)
  const p = await store.connection.prepare(`SELECT start_t, end_t, reason, failed_frames FROM outages WHERE meter_id = $1 AND end_t > $2 AND start_t < $3 ORDER BY start_t`)
  p.bindVarchar(1, meterId)
  p.bindBigInt(2, BigInt(Math.floor(from)))
  p.bindBigInt(3, BigInt(Math.ceil(Math.min(to, Number.MAX_SAFE_INTEGER))))
  return (await p.runAndReadAll()).getRowObjectsJS().map((o) => ({
    meterId,
    start: Number(o.start_t),
    end: Number(o.end_t),
    reason: String(o.reason) as OutageReason,
    failedFrames: Number(o.failed_frames)
  }))
}

/** The recorder's runs, oldest first. */
export async function recorderRuns(store: HistoryStore): Promise<RecorderRun[]> {
  await ensureTables(store)
  const rows = (await store.connection.runAndReadAll(`SELECT * FROM recorder_runs ORDER BY run_id`)).getRowObjectsJS()
  const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
  return rows.map((o) => ({ runId: Number(o.run_id), started: Number(o.started), lastCommit: n(o.last_commit), ended: n(o.ended), readings: Number(o.readings) }))
}

/** The newest capture file of a recorder's folder (by modification time), null if none. */
export function newestCapture(o: RecorderCaptureOptions): string | null {
  const prefix = `${o.name ?? 'p1studio'}-`
  let best: { path: string; mtime: number } | null = null
  let names: string[]
  try {
    names = readdirSync(o.dir)
  } catch {
    return null
  }
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.p1cap')) continue
    const path = join(o.dir, n)
    const mtime = statSync(path).mtimeMs
    if (!best || mtime > best.mtime) best = { path, mtime }
  }
  return best?.path ?? null
}

/**
 * Commit the telegrams of the newest capture file that are newer than the history's last
 * reading of their meter (a torn last record is simply the end). Never throws: a capture that
 * cannot be read recovers nothing.
 */
async function recoverFromCapture(store: HistoryStore, o: RecorderCaptureOptions, keys: { key: string | null; authKey?: string }): Promise<RecorderRecovery> {
  const file = newestCapture(o)
  if (!file) return { file: null, added: 0 }
  const last = new Map<string, number>()
  for (const r of (await store.connection.runAndReadAll(`SELECT meter_id, max(t) AS t FROM readings GROUP BY meter_id`)).getRowObjectsJS()) last.set(String(r.meter_id), Number(r.t))
  const rows = new Map<string, { title: string | null; rows: Reading[] }>()
  try {
    const decoder = new P1Decoder({ key: keys.key, authKey: keys.authKey, frameHex: false })
    let lastTime = 0
    const take = (evs: ReturnType<P1Decoder['push']>): void => {
      for (const ev of evs) {
        if (ev.type !== 'telegram') continue
        const title = ev.telegram.dlms?.systemTitle ?? null
        const meterId = meterIdOf(ev.telegram.telegram, title)
        const reading = readingOf(ev.telegram.telegram, ev.telegram.receivedAt, ev.telegram.dlms?.frameCounter ?? null)
        if (reading.t <= (last.get(meterId) ?? -Infinity)) continue
        let e = rows.get(meterId)
        if (!e) rows.set(meterId, (e = { title, rows: [] }))
        e.rows.push(reading)
      }
    }
    for await (const batch of readCaptureBatches(file)) {
      for (const rec of batch) {
        if (rec.type !== 'data') continue
        lastTime = rec.time
        take(decoder.push(rec.bytes, rec.time))
      }
    }
    take(decoder.end(lastTime))
  } catch {
    /* a damaged capture: keep what was read */
  }
  let added = 0
  for (const [meterId, e] of rows) added += await store.add(meterId, e.title, e.rows)
  return { file, added }
}

/** Records telegrams into the history (and bytes into daily captures). Create with {@link Recorder.open}. */
export class Recorder extends EventEmitter<RecorderEvents> {
  private readonly store: HistoryStore
  private readonly clock: Clock
  private readonly gapMs: number
  private readonly captureOpts: RecorderCaptureOptions | null
  private capture: CaptureWriter | null = null
  private captureDay: string | null = null
  private readonly captureFiles: string[] = []
  private pending: Pending[] = []
  private outagesPending: Outage[] = []
  /** What the start read back from the newest capture. */
  recovery: RecorderRecovery = { file: null, added: 0 }
  private draining: Promise<void> | null = null
  private closed = false
  /** Meter time of each meter's last committed or queued reading. */
  private readonly lastT = new Map<string, number>()
  /** Meters whose next reading is the first of this run, and how the previous run ended. */
  private readonly firstOfRun = new Set<string>()
  private failuresSinceReading = 0
  private readonly titleToMeter = new Map<string, string>()
  private written = 0

  private constructor(
    opts: RecorderOptions,
    readonly runId: number,
    private readonly previousRunEnded: boolean
  ) {
    super()
    this.store = opts.store
    this.clock = opts.clock ?? systemClock
    this.gapMs = opts.gapMs ?? 35_000
    this.captureOpts = opts.capture ?? null
  }

  /**
   * Start a run: create the tables if needed, note how the previous run ended, load each
   * meter's last reading (to find the gap to the first new one).
   * @throws Error in plain words when the history cannot be written.
   */
  static async open(opts: RecorderOptions): Promise<Recorder> {
    const { store } = opts
    await ensureTables(store)
    const con = store.connection
    const prev = (await con.runAndReadAll(`SELECT run_id, ended FROM recorder_runs ORDER BY run_id DESC LIMIT 1`)).getRowObjectsJS()[0]
    const runId = prev ? Number(prev.run_id) + 1 : 1
    const now = (opts.clock ?? systemClock).now()
    await con.run(`INSERT INTO recorder_runs (run_id, started) VALUES (${runId}, ${Math.trunc(now)})`)
    const r = new Recorder(opts, runId, prev ? prev.ended !== null : true)
    if (opts.capture && opts.recover) r.recovery = await recoverFromCapture(store, opts.capture, opts.recover)
    for (const o of (await con.runAndReadAll(`SELECT meter_id, max(t) AS t FROM readings GROUP BY meter_id`)).getRowObjectsJS()) {
      r.lastT.set(String(o.meter_id), Number(o.t))
      r.firstOfRun.add(String(o.meter_id))
    }
    if (opts.capture) mkdirSync(opts.capture.dir, { recursive: true })
    return r
  }

  /** Capture files written by this run. */
  get files(): string[] {
    return this.captureFiles.slice()
  }

  /** Readings committed by this run. */
  get recorded(): number {
    return this.written
  }

  /**
   * Bytes as read from the source, with their receive time (ms): into the day's capture file
   * when capturing (nothing otherwise). A full disk stops the capture, not the history.
   */
  bytes(chunk: Buffer, receivedAt: number): void {
    if (!this.captureOpts || this.closed) return
    const day = localDate(receivedAt)
    if (day !== this.captureDay) this.rollCapture(day, receivedAt)
    this.capture?.write(chunk, receivedAt)
  }

  private rollCapture(day: string, at: number): void {
    const o = this.captureOpts!
    this.capture?.close()
    this.capture = null
    this.captureDay = day
    const base = `${o.name ?? 'p1studio'}-${day}`
    let path = join(o.dir, `${base}.p1cap`)
    for (let n = 2; existsSync(path); n++) path = join(o.dir, `${base}.${n}.p1cap`)
    try {
      const w = new CaptureWriter({ path, source: o.source, lineSettings: o.lineSettings ?? null, appVersion: o.appVersion, header: { note: `recording, started ${new Date(at).toISOString()}` } })
      w.on('error', (e) => {
        this.capture = null
        this.emit('error', e)
      })
      this.capture = w
      this.captureFiles.push(path)
    } catch (e) {
      this.emit('error', e as Error)
    }
  }

  /** A frame that did not decode: counted for the reason of an outage that ends later. */
  failure(_f: DecodeFailure): void {
    this.failuresSinceReading++
  }

  /** A decoded telegram: its reading is committed at once (see the module's notes). Never throws. */
  telegram(t: DecodedTelegram): void {
    if (this.closed) return
    const title = t.dlms?.systemTitle ?? null
    let meterId = meterIdOf(t.telegram, null)
    if (meterId === 'unknown') meterId = (title && this.titleToMeter.get(title)) || title || 'unknown'
    else if (title && this.titleToMeter.size < 64) this.titleToMeter.set(title, meterId)
    const reading = readingOf(t.telegram, t.receivedAt, t.dlms?.frameCounter ?? null)
    const last = this.lastT.get(meterId)
    if (last !== undefined && reading.t - last > this.gapMs) {
      const first = this.firstOfRun.has(meterId)
      const reason: OutageReason = first ? (this.previousRunEnded ? 'recorder_stopped' : 'recorder_interrupted') : this.failuresSinceReading > 0 ? 'undecodable_frames' : 'no_telegrams'
      const outage: Outage = { meterId, start: last, end: reading.t, reason, failedFrames: first ? 0 : this.failuresSinceReading }
      this.queueOutage(outage)
    }
    this.firstOfRun.delete(meterId)
    this.failuresSinceReading = 0
    if (last === undefined || reading.t > last) this.lastT.set(meterId, reading.t)
    this.pending.push({ meterId, title, reading })
    this.drain()
  }

  private queueOutage(o: Outage): void {
    this.outagesPending.push(o)
    this.emit('outage', o)
  }

  /** Commit what is pending; one commit at a time, the next takes everything queued meanwhile. */
  private drain(): void {
    if (this.draining) return
    this.draining = (async () => {
      while (this.pending.length || this.outagesPending.length) {
        const batch = this.pending
        const outages = this.outagesPending
        this.pending = []
        this.outagesPending = []
        try {
          await this.commit(batch, outages)
        } catch (e) {
          this.emit('error', new Error(`The history could not be written (${(e as Error).message.split('\n')[0]}): ${batch.length} readings lost.`))
        }
      }
    })().finally(() => {
      this.draining = null
    })
  }

  private async commit(batch: Pending[], outages: Outage[]): Promise<void> {
    const con = this.store.connection
    const byMeter = new Map<string, { title: string | null; rows: Reading[] }>()
    for (const p of batch) {
      let e = byMeter.get(p.meterId)
      if (!e) byMeter.set(p.meterId, (e = { title: p.title, rows: [] }))
      e.title ??= p.title
      e.rows.push(p.reading)
    }
    let added = 0
    for (const [meterId, e] of byMeter) added += await this.store.add(meterId, e.title, e.rows)
    for (const o of outages) {
      const p = await con.prepare(`INSERT INTO outages VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`)
      p.bindVarchar(1, o.meterId)
      p.bindBigInt(2, BigInt(o.start))
      p.bindBigInt(3, BigInt(o.end))
      p.bindVarchar(4, o.reason)
      p.bindInteger(5, o.failedFrames)
      await p.run()
    }
    this.written += added
    await con.run(`UPDATE recorder_runs SET last_commit = ${Math.trunc(this.clock.now())}, readings = ${this.written} WHERE run_id = ${this.runId}`)
    if (batch.length) this.emit('recorded', batch.length, batch[batch.length - 1].reading.t)
  }

  /** Resolves when everything handed over so far is committed. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining
  }

  /** Commit what is pending, close the capture, mark the run as ended on purpose. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    this.capture?.close()
    this.capture = null
    await this.store.connection.run(`UPDATE recorder_runs SET ended = ${Math.trunc(this.clock.now())} WHERE run_id = ${this.runId}`)
  }
}
