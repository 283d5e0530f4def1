/**
 * Recording that resumes: a recording process (test/helpers/recorder-child.ts: TCP source →
 * decoder → Recorder with daily captures) is killed with -9 in the middle of the stream,
 * started again, stopped cleanly, started again, while a meter (the virtual one, frames 10 s
 * apart in meter time, sent over a real TCP socket as a ser2net would) goes on. The history
 * ends with no duplicate and no hole that was not a real outage: every telegram that reached
 * a capture file is in the history, every gap is a recorded outage with its reason (killed,
 * stopped, silent line, undecodable frames), and a restart that missed nothing leaves no gap.
 * Waits are on the child's output, never on a duration.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readCaptureBatches } from '../../src/main/capture/reader'
import { Recorder, outagesOf, recorderRuns } from '../../src/main/history/recorder'
import { HistoryStore } from '../../src/main/history/store'
import { ManualClock } from '../../src/main/line/clock'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { P1Decoder } from '../../src/main/p1/pipeline'

const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const METER = 'SAG1030700089067'
const T0 = Date.parse('2026-03-28T12:00:00Z')
const tAt = (fc: number): number => T0 + (fc - 1) * 10_000 // meter time of frame counter fc
const dir = mkdtempSync(join(tmpdir(), 'p1s-rec-'))
const db = join(dir, 'history.duckdb')
const captures = join(dir, 'captures')

/** The "dongle": a TCP server handing frames to whoever is connected. */
class Dongle {
  private server: Server
  socket: Socket | null = null
  private onConnect: (() => void)[] = []
  constructor() {
    this.server = createServer((s) => {
      s.on('error', () => undefined)
      s.setNoDelay(true)
      this.socket = s
      s.on('close', () => {
        if (this.socket === s) this.socket = null
      })
      for (const f of this.onConnect.splice(0)) f()
    })
  }
  /** Resolves at the next accepted connection. */
  nextClient(): Promise<void> {
    return new Promise((r) => this.onConnect.push(r))
  }
  listen(): Promise<number> {
    return new Promise((r) => this.server.listen(0, '127.0.0.1', () => r((this.server.address() as { port: number }).port)))
  }
  send(frame: Buffer): Promise<void> {
    const s = this.socket
    if (!s) throw new Error('no client')
    return new Promise((r, j) => s.write(frame, (e) => (e ? j(e) : r())))
  }
  close(): Promise<void> {
    this.socket?.destroy()
    return new Promise((r) => this.server.close(() => r()))
  }
}

/** The recording process, with waits on its output lines. */
class Child {
  readonly proc: ChildProcess
  private lines: string[] = []
  private waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = []
  private err = ''
  readonly exited: Promise<number | null>
  constructor(port: number) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '../helpers/recorder-child.ts'), db, `tcp://127.0.0.1:${port}`, KEY, captures], {
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let buf = ''
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        this.lines.push(line)
        for (const w of this.waiters.splice(0)) {
          if (w.pred(line)) w.resolve(line)
          else this.waiters.push(w)
        }
      }
    })
    this.proc.stderr!.on('data', (d: Buffer) => (this.err += d.toString()))
    this.exited = new Promise((r) => this.proc.on('exit', (code) => r(code)))
  }
  until(pred: (l: string) => boolean): Promise<string> {
    const found = this.lines.find(pred)
    if (found) return Promise.resolve(found)
    return Promise.race([
      new Promise<string>((r) => this.waiters.push({ pred, resolve: r })),
      this.exited.then((code) => Promise.reject(new Error(`recorder exited (${code}): ${this.err}`)))
    ])
  }
  /** The reading at meter time `t` is safe (journaled: it survives kill -9). */
  journaled(t: number): Promise<string> {
    return this.until((l) => l.startsWith('journaled ') && Number(l.slice(10)) >= t)
  }
}

const children: Child[] = []
afterAll(() => {
  for (const c of children) c.proc.kill('SIGKILL')
})

