/**
 * The benchmark's Smarty frames, built the same way on every run (pipeline.bench.ts, the
 * decode-prof script): the published per-phase Luxembourg telegram P5 (RELIP simulator, 48
 * objects, test/fixtures/vectors/lu_relip_simulator_telegram.txt) with its export counter,
 * export powers per phase and clock moved on for every frame (10 s apart, CRC-16/ARC
 * recomputed), encrypted with encryptGlo (AES-128-GCM, Luxembourg authentication key) under a
 * test key with frame counters 1000… — distinct ~1.1 kB frames, one stream.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { encryptGlo } from '../../src/main/p1/encrypt'
import { crc16Arc, formatCrc } from '../../src/main/p1/crc16'
import { LUX_AK, TITLE, rng } from '../unit/p1/helpers'

/** Test P1 key, not a meter's. */
export const BENCH_KEY = Buffer.from('5A1B2C3D4E5F60718293A4B5C6D7E8F9', 'hex')
/** Luxembourg's authentication key (Luxmetering E-Meter P1 spec v1.1.3 §3.2.5), as the unit tests use it. */
export const BENCH_AUTH_KEY = LUX_AK
/** "SAGgp" + 3 bytes: the unit tests' system title. */
export const BENCH_TITLE = TITLE

const P5 = readFileSync(resolve(import.meta.dirname, '../fixtures/vectors/lu_relip_simulator_telegram.txt'), 'latin1')

const fixed = (v: number, width: number, decimals: number): string => v.toFixed(decimals).padStart(width, '0')
const p2 = (n: number): string => String(n).padStart(2, '0')

/** DSMR timestamp in Luxembourg winter time (the vector's W), 10 s per frame. */
function tst(ms: number): string {
  const d = new Date(ms + 3_600_000)
  return `${p2(d.getUTCFullYear() % 100)}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}W`
}

/** P5 with moved-on values: export counter (kWh), export power per phase (kW), clock; CRC recomputed. */
function telegram(i: number, r: () => number): { bytes: Buffer; exportKWh: number } {
  const phases = [r() * 3, r() * 3, r() * 3]
  const total = phases[0] + phases[1] + phases[2]
  const exportKWh = 55437.011 + i * 0.009
  let t = P5.replace('0-0:1.0.0(230315155342W)', `0-0:1.0.0(${tst(Date.UTC(2023, 2, 15, 14, 53, 42) + i * 10_000)})`)
    .replace('1-0:2.8.0(055437.011*kWh)', `1-0:2.8.0(${fixed(exportKWh, 10, 3)}*kWh)`)
    .replace('1-0:2.7.0(03.454*kW)', `1-0:2.7.0(${fixed(total, 6, 3)}*kW)`)
    .replace('1-0:22.7.0(01.160*kW)', `1-0:22.7.0(${fixed(phases[0], 6, 3)}*kW)`)
    .replace('1-0:42.7.0(01.146*kW)', `1-0:42.7.0(${fixed(phases[1], 6, 3)}*kW)`)
    .replace('1-0:62.7.0(01.147*kW)', `1-0:62.7.0(${fixed(phases[2], 6, 3)}*kW)`)
  const bang = t.indexOf('!')
  t = t.slice(0, bang + 1)
  const body = Buffer.from(t, 'latin1')
  return { bytes: Buffer.from(`${t}${formatCrc(crc16Arc(body))}\r\n`, 'latin1'), exportKWh: Number(exportKWh.toFixed(3)) }
}

/** `n` distinct frames and their stream. */
export interface BenchFrames {
  /** Each frame's bytes (a general-glo-ciphering APDU, SC 0x30). */
  frames: Buffer[]
  /** The frames back to back. */
  stream: Buffer
  /** Sum of every frame's 1-0:2.8.0 value (kWh), rounded as the telegrams carry it. */
  exportSum: number
}

/** Build `n` frames (deterministic: seed 2026). */
export function benchFrames(n: number): BenchFrames {
  const r = rng(2026)
  const frames: Buffer[] = []
  let exportSum = 0
  for (let i = 0; i < n; i++) {
    const t = telegram(i, r)
    exportSum += t.exportKWh
    frames.push(encryptGlo({ plaintext: t.bytes, key: BENCH_KEY, authKey: BENCH_AUTH_KEY, systemTitle: BENCH_TITLE, frameCounter: 1000 + i }))
  }
  return { frames, stream: Buffer.concat(frames), exportSum }
}

/** `stream` cut into reads of `size` bytes (views, no copies). */
export function readsOf(stream: Buffer, size: number): Buffer[] {
  const reads: Buffer[] = []
  for (let i = 0; i < stream.length; i += size) reads.push(stream.subarray(i, i + size))
  return reads
}
