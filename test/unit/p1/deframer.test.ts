/**
 * Deframer on real bytes: frame boundaries, stream offsets, receive times, skipped garbage,
 * truncation and resync rules, bounded memory.
 */
import { describe, expect, it } from 'vitest'
import { Deframer, type DeframerEvent } from '../../../src/main/p1/deframer'
import { hexFile, p5Telegram, randomBytes, rng, smartyFrames, txtFile } from './helpers'

type Ev = DeframerEvent
const frames = (evs: Ev[]) => evs.filter((e): e is Extract<Ev, { type: 'frame' }> => e.type === 'frame')
const errors = (evs: Ev[]) => evs.filter((e): e is Extract<Ev, { type: 'error' }> => e.type === 'error')
const skippedBytes = (evs: Ev[]) => evs.reduce((n, e) => n + (e.type === 'skipped' ? e.length : 0), 0)

function run(chunks: Buffer[], times?: number[], opts = {}): Ev[] {
  const d = new Deframer(opts)
  const out: Ev[] = []
  chunks.forEach((c, i) => out.push(...d.push(c, times ? times[i] : 1000)))
  out.push(...d.end())
  return out
}

describe('Deframer', () => {
  it('finds DLMS frames and plain telegrams with their stream offsets; garbage is skipped and counted', () => {
    const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex')
    const v5 = txtFile('other_dsmr_parser_TELEGRAM_V5.txt')
    const g1 = Buffer.from('\x00\x00garbage\xff')
    const g2 = Buffer.from('junk')
    const evs = run([Buffer.concat([g1, e1, g2, v5, e1])])
    const f = frames(evs)
    expect(f.map((x) => [x.kind, x.offset, x.bytes.length])).toEqual([
      ['dlms', g1.length, e1.length],
      ['plain', g1.length + e1.length + g2.length, v5.length],
      ['dlms', g1.length + e1.length + g2.length + v5.length, e1.length]
    ])
    expect(f[0].bytes.equals(e1)).toBe(true)
    expect(f[1].bytes.equals(v5)).toBe(true)
    expect(f[0].dlms?.frameCounter).toBe(0x5a8e3)
    expect(errors(evs)).toEqual([])
    expect(evs.filter((e) => e.type === 'skipped').map((e) => e.type === 'skipped' && [e.offset, e.length])).toEqual([
      [0, g1.length],
      [g1.length + e1.length, g2.length]
    ])
  })

  it('receivedAt is the time of the read holding the frame’s first byte', () => {
    const [a, b] = smartyFrames(2)
    const stream = Buffer.concat([a, b])
    const cut1 = 100
    const cut2 = a.length + 50
    const evs = run([stream.subarray(0, cut1), stream.subarray(cut1, cut2), stream.subarray(cut2)], [10, 20, 30])
    expect(frames(evs).map((f) => [f.offset, f.receivedAt])).toEqual([
      [0, 10],
      [a.length, 20]
    ])
  })

  it('frames are private copies: reusing the read buffer does not change them', () => {
    const [a] = smartyFrames(1)
    const buf = Buffer.from(a)
    const d = new Deframer()
    const f = frames(d.push(buf, 0))
    buf.fill(0)
    expect(f[0].bytes.equals(a)).toBe(true)
  })

  it('copyFrames false: every frame a push returns holds its own bytes until the next call, whatever the read split', () => {
    const fs = smartyFrames(6)
    const stream = Buffer.concat(fs)
    for (const size of [100, 1000, 4096]) {
      const d = new Deframer({ copyFrames: false })
      const got: Buffer[] = []
      const check = (evs: Ev[]): void => {
        // read at once, before the deframer is called again (the decoder's use)
        for (const f of frames(evs)) got.push(Buffer.from(f.bytes))
      }
      for (let i = 0; i < stream.length; i += size) check(d.push(stream.subarray(i, i + size), 0))
      check(d.end())
      expect(got.map((g) => g.toString('hex'))).toEqual(fs.map((f) => f.toString('hex')))
    }
  })

  it('a plain telegram split right after "!" or inside the CRC waits for its end', () => {
    const v5 = txtFile('other_dsmr_parser_TELEGRAM_V5.txt')
    const bang = v5.indexOf('!')
    for (const cut of [bang, bang + 1, bang + 3, bang + 5, bang + 6]) {
      const evs = run([v5.subarray(0, cut), v5.subarray(cut)])
      expect(
        frames(evs).map((f) => f.bytes.length),
        `cut ${cut}`
      ).toEqual([v5.length])
    }
  })

  it('DSMR 2.2 "!" + CR LF, the 3-digit CRC and EasyMeter junk after "!" end the telegram', () => {
    for (const f of ['other_dsmr_parser_TELEGRAM_V2_2.txt', 'other_dsmr_parser_TELEGRAM_UNPADDED_CRC.txt']) {
      const t = txtFile(f)
      const evs = run([t, t])
      expect(frames(evs).map((x) => x.bytes.length)).toEqual([t.length, t.length])
    }
    const esy = txtFile('other_dsmr_parser_TELEGRAM_ESY5Q3DB1024_V304.txt')
    const evs = run([esy])
    const end = esy.indexOf('!') + 3
    expect(frames(evs).map((x) => x.bytes.toString('latin1'))).toEqual([esy.subarray(0, end).toString('latin1')])
    expect(skippedBytes(evs)).toBe(esy.length - end)
  })

  it('a telegram whose end never comes: truncated at end of input, overlong past maxFrameBytes', () => {
    const p = p5Telegram(1)
    const evs = run([p.subarray(0, 500)])
    // the error covers 500 bytes; its evidence is the identification line only
    expect(errors(evs).map((e) => [e.code, e.kind, e.offset, e.length, e.bytes.toString('latin1')])).toEqual([
      ['truncated_frame', 'plain', 0, 500, '/Lux5\\253663653_B\r\n']
    ])
    const long = Buffer.concat([Buffer.from('/ABC5 meter\r\n\r\n'), Buffer.alloc(3000, '1-0:1.8.0(1)\r\n')])
    const evs2 = run([long], undefined, { maxFrameBytes: 1024 })
    expect(errors(evs2).map((e) => e.code)).toEqual(['overlong_frame'])
  })

  it('a partial frame followed by silence longer than idleGapMs is truncated; a shorter pause is not', () => {
    const [a, b] = smartyFrames(2)
    const gap = run([a.subarray(0, 600), a.subarray(600), b], [0, 2500, 2500], { idleGapMs: 2000 })
    expect(errors(gap).map((e) => [e.code, e.offset, e.receivedAt])).toEqual([['truncated_frame', 0, 0]])
    // the rest of the cut frame is garbage, the next frame decodes
    expect(frames(gap).map((f) => f.offset)).toEqual([a.length])
    const pause = run([a.subarray(0, 600), a.subarray(600), b], [0, 1500, 1600], { idleGapMs: 2000 })
    expect(errors(pause)).toEqual([])
    expect(frames(pause).map((f) => f.offset)).toEqual([0, a.length])
  })

  it('a new DLMS header (same system title) inside a pending frame cuts it: truncated, then resync', () => {
    const [a, b, c] = smartyFrames(3)
    const evs = run([Buffer.concat([a.subarray(0, 1024), b, c])])
    expect(errors(evs).map((e) => [e.code, e.offset, e.bytes.length])).toEqual([['truncated_frame', 0, 1024]])
    expect(frames(evs).map((f) => f.offset)).toEqual([1024, 1024 + b.length])
  })

  it('a new telegram start inside a pending plain telegram cuts it', () => {
    const p = p5Telegram(1)
    const q = p5Telegram(2)
    const evs = run([Buffer.concat([p.subarray(0, 400), q])])
    expect(errors(evs).map((e) => [e.code, e.kind, e.offset])).toEqual([['truncated_frame', 'plain', 0]])
    expect(frames(evs).map((f) => [f.kind, f.offset])).toEqual([['plain', 400]])
  })

  it('invalid DLMS headers with a real-looking title are reported; DB 08 in noise is just skipped', () => {
    const [a] = smartyFrames(1)
    const lf = Buffer.from(a.subarray(0, 30))
    lf[10] = 0x84
    const short = Buffer.from(a.subarray(0, 30))
    short[11] = 0x00
    short[12] = 0x05 // length 5 < SC + FC + tag
    const huge = Buffer.from(a.subarray(0, 30))
    huge[11] = 0x7f // 32 kB > maxFrameBytes
    const noise = Buffer.from([0xdb, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x82, 0x01, 0x00, 0x30, 0, 0, 0, 1])
    const evs = run([Buffer.concat([lf, short, huge, noise, a])])
    expect(errors(evs).map((e) => [e.code, e.offset])).toEqual([
      ['unsupported_length_form', 0],
      ['malformed_frame', 30],
      ['malformed_frame', 60]
    ])
    expect(frames(evs).map((f) => f.offset)).toEqual([90 + noise.length])
  })

  it('the same stream gives the same events whatever the read sizes (1 byte … 64 kB)', () => {
    const r = rng(17)
    const parts: Buffer[] = []
    for (const f of smartyFrames(6)) parts.push(randomBytes(Math.floor(r() * 100), r), f, p5Telegram(Math.floor(r() * 100)))
    const stream = Buffer.concat(parts)
    const reference = frames(run([stream])).map((f) => [f.kind, f.offset, f.bytes.toString('hex')])
    expect(reference).toHaveLength(12)
    for (const size of [1, 2, 3, 7, 64, 1000, 4096, 65536]) {
      const chunks: Buffer[] = []
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size))
      const evs = run(chunks)
      expect(
        frames(evs).map((f) => [f.kind, f.offset, f.bytes.toString('hex')]),
        `reads of ${size}`
      ).toEqual(reference)
      expect(errors(evs), `reads of ${size}`).toEqual([])
    }
  })

  it('memory stays bounded: random noise never leaves more than a header pending', () => {
    const r = rng(23)
    const d = new Deframer()
    let max = 0
    for (let i = 0; i < 512; i++) {
      d.push(randomBytes(2048, r), i)
      max = Math.max(max, d.pendingBytes)
    }
    expect(max).toBeLessThanOrEqual(8192)
  })

  it('never throws on odd input', () => {
    const d = new Deframer()
    expect(() => d.push(null as unknown as Buffer, 0)).not.toThrow()
    expect(() => d.push(Buffer.alloc(0), Number.NaN)).not.toThrow()
    expect(() => d.push(new Uint8Array([0xdb, 0x08]) as Buffer, 0)).not.toThrow()
    expect(() => d.end()).not.toThrow()
  })
})

