/**
 * The decode command's JSON line (src/main/p1/event-json.ts) is built as a string for speed:
 * it must be exactly what JSON.stringify of the documented object gives — checked against
 * that reference on every published vector, on virtual-meter telegrams, and on generated
 * objects (fast-check: repeated codes, quotes and control characters, NaN, M-Bus values).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CosemObject, DecodedTelegram } from '../../../src/shared/types'
import { decodeBuffer, type DecodeEvent } from '../../../src/main/p1/pipeline'
import { JsonLineWriter, eventJson } from '../../../src/main/p1/event-json'
import { VirtualMeter } from '../../../src/main/line/virtual-meter'

/** The line as first specified: JSON.stringify of the object tree (the contract of docs/cli.md). */
function reference(ev: DecodeEvent): string | null {
  if (ev.type === 'skipped') return null
  if (ev.type === 'failure') {
    const f = ev.failure
    return JSON.stringify({
      error: { code: f.code, message: f.message },
      offset: f.offset,
      systemTitle: f.dlms?.systemTitle ?? null,
      frameCounter: f.dlms?.frameCounter ?? null
    })
  }
  const t = ev.telegram
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const o of t.telegram.objects) {
    let k = o.obis
    for (let n = 2; k in out; n++) k = `${o.obis}#${n}`
    const e: Record<string, unknown> = { value: o.value, unit: o.unit, raw: o.raw.slice(o.raw.indexOf('(') + 1).replace(/\)$/, '') }
    if (o.values.length > 1) e.values = o.values.map((v) => ({ value: v.value, unit: v.unit }))
    if (o.time !== null || o.values.length > 1) e.time = o.time
    out[k] = e
  }
  return JSON.stringify({
    systemTitle: t.dlms?.systemTitle ?? null,
    frameCounter: t.dlms?.frameCounter ?? null,
    identification: t.telegram.identification,
    crcOk: t.telegram.crcOk,
    warnings: t.warnings,
    offset: t.offset,
    objects: out
  })
}

const V = resolve(__dirname, '../../fixtures/vectors')
const KEYS: Record<string, string> = {
  'lu_nexxtlab_go-smarty-reader_frame.hex': 'D491470F47126332B07D1923B3504188'
}

