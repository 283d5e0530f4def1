/**
 * The deframer/decoder fuzz model shared by the unit property test
 * (test/unit/p1/robustness.test.ts, fast-check, seconds) and the long run in the benchmark
 * (test/bench/fuzz.bench.ts).
 *
 * A case is a stream of segments — valid frames, random garbage, frames cut short, frames
 * with flipped bytes — read in random chunk sizes. Valid frames are real bytes: the published
 * plain telegrams (test/fixtures/vectors, see test/fixtures/README.md) as sent, the published
 * Luxembourg plaintexts and virtual-meter telegrams encrypted by the meter's own encrypter
 * (src/main/p1/encrypt.ts, via src/main/line/virtual-meter.ts) under a test key, and the
 * published NEXXTLAB frame E1 under its own key (a frame of another meter: it must be reported
 * as gcm_tag_mismatch at its offset, not lost). {@link checkCase} decodes a case and lists
 * every violated property.
 */
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { encryptGlo } from '../../src/main/p1/encrypt'
import { P1Decoder, decodeBuffer, type DecodeEvent } from '../../src/main/p1/pipeline'
import { MAX_EVIDENCE_BYTES } from '../../src/main/p1/deframer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { LUX_AUTH_KEY_HEX } from '../../src/shared/types'

const VECTORS = resolve(import.meta.dirname, '../fixtures/vectors')
const vector = (f: string): Buffer => readFileSync(resolve(VECTORS, f))

/** The decoder's P1 key in every case (a test key, not a meter's). */
export const FUZZ_KEY = Buffer.from('3C1F8A5D2E6B4F7091A2B3C4D5E6F708', 'hex')
const AK = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
/** Two meters: "SAGgp…" and "SAG10307". */
const TITLES = [Buffer.from('5341476770ABCDEF', 'hex'), Buffer.from('5341473130333037', 'hex')]

/** A valid frame of the pool and what decoding it alone gives. */
export interface PoolFrame {
  name: string
  bytes: Buffer
  /** 'telegram': decodes; 'foreign': a real frame of another meter (gcm_tag_mismatch). */
  expect: 'telegram' | 'foreign'
}

let pool: PoolFrame[] | null = null

/** The frames the cases are built from (built once). */
export function framePool(): PoolFrame[] {
  if (pool) return pool
  const out: PoolFrame[] = []
  const plain = [
    'lu_relip_simulator_telegram.txt',
    'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt',
    'other_dsmr_parser_TELEGRAM_V5.txt',
    'other_dsmr_parser_TELEGRAM_V4_2.txt',
    'other_dsmr_parser_TELEGRAM_V2_2.txt',
    'other_dsmr_parser_TELEGRAM_FLUVIUS_V171.txt',
    'other_dsmr_parser_TELEGRAM_V5_TWO_MBUS.txt'
  ]
  for (const f of plain) out.push({ name: f, bytes: vector(f), expect: 'telegram' })
  let fc = 1000
  for (const f of [
    'lu_nexxtlab_go-smarty-reader_plaintext.txt',
    'lu_openhab_smarty_with_units.telegram.txt',
    'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt',
    'lu_relip_simulator_telegram.txt'
  ]) {
    for (const title of TITLES) {
      out.push({
        name: `${f} encrypted (${title.toString('hex')})`,
        bytes: encryptGlo({ plaintext: vector(f), key: FUZZ_KEY, authKey: AK, systemTitle: title, frameCounter: fc++ }),
        expect: 'telegram'
      })
    }
  }
  const meter = new VirtualMeter({ key: FUZZ_KEY, frameCounter: 5000, write: () => undefined })
  const t0 = Date.UTC(2026, 5, 21, 10, 0, 0)
  for (let i = 0; i < 6; i++) out.push({ name: `virtual meter frame ${i}`, bytes: meter.nextFrame(new Date(t0 + i * 10_000))!, expect: 'telegram' })
  out.push({
    name: 'E1 NEXXTLAB (other key)',
    bytes: Buffer.from(vector('lu_nexxtlab_go-smarty-reader_frame.hex').toString('utf8').trim(), 'hex'),
    expect: 'foreign'
  })
  // every pool frame decodes alone as announced (a guard on the model itself)
  for (const f of out) {
    const evs = decodeBuffer(f.bytes, { key: FUZZ_KEY }, 0).filter((e) => e.type !== 'skipped')
    const ok =
      evs.length === 1 && (f.expect === 'telegram' ? evs[0].type === 'telegram' : evs[0].type === 'failure' && evs[0].failure.code === 'gcm_tag_mismatch')
    if (!ok) throw new Error(`fuzz pool: ${f.name} does not decode alone as expected: ${JSON.stringify(evs.map((e) => e.type))}`)
  }
  pool = out
  return out
}

/** One piece of a fuzz stream. `at` values are fractions (0…1) of the frame's length. */
export type Segment =
  | { t: 'frame'; i: number }
  | { t: 'garbage'; bytes: Uint8Array }
  | { t: 'truncated'; i: number; at: number }
  | { t: 'flipped'; i: number; flips: { at: number; xor: number }[] }

