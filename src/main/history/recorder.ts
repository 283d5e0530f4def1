/**
 * The recorder of an always-on P1 Studio (`p1studio serve --record`): every decoded telegram
 * into the history store, and — if asked — every byte into daily capture files; it resumes
 * after a restart or a power cut without a duplicate and without a hole that was not a real
 * outage, and it records the outages so that the history shows gaps as gaps, with a reason.
 *
 * - A journal first, the history in batches: each reading (and outage) is appended to a
 *   journal file beside the history (`<history>.journal`, one JSON line, one write; fsync each
 *   second) the moment its telegram is decoded — from then on it survives kill -9, and a
 *   power cut after at most a second — and committed to the history with the others of the
 *   last `commitMs` (default 60 s) in one batch. DuckDB is a column store: one insert a
 *   minute instead of one every 10 s keeps it lean for months (its memory grew with every
 *   single-row insert in the soak benchmark). A new run commits what a journal still holds,
 *   then empties it. Without a journal (an in-memory history) readings are committed at once.
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
 *   ran, the line was silent), `auth_key_unconfirmed` (telegrams came, but opened only
 *   through the authentication-key fallback and were held back). Each run of the recorder is
 *   a row of `recorder_runs` (started, last commit, ended: null after a crash).
 * - Held back: a telegram opened through the authentication-key fallback (`auth_key_mismatch`:
 *   GCM tag wrong, CRC right) is recorded only when {@link RecorderOptions.admit} says so —
 *   the session asks the key service, which admits it once the user confirmed that meter's
 *   authentication key (host/keys.ts). Without `admit`, such telegrams are never recorded.
 *
 * Receive times come from the telegrams; run times from the clock. Days of capture files are
 * meter-local days of the receive time, in the meter's zone ({@link RecorderOptions.zone},
 * default Europe/Luxembourg), which is also kept per meter in the history.
 *
 * Why one file over 400 lines: the journal, the batched commits and the resume after a crash
 * share one ordering invariant (a reading is acknowledged once journaled, committed once, never
 * twice); it is kept in one place until it can be split along that invariant (journal / commit).
 */
import { EventEmitter } from 'node:events'
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync
} from 'node:fs'
import { join } from 'node:path'
import { HISTORY_TIME_ZONE, localDate, meterIdOf, readingOf, type Reading } from '../../shared/history'
import type { DecodedTelegram, DecodeFailure } from '../../shared/types'
import { readCaptureBatches } from '../capture/reader'
import { CaptureWriter } from '../capture/writer'
import { systemClock, type Clock, type ClockTimer } from '../line/clock'
import { P1Decoder } from '../p1/pipeline'
import type { HistoryStore } from './store'

/** Why the history has no reading for a while. */
export type OutageReason = 'recorder_interrupted' | 'recorder_stopped' | 'undecodable_frames' | 'auth_key_unconfirmed' | 'no_telegrams'

/**
 * May a decoded telegram go into the history? The default: not when it opened only through the
 * authentication-key fallback (`auth_key_mismatch`) — the user has not confirmed that key.
 */
export function defaultAdmit(t: DecodedTelegram): boolean {
  return !t.warnings.includes('auth_key_mismatch')
}

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
  /** Readings wait at most this long in the journal before a batch commit, ms (default 60 000). */
  commitMs?: number
  /** The journal file (default `<history file>.journal`; null, or an in-memory history: none, every reading committed at once). */
  journalPath?: string | null
  /**
   * Keys to read the newest capture file back at the start (with `capture`): telegrams the
   * previous run captured but did not commit are committed then. Without it, no read-back.
   */
  recover?: { key: string | null; authKey?: string }
  /**
   * Which decoded telegrams are recorded (default {@link defaultAdmit}: none opened through the
   * authentication-key fallback). Also applied to the capture read-back.
   */
  admit?: (t: DecodedTelegram) => boolean
  /** The meter's time zone (IANA name, default Europe/Luxembourg): capture file days, kept per meter in the history. Changed with {@link Recorder.zone}. */
  zone?: string
}

