/**
 * Shared helpers of the protocol-core tests: the published vectors (test/fixtures/vectors,
 * see test/fixtures/README.md) and realistic Smarty frames built from them.
 */
import { createCipheriv } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { crc16Arc, formatCrc } from '../../../src/main/p1/crc16'
import { encryptGlo } from '../../../src/main/p1/encrypt'
import type { DecodeEvent } from '../../../src/main/p1/pipeline'
import type { CosemObject, DecodedTelegram, DecodeFailure } from '../../../src/shared/types'
import { LUX_AUTH_KEY_HEX } from '../../../src/shared/types'

export const VECTORS = resolve(import.meta.dirname, '../../fixtures/vectors')
export const hexFile = (f: string): Buffer => Buffer.from(readFileSync(resolve(VECTORS, f), 'utf8').trim(), 'hex')
export const txtFile = (f: string): Buffer => readFileSync(resolve(VECTORS, f))

/** Key published with the NEXXTLAB frame (E1) and used by openHAB (E2). */
export const NEXXTLAB_KEY = 'D491470F47126332B07D1923B3504188'
export const LUX_AK = Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
/** Test key for frames built here (not a meter's). */
export const KEY = Buffer.from('0F0E0D0C0B0A09080706050403020100', 'hex')
export const TITLE = Buffer.from('5341476770ABCDEF', 'hex') // "SAGgp" + 3 bytes

/** Seeded PRNG (mulberry32) for reproducible "random" bytes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBytes(n: number, r: () => number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256)
  return b
}

/** Replace the text between `!` and the end with the right CRC (CR LF line ends kept). */
export function withCrc(telegram: string): Buffer {
  const bang = telegram.indexOf('!')
  const body = Buffer.from(telegram.slice(0, bang + 1), 'latin1')
  return Buffer.concat([body, Buffer.from(`${formatCrc(crc16Arc(body))}\r\n`, 'latin1')])
}

/**
 * The per-phase P5 telegram (RELIP simulator, 1087 bytes, 48 objects) with its import counter set to
 * `1.8.0 = 17.901 + i` kWh, CRC recomputed: distinct, valid ~1.1 kB telegrams.
 */
export function p5Telegram(i: number): Buffer {
  const p5 = txtFile('lu_relip_simulator_telegram.txt').toString('latin1')
  const kwh = (17.901 + i).toFixed(3).padStart(10, '0')
  return withCrc(p5.replace('1-0:1.8.0(000017.901*kWh)', `1-0:1.8.0(${kwh}*kWh)`))
}

/** Smarty frames of P5 telegrams with frame counters start…start+n-1 (`1.8.0` = 17.901 + counter). */
export function smartyFrames(n: number, start = 100, key: Buffer = KEY): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    out.push(encryptGlo({ plaintext: p5Telegram(start + i), key, authKey: LUX_AK, systemTitle: TITLE, frameCounter: start + i }))
  }
  return out
}

/**
 * A general-glo-ciphering APDU with security control 0x20 (encrypted, no tag) or 0x10
 * (authenticated only: plain data + GMAC tag over SC ‖ AK ‖ data), built with node:crypto.
 */
export function gloFrame(sc: 0x10 | 0x20, plaintext: Buffer, key: Buffer, frameCounter: number, authKey = LUX_AK): Buffer {
  const fc = Buffer.alloc(4)
  fc.writeUInt32BE(frameCounter)
  const iv = Buffer.concat([TITLE, fc])
  const c = createCipheriv('aes-128-gcm', key, iv, { authTagLength: 12 })
  let data: Buffer
  let tag = Buffer.alloc(0)
  if (sc === 0x20) {
    c.setAAD(Buffer.concat([Buffer.from([sc]), authKey]))
    data = Buffer.concat([c.update(plaintext), c.final()])
  } else {
    c.setAAD(Buffer.concat([Buffer.from([sc]), authKey, plaintext]))
    c.final()
    data = plaintext
    tag = c.getAuthTag()
  }
  const len = 5 + data.length + tag.length
  const lenField = len < 0x80 ? Buffer.from([len]) : len <= 0xff ? Buffer.from([0x81, len]) : Buffer.from([0x82, len >> 8, len & 0xff])
  return Buffer.concat([Buffer.from([0xdb, 0x08]), TITLE, lenField, Buffer.from([sc]), fc, data, tag])
}

export const telegrams = (evs: DecodeEvent[]): DecodedTelegram[] => evs.flatMap((e) => (e.type === 'telegram' ? [e.telegram] : []))
export const failures = (evs: DecodeEvent[]): DecodeFailure[] => evs.flatMap((e) => (e.type === 'failure' ? [e.failure] : []))
export const codes = (evs: DecodeEvent[]): string[] => failures(evs).map((f) => f.code)
export const counters = (evs: DecodeEvent[]): number[] => evs.flatMap((e) => (e.type === 'telegram' && e.telegram.dlms ? [e.telegram.dlms.frameCounter] : []))

/** The single non-skipped event of `events` (fails the test otherwise). */
export function only(events: DecodeEvent[]): DecodeEvent {
  const real = events.filter((e) => e.type !== 'skipped')
  if (real.length !== 1) throw new Error(`expected one event, got ${real.length}: ${JSON.stringify(real.map((e) => e.type))}`)
  return real[0]
}
export function ok(events: DecodeEvent[]): DecodedTelegram {
  const e = only(events)
  if (e.type !== 'telegram') throw new Error(`expected a telegram, got ${JSON.stringify(e).slice(0, 300)}`)
  return e.telegram
}
export function failed(events: DecodeEvent[]): DecodeFailure {
  const e = only(events)
  if (e.type !== 'failure') throw new Error(`expected a failure, got ${e.type}`)
  return e.failure
}
export function obj(t: { telegram: { objects: CosemObject[] } } | { objects: CosemObject[] }, code: string): CosemObject {
  const objects = 'objects' in t ? t.objects : t.telegram.objects
  const o = objects.find((x) => x.obis === code)
  if (!o) throw new Error(`no ${code}`)
  return o
}