describe('Recorder: resume after kill -9 and restarts', () => {
  it('leaves no duplicate and no fake hole; outages are recorded with their reason', async () => {
    const dongle = new Dongle()
    const port = await dongle.listen()
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 21, pvPeakKW: 5, mbusGas: true }), write: () => undefined })
    const frame = (fc: number): Buffer => {
      expect(meter.nextFrameCounter).toBe(fc)
      return meter.nextFrame(new Date(tAt(fc)))!
    }
    const start = async (): Promise<Child> => {
      const accepted = dongle.nextClient()
      const c = new Child(port)
      children.push(c)
      await Promise.all([c.until((l) => l === 'connected'), accepted])
      return c
    }
    /** Send frames a..b, each once the previous is safe. */
    const stream = async (c: Child, a: number, b: number): Promise<void> => {
      for (let fc = a; fc <= b; fc++) {
        await dongle.send(frame(fc))
        await c.journaled(tAt(fc))
      }
    }
    const lost = (a: number, b: number): void => {
      for (let fc = a; fc <= b; fc++) frame(fc) // the meter sends, nobody listens
    }

    // run 1: frames 1–20 recorded, frame 21 on its way when the process is killed
    const c1 = await start()
    expect(await c1.until((l) => l.startsWith('recovered'))).toBe('recovered 0 0')
    await stream(c1, 1, 20)
    await dongle.send(frame(21))
    c1.proc.kill('SIGKILL')
    expect(await c1.exited).toBeNull()
    lost(22, 25) // P1 Studio is down: a real outage

    // run 2: resumes (frame 21 back from the capture if it got there), then a silent line and damaged frames
    const c2 = await start()
    const [, fromJournal, fromCapture] = (await c2.until((l) => l.startsWith('recovered'))).split(' ').map(Number)
    await stream(c2, 26, 45)
    lost(46, 50) // the line is silent while P1 Studio runs
    await stream(c2, 51, 51)
    for (let fc = 52; fc <= 56; fc++) {
      const f = frame(fc)
      f[40] ^= 0xff // damaged in the ciphertext: the GCM tag fails
      await dongle.send(f)
    }
    await stream(c2, 57, 57)
    c2.proc.kill('SIGTERM')
    await c2.until((l) => l === 'closed')
    expect(await c2.exited).toBe(0)
    lost(58, 61) // stopped on purpose for a while

    // run 3: a clean restart
    const c3 = await start()
    await stream(c3, 62, 64)
    c3.proc.kill('SIGTERM')
    await c3.until((l) => l === 'closed')
    await c3.exited
    // run 4: restarted at once, nothing missed: no outage
    const c4 = await start()
    await stream(c4, 65, 66)
    c4.proc.kill('SIGTERM')
    await c4.exited
    await dongle.close()

    // what reached the captures (torn last record of run 1 included)
    const files = readdirSync(captures).sort()
    expect(files).toHaveLength(4) // one file per run, the same day: .p1cap, .2, .3, .4
    expect(files.filter((f) => /^p1studio-\d{4}-\d{2}-\d{2}(\.\d)?\.p1cap$/.test(f))).toHaveLength(4)
    const captured = new Set<number>()
    for (const f of files) {
      const d = new P1Decoder({ key: KEY, frameHex: false })
      for await (const batch of readCaptureBatches(join(captures, f)))
        for (const r of batch)
          if (r.type === 'data') for (const ev of d.push(r.bytes, r.time)) if (ev.type === 'telegram') captured.add(ev.telegram.dlms!.frameCounter)
    }

    const store = await HistoryStore.open(db)
    try {
      const rows = (await store.connection.runAndReadAll(`SELECT t, frame_counter FROM readings WHERE meter_id = '${METER}' ORDER BY t`)).getRowObjectsJS()
      const fcs = rows.map((r) => Number(r.frame_counter))
      const ts = rows.map((r) => Number(r.t))
      // no duplicate: each frame once, each meter time once
      expect(new Set(fcs).size).toBe(fcs.length)
      expect(new Set(ts).size).toBe(ts.length)
      // every telegram received (it is in a capture) is in the history, and nothing else
      expect(new Set(fcs)).toEqual(captured)
      const has21 = captured.has(21)
      const expected = [...range(1, 20), ...(has21 ? [21] : []), ...range(26, 45), 51, 57, ...range(62, 66)]
      expect(fcs).toEqual(expected)
      for (let i = 0; i < rows.length; i++) expect(ts[i]).toBe(tAt(fcs[i]))

      // every gap is an outage with its reason; nothing else is
      const outages = await outagesOf(store, METER)
      const last1 = has21 ? 21 : 20
      expect(outages).toEqual([
        { meterId: METER, start: tAt(last1), end: tAt(26), reason: 'recorder_interrupted', failedFrames: 0 },
        { meterId: METER, start: tAt(45), end: tAt(51), reason: 'no_telegrams', failedFrames: 0 },
        { meterId: METER, start: tAt(51), end: tAt(57), reason: 'undecodable_frames', failedFrames: 5 },
        { meterId: METER, start: tAt(57), end: tAt(62), reason: 'recorder_stopped', failedFrames: 0 }
      ])
      const gaps: [number, number][] = []
      for (let i = 1; i < ts.length; i++) if (ts[i] - ts[i - 1] > 10_000) gaps.push([ts[i - 1], ts[i]])
      expect(gaps).toEqual(outages.map((o) => [o.start, o.end]))

      const runs = await recorderRuns(store)
      expect(runs.map((r) => r.ended === null)).toEqual([true, false, false, false]) // run 1 was killed
      // run 1's frames: committed by run 1 (a batch a minute), or by run 2 from the journal, or from the capture
      expect(runs[0].readings + fromJournal + fromCapture).toBe(has21 ? 21 : 20)
      expect(fromJournal).toBeGreaterThanOrEqual(has21 ? 1 : 0) // the batch had not come yet: the journal kept them
      expect(runs.slice(1).map((r) => r.readings)).toEqual([22, 3, 2])
    } finally {
      store.close()
    }
  }, 240_000) // four process starts (tsx) on a loaded machine; no verdict depends on the time
})

