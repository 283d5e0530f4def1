/**
 * Capture files on real bytes (the published Luxembourg frame E1 and virtual-meter frames):
 * writer → reader round trip, torn and damaged records, bad files, importers, export.
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { CaptureWriter } from '../../../src/main/capture/writer'
import { CaptureFormatError, captureInfo, readCapture, type CaptureRecord, type ReadSummary } from '../../../src/main/capture/reader'
import { detectFormat, HexDumpReader, normaliseTelegramText, openInput, parseHexDump, parseHexDumpFile } from '../../../src/main/capture/importers'
import { exportFile } from '../../../src/main/capture/export'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'

const V = resolve(__dirname, '../../fixtures/vectors')
const E1 = Buffer.from(readFileSync(resolve(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const E1_KEY = 'D491470F47126332B07D1923B3504188'
const KEY = '00112233445566778899AABBCCDDEEF0'
const dir = (): string => mkdtempSync(join(tmpdir(), 'p1s-cap-'))

function meterFrames(n: number, t0 = Date.parse('2026-03-01T10:00:00Z')): { time: number; bytes: Buffer }[] {
  const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  return Array.from({ length: n }, (_, i) => ({ time: t0 + i * 10_000, bytes: m.nextFrame(new Date(t0 + i * 10_000))! }))
}

function writeCapture(path: string, chunks: { time: number; bytes: Buffer }[]): void {
  const w = new CaptureWriter({ path, source: 'test', lineSettings: '115200 8N1', appVersion: '1.2.3' })
  for (const c of chunks) w.write(c.bytes, c.time)
  w.close()
}

async function all(path: string, summary?: ReadSummary): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = []
  for await (const r of readCapture(path, summary)) out.push(r)
  return out
}

class Sink extends Writable {
  chunks: Buffer[] = []
  _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(c))
    cb()
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8')
  }
}

describe('capture writer and reader', () => {
  it('round trip: every byte with its time, header, system title, no key', async () => {
    const p = join(dir(), 'a.p1cap')
    const frames = meterFrames(5)
    // split like serial reads: 3 pieces per frame
    const chunks = frames.flatMap((f) =>
      [f.bytes.subarray(0, 100), f.bytes.subarray(100, 700), f.bytes.subarray(700)].map((b, k) => ({ time: f.time + k, bytes: b }))
    )
    writeCapture(p, chunks)
    const recs = await all(p)
    expect(recs[0]).toMatchObject({
      type: 'metadata',
      meta: { format: 'p1studio-capture', version: 1, source: 'test', lineSettings: '115200 8N1', appVersion: '1.2.3' }
    })
    expect(recs.find((r) => r.type === 'metadata' && r.meta.systemTitle)).toMatchObject({ meta: { systemTitle: '5341476770015BEB' } })
    const data = recs.filter((r) => r.type === 'data') as Extract<CaptureRecord, { type: 'data' }>[]
    expect(data.map((d) => d.time)).toEqual(chunks.map((c) => c.time))
    expect(Buffer.concat(data.map((d) => d.bytes)).equals(Buffer.concat(frames.map((f) => f.bytes)))).toBe(true)
    expect(readFileSync(p).toString('latin1').toUpperCase()).not.toContain(KEY)
    const info = await captureInfo(p)
    expect(info).toMatchObject({ dataRecords: 15, warning: null })
    expect(info.lastTime! - info.firstTime!).toBe(40_002)
  })

  it('a torn last record (cut while writing) costs only that record, with a warning', async () => {
    const p = join(dir(), 't.p1cap')
    const frames = meterFrames(4)
    writeCapture(p, frames)
    truncateSync(p, statSync(p).size - 300)
    const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
    const data = (await all(p, summary)).filter((r) => r.type === 'data') as Extract<CaptureRecord, { type: 'data' }>[]
    expect(data).toHaveLength(3)
    expect(summary.warning).toMatch(/last record \(byte offset \d+\) is incomplete/)
    const tels = decodeBuffer(Buffer.concat(data.map((d) => d.bytes)), { key: KEY }).filter((e) => e.type === 'telegram')
    expect(tels).toHaveLength(3)
    // a zero-filled tail (power cut after the file grew) is torn too
    appendFileSync(p, Buffer.alloc(5000))
    const s2: ReadSummary = { records: 0, tornAt: null, warning: null }
    expect((await all(p, s2)).filter((r) => r.type === 'data')).toHaveLength(3)
    expect(s2.warning).toMatch(/incomplete/)
  })

  it('salvage: a damaged record mid-capture is skipped with its byte range; everything before and after is read', async () => {
    const p = join(dir(), 'd.p1cap')
    const frames = meterFrames(6)
    writeCapture(p, frames)
    const whole = await all(p)
    const data = whole.filter((r) => r.type === 'data') as Extract<CaptureRecord, { type: 'data' }>[]
    const b = readFileSync(p)
    // one flipped byte in record 2; 40 bytes of junk written over the middle of record 5
    b[data[1].offset + 100] ^= 0xff
    b.fill(0x5a, data[4].offset + 300, data[4].offset + 340)
    writeFileSync(p, b)
    const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
    const got = (await all(p, summary)).filter((r) => r.type === 'data') as Extract<CaptureRecord, { type: 'data' }>[]
    const kept = [0, 2, 3, 5]
    expect(got.map((r) => r.offset)).toEqual(kept.map((k) => data[k].offset))
    expect(got.map((r) => r.time)).toEqual(kept.map((k) => frames[k].time))
    expect(got.every((r, i) => r.bytes.equals(frames[kept[i]].bytes))).toBe(true)
    expect(summary.damaged).toEqual([
      { offset: data[1].offset, length: data[2].offset - data[1].offset },
      { offset: data[4].offset, length: data[5].offset - data[4].offset }
    ])
    expect(summary.tornAt).toBeNull()
    expect(summary.warning).toMatch(
      /damaged at 2 places, bytes [\d,]+–[\d,]+, bytes [\d,]+–[\d,]+ \([\d,]+ bytes unreadable\): they were skipped; every record before and after them is intact/
    )
    // the frames of the records read decode; capture-info reports the damage
    const tels = decodeBuffer(Buffer.concat(got.map((r) => r.bytes)), { key: KEY }).filter((e) => e.type === 'telegram')
    expect(tels).toHaveLength(4)
    const info = await captureInfo(p)
    expect(info).toMatchObject({ dataRecords: 4, damaged: summary.damaged, warning: summary.warning })
    // strict reading still refuses it, naming the offset
    await expect(
      (async () => {
        for await (const _ of readCapture(p, undefined, 0, { salvage: false })) void _
      })()
    ).rejects.toThrow(new RegExp(`Damaged record at byte offset ${data[1].offset}`))
  })

  it('salvage: a damaged header loses only the header; junk inserted between records is skipped', async () => {
    const p = join(dir(), 'h.p1cap')
    const frames = meterFrames(3)
    writeCapture(p, frames)
    const b = readFileSync(p)
    b[8 + 20] ^= 0x01 // inside the header's JSON
    writeFileSync(p, b)
    const info = await captureInfo(p)
    expect(info.header.source).toBe('unknown: header damaged')
    expect(info.dataRecords).toBe(3)
    expect(info.metadata).toMatchObject({ systemTitle: '5341476770015BEB' })
    expect(info.damaged[0].offset).toBe(8)
    // bytes inserted between two records (a tool appended garbage, a bad copy)
    const q = join(dir(), 'i.p1cap')
    writeCapture(q, frames)
    const recs = (await all(q)).filter((r) => r.type === 'data')
    const c = readFileSync(q)
    const at = recs[1].offset
    writeFileSync(q, Buffer.concat([c.subarray(0, at), Buffer.from('\x02\xff\xff\x00\x00 junk that is no record', 'latin1'), c.subarray(at)]))
    const s: ReadSummary = { records: 0, tornAt: null, warning: null }
    const got = (await all(q, s)).filter((r) => r.type === 'data') as Extract<CaptureRecord, { type: 'data' }>[]
    expect(got.map((r) => r.bytes.length)).toEqual(frames.map((f) => f.bytes.length))
    expect(s.damaged).toEqual([{ offset: at, length: 28 }])
  })

  it('bad files: empty, random bytes, wrong header — clear errors', async () => {
    const d = dir()
    writeFileSync(join(d, 'empty'), '')
    await expect(all(join(d, 'empty'))).rejects.toThrow('The file is empty.')
    writeFileSync(join(d, 'rand'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff)))
    await expect(all(join(d, 'rand'))).rejects.toThrow(/wrong magic at byte offset 0/)
    writeFileSync(join(d, 'magiconly'), Buffer.from('P1SCAP\x00\x01', 'latin1'))
    await expect(all(join(d, 'magiconly'))).rejects.toThrow(/header missing/)
    await expect(all(join(d, 'nope'))).rejects.toThrow(/No file at/)
    await expect(openInput(join(d, 'empty'))).rejects.toBeInstanceOf(CaptureFormatError)
  })

  it('durationS is how long the capture has recorded, on its clock: 10 s with one frame, 32 s with frames at 4, 14 and 24 s; frozen once closed', async () => {
    const { ManualClock } = await import('../../../src/main/line/clock')
    const T = Date.parse('2026-03-01T10:00:00Z')
    const frames = meterFrames(3, T + 4000)
    const clock = new ManualClock(T)
    const w = new CaptureWriter({ path: join(dir(), 'd.p1cap'), source: 't', appVersion: '0', clock })
    expect(w.progress().durationS).toBe(0)
    clock.advance(4000)
    w.write(frames[0].bytes, clock.now())
    clock.advance(6000)
    expect(w.progress().durationS).toBe(10)
    for (const f of frames.slice(1)) {
      clock.advanceTo(f.time)
      w.write(f.bytes, clock.now())
    }
    clock.advanceTo(T + 32_000)
    expect(w.progress().durationS).toBe(32)
    expect(w.close().durationS).toBe(32)
    clock.advance(60_000)
    expect(w.progress().durationS).toBe(32)
  })

  it('refuses to overwrite, and says why a folder is unusable', () => {
    const d = dir()
    const p = join(d, 'x.p1cap')
    writeCapture(p, meterFrames(1))
    expect(() => new CaptureWriter({ path: p, source: 't', appVersion: '0' })).toThrow(/already exists/)
    expect(() => new CaptureWriter({ path: join(d, 'missing', 'x.p1cap'), source: 't', appVersion: '0' })).toThrow(/does not exist/)
  })

  it('splits per local day', async () => {
    const d = dir()
    const t = new Date(2026, 2, 29, 23, 59, 40).getTime()
    const w = new CaptureWriter({ path: join(d, 'day.p1cap'), source: 't', appVersion: '0', splitDaily: true })
    const fr = meterFrames(4, t)
    for (const f of fr) w.write(f.bytes, f.time)
    const p = w.close()
    expect(p.files.map((f) => f.slice(d.length + 1))).toEqual(['day-2026-03-29.p1cap', 'day-2026-03-30.p1cap'])
    expect((await captureInfo(p.files[0])).dataRecords).toBe(2)
    expect((await captureInfo(p.files[1])).dataRecords).toBe(2)
  })
})

describe('importers', () => {
  const xxd = (b: Buffer): string =>
    (b.toString('hex').match(/.{1,32}/g) ?? [])
      .map(
        (l, i) =>
          `${(i * 16).toString(16).padStart(8, '0')}: ${(l.match(/.{1,4}/g) ?? []).join(' ').padEnd(40)}  ${Buffer.from(l, 'hex')
            .toString('latin1')
            .replace(/[^\x20-\x7e]/g, '.')}`
      )
      .join('\n')
  const hexdumpC = (b: Buffer): string =>
    (b.toString('hex').match(/.{1,32}/g) ?? [])
      .map(
        (l, i) =>
          `${(i * 16).toString(16).padStart(8, '0')}  ${(l.match(/../g) ?? []).join(' ').padEnd(47)}  |${Buffer.from(l, 'hex')
            .toString('latin1')
            .replace(/[^\x20-\x7e]/g, '.')}|`
      )
      .join('\n')
  const od = (b: Buffer): string =>
    (b.toString('hex').match(/.{1,32}/g) ?? []).map((l, i) => `${(i * 16).toString(16).padStart(6, '0')} ${(l.match(/../g) ?? []).join(' ')}`).join('\n')

  it('hex dumps in xxd, hexdump -C, od and plain forms give the frame back', () => {
    for (const text of [xxd(E1), hexdumpC(E1), od(E1), E1.toString('hex').replace(/(..)/g, '$1 '), E1.toString('hex').toUpperCase()]) {
      expect(detectFormat(Buffer.from(text))).toBe('hex')
      const b = parseHexDump(text)
      expect(b.equals(E1)).toBe(true)
    }
  })

  it("the real tools' output (xxd, hexdump -C, od) imports, trailing length lines included", () => {
    const d = dir()
    writeFileSync(join(d, 'e1.bin'), E1)
    const tools: [string, string[]][] = [
      ['xxd', []],
      ['hexdump', ['-C']],
      ['od', ['-Ax', '-tx1']],
      ['od', ['-An', '-tx1']],
      ['xxd', ['-p']]
    ]
    let ran = 0
    for (const [cmd, args] of tools) {
      const r = spawnSync(cmd, [...args, join(d, 'e1.bin')], { encoding: 'latin1' })
      if (r.error || r.status !== 0) continue
      ran++
      expect(detectFormat(Buffer.from(r.stdout, 'latin1')), `${cmd} ${args.join(' ')}`).toBe('hex')
      expect(parseHexDump(r.stdout).equals(E1), `${cmd} ${args.join(' ')}`).toBe(true)
    }
    expect(ran).toBeGreaterThan(0)
  })

  it('a bad hex token is reported with its line', () => {
    const text = xxd(E1).split('\n')
    text[16] = text[16].replace(/^(\S+ )(\S+)/, '$1zz12')
    expect(() => parseHexDump(text.join('\n'))).toThrow(/^line 17: "zz12" is not hex\.$/)
  })

  it('hex dump files are streamed: the same bytes whatever the read size, across every line and token boundary', async () => {
    const d = dir()
    const frames = Buffer.concat([E1, meterFrames(1)[0].bytes])
    const layouts: [string, string][] = [
      ['xxd', xxd(frames)],
      ['hexdump -C', hexdumpC(frames) + `\n${frames.length.toString(16).padStart(8, '0')}\n`],
      ['od', od(frames)],
      ['pairs CRLF', (frames.toString('hex').match(/.{1,48}/g) ?? []).map((l) => l.replace(/(..)/g, '$1 ')).join('\r\n')],
      ['0x, commas', [...frames].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')],
      // one line of 64 kB and more (plain hex, streamed in pieces): one token, and pairs
      ['one long token', Buffer.concat(Array(20).fill(frames)).toString('hex')],
      ['one long line of pairs', Buffer.concat(Array(14).fill(frames)).toString('hex').replace(/(..)/g, '$1 ')]
    ]
    for (const [name, text] of layouts) {
      const want = name.startsWith('one long token')
        ? Buffer.concat(Array(20).fill(frames))
        : name.startsWith('one long line')
          ? Buffer.concat(Array(14).fill(frames))
          : frames
      const f = join(d, `${name.replace(/\W+/g, '_')}.hex`)
      writeFileSync(f, text)
      expect(parseHexDump(text).equals(want), name).toBe(true)
      expect(name.startsWith('one long') ? text.length > 65536 : true, name).toBe(true)
      // reads of every size from 1 byte: every boundary is crossed
      const raw = Buffer.from(text, 'latin1')
      for (const size of [1, 2, 3, 7, 64, 4093]) {
        const r = new HexDumpReader(raw.length >> 1)
        for (let i = 0; i < raw.length; i += size) r.push(raw.subarray(i, i + size))
        expect(r.end().equals(want), `${name}, reads of ${size}`).toBe(true)
      }
      // the file as streamed from disk
      for (const size of [4093, 1 << 20]) expect((await parseHexDumpFile(f, size)).equals(want), `${name}, file reads of ${size}`).toBe(true)
    }
    // errors name the same line whatever the reads
    const bad = xxd(E1).split('\n')
    bad[16] = bad[16].replace(/^(\S+ )(\S+)/, '$1zz12')
    writeFileSync(join(d, 'bad.hex'), bad.join('\n'))
    for (const size of [5, 100]) await expect(parseHexDumpFile(join(d, 'bad.hex'), size)).rejects.toThrow(/^line 17: "zz12" is not hex\.$/)
    writeFileSync(join(d, 'odd.hex'), 'ab'.repeat(40_000) + 'c')
    await expect(parseHexDumpFile(join(d, 'odd.hex'), 1000)).rejects.toThrow(/^line 1: "abababababababababab" has an odd number of hex digits\.$/)
    writeFileSync(join(d, '0x.hex'), 'db 0x 08')
    expect(() => parseHexDump('db 0x 08')).toThrow(/^line 1: "0x" is not hex\.$/)
    await expect(parseHexDumpFile(join(d, '0x.hex'), 3)).rejects.toThrow(/^line 1: "0x" is not hex\.$/)
  })

  it('telegram text with LF line ends imports with CR LF and a valid CRC', async () => {
    const d = dir()
    const crlf = readFileSync(resolve(V, 'lu_relip_simulator_telegram.txt'))
    const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')
    writeFileSync(join(d, 't.txt'), Buffer.concat([lf, lf]))
    const input = await openInput(join(d, 't.txt'))
    expect(input.format).toBe('text')
    const data: Buffer[] = []
    const times: number[] = []
    for await (const r of input.records()) {
      if (r.type !== 'data') continue
      data.push(r.bytes)
      times.push(r.time)
    }
    expect(times[1] - times[0]).toBe(10_000)
    const tels = decodeBuffer(Buffer.concat(data)).filter((e) => e.type === 'telegram')
    expect(tels).toHaveLength(2)
    // CR runs before LF collapse into one CR; lone CRs and a final CR stay
    expect(normaliseTelegramText(Buffer.from('a\nb\r\r\nc\rd\r')).toString('latin1')).toBe('a\r\nb\r\nc\rd\r')
  })

  it('raw binary dumps keep every byte, one record per frame', async () => {
    const d = dir()
    const bytes = Buffer.concat([Buffer.from('noise'), E1, E1, Buffer.from([1, 2, 3])])
    writeFileSync(join(d, 'dump.bin'), bytes)
    const input = await openInput(join(d, 'dump.bin'))
    expect(input.format).toBe('raw')
    const data: Buffer[] = []
    for await (const r of input.records()) if (r.type === 'data') data.push(r.bytes)
    expect(data).toHaveLength(2)
    expect(Buffer.concat(data).equals(bytes)).toBe(true)
  })
})

describe('export', () => {
  it('CSV: one row per telegram, OBIS columns with units, meter and receive time, frame counter', async () => {
    const p = join(dir(), 'e.p1cap')
    const fr = meterFrames(3)
    writeCapture(p, fr)
    const sink = new Sink()
    const res = await exportFile(p, sink, { format: 'csv', key: KEY })
    expect(res.telegrams).toBe(3)
    const lines = sink.text().trim().split('\r\n')
    expect(lines).toHaveLength(4)
    const head = lines[0].split(',')
    expect(head.slice(0, 3)).toEqual(['meter_time', 'receive_time', 'frame_counter'])
    expect(head).toContain('1-0:1.8.0 [kWh]')
    expect(head).toContain('1-0:32.7.0 [V]')
    const row = lines[2].split(',')
    // receive time: the meter's local time (Europe/Luxembourg), milliseconds, the offset; the same instant
    expect(row[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0[12]:00$/)
    expect(Date.parse(row[1])).toBe(fr[1].time)
    const lux = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Luxembourg', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(fr[1].time)
    expect(row[1].slice(11, 16)).toBe(lux)
    expect(row[2]).toBe('2')
    const v = Number(row[head.indexOf('1-0:32.7.0 [V]')])
    expect(v).toBeGreaterThan(200)
  })
  it('CSV into a slow stream (a file on a busy disk): back-pressure leaves no listener behind, no MaxListenersExceededWarning', async () => {
    const p = join(dir(), 'slow.p1cap')
    writeCapture(p, meterFrames(60))
    // a 1-byte buffer that drains a tick later: every row waits for 'drain'
    const slow = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setImmediate(cb) })
    const warnings: string[] = []
    const onWarning = (w: Error): void => void warnings.push(w.name)
    process.on('warning', onWarning)
    const before = { error: slow.listenerCount('error'), drain: slow.listenerCount('drain') }
    try {
      const res = await exportFile(p, slow, { format: 'csv', key: KEY })
      expect(res.telegrams).toBe(60)
    } finally {
      process.off('warning', onWarning)
    }
    expect({ error: slow.listenerCount('error'), drain: slow.listenerCount('drain') }).toEqual(before)
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })
  it("CSV in the meter's zone: an Irish meter's receive times are Irish local time", async () => {
    const p = join(dir(), 'ie.p1cap')
    const fr = meterFrames(2)
    writeCapture(p, fr)
    const sink = new Sink()
    await exportFile(p, sink, { format: 'csv', key: KEY, zone: 'Europe/Dublin' })
    const row = sink.text().trim().split('\r\n')[1].split(',')
    expect(Date.parse(row[1])).toBe(fr[0].time)
    const ie = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Dublin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(fr[0].time)
    expect(row[1].slice(11, 16)).toBe(ie)
    expect(row[1]).toMatch(/\+0[01]:00$/)
  })
  it('JSONL as decode prints it; raw gives the bytes back; the E1 vector through a hex dump', async () => {
    const d = dir()
    writeFileSync(join(d, 'e1.hex'), E1.toString('hex'))
    const j = new Sink()
    await exportFile(join(d, 'e1.hex'), j, { format: 'jsonl', key: E1_KEY })
    const obj = JSON.parse(j.text().trim())
    expect(obj.objects['0-0:42.0.0'].value).toBe('SAG1030700114004')
    const r = new Sink()
    await exportFile(join(d, 'e1.hex'), r, { format: 'raw' })
    expect(Buffer.concat(r.chunks).equals(E1)).toBe(true)
  })
})