/** What {@link Recorder.open} committed from a previous run's leftovers. */
export interface RecorderRecovery {
  /** Readings committed from the journal (journaled, not yet committed, when the previous run ended). */
  journal: number
  /** The capture file read back, null if none. */
  file: string | null
  /** Readings committed from it (received but not in the history before). */
  added: number
}

/** Events of a {@link Recorder}. */
export interface RecorderEvents {
  /** A reading is safe in the journal (or committed, without a journal): meter time, ms. */
  journaled: [t: number]
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
  /** The meter's zone, null: unknown (the history keeps what it has). */
  zone: string | null
}

/** Create the recorder's tables if missing. */
async function ensureTables(store: HistoryStore): Promise<void> {
  const con = store.connection
  await con.run(
    `CREATE TABLE IF NOT EXISTS recorder_runs (run_id INTEGER PRIMARY KEY, started BIGINT NOT NULL, last_commit BIGINT, ended BIGINT, readings BIGINT NOT NULL DEFAULT 0)`
  )
  await con.run(
    `CREATE TABLE IF NOT EXISTS outages (meter_id VARCHAR NOT NULL, start_t BIGINT NOT NULL, end_t BIGINT NOT NULL, reason VARCHAR NOT NULL, failed_frames INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (meter_id, start_t))`
  )
}

