/**
 * The `record` namespace (src/shared/contract/record.ts; issue 17): keep the telegrams of the
 * live sources in the history — and, if asked, every byte in one capture file per meter-local
 * day — for as long as P1 Studio runs (`p1studio serve --record [--daily-captures]`, or the
 * app's switch), with the recorder of src/main/history/recorder.ts (journal first, commits in
 * batches, resume without duplicates, outages kept as gaps with their reason).
 *
 * - Live sources: a serial port, a TCP source (`tcp://HOST:PORT`), and a board's MQTT data
 *   (the `boardSnapshot` event, history/board-reading.ts) — never the demo, a file or a replay.
 * - The choice is remembered in the data folder (`recording.json`, 0600) and taken up again at
 *   the next start ({@link RecordService.resume}): after a restart or a power cut recording
 *   goes on by itself; the recorder commits what the journal still holds and marks the time P1
 *   Studio was away as an outage (`recorder_interrupted` or `recorder_stopped`).
 * - Telegrams opened through the authentication-key fallback (`auth_key_mismatch`) are held
 *   back until the user confirmed that meter's authentication key (KeyService.admitToHistory).
 * - Each meter's zone (the source's `zone`, default Europe/Luxembourg) goes with its readings
 *   into the history, and names the days of the capture files.
 * - Problems reach `status.recording.error` in plain words (disk full, a history in use);
 *   recording goes on where it can.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { ApiError, type Handlers, type RECORD, type RecordingStatus, type RequestOut } from '../../shared/contract'
import type { BoardSnapshot } from '../../shared/board'
import { formatLineSettings } from '../../shared/line-settings'
import { HISTORY_TIME_ZONE } from '../../shared/history'
import type { DecodedTelegram } from '../../shared/types'
import { writeFileSafely } from '../capture/safe-file'
import { boardReading } from '../history/board-reading'
import { Recorder, type RecorderCaptureOptions } from '../history/recorder'
import { HistoryStore } from '../history/store'
import type { Clock } from '../line/clock'
import type { ByteSource } from '../line/source'
import type { Caller } from './caller'
import type { KeyService } from './keys'
import type { RecentFrames } from './recent-frames'
import type { SourceService } from './source-service'
import type { StatusPublisher } from './status'

/** File of the data folder that keeps the choice. */
export const RECORDING_FILE = 'recording.json'

/** What the user chose. */
export interface RecordingChoice {
  history: boolean
  dailyCaptures: boolean
}

/** What the service works with (the session's parts). */
export interface RecordServiceOptions {
  version: string
  clock: Clock
  /** `<data dir>/recording.json`: the choice across restarts. */
  settingsPath: string
  /** The history database (shared with the history service: one DuckDB instance per file). */
  historyPath: string
  /** Daily capture files go here (the capture folder). */
  captureDir: string
  keys: KeyService
  source: SourceService
  frames: RecentFrames
  /** Emits a board's MQTT data as 'boardSnapshot' (board-service.ts). */
  boards: { on(event: 'boardSnapshot', listener: (s: BoardSnapshot) => void): unknown }
  status: StatusPublisher
  /** A longer gap between two readings of a meter is an outage, ms (default 35 000). */
  gapMs?: number
  /** Readings wait at most this long in the journal before a commit, ms (default 60 000). */
  commitMs?: number
}

type Req = RequestOut<(typeof RECORD.methods)['setRecording']>

/** The choice kept in `path`; off when missing or damaged. */
export function readRecordingChoice(path: string): RecordingChoice {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<RecordingChoice>
    return { history: o.history === true, dailyCaptures: o.history === true && o.dailyCaptures === true }
  } catch {
    return { history: false, dailyCaptures: false }
  }
}