describe('eventJson', () => {
  it('equals the JSON.stringify reference on every published vector (telegrams and failures)', () => {
    let telegrams = 0
    for (const f of readdirSync(V).filter((n) => n.endsWith('.txt') || n.endsWith('.hex'))) {
      const text = readFileSync(join(V, f), 'latin1')
      const bytes = f.endsWith('.hex') ? Buffer.from(text.trim(), 'hex') : Buffer.from(text, 'latin1')
      for (const ev of decodeBuffer(bytes, { key: KEYS[f] ?? null })) {
        expect(eventJson(ev), f).toBe(reference(ev))
        if (ev.type === 'telegram') telegrams++
      }
    }
    expect(telegrams).toBeGreaterThan(20)
  })

  it('equals the reference on virtual-meter telegrams (Smarty 2020+, M-Bus); the batch writer gives the same bytes, lines and all', () => {
    const key = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex')
    const m = new VirtualMeter({ key, write: () => undefined })
    const t0 = Date.parse('2026-03-29T00:59:00Z')
    const w = new JsonLineWriter(1024) // small: it must grow
    let expected = ''
    for (let i = 0; i < 30; i++) {
      for (const ev of decodeBuffer(m.nextFrame(new Date(t0 + i * 10_000))!, { key })) {
        expect(ev.type).toBe('telegram')
        expect(eventJson(ev)).toBe(reference(ev))
        expect(w.add(ev)).toBe(true)
        expected += reference(ev) + '\n'
      }
    }
    expect(w.add({ type: 'skipped', offset: 0, length: 3, receivedAt: 0 })).toBe(false)
    const first = w.take()
    expect(first.toString('utf8')).toBe(expected)
    expect(w.length).toBe(0)
    // the taken bytes stay the caller's: writing on does not change them
    for (const ev of decodeBuffer(m.nextFrame(new Date(t0 + 31 * 10_000))!, { key })) w.add(ev)
    expect(first.toString('utf8')).toBe(expected)
  })

  it('writes numbers as JSON.stringify does: every 3-decimal value of a meter range, and arbitrary doubles', () => {
    const obj = (value: number, i: number): CosemObject => ({
      obis: `1-0:1.8.${i}`,
      value,
      unit: 'kWh',
      time: null,
      values: [{ value, unit: 'kWh', raw: 'x' }],
      raw: '1-0:1.8.0(x)'
    })
    const line = (values: number[]): DecodeEvent =>
      ({
        type: 'telegram',
        telegram: { dlms: null, offset: 0, warnings: [], telegram: { identification: 'x', crcOk: true, objects: values.map(obj) } }
      }) as unknown as DecodeEvent
    const grid: number[] = []
    for (let i = -20_000; i <= 200_000; i++) grid.push(i / 1000)
    for (let i = 0; i < 20_000; i++) grid.push(999_999 + i / 1000, 8_999_999_999 + (i % 1000) / 1000, 55_437 + i * 0.009, i / 10, -i * 7.001)
    grid.push(-0, 0.1 + 0.2, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 8999999999.999, 9e9, 2 ** 53)
    for (let i = 0; i < grid.length; i += 50) {
      const ev = line(grid.slice(i, i + 50))
      expect(eventJson(ev)).toBe(reference(ev))
    }
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 20 }), (xs) => {
        expect(eventJson(line(xs))).toBe(reference(line(xs)))
      }),
      { numRuns: 3000, seed: 5 }
    )
  })

  it('equals the reference on generated objects: repeated codes, odd strings, non-finite numbers, many values', () => {
    const str = fc.string({ unit: 'binary', maxLength: 12 })
    const value = fc.oneof(fc.double(), fc.integer(), str, fc.constant(null))
    const unit = fc.oneof(fc.constant(null), fc.constantFrom('kWh', 'kW', 'V', 'A', 'm3', '"q"'), str)
    const code = fc.oneof(fc.constantFrom('1-0:1.8.0', '0-1:24.2.1', '1-0:1.8.0#2', '0-0:96.13.0', '12', '__proto__', 'toString'), str)
    const obj = fc.record({
      obis: code,
      value,
      unit,
      time: fc.oneof(fc.constant(null), str),
      values: fc.array(fc.record({ value, unit }), { maxLength: 3 }),
      raw: str
    })
    fc.assert(
      fc.property(
        fc.array(obj, { maxLength: 12 }),
        fc.oneof(fc.constant(null), fc.boolean()),
        fc.array(fc.constantFrom('auth_key_fallback', 'crc_missing')),
        (objects, crcOk, warnings) => {
          const telegram = {
            kind: 'dlms',
            receivedAt: 0,
            offset: 7,
            frameHex: '',
            dlms: { systemTitle: '5341476770ABCDEF', frameCounter: 12 },
            tagVerified: true,
            text: '',
            telegram: { identification: 'Lux5\\"x', objects: objects as CosemObject[], crcSent: null, crcComputed: 0, crcOk, unparsed: [] },
            warnings
          } as unknown as DecodedTelegram
          const ev = { type: 'telegram', telegram } as DecodeEvent
          expect(eventJson(ev)).toBe(reference(ev))
          const w = new JsonLineWriter(1024)
          w.add(ev)
          expect(w.take().equals(Buffer.from(reference(ev) + '\n', 'utf8'))).toBe(true)
        }
      ),
      { numRuns: 2000, seed: 11 }
    )
  })

  it('a line sent again is written from the kept bytes only when raw line, value, unit and time are all the same', () => {
    // few codes and raws, so lines repeat from one telegram to the next with and without changes
    const obj = fc.record({
      obis: fc.constantFrom('1-0:1.8.0', '0-0:96.1.1', '0-1:24.2.1'),
      value: fc.oneof(fc.constantFrom(1.5, 2, 'x', '2026-03-29T02:00:00+02:00', null), fc.double()),
      unit: fc.constantFrom(null, 'kWh', 'm3'),
      time: fc.constantFrom(null, '2026-03-29T01:59:50+01:00', '2026-03-29T01:59:50+00:00'),
      values: fc.array(fc.record({ value: fc.constantFrom(1, 'y', null), unit: fc.constantFrom(null, 'kW') }), { maxLength: 2 }),
      raw: fc.constantFrom('1-0:1.8.0(000001.500*kWh)', '0-0:96.1.1(4530)', 'x(1)(2)')
    })
    const event = (objects: CosemObject[]): DecodeEvent =>
      ({
        type: 'telegram',
        telegram: { dlms: null, offset: 0, warnings: [], telegram: { identification: 'x', crcOk: true, objects } }
      }) as unknown as DecodeEvent
    let kept = 0
    fc.assert(
      fc.property(fc.array(fc.array(obj, { maxLength: 4 }), { minLength: 2, maxLength: 8 }), (telegrams) => {
        const w = new JsonLineWriter(1024)
        for (const objects of telegrams) {
          const ev = event(objects as CosemObject[])
          expect(eventJson(ev)).toBe(reference(ev))
          w.add(ev)
          expect(w.takeText()).toBe(reference(ev))
        }
        kept += telegrams.length
      }),
      { numRuns: 3000, seed: 17 }
    )
    expect(kept).toBeGreaterThan(3000)
    // a virtual meter's telegrams, twice in a row each (every line repeated), then each once
    const key = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex')
    const m = new VirtualMeter({ key, write: () => undefined })
    for (let i = 0; i < 20; i++) {
      const frame = m.nextFrame(new Date(Date.parse('2026-10-25T00:59:00Z') + i * 10_000))!
      for (const zone of ['Europe/Luxembourg', 'Europe/Dublin', 'Europe/Dublin']) {
        for (const ev of decodeBuffer(frame, { key, zone })) expect(eventJson(ev)).toBe(reference(ev))
      }
    }
  })
})