describe('Recorder: read-back of the journal and the newest capture', () => {
  it('commits what a crashed run journaled or captured but did not commit, then goes on without a gap', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'p1s-rec2-'))
    const store = await HistoryStore.open(join(d2, 'h.duckdb'))
    const capture = { dir: join(d2, 'cap'), source: 'test', appVersion: 'test' }
    const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const decoder = new P1Decoder({ key: KEY })
    const r1 = await Recorder.open({ store, capture, recover: { key: KEY }, clock: new ManualClock(T0) }) // its batch never comes
    for (let fc = 1; fc <= 10; fc++) {
      const f = meter.nextFrame(new Date(tAt(fc)))!
      r1.bytes(f, tAt(fc) + 50)
      // the process dies after capturing frames 6–10 and before committing them
      for (const ev of decoder.push(f, tAt(fc) + 50)) if (ev.type === 'telegram' && fc <= 5) r1.telegram(ev.telegram)
    }
    expect(r1.recorded).toBe(0) // journaled, not committed yet
    // no close(): the run ends as a crash does
    const r2 = await Recorder.open({ store, capture, recover: { key: KEY } })
    expect(r2.recovery).toEqual({ journal: 5, file: join(capture.dir, r1.files[0].split('/').pop()!), added: 5 })
    const f11 = meter.nextFrame(new Date(tAt(11)))!
    r2.bytes(f11, tAt(11) + 50)
    for (const ev of decoder.push(f11, tAt(11) + 50)) if (ev.type === 'telegram') r2.telegram(ev.telegram)
    await r2.close()
    const rows = await store.counters(METER, 0, Number.MAX_SAFE_INTEGER)
    expect(rows.map((r) => r.t)).toEqual(range(1, 11).map(tAt))
    expect(await outagesOf(store, METER)).toEqual([])
    expect(r2.files[0]).toMatch(/p1studio-2026-03-28\.2\.p1cap$/) // the first file is never reopened
    store.close()
  })
})

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i)
}