/** A recorder's or the store's problem in plain words (disk full said as such, never a stack). */
export function recordingProblem(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  const text = `${err?.code ?? ''} ${err?.message ?? String(e)}`
  if (/ENOSPC|No space left|disk is full/i.test(text))
    return /disk is full/i.test(err.message)
      ? err.message
      : 'The disk is full: recording cannot write the history. Free some space; recording goes on by itself then.'
  if (/lock/i.test(text))
    return 'The history is in use by another P1 Studio (the app, serve or a history command): recording needs it to itself. Stop the other one and switch recording on again.'
  return (err?.message ?? String(e)).split('\n')[0]
}

const LIVE_KINDS = new Set(['serial', 'tcp'])

/** Recording of live sources: the `record` namespace. */
export class RecordService implements Handlers<typeof RECORD, Caller> {
  private choice: RecordingChoice = { history: false, dailyCaptures: false }
  private recorder: Recorder | null = null
  private store: HistoryStore | null = null
  private since: number | null = null
  private telegrams = 0
  private outages = 0
  private error: string | null = null
  /** The byte source whose chunks go to the daily captures, and its listener. */
  private tapped: { src: ByteSource; fn: (chunk: Buffer, at: number) => void } | null = null
  /** One switch at a time. */
  private switching: Promise<unknown> = Promise.resolve()

  constructor(private readonly o: RecordServiceOptions) {
    o.source.on('telegram', (t) => this.onTelegram(t))
    o.frames.on('frame', (f) => {
      if (!f.ok && this.recorder && this.live()) this.recorder.failure(f)
    })
    o.boards.on('boardSnapshot', (s) => this.onSnapshot(s))
    // a source was opened or closed: its bytes go to the daily captures (the status is sent
    // right after the switch, before the new source's first chunk)
    o.status.on('status', () => this.tap())
  }

  /** What recording does now (the status's `recording`). */
  status(): RecordingStatus {
    const on = this.recorder !== null
    return {
      history: on,
      dailyCaptures: on && this.choice.dailyCaptures,
      since: on ? this.since : null,
      telegrams: this.telegrams,
      outages: this.outages,
      error: this.error
    }
  }

  /**
   * Take up the choice remembered in the data folder (at start). Never throws: a history that
   * cannot be opened is the status's error.
   */
  async resume(): Promise<RecordingStatus> {
    const choice = readRecordingChoice(this.o.settingsPath)
    if (!choice.history) return this.status()
    await this.apply(choice).catch(() => undefined)
    return this.status()
  }

  /**
   * Switch recording on or off, remembered in the data folder.
   * @throws Error in plain words when the history cannot be opened or the choice not saved (disk full…).
   */
  async setRecording(req: Req): Promise<RecordingStatus> {
    const choice: RecordingChoice = { history: req.history, dailyCaptures: req.history && req.dailyCaptures === true }
    await this.apply(choice)
    try {
      writeFileSafely(this.o.settingsPath, JSON.stringify(choice) + '\n', { force: true, what: 'the recording setting' })
    } catch (e) {
      throw new ApiError(/disk is full/i.test((e as Error).message) ? 'disk_full' : 'failed', (e as Error).message)
    }
    return this.status()
  }

  /** Commit now what the recorder holds (before reading the history: tests, the nightly report). Never throws. */
  async flush(): Promise<void> {
    await this.switching.catch(() => undefined)
    await this.recorder?.flush().catch(() => undefined)
  }

  /** Close the recorder (app exit): what is pending is committed, the run marked as ended. */
  async dispose(): Promise<void> {
    await this.switching.catch(() => undefined)
    this.untap()
    await this.stop()
  }

  private apply(choice: RecordingChoice): Promise<void> {
    const run = this.switching.catch(() => undefined).then(() => this.applyNow(choice))
    this.switching = run
    return run
  }