/** A fuzz case: segments, and read sizes used in turn to chunk the stream. */
export interface FuzzCase {
  segments: Segment[]
  reads: number[]
}

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })

/** fast-check arbitrary of {@link FuzzCase}s (`maxSegments` segments at most). */
export function fuzzCase(maxSegments = 12): fc.Arbitrary<FuzzCase> {
  const segment: fc.Arbitrary<Segment> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('frame' as const), i: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('truncated' as const), i: fc.nat(), at: frac }) },
    {
      weight: 2,
      arbitrary: fc.record({
        t: fc.constant('flipped' as const),
        i: fc.nat(),
        flips: fc.array(fc.record({ at: frac, xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 3 })
      })
    }
  )
  return fc.record({
    segments: fc.array(segment, { minLength: 1, maxLength: maxSegments }),
    reads: fc.array(fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 12 })
  })
}

/** A built case: the stream and where each intact pool frame is. */
export interface BuiltCase {
  stream: Buffer
  intact: { offset: number; frame: PoolFrame }[]
}

/** Assemble the stream of a case. */
export function buildCase(c: FuzzCase): BuiltCase {
  const frames = framePool()
  const parts: Buffer[] = []
  const intact: BuiltCase['intact'] = []
  let off = 0
  for (const s of c.segments) {
    let b: Buffer
    if (s.t === 'garbage') b = Buffer.from(s.bytes)
    else {
      const f = frames[s.i % frames.length]
      if (s.t === 'frame') {
        b = f.bytes
        intact.push({ offset: off, frame: f })
      } else if (s.t === 'truncated') {
        b = f.bytes.subarray(0, Math.max(1, Math.floor(s.at * f.bytes.length)))
      } else {
        b = Buffer.from(f.bytes)
        for (const x of s.flips) b[Math.floor(x.at * b.length)] ^= x.xor
        if (b.equals(f.bytes)) intact.push({ offset: off, frame: f })
      }
    }
    parts.push(b)
    off += b.length
  }
  return { stream: Buffer.concat(parts), intact }
}

/** What decoding a case found. `problems` is empty when every property holds. */
export interface CaseResult {
  problems: string[]
  frames: number
  lost: number
  events: number
  maxPending: number
}

/**
 * Decode a case in its read sizes and check: no exception; every intact frame of the pool
 * decodes (or, for a frame of another meter, fails with gcm_tag_mismatch) at its offset;
 * events in stream order and covering the stream exactly once (telegram = its frame, failure =
 * its `length`, skipped = its `length`); failure evidence capped; pending bytes bounded.
 */
export function checkCase(c: FuzzCase, built: BuiltCase = buildCase(c)): CaseResult {
  const { stream, intact } = built
  const problems: string[] = []
  const d = new P1Decoder({ key: FUZZ_KEY })
  const evs: DecodeEvent[] = []
  let maxPending = 0
  let maxRead = 0
  try {
    let k = 0
    for (let i = 0; i < stream.length;) {
      const n = c.reads[k++ % c.reads.length]
      maxRead = Math.max(maxRead, n)
      for (const e of d.push(stream.subarray(i, i + n), 1000 + k)) evs.push(e)
      maxPending = Math.max(maxPending, d.pendingBytes)
      i += n
    }
    for (const e of d.end()) evs.push(e)
  } catch (e) {
    problems.push(`threw: ${(e as Error).stack ?? String(e)}`)
    return { problems, frames: intact.length, lost: intact.length, events: evs.length, maxPending }
  }
  if (maxPending > 8192 + maxRead) problems.push(`pending bytes ${maxPending} > limit + largest read`)
  // the events partition the stream, in order
  let pos = 0
  for (const e of evs) {
    const off = e.type === 'telegram' ? e.telegram.offset : e.type === 'failure' ? e.failure.offset : e.offset
    const len = e.type === 'telegram' ? e.telegram.frameHex.length / 2 : e.type === 'failure' ? e.failure.length : e.length
    if (off !== pos) problems.push(`${e.type} at offset ${off}, expected ${pos}`)
    if (!(len > 0)) problems.push(`${e.type} at ${off} covers ${len} bytes`)
    pos = off + len
    if (e.type === 'failure') {
      const shown = e.failure.frameHex.length / 2
      if (shown > MAX_EVIDENCE_BYTES || shown > Math.max(e.failure.length, 18)) problems.push(`failure at ${off} shows ${shown} bytes of ${e.failure.length}`)
    }
  }
  if (pos !== stream.length) problems.push(`events cover ${pos} of ${stream.length} bytes`)
  // every intact frame is there
  let lost = 0
  for (const x of intact) {
    const hex = x.frame.bytes.toString('hex').toUpperCase()
    const found = evs.some((e) =>
      x.frame.expect === 'telegram'
        ? e.type === 'telegram' && e.telegram.offset === x.offset && e.telegram.frameHex === hex
        : e.type === 'failure' && e.failure.offset === x.offset && e.failure.code === 'gcm_tag_mismatch' && e.failure.length === x.frame.bytes.length
    )
    if (!found) {
      lost++
      problems.push(`lost ${x.frame.name} at offset ${x.offset}`)
    }
  }
  return { problems, frames: intact.length, lost, events: evs.length, maxPending }
}
