/**
 * `p1studio history import` and `history export` as users run them (node bin/p1studio.mjs),
 * on a capture of the virtual meter across the spring DST change (2026-03-29 is a 23-hour day
 * in Luxembourg). The Parquet file is read back with DuckDB's read_parquet (pyarrow from PyPI
 * is out of reach here): rows of exactly the meter-local day, timestamps as UTC-adjusted
 * timestamps, values equal to the store's; the CSV carries local times with their offset.
 * Files are 0600, appear whole (no temporary left), an existing file is kept without --force,
 * and a history held by a running P1 Studio is said in plain words.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, it } from 'vitest'
import { CaptureWriter } from '../../src/main/capture/writer'
import { exportHistory, localDayStart, parseRangeBound } from '../../src/main/history/export'
import { HistoryStore } from '../../src/main/history/store'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { localMidnight } from '../../src/shared/history'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/p1studio.mjs')
const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const METER = 'SAG1030700089067'
const dir = mkdtempSync(join(tmpdir(), 'p1s-hexport-'))
const db = join(dir, 'history.duckdb')
const START = Date.parse('2026-03-28T22:00:00Z')
const END = Date.parse('2026-03-29T23:00:00Z')
const DAY0 = Date.parse('2026-03-28T23:00:00Z') // 2026-03-29 00:00 CET
const DAY1 = Date.parse('2026-03-29T22:00:00Z') // 2026-03-30 00:00 CEST

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, P1STUDIO_DATA_DIR: dir } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const inst = await DuckDBInstance.create(':memory:')
  const con = await inst.connect()
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJS() as T[]
  } finally {
    con.closeSync()
    inst.closeSync()
  }
}

beforeAll(() => {
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 11, pvPeakKW: 5, mbusGas: true }), write: () => undefined })
  const w = new CaptureWriter({ path: join(dir, 'day.p1cap'), source: 'virtual meter', appVersion: 'test' })
  for (let t = START; t < END; t += 10_000) w.write(meter.nextFrame(new Date(t))!, t + 35)
  w.close()
  writeFileSync(join(dir, 'notes.txt'), 'not a capture')
})

// each CLI run starts node (and tsx when the bundle is stale): seconds under load, never a verdict
describe('p1studio history import / export', { timeout: 240_000 }, () => {
  it('imports a capture once (again: nothing new), and lists the meter', () => {
    const r = cli(['history', 'import', join(dir, 'day.p1cap'), '--key', KEY, '--history', db])
    expect(r.stderr).toContain(`9000 telegrams, 9000 new readings of ${METER}`)
    expect(r.status).toBe(0)
    const again = cli(['history', 'import', join(dir, 'day.p1cap'), '--key', KEY, '--history', db])
    expect(again.stderr).toContain(`0 new readings of ${METER}`)
    const wrong = cli(['history', 'import', join(dir, 'day.p1cap'), '--key', 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', '--history', db])
    expect(wrong.status).toBe(1)
    expect(wrong.stderr).toContain('The P1 key does not open these frames.')
    const m = cli(['history', 'meters', '--json', '--history', db])
    expect(JSON.parse(m.stdout)).toEqual([{ meterId: METER, systemTitle: '5341476770015BEB', zone: null, readings: 9000, first: START, last: END - 10_000 }])
  })

  it('exports one meter-local day (23 h on the DST day) to Parquet, read back by DuckDB', async () => {
    const out = join(dir, 'day.parquet')
    const r = cli([
      'history',
      'export',
      '--format',
      'parquet',
      '--meter',
      METER,
      '--from',
      '2026-03-29',
      '--to',
      '2026-03-29',
      '--out',
      out,
      '--history',
      db,
      '--json'
    ])
    expect(r.stderr).toMatch(/exported 8280 readings of SAG1030700089067 to .*day\.parquet \(parquet, \d+ kB\)/)
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ path: out, format: 'parquet', rows: 23 * 360, meters: [METER] })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]) // no temporary left
    const [agg] = await query<{ n: bigint; first: Date; last: Date; meters: bigint; imp: number; nulls: bigint }>(
      `SELECT count(*) AS n, min(meter_time) AS first, max(meter_time) AS last, count(DISTINCT meter_id) AS meters,
              sum(import_kwh) AS imp, count(*) FILTER (WHERE voltage_l1 IS NULL) AS nulls FROM read_parquet('${out}')`
    )
    expect(Number(agg.n)).toBe(8280)
    expect(agg.first.getTime()).toBe(DAY0)
    expect(agg.last.getTime()).toBe(DAY1 - 10_000)
    expect(Number(agg.meters)).toBe(1)
    expect(Number(agg.nulls)).toBe(0)
    const schema = await query<{ name: string; type: string | null; logical_type: string | null }>(
      `SELECT name, type, logical_type FROM parquet_schema('${out}')`
    )
    const col = (n: string): { type: string | null; logical_type: string | null } | undefined => schema.find((c) => c.name === n)
    expect(col('meter_time')?.logical_type).toMatch(/TimestampType\(isAdjustedToUTC=1/)
    expect(col('received_time')?.logical_type).toMatch(/TimestampType\(isAdjustedToUTC=1/)
    expect(col('import_kwh')?.type).toBe('DOUBLE')
    expect(col('meter_id')?.type).toBe('BYTE_ARRAY')
    expect(schema.map((c) => c.name)).toContain('voltage_l3')
    // the same numbers as the store
    const store = await HistoryStore.open(db)
    try {
      const rows = await store.counters(METER, DAY0, DAY1)
      expect(rows.length).toBe(8280)
      expect(agg.imp).toBeCloseTo(
        rows.reduce((s, x) => s + (x.importKWh ?? 0), 0),
        6
      )
    } finally {
      store.close()
    }
    const [firstRow] = await query<{ received_time: Date; frame_counter: bigint }>(
      `SELECT received_time, frame_counter FROM read_parquet('${out}') ORDER BY meter_time LIMIT 1`
    )
    expect(firstRow.received_time.getTime()).toBe(DAY0 + 35)
    expect(Number(firstRow.frame_counter)).toBe((DAY0 - START) / 10_000 + 1)
  })

  it('exports CSV with meter-local times and their offsets', async () => {
    const out = join(dir, 'day.csv')
    const r = cli([
      'history',
      'export',
      '--format',
      'csv',
      '--from',
      '2026-03-29T01:59:50+01:00',
      '--to',
      '2026-03-29T03:00:10+02:00',
      '--out',
      out,
      '--history',
      db
    ])
    expect(r.status).toBe(0)
    const rows = await query<{ meter_id: string; meter_time: string; received_time: string; import_kwh: number }>(
      `SELECT * FROM read_csv('${out}', header = true, all_varchar = true)`
    )
    // 01:59:50 CET, then 03:00:00 CEST: the hour that does not exist is not invented
    expect(rows.map((x) => x.meter_time)).toEqual(['2026-03-29T01:59:50+01:00', '2026-03-29T03:00:00+02:00'])
    expect(rows[0].received_time).toBe('2026-03-29T01:59:50+01:00')
    expect(rows[0].meter_id).toBe(METER)
    expect(Number(rows[0].import_kwh)).toBeGreaterThan(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
  })

  it('keeps an existing file unless --force, and says what is wrong in plain words', () => {
    const out = join(dir, 'keep.csv')
    writeFileSync(out, 'mine')
    const r = cli(['history', 'export', '--format', 'csv', '--out', out, '--history', db])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`p1studio: ${out} already exists: choose another name, or replace it (--force).\n`)
    const f = cli(['history', 'export', '--format', 'csv', '--out', out, '--history', db, '--force'])
    expect(f.status).toBe(0)
    expect(statSync(out).size).toBeGreaterThan(100_000)
    expect(cli(['history', 'export', '--format', 'csv', '--meter', 'SAG0000', '--out', join(dir, 'x.csv'), '--history', db]).stderr).toBe(
      `p1studio: No history for meter SAG0000. Meters in the history: ${METER}.\n`
    )
    expect(cli(['history', 'export', '--format', 'csv', '--from', '2027-01-01', '--out', join(dir, 'x.csv'), '--history', db]).stderr).toBe(
      'p1studio: No reading in that range: nothing to export.\n'
    )
    expect(cli(['history', 'export', '--format', 'xlsx', '--out', 'x', '--history', db])).toMatchObject({
      status: 2,
      stderr: 'p1studio: --format must be parquet or csv (see: p1studio help)\n'
    })
    expect(cli(['history', 'export', '--format', 'csv', '--from', '29.03.2026', '--out', 'x', '--history', db]).stderr).toMatch(
      /--from: "29\.03\.2026" is neither a date/
    )
  })

  it('says so when a running P1 Studio holds the history', async () => {
    const store = await HistoryStore.open(db)
    try {
      const r = cli(['history', 'export', '--format', 'csv', '--out', join(dir, 'y.csv'), '--history', db])
      expect(r.status).toBe(1)
      expect(r.stderr).toBe(`p1studio: The history ${db} is in use by a running P1 Studio (the app or serve): stop it first, or use its History tab.\n`)
    } finally {
      store.close()
    }
  })
})

describe('meter-local dates', () => {
  it('start at local midnight, 23- and 25-hour days included', () => {
    expect(localDayStart('2026-03-29')).toBe(DAY0)
    expect(localDayStart('2026-03-29')).toBe(localMidnight('2026-03-29'))
    expect(parseRangeBound('2026-03-29', true)).toBe(DAY1)
    expect(parseRangeBound('2026-10-25', true) - parseRangeBound('2026-10-25', false)).toBe(25 * 3600_000)
    expect(localDayStart('2026-07-01', 'America/New_York')).toBe(Date.parse('2026-07-01T04:00:00Z'))
    expect(() => localDayStart('2026-02-30')).toThrow(RangeError)
  })

  it('the export module refuses an inverted range and an unknown zone', async () => {
    const store = await HistoryStore.open(':memory:')
    try {
      await expect(exportHistory(store, { format: 'csv', out: join(dir, 'z.csv'), from: 2, to: 1 })).rejects.toThrow('The range ends before it starts.')
      await expect(exportHistory(store, { format: 'csv', out: join(dir, 'z.csv'), timeZone: 'Mars/Olympus' })).rejects.toThrow('Unknown time zone')
    } finally {
      store.close()
    }
  })
})