describe('Deframer: ciphertext that spells a frame start does not cut a frame', () => {
  const [a, b] = smartyFrames(2)
  /** `a` with `bytes` written into its ciphertext at byte 300 (the deframer does not decrypt). */
  const withBody = (bytes: Buffer): Buffer => {
    const f = Buffer.from(a)
    bytes.copy(f, 300)
    return f
  }
  it('an identification line and a blank line without an OBIS line after them (seen in the pipeline benchmark)', () => {
    // the bytes that cut frame 4406 of the benchmark stream: "/Skt4…\n\nM…"
    const spelled = Buffer.from('2f536b7434c1a33bbee908a19e59d80efa55a13b204c15614b93ecef0a0a4d96b60203b75179e3b8', 'hex')
    for (const body of [spelled, Buffer.from('/Abc5 meter\r\n\r\nx-y:z', 'latin1'), Buffer.from('/Abc5 m\xe9ter\r\n\r\n1-0:1.8.0(', 'latin1')]) {
      const f = withBody(body)
      const evs = run([Buffer.concat([f, b])])
      expect(
        frames(evs).map((e) => [e.offset, e.bytes.length]),
        body.toString('latin1')
      ).toEqual([
        [0, f.length],
        [f.length, b.length]
      ])
      expect(errors(evs)).toEqual([])
    }
    // a real telegram start (ASCII identification, blank line, OBIS code) does cut it
    const cut = withBody(Buffer.from('/Abc5 meter\r\n\r\n1-3:0.2.8(50)\r\n', 'latin1'))
    expect(errors(run([cut])).map((e) => [e.code, e.length])).toEqual([['truncated_frame', 300]])
  })

  it('another meter’s header with a short-form length (a telegram is longer than 110 bytes) does not cut it', () => {
    const h = Buffer.from('db08' + '58595a0102030405' + '40' + '30' + '00000001', 'hex') // "XYZ…", length 0x40, SC 0x30
    const f = withBody(h)
    const evs = run([Buffer.concat([f, b])])
    expect(frames(evs).map((e) => e.offset)).toEqual([0, f.length])
    expect(errors(evs)).toEqual([])
    // with a long-form length it is a plausible frame of another meter: it cuts
    const g = withBody(Buffer.from('db08' + '58595a0102030405' + '820100' + '30' + '00000001', 'hex'))
    expect(errors(run([Buffer.concat([g, b])])).map((e) => [e.code, e.length])).toEqual([['truncated_frame', 300]])
  })
})

