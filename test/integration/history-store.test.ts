/**
 * The history store (DuckDB) on captures from the virtual meter: import twice adds nothing,
 * overlapping captures merge, a missing hour stays a gap in the chart series, and the
 * daily figures from the store equal `p1studio stats --json` on the same files.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../src/main/history/store'
import { importIntoHistory } from '../../src/main/history/import'
import { CaptureWriter } from '../../src/main/capture/writer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { dailyStats, localMidnight, readingOf, type Reading } from '../../src/shared/history'

const ROOT = resolve(__dirname, '../..')
const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const dir = mkdtempSync(join(tmpdir(), 'p1s-hist-'))
const T0 = Date.parse('2026-03-28T18:00:00+01:00')
const MISSING: [number, number] = [Date.parse('2026-03-29T10:00:00+02:00'), Date.parse('2026-03-29T11:00:00+02:00')]

/** Frames every 10 s from T0 for `hours`, skipping the missing hour; two files overlapping by 6 h. */
function captures(): { a: string; b: string } {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 5, pvPeakKW: 5 }), write: () => undefined })
  const a = new CaptureWriter({ path: join(dir, 'a.p1cap'), source: 't', appVersion: 't' })
  const b = new CaptureWriter({ path: join(dir, 'b.p1cap'), source: 't', appVersion: 't' })
  const hours = 30
  for (let t = T0; t < T0 + hours * 3600_000; t += 10_000) {
    const f = meter.nextFrame(new Date(t))!
    if (t >= MISSING[0] && t < MISSING[1]) continue
    if (t < T0 + 18 * 3600_000) a.write(f, t)
    if (t >= T0 + 12 * 3600_000) b.write(f, t)
  }
  a.close()
  b.close()
  return { a: join(dir, 'a.p1cap'), b: join(dir, 'b.p1cap') }
}

const files = captures()
let store: HistoryStore
afterAll(() => store?.close())

describe('history store', () => {
  it('imports once, dedupes a second import, merges an overlapping capture', async () => {
    store = await HistoryStore.open(join(dir, 'history.duckdb'))
    const progress: number[] = []
    const r1 = await importIntoHistory(store, files.a, { key: KEY, onProgress: (f) => progress.push(f) })
    expect(r1.failed).toBe(0)
    expect(r1.meters).toEqual([{ meterId: 'SAG1030700089067', added: 17 * 360 }]) // 18 h minus the missing hour
    expect(progress[progress.length - 1]).toBe(1)
    const again = await importIntoHistory(store, files.a, { key: KEY })
    expect(again.meters).toEqual([{ meterId: 'SAG1030700089067', added: 0 }])
    const r2 = await importIntoHistory(store, files.b, { key: KEY })
    expect(r2.meters[0].added).toBe(12 * 360) // b: 18 h minus the missing hour, 5 of them already in
    const [m] = await store.meters()
    expect(m).toMatchObject({ meterId: 'SAG1030700089067', systemTitle: '5341476770015BEB', readings: 29 * 360, first: T0 })
  })

  it('a wrong key imports nothing and says why', async () => {
    const r = await importIntoHistory(store, files.a, { key: '00000000000000000000000000000000' })
    expect(r.telegrams).toBe(0)
    expect(r.failures.gcm_tag_mismatch).toBe(17 * 360)
  })

  it('chart series: raw 10 s points when zoomed in, min/max buckets for the whole range, the missing hour a gap', async () => {
    const near = await store.series('SAG1030700089067', ['import_kw', 'export_kw'], MISSING[0] - 600_000, MISSING[0], 1500)
    expect(near.bucketMs).toBe(10_000)
    expect(near.points).toHaveLength(60)
    const all = await store.series('SAG1030700089067', ['import_kw', 'export_kw'], T0, T0 + 30 * 3600_000, 500)
    expect(all.points.length).toBeLessThanOrEqual(520)
    expect(all.bucketMs).toBeGreaterThan(10_000)
    const gaps = all.points.filter((p) => p.min.every((v) => v === null))
    expect(gaps.length).toBe(1)
    expect(gaps[0].t).toBeGreaterThanOrEqual(MISSING[0])
    expect(gaps[0].t).toBeLessThan(MISSING[1])
    for (const p of all.points) if (p.min[0] !== null) expect(p.max[0]!).toBeGreaterThanOrEqual(p.min[0])
  })

  it("the recorder's small batches leave no rows behind in DuckDB's memory (issue 17: the soak's RSS growth)", async () => {
    // the recorder commits a minute of readings at a time (6 at 10 s, 60 in the 10× soak); each
    // add() stages them in a temporary table. DuckDB keeps a temporary table's deleted rows in
    // memory (nothing checkpoints it), so a staging table emptied with DELETE held every row ever
    // staged: 3,000 here, ~1 MB of RSS per 1,000 rows in the soak benchmark
    const own = await HistoryStore.open(join(dir, 'batches.duckdb'))
    try {
      // 50 minutes of published-format frames from the virtual meter, decoded as the recorder gets them
      const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 5, pvPeakKW: 5 }), write: () => undefined })
      const decoder = new P1Decoder({ key: KEY })
      const readings: Reading[] = []
      const take = (evs: ReturnType<P1Decoder['push']>): void => {
        for (const ev of evs) if (ev.type === 'telegram') readings.push(readingOf(ev.telegram.telegram, ev.telegram.receivedAt, ev.telegram.dlms!.frameCounter))
      }
      for (let i = 0; i < 3000; i++) take(decoder.push(meter.nextFrame(new Date(T0 + i * 10_000))!, T0 + i * 10_000 + 400))
      take(decoder.end(T0 + 3000 * 10_000))
      expect(readings).toHaveLength(3000)
      let added = 0
      for (let i = 0; i < readings.length; i += 60) added += await own.add('SAG1030700089067', '5341476770015BEB', readings.slice(i, i + 60))
      expect(added).toBe(3000)
      const tables = (await own.connection.runAndReadAll(`SELECT table_name, estimated_size, temporary FROM duckdb_tables()`)).getRowObjectsJS()
      expect(tables.filter((t) => t.temporary).map((t) => [t.table_name, Number(t.estimated_size)])).toEqual([])
      expect(tables.find((t) => t.table_name === 'readings')?.estimated_size).toBe(3000n)
      // the same rows again add nothing (the staging table is made anew per call, the dedupe unchanged)
      expect(await own.add('SAG1030700089067', null, readings.slice(0, 120))).toBe(0)
    } finally {
      own.close()
    }
  })

  it('daily figures from the store equal `p1studio stats --json` on the capture files', async () => {
    const rows = await store.counters('SAG1030700089067', 0, Number.MAX_SAFE_INTEGER)
    const fromStore = dailyStats(rows, 3, 0.2)
    const out = spawnSync(
      process.execPath,
      [resolve(ROOT, 'bin/p1studio.mjs'), 'stats', files.a, files.b, '--key', KEY, '--class', '3', '--price', '0.2', '--json'],
      { encoding: 'utf8' }
    )
    expect(out.status, out.stderr).toBe(0)
    const cli = JSON.parse(out.stdout) as { days: unknown[] }
    expect(cli.days, JSON.stringify({ cli: cli.days, fromStore })).toEqual(fromStore)
    expect(fromStore.map((d) => d.date)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30'])
    // the DST day: a full 23-hour day of readings (bar the missing hour), energy positive
    const dst = fromStore[1]
    expect(dst.importKWh!).toBeGreaterThan(0)
    expect(localMidnight('2026-03-30') - localMidnight('2026-03-29')).toBe(23 * 3600_000)
  })
})