/** The recorded outages of a meter overlapping [from, to) (meter time, ms), in time order. */
export async function outagesOf(store: HistoryStore, meterId: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<Outage[]> {
  await ensureTables(store)
  const p = await store.connection.prepare(
    `SELECT start_t, end_t, reason, failed_frames FROM outages WHERE meter_id = $1 AND end_t > $2 AND start_t < $3 ORDER BY start_t`
  )
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
  return rows.map((o) => ({
    runId: Number(o.run_id),
    started: Number(o.started),
    lastCommit: n(o.last_commit),
    ended: n(o.ended),
    readings: Number(o.readings)
  }))
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
async function recoverFromCapture(
  store: HistoryStore,
  o: RecorderCaptureOptions,
  keys: { key: string | null; authKey?: string },
  admit: (t: DecodedTelegram) => boolean,
  zone: string
): Promise<Omit<RecorderRecovery, 'journal'>> {
  const file = newestCapture(o)
  if (!file) return { file: null, added: 0 }
  const last = new Map<string, number>()
  for (const r of (await store.connection.runAndReadAll(`SELECT meter_id, max(t) AS t FROM readings GROUP BY meter_id`)).getRowObjectsJS())
    last.set(String(r.meter_id), Number(r.t))
  const rows = new Map<string, { title: string | null; rows: Reading[] }>()
  try {
    const decoder = new P1Decoder({ key: keys.key, authKey: keys.authKey, frameHex: false, zone })
    let lastTime = 0
    const take = (evs: ReturnType<P1Decoder['push']>): void => {
      for (const ev of evs) {
        if (ev.type !== 'telegram' || !admit(ev.telegram)) continue
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
  for (const [meterId, e] of rows) added += await store.add(meterId, e.title, e.rows, zone)
  return { file, added }
}

/** One journal line: a reading of a meter (with its zone), or an outage. */
type JournalEntry = { m: string; s: string | null; r: Reading; z?: string | null } | { o: Outage }

/** The entries of a journal file; a torn last line (power cut while writing) is left out. */
function readJournal(path: string): JournalEntry[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const out: JournalEntry[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    try {
      out.push(JSON.parse(line) as JournalEntry)
    } catch {
      /* torn */
    }
  }
  return out
}

/** Commit journal entries (readings per meter, outages). @returns readings added. */
async function commitEntries(store: HistoryStore, readings: Pending[], outages: Outage[]): Promise<number> {
  const byMeter = new Map<string, { title: string | null; zone: string | null; rows: Reading[] }>()
  for (const p of readings) {
    let e = byMeter.get(p.meterId)
    if (!e) byMeter.set(p.meterId, (e = { title: p.title, zone: p.zone, rows: [] }))
    e.title ??= p.title
    if (p.zone) e.zone = p.zone
    e.rows.push(p.reading)
  }
  let added = 0
  for (const [meterId, e] of byMeter) added += await store.add(meterId, e.title, e.rows, e.zone)
  if (outages.length) {
    const p = await store.connection.prepare(`INSERT INTO outages VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`)
    try {
      for (const o of outages) {
        p.bindVarchar(1, o.meterId)
        p.bindBigInt(2, BigInt(o.start))
        p.bindBigInt(3, BigInt(o.end))
        p.bindVarchar(4, o.reason)
        p.bindInteger(5, o.failedFrames)
        await p.run()
      }
    } finally {
      p.destroySync()
    }
  }
  return added
}

/** Records telegrams into the history (and bytes into daily captures). Create with {@link Recorder.open}. */
export class Recorder extends EventEmitter<RecorderEvents> {
  private readonly store: HistoryStore
  private readonly clock: Clock
  private readonly gapMs: number
  private captureOpts: RecorderCaptureOptions | null
  private capture: CaptureWriter | null = null
  private captureDay: string | null = null
  private readonly captureFiles: string[] = []
  private pending: Pending[] = []
  private outagesPending: Outage[] = []
  /** What the start committed from the previous run's journal and capture. */
  recovery: RecorderRecovery = { journal: 0, file: null, added: 0 }
  private readonly commitMs: number
  private journalPath: string | null
  private journalFd: number | null = null
  private journalDirty = false
  private syncTimer: NodeJS.Timeout | null = null
  private commitTimer: ClockTimer | null = null
  private draining: Promise<void> | null = null
  private closed = false
  /** Meter time of each meter's last committed or queued reading. */
  private readonly lastT = new Map<string, number>()
  /** Meters whose next reading is the first of this run, and how the previous run ended. */
  private readonly firstOfRun = new Set<string>()
  private failuresSinceReading = 0
  private heldSinceReading = 0
  private readonly titleToMeter = new Map<string, string>()
  private written = 0
  private readonly admit: (t: DecodedTelegram) => boolean
  /** The meter's time zone (IANA name): the days of capture files, and kept per meter in the history. */
  zone: string
  /** Telegrams held back by {@link RecorderOptions.admit} in this run. */
  heldBack = 0

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
    this.commitMs = opts.commitMs ?? 60_000
    this.journalPath = opts.journalPath === undefined ? (opts.store.path === ':memory:' ? null : `${opts.store.path}.journal`) : opts.journalPath
    this.admit = opts.admit ?? defaultAdmit
    this.zone = opts.zone ?? HISTORY_TIME_ZONE
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
    // what the previous run journaled but did not commit
    let journaled = 0
    if (r.journalPath && existsSync(r.journalPath)) {
      const entries = readJournal(r.journalPath)
      const readings = entries.flatMap((e) => ('r' in e ? [{ meterId: e.m, title: e.s, reading: e.r, zone: e.z ?? null }] : []))
      journaled = await commitEntries(
        store,
        readings,
        entries.flatMap((e) => ('o' in e ? [e.o] : []))
      )
    }
    if (opts.capture && opts.recover) r.recovery = { journal: journaled, ...(await recoverFromCapture(store, opts.capture, opts.recover, r.admit, r.zone)) }
    else r.recovery = { journal: journaled, file: null, added: 0 }
    if (r.journalPath) {
      try {
        r.journalFd = openSync(r.journalPath, 'w', 0o600) // committed above: start empty
      } catch (e) {
        throw new Error(`Cannot write the recording journal ${r.journalPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e })
      }
      r.syncTimer = setInterval(() => r.syncJournal(), 1000)
      r.syncTimer.unref()
    }
    for (const o of (await con.runAndReadAll(`SELECT meter_id, max(t) AS t FROM readings GROUP BY meter_id`)).getRowObjectsJS()) {
      r.lastT.set(String(o.meter_id), Number(o.t))
      r.firstOfRun.add(String(o.meter_id))
    }
    if (opts.capture) mkdirSync(opts.capture.dir, { recursive: true })
    return r
  }

  /**
   * Capture daily files from now on with these options (another source: its name in the
   * header), or stop capturing (null). The open file is closed; the next bytes start a new
   * one (`…-YYYY-MM-DD.2.p1cap` on the same day). Never throws.
   */
  setCapture(capture: RecorderCaptureOptions | null): void {
    const o = this.captureOpts
    if (o && capture && o.dir === capture.dir && o.source === capture.source && (o.lineSettings ?? null) === (capture.lineSettings ?? null)) return
    this.capture?.close()
    this.capture = null
    this.captureDay = null
    this.captureOpts = capture
    if (capture) {
      try {
        mkdirSync(capture.dir, { recursive: true })
      } catch (e) {
        this.emit('error', e as Error)
      }
    }
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
    const day = localDate(receivedAt, this.zone)
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
      const w = new CaptureWriter({
        path,
        source: o.source,
        lineSettings: o.lineSettings ?? null,
        appVersion: o.appVersion,
        header: { note: `recording, started ${new Date(at).toISOString()}` }
      })
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

  /**
   * A decoded telegram: its reading goes to the journal now and to the history with the next
   * batch — unless {@link RecorderOptions.admit} holds it back (authentication-key fallback).
   * @returns whether it was recorded. Never throws.
   */
  telegram(t: DecodedTelegram): boolean {
    if (this.closed) return false
    if (!this.admit(t)) {
      this.heldBack++
      this.heldSinceReading++
      return false
    }
    const title = t.dlms?.systemTitle ?? null
    let meterId = meterIdOf(t.telegram, null)
    if (meterId === 'unknown') meterId = (title && this.titleToMeter.get(title)) || title || 'unknown'
    else if (title && this.titleToMeter.size < 64) this.titleToMeter.set(title, meterId)
    this.reading(meterId, title, readingOf(t.telegram, t.receivedAt, t.dlms?.frameCounter ?? null))
    return true
  }

  /**
   * A reading of a meter from elsewhere than a P1 telegram (a board's MQTT data mapped back to
   * OBIS codes: history/board-reading.ts): journaled and committed as a telegram's. Never throws.
   */
  reading(meterId: string, title: string | null, reading: Reading): void {
    if (this.closed) return
    const last = this.lastT.get(meterId)
    if (last !== undefined && reading.t - last > this.gapMs) {
      const first = this.firstOfRun.has(meterId)
      const reason: OutageReason = first
        ? this.previousRunEnded
          ? 'recorder_stopped'
          : 'recorder_interrupted'
        : this.failuresSinceReading > 0
          ? 'undecodable_frames'
          : this.heldSinceReading > 0
            ? 'auth_key_unconfirmed'
            : 'no_telegrams'
      const outage: Outage = { meterId, start: last, end: reading.t, reason, failedFrames: first ? 0 : this.failuresSinceReading }
      this.queueOutage(outage)
    }
    this.firstOfRun.delete(meterId)
    this.failuresSinceReading = 0
    this.heldSinceReading = 0
    if (last === undefined || reading.t > last) this.lastT.set(meterId, reading.t)
    const p: Pending = { meterId, title, reading, zone: this.zone }
    this.pending.push(p)
    this.journal({ m: meterId, s: title, r: reading, z: this.zone })
    if (this.journalFd === null) {
      this.drain()
      return
    }
    this.emit('journaled', reading.t)
    if (this.pending.length >= 1000) this.drain()
    else
      this.commitTimer ??= this.clock.setTimeout(() => {
        this.commitTimer = null
        this.drain()
      }, this.commitMs)
  }

  private queueOutage(o: Outage): void {
    this.outagesPending.push(o)
    this.journal({ o })
    this.emit('outage', o)
  }

  /** Append one entry to the journal (one write). A journal that fails is given up: readings are then committed at once. */
  private journal(e: JournalEntry): void {
    if (this.journalFd === null) return
    const line = Buffer.from(JSON.stringify(e) + '\n')
    try {
      let done = 0
      while (done < line.length) done += writeSync(this.journalFd, line, done)
      this.journalDirty = true
    } catch (err) {
      this.journalFailed(err as NodeJS.ErrnoException)
    }
  }

  /** The journal cannot be written: say so and give it up (readings are then committed at once). */
  private journalFailed(err: NodeJS.ErrnoException): void {
    this.emit(
      'error',
      new Error(`The recording journal ${this.journalPath} cannot be written (${err.code ?? 'error'}): readings are committed one by one from now on.`)
    )
    this.closeJournal()
  }

  private syncJournal(): void {
    if (this.journalFd === null || !this.journalDirty) return
    try {
      fsyncSync(this.journalFd)
      this.journalDirty = false
    } catch {
      /* reported by the next write */
    }
  }

  private closeJournal(): void {
    if (this.syncTimer) clearInterval(this.syncTimer)
    this.syncTimer = null
    if (this.journalFd === null) return
    try {
      closeSync(this.journalFd)
    } catch {
      /* already closed */
    }
    this.journalFd = null
  }

  /**
   * After a commit: the journal keeps only what is still pending. Usually nothing (truncate);
   * when telegrams came during the commit, a new journal with them replaces the old one.
   */
  private trimJournal(): void {
    if (this.journalFd === null || !this.journalPath) return
    try {
      if (this.pending.length === 0 && this.outagesPending.length === 0) {
        ftruncateSync(this.journalFd, 0)
        return
      }
      const tmp = `${this.journalPath}.tmp`
      const lines = [...this.outagesPending.map((o) => ({ o })), ...this.pending.map((p) => ({ m: p.meterId, s: p.title, r: p.reading, z: p.zone }))]
        .map((e) => JSON.stringify(e) + '\n')
        .join('')
      const fd = openSync(tmp, 'w', 0o600)
      writeSync(fd, lines)
      fsyncSync(fd)
      renameSync(tmp, this.journalPath)
      closeSync(this.journalFd)
      this.journalFd = openSync(this.journalPath, 'a', 0o600)
    } catch (err) {
      this.journalFailed(err as NodeJS.ErrnoException)
    }
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
          this.trimJournal()
        } catch (e) {
          // the journal keeps them: the next run commits them
          this.emit(
            'error',
            new Error(`The history could not be written (${(e as Error).message.split('\n')[0]}): ${batch.length} readings wait in the journal.`)
          )
        }
      }
    })().finally(() => {
      this.draining = null
    })
  }

  private async commit(batch: Pending[], outages: Outage[]): Promise<void> {
    const con = this.store.connection
    const added = await commitEntries(this.store, batch, outages)
    this.written += added
    await con.run(`UPDATE recorder_runs SET last_commit = ${Math.trunc(this.clock.now())}, readings = ${this.written} WHERE run_id = ${this.runId}`)
    if (batch.length) this.emit('recorded', batch.length, batch[batch.length - 1].reading.t)
  }

  /** Commit now everything handed over so far; resolves when it is in the history. */
  async flush(): Promise<void> {
    this.commitTimer?.cancel()
    this.commitTimer = null
    if (this.pending.length || this.outagesPending.length) this.drain()
    while (this.draining) await this.draining
  }

  /** Commit what is pending, close the capture, mark the run as ended on purpose. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    this.capture?.close()
    this.capture = null
    this.syncJournal()
    this.closeJournal()
    if (this.journalPath && this.pending.length === 0 && this.outagesPending.length === 0) rmSync(this.journalPath, { force: true })
    await this.store.connection.run(`UPDATE recorder_runs SET ended = ${Math.trunc(this.clock.now())} WHERE run_id = ${this.runId}`)
  }
}
