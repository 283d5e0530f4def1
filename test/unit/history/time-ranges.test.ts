/**
 * Times that are no dates never reach a user as "bigint out of int64 range" or "Invalid time
 * value": the contract range-checks them (src/shared/contract/history.ts), the history store skips
 * or clamps them (src/main/history/store.ts), and a capture whose record times are NaN or
 * ±1e300 (damaged or crafted, with right CRCs) imports, exports and reads.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src/main/history/store'
import { importIntoHistory } from '../../../src/main/history/import'
import { HISTORY, parseRequest } from '../../../src/shared/contract'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { captureInfo } from '../../../src/main/capture/reader'
import { exportFile } from '../../../src/main/capture/export'
import { importToCapture } from '../../../src/main/capture/import-capture'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'
import type { Reading } from '../../../src/shared/history'

const KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90' // test key, not a meter's
const parseSeriesRequest = (r: unknown) => parseRequest(HISTORY.methods.historySeries, r)
const parseMessagesRequest = (r: unknown) => parseRequest(HISTORY.methods.historyMessages, r)
const parseQuartersRequest = (r: unknown) => parseRequest(HISTORY.methods.historyQuarters, r)

const reading = (t: number, received = t): Reading => ({
  t,
  received,
  frameCounter: 7,
  importKWh: 1,
  exportKWh: 0,
  importKW: 0.5,
  exportKW: 0,
  importKWL: [0.5, 0, 0],
  exportKWL: [0, 0, 0],
  currentA: [1, 0, 0],
  voltageV: [230, 230, 230],
  powerFailures: 0,
  longPowerFailures: 0,
  sags: [0, 0, 0],
  swells: [0, 0, 0],
  message: null
})

describe('the contract range-checks times and dates', () => {
  it('series/messages: times within the date range, from before to; quarters: a calendar date', () => {
    const ok = { meterId: 'm', columns: ['import_kw'], from: 0, to: Date.UTC(2026, 0, 1) }
    expect(parseSeriesRequest(ok)).toMatchObject(ok)
    for (const [bad, msg] of [
      [{ ...ok, from: -1e300 }, /^Invalid series request: from: must be a time in ms since 1970/],
      [{ ...ok, to: 2 ** 64 }, /^Invalid series request: to: must be a time in ms since 1970/],
      [{ ...ok, to: Number.NaN }, /^Invalid series request: to: must be a time in ms since 1970/],
      [{ ...ok, from: 10, to: 5 }, /^Invalid series request: from: from must not be after to$/]
    ] as const) {
      expect(() => parseSeriesRequest(bad)).toThrow(msg)
    }
    expect(() => parseMessagesRequest({ meterId: 'm', from: 0, to: 1e300 })).toThrow(/^Invalid messages request: to: must be a time in ms/)
    expect(parseQuartersRequest({ meterId: 'm', date: '2026-03-29', classKW: 7 }).date).toBe('2026-03-29')
    for (const d of ['2026-02-30', '2026-13-01', '0000-00-00'])
      expect(() => parseQuartersRequest({ meterId: 'm', date: d, classKW: 7 }), d).toThrow(/^Invalid quarter-hours request: date: must be a date YYYY-MM-DD$/)
  })
})

describe('the history store never speaks BigInt', () => {
  it('readings whose time is no date are skipped; query bounds beyond the date range are clamped', async () => {
    const s = await HistoryStore.open(':memory:')
    try {
      const t = Date.UTC(2026, 0, 1)
      expect(await s.add('m', null, [reading(1e300), reading(Number.NaN), reading(2 ** 63), reading(t, Number.POSITIVE_INFINITY)])).toBe(1)
      const series = await s.series('m', ['import_kw'], -1e300, 1e300, 100)
      expect(series.points.map((p) => p.max[0])).toEqual([0.5])
      expect(await s.counters('m', -1e300, 2 ** 64)).toEqual([{ t, importKWh: 1, exportKWh: 0 }])
      expect(await s.messages('m', -1e300, 1e300)).toEqual([])
      await expect(s.series('m', ['import_kw'], 0, Number.NaN)).rejects.toThrow(/^The time range is not valid: from and to must be times in ms\.$/)
      expect((await s.meters())[0]).toMatchObject({ meterId: 'm', readings: 1, first: t })
    } finally {
      s.close()
    }
  })
})

describe('a capture whose record times are no dates', () => {
  it('exports, reads, imports into a capture and into the history without "Invalid time value"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p1s-times-'))
    const path = join(dir, 'odd.p1cap')
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const w = new CaptureWriter({ path, source: 'test', appVersion: 'test' })
    const times = [Number.NaN, 1e300, -1e300, Date.UTC(2026, 0, 1)]
    for (const [i, t] of times.entries()) w.write(m.nextFrame(new Date(Date.UTC(2026, 0, 1) + i * 10_000))!, t)
    w.close()
    const info = await captureInfo(path)
    expect(info.dataRecords).toBe(4)
    const chunks: Buffer[] = []
    const sink = new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) })
    const res = await exportFile(path, sink, { format: 'csv', key: KEY })
    expect(res.telegrams).toBe(4)
    const rows = Buffer.concat(chunks).toString('utf8').trim().split('\r\n').slice(1)
    // NaN: the decoder stamps the read when it arrives; ±1e300: no receive time
    const received = rows.map((r) => r.split(',')[1])
    expect(received[0]).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(received.slice(1)).toEqual(['', '', '2026-01-01T01:00:00.000+01:00'])
    const copy = await importToCapture(path, join(dir, 'copy.p1cap'), { appVersion: 'test' })
    expect(copy.records).toBe(4)
    expect(readFileSync(copy.path).length).toBeGreaterThan(0)
    const store = await HistoryStore.open(':memory:')
    try {
      const r = await importIntoHistory(store, path, { key: KEY })
      // the meter's clock dates the readings: all four are kept
      expect(r.telegrams).toBe(4)
      expect(r.meters[0].added).toBe(4)
    } finally {
      store.close()
    }
  })
})