  private async applyNow(choice: RecordingChoice): Promise<void> {
    this.choice = choice
    if (!choice.history) {
      await this.stop()
      this.error = null
      this.o.status.changed(true)
      return
    }
    if (this.recorder) {
      this.recorder.setCapture(this.captureOptions())
      this.o.status.changed(true)
      return
    }
    try {
      this.store = await HistoryStore.open(this.o.historyPath)
      const rec = await Recorder.open({
        store: this.store,
        clock: this.o.clock,
        gapMs: this.o.gapMs,
        commitMs: this.o.commitMs,
        zone: this.zone(),
        capture: this.captureOptions() ?? undefined,
        recover: { key: this.o.keys.key, authKey: this.o.keys.authKey },
        admit: (t) => this.o.keys.admitToHistory(t.warnings, t.dlms?.systemTitle ?? null)
      })
      rec.on('outage', () => {
        this.outages++
        this.o.status.changed(false)
      })
      rec.on('error', (e) => {
        this.error = recordingProblem(e)
        this.o.status.changed(true)
      })
      rec.on('recorded', () => {
        // a commit went through: a past write problem is over
        if (this.error && /history|disk/i.test(this.error)) this.error = null
      })
      this.recorder = rec
      this.since = this.o.clock.now()
      this.telegrams = 0
      this.outages = 0
      this.error = null
      this.tap()
    } catch (e) {
      this.store?.close()
      this.store = null
      this.error = recordingProblem(e)
      this.o.status.changed(true)
      throw new ApiError(/disk is full/i.test(this.error) ? 'disk_full' : 'failed', this.error)
    }
    this.o.status.changed(true)
  }

  private async stop(): Promise<void> {
    const rec = this.recorder
    this.recorder = null
    this.since = null
    if (rec) await rec.close().catch((e) => (this.error = recordingProblem(e)))
    this.store?.close()
    this.store = null
  }

  /** The open source is a meter's line (serial port, TCP). */
  private live(): boolean {
    return LIVE_KINDS.has(this.o.source.state().kind)
  }

  /** The meter's zone of the open source (default Europe/Luxembourg). */
  private zone(): string {
    const st = this.o.source.state()
    return ('zone' in st && st.zone) || HISTORY_TIME_ZONE
  }

  /** Daily capture options for the open live source, null when not capturing. */
  private captureOptions(): RecorderCaptureOptions | null {
    if (!this.choice.dailyCaptures) return null
    const st = this.o.source.state()
    const label = st.kind === 'serial' ? st.path : st.kind === 'tcp' ? st.label : 'no source'
    return {
      dir: this.o.captureDir,
      // one name per source: p1studio-ttyUSB0-2026-03-12.p1cap
      name: `p1studio-${
        basename(label)
          .replace(/[^A-Za-z0-9._-]+/g, '_')
          .slice(0, 60) || 'source'
      }`,
      source: label,
      lineSettings: st.kind === 'serial' ? formatLineSettings(st.settings) : null,
      appVersion: this.o.version
    }
  }

  /** Follow the open source: its bytes go to the daily captures while recording. */
  private tap(): void {
    const src = this.recorder && this.live() ? this.o.source.current : null
    if (src === (this.tapped?.src ?? null)) return
    this.untap()
    if (!src || !this.recorder) return
    this.recorder.setCapture(this.captureOptions())
    this.recorder.zone = this.zone()
    const fn = (chunk: Buffer, at: number): void => this.recorder?.bytes(chunk, at)
    src.on('data', fn)
    this.tapped = { src, fn }
  }

  private untap(): void {
    if (this.tapped) this.tapped.src.off('data', this.tapped.fn)
    this.tapped = null
  }

  private onTelegram(t: DecodedTelegram): void {
    // every telegram opened through the authentication-key fallback asks the key service, so
    // that its meter waits for confirmation (status.key.authPending) whether recording or not
    this.o.keys.admitToHistory(t.warnings, t.dlms?.systemTitle ?? null)
    const rec = this.recorder
    if (!rec || !this.live()) return
    rec.zone = this.zone()
    if (rec.telegram(t)) this.telegrams++
  }

  private onSnapshot(s: BoardSnapshot): void {
    const rec = this.recorder
    if (!rec) return
    const r = boardReading(s, this.zone())
    if (!r) return
    rec.reading(r.meterId, null, r.reading)
    this.telegrams++
    this.o.status.changed(false)
  }
}