/**
 * Frames back to back with no idle gap (file decoding, stdin, TCP relays such as ser2net or
 * ESP bridges): wherever the reads split the stream, every valid frame is found, and the
 * events are those of the same stream read at once.
 */
describe('Deframer: back-to-back frames at every split position', () => {
  const [a, b] = smartyFrames(2)
  const e1 = hexFile('lu_nexxtlab_go-smarty-reader_frame.hex') // another system title
  const p = p5Telegram(1)
  const v5 = txtFile('other_dsmr_parser_TELEGRAM_V5.txt')
  const summary = (evs: Ev[]) =>
    evs
      .filter((e) => e.type !== 'skipped')
      .map((e) => (e.type === 'frame' ? ['frame', e.kind, e.offset, e.bytes.toString('hex')] : e.type === 'error' ? ['error', e.code, e.kind, e.offset] : []))
  const splitEverywhere = (stream: Buffer, check: (evs: Ev[], cut: number) => void): void => {
    for (let cut = 1; cut < stream.length; cut++) check(run([stream.subarray(0, cut), stream.subarray(cut)]), cut)
  }

  const pairs: [string, Buffer, Buffer][] = [
    ['DLMS + DLMS (same system title)', a, b],
    ['DLMS + DLMS (other system title)', a, e1],
    ['plain + plain', p, v5],
    ['DLMS + plain', a, p],
    ['plain + DLMS', v5, b]
  ]
  for (const [name, x, y] of pairs) {
    it(`${name}: both frames, no error, at every split position`, () => {
      const stream = Buffer.concat([x, y])
      const want = [
        ['frame', x[0] === 0xdb ? 'dlms' : 'plain', 0, x.toString('hex')],
        ['frame', y[0] === 0xdb ? 'dlms' : 'plain', x.length, y.toString('hex')]
      ]
      expect(summary(run([stream]))).toEqual(want)
      splitEverywhere(stream, (evs, cut) => expect(summary(evs), `split at ${cut}`).toEqual(want))
    })
  }

  const truncations: [string, Buffer, Buffer][] = [
    ['DLMS cut, then DLMS', a, b],
    ['DLMS cut, then DLMS of another meter', a, e1],
    ['DLMS cut, then plain', a, p],
    ['plain cut, then plain', p, v5],
    ['plain cut, then DLMS', p, b]
  ]
  for (const [name, x, y] of truncations) {
    it(`${name}: the valid frame is never lost, whatever the cut and the split`, () => {
      const yKind = y[0] === 0xdb ? 'dlms' : 'plain'
      // a cut frame is recognisable once its DLMS header or its identification line is complete
      const recognisable = x[0] === 0xdb ? 18 : x.indexOf(0x0a) + 2
      // every cut of x, the stream read at once
      for (let t = 1; t < x.length; t++) {
        const evs = run([Buffer.concat([x.subarray(0, t), y])])
        const f = frames(evs)
        expect(
          f.filter((e) => e.offset >= t).map((e) => [e.kind, e.offset, e.bytes.equals(y)]),
          `cut at ${t}`
        ).toEqual([[yKind, t, true]])
        // the cut frame is reported as truncated (or, when too short to tell, as bytes skipped;
        // a telegram cut after its "!" ends there, as DSMR 2.2 telegrams without CRC do)
        for (const e of [...errors(evs), ...f.filter((e) => e.offset < t)])
          expect(e.offset + (e.type === 'error' ? e.length : e.bytes.length), `cut at ${t}`).toBeLessThanOrEqual(t)
        const ended = x[0] === 0x2f && x.subarray(0, t).includes(0x21)
        if (t >= recognisable && !ended)
          expect(
            errors(evs).map((e) => [e.code, e.offset, e.length]),
            `cut at ${t}`
          ).toEqual([['truncated_frame', 0, t]])
      }
      // cuts in the header, in the last bytes and in the body; reads split anywhere near the
      // junction and every 29th byte elsewhere: the events of one read
      const cuts = [...Array.from({ length: 20 }, (_, i) => i + 1), ...Array.from({ length: 20 }, (_, i) => x.length - 1 - i), 611]
      for (const t of cuts) {
        const stream = Buffer.concat([x.subarray(0, t), y])
        const want = summary(run([stream]))
        for (let cut = 1; cut < stream.length; cut += Math.abs(cut - t) < 40 || cut < 140 ? 1 : 29) {
          expect(summary(run([stream.subarray(0, cut), stream.subarray(cut)])), `cut at ${t}, split at ${cut}`).toEqual(want)
        }
      }
    })
  }
})
