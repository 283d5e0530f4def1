/**
 * The bit-level UART model on real bytes: the published Luxembourg frame (E1, nexxtlab) and a
 * DSMR 2.2 telegram, sent and read back through the model.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { transmitOverLine, uartDecode, uartEncode, type UartFormat } from '../../../src/main/line/uart-model'

const DIR = resolve(__dirname, '../../fixtures/vectors')
const FRAME = Buffer.from(readFileSync(resolve(DIR, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const KEY = 'D491470F47126332B07D1923B3504188'
const V22 = readFileSync(resolve(DIR, 'other_dsmr_parser_TELEGRAM_V2_2.txt'))
const F8N1: UartFormat = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }
const F7E1_9600: UartFormat = { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 }

describe('UART model', () => {
  it('reads a non-inverted 115200 8N1 stream back exactly, bit by bit', () => {
    const w = uartEncode(FRAME, F8N1)
    expect(w.edges.length).toBeGreaterThan(FRAME.length) // a real waveform, not a copy
    const r = uartDecode(w, F8N1)
    expect(r.bytes.equals(FRAME)).toBe(true)
    expect(r).toMatchObject({ framingErrors: 0, parityErrors: 0, breaks: 0 })
    const tel = decodeBuffer(r.bytes, { key: KEY }).filter((e) => e.type === 'telegram')
    expect(tel).toHaveLength(1)
  })

  it('reads every byte value back in 7E1 and 8N1 with gaps between characters', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    expect(uartDecode(uartEncode(all, F8N1, { gap: 3e-6 }), F8N1).bytes.equals(all)).toBe(true)
    const seven = Buffer.from(all.map((b) => b & 0x7f))
    const r = uartDecode(uartEncode(seven, F7E1_9600), F7E1_9600)
    expect(r.bytes.equals(seven)).toBe(true)
    expect(r.parityErrors).toBe(0)
  })

  it('an inverted line never yields a valid frame: garbage full of framing errors', () => {
    for (const gap of [0, 2e-6, 20e-6]) {
      const r = uartDecode(uartEncode(FRAME, F8N1, { inverted: true, gap }), F8N1)
      expect(r.bytes.length).toBeGreaterThan(0)
      expect(r.bytes.equals(FRAME)).toBe(false)
      expect(r.framingErrors).toBeGreaterThan(r.bytes.length / 10)
      const evs = decodeBuffer(r.bytes, { key: KEY })
      expect(evs.filter((e) => e.type === 'telegram')).toHaveLength(0)
    }
  })

  it('an inverted plain DSMR 2.2 telegram at 9600 7E1 never decodes', () => {
    const r = transmitOverLine(V22, { ...F7E1_9600, inverted: true }, F7E1_9600)
    expect(decodeBuffer(r.bytes).filter((e) => e.type === 'telegram')).toHaveLength(0)
  })

  it('a 9600 baud line read at 115200 gives breaks and garbage; read at 9600 it decodes', () => {
    const wrong = transmitOverLine(V22, F7E1_9600, F8N1)
    expect(wrong.breaks).toBeGreaterThan(V22.length) // every low stretch is longer than a character
    expect(wrong.bytes.every((b) => b === 0)).toBe(true)
    expect(decodeBuffer(wrong.bytes).filter((e) => e.type === 'telegram')).toHaveLength(0)
    const right = transmitOverLine(V22, F7E1_9600, F7E1_9600)
    expect(right.bytes.equals(V22)).toBe(true)
    expect(decodeBuffer(right.bytes).filter((e) => e.type === 'telegram')).toHaveLength(1)
  })

  it('a 115200 line read at 9600 gives far fewer bytes and no frame', () => {
    const r = transmitOverLine(FRAME, F8N1, { ...F8N1, baudRate: 9600 })
    expect(r.bytes.length).toBeLessThan(FRAME.length / 5)
    expect(decodeBuffer(r.bytes, { key: KEY }).filter((e) => e.type === 'telegram')).toHaveLength(0)
  })

  it('7E1 characters read by an 8N1 receiver carry the parity in bit 7 (same bit count)', () => {
    const r = transmitOverLine(V22, F7E1_9600, { ...F7E1_9600, dataBits: 8, parity: 'none' })
    expect(r.framingErrors).toBe(0)
    expect(Buffer.from(r.bytes.map((b) => b & 0x7f)).equals(V22)).toBe(true)
    expect(r.bytes.some((b) => b >= 0x80)).toBe(true)
  })

  it('a glitch shorter than half a bit is not a start bit', () => {
    const bit = 1 / 115200
    const w = { initialLevel: 1 as const, edges: [10 * bit, 10.2 * bit], duration: 100 * bit }
    expect(uartDecode(w, F8N1).bytes.length).toBe(0)
  })
})
