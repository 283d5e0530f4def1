/**
 * OBIS catalogue (src/shared/obis.ts): every code a Smarty may send is named, every code of
 * every vector is described, M-Bus patterns and suffixes resolve.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { describeObis, describeState, normaliseObis, OBIS_CATALOGUE } from '../../../src/shared/obis'
import { parseTelegram } from '../../../src/main/p1/telegram'
import { decodeBuffer } from '../../../src/main/p1/pipeline'
import { resolve } from 'node:path'
import { hexFile, NEXXTLAB_KEY, ok, txtFile, VECTORS } from './helpers'

const CORPUS = resolve(__dirname, '../../fixtures/corpus')

/** DESIGN.md "Codes a Smarty may send" (Electris P1 specification 2021-03-05 / SmartyReader v1.7) and Luxmetering Table 3.1. */
const SMARTY_CODES = [
  '1-3:0.2.8',
  '0-0:1.0.0',
  '0-0:42.0.0',
  '1-0:1.8.0',
  '1-0:2.8.0',
  '1-0:3.8.0',
  '1-0:4.8.0',
  '1-0:1.7.0',
  '1-0:2.7.0',
  '1-0:3.7.0',
  '1-0:4.7.0',
  '0-0:17.0.0',
  '0-0:96.3.10',
  '0-1:96.3.10',
  '0-2:96.3.10',
  '0-0:96.7.21',
  '1-0:32.32.0',
  '1-0:52.32.0',
  '1-0:72.32.0',
  '1-0:32.36.0',
  '1-0:52.36.0',
  '1-0:72.36.0',
  '0-0:32.32.0',
  '0-0:52.32.0',
  '0-0:72.32.0',
  '0-0:32.36.0',
  '0-0:52.36.0',
  '0-0:72.36.0',
  '0-0:96.13.0',
  '0-0:96.13.1',
  '0-0:96.13.2',
  '0-0:96.13.3',
  '0-0:96.13.4',
  '0-0:96.13.5',
  '1-0:31.7.0',
  '1-0:51.7.0',
  '1-0:71.7.0',
  '1-0:21.7.0',
  '1-0:41.7.0',
  '1-0:61.7.0',
  '1-0:22.7.0',
  '1-0:42.7.0',
  '1-0:62.7.0',
  '1-0:23.7.0',
  '1-0:43.7.0',
  '1-0:63.7.0',
  '1-0:24.7.0',
  '1-0:44.7.0',
  '1-0:64.7.0',
  '1-0:9.7.0',
  '1-0:10.7.0',
  '1-1:31.4.0',
  '1-1:34.4.0',
  '1-0:32.7.0',
  '1-0:52.7.0',
  '1-0:72.7.0',
  // apparent power per phase (MSn meters)
  '1-0:29.7.0',
  '1-0:49.7.0',
  '1-0:69.7.0',
  '1-0:30.7.0',
  '1-0:50.7.0',
  '1-0:70.7.0',
  // common NL/BE DSMR codes
  '1-0:1.8.1',
  '1-0:1.8.2',
  '1-0:2.8.1',
  '1-0:2.8.2',
  '0-0:96.14.0',
  '0-0:96.7.9',
  '1-0:99.97.0',
  '0-0:96.1.1',
  '0-0:96.1.4',
  '1-0:1.4.0',
  '1-0:1.6.0',
  '0-0:98.1.0'
]

describe('OBIS catalogue', () => {
  it('names every code a Smarty may send, with the expected unit', () => {
    for (const code of SMARTY_CODES) expect(describeObis(code), code).not.toBeNull()
    for (let n = 1; n <= 4; n++) {
      for (const c of ['24.1.0', '96.1.0', '24.2.1', '24.4.0']) expect(describeObis(`0-${n}:${c}`)).toMatchObject({ group: 'mbus', channel: n })
    }
    expect(describeObis('1-0:1.8.0')).toMatchObject({ name: 'Active energy import (+A)', unit: 'kWh', group: 'energy', phase: null, valueType: 'number' })
    expect(describeObis('1-0:4.8.0')?.unit).toBe('kvarh')
    expect(describeObis('1-0:3.7.0')?.unit).toBe('kvar')
    expect(describeObis('0-0:17.0.0')?.unit).toBe('kVA')
    expect(describeObis('1-0:52.7.0')).toMatchObject({ unit: 'V', phase: 2, group: 'phase' })
    expect(describeObis('1-0:71.7.0')).toMatchObject({ unit: 'A', phase: 3 })
    expect(describeObis('1-0:49.7.0')).toMatchObject({ unit: 'kVA', phase: 2 })
    expect(describeObis('1-0:72.32.0')).toMatchObject({ group: 'quality', phase: 3 })
    expect(describeObis('0-0:42.0.0')?.valueType).toBe('hexId')
    expect(describeObis('0-0:96.13.0')?.valueType).toBe('hexText')
    expect(describeObis('1-0:99.97.0')?.valueType).toBe('profile')
    expect(describeObis('0-0:1.0.0')?.valueType).toBe('timestamp')
    expect(describeObis('0-3:24.2.1')).toMatchObject({ code: '0-3:24.2.1', valueType: 'timestampedNumber', channel: 3 })
    expect(describeObis('1-1:31.4.0')).toMatchObject({ unit: 'A', valueType: 'multi' })
  })

  it('describes every code of every vector (Luxembourg and the other meters)', () => {
    const texts = [
      ...readdirSync(VECTORS)
        .filter((f) => f.endsWith('.txt'))
        .map((f) => [f, parseTelegram(txtFile(f))] as const),
      ...readdirSync(CORPUS)
        .filter((f) => f.endsWith('.txt'))
        .map((f) => [f, parseTelegram(readFileSync(resolve(CORPUS, f)))] as const)
    ]
    const e1 = ok(decodeBuffer(hexFile('lu_nexxtlab_go-smarty-reader_frame.hex'), { key: NEXXTLAB_KEY })).telegram
    let n = 0
    for (const [f, t] of [...texts, ['E1', e1] as const]) {
      for (const o of t.objects) {
        expect(describeObis(o.obis), `${f}: ${o.obis}`).not.toBeNull()
        n++
      }
    }
    expect(n).toBeGreaterThan(650)
  })

  it('ignores *255 / .255 suffixes; unknown codes and M-Bus channels beyond 4 are null', () => {
    expect(describeObis('1-0:1.8.0*255')).toMatchObject({ unit: 'kWh' })
    expect(describeObis('1-0:1.8.0.255')).toMatchObject({ unit: 'kWh' })
    expect(normaliseObis('0-0:96.1.255*255')).toBe('0-0:96.1.255')
    // a billing period is another value; the reduced IEC 62056-21 address of an electricity meter
    expect(normaliseObis('1-0:1.8.0*96')).toBe('1-0:1.8.0*96')
    expect(normaliseObis('1.8.0')).toBe('1-0:1.8.0')
    expect(normaliseObis('1.8.0*18')).toBe('1.8.0*18')
    expect(describeObis('32.7.0')).toMatchObject({ unit: 'V', phase: 1 })
    expect(describeObis('F.F')).toBeNull()
    expect(describeObis('9-9:9.9.9')).toBeNull()
    expect(describeObis('0-5:24.2.1')).toBeNull()
    expect(describeObis('')).toBeNull()
  })

  it('is one consistent table: unique codes, known units and groups, phases only on per-phase codes', () => {
    const codes = OBIS_CATALOGUE.map((i) => i.code)
    expect(new Set(codes).size).toBe(codes.length)
    const units = new Set(['kWh', 'kvarh', 'kW', 'kvar', 'kVA', 'V', 'A', 'm3', 'GJ', 's', 'Hz', null])
    for (const i of OBIS_CATALOGUE) {
      expect(units.has(i.unit), i.code).toBe(true)
      expect(i.name.length, i.code).toBeGreaterThan(3)
      if (i.phase !== null) expect(i.name, i.code).toMatch(/L[123]$/)
    }
  })
})

describe('Belgian e-MUCS objects and enumerations (issues 14, 15)', () => {
  it('names and types the e-MUCS objects: version, EAN, current average demand, month maximum with its time, 13-month history', () => {
    expect(describeObis('0-0:96.1.4')).toMatchObject({ name: 'Version information (e-MUCS)', valueType: 'text', unit: null })
    expect(describeObis('0-0:96.1.2')).toMatchObject({ name: 'EAN code (e-MUCS)', valueType: 'hexId' })
    expect(describeObis('0-3:96.1.2')).toMatchObject({ name: 'EAN code (e-MUCS)', valueType: 'hexId', channel: 3, group: 'mbus' })
    expect(describeObis('1-0:1.4.0')).toMatchObject({ unit: 'kW', group: 'power', valueType: 'number' })
    expect(describeObis('1-0:1.6.0')).toMatchObject({ unit: 'kW', valueType: 'timestampedNumber' })
    expect(describeObis('0-0:98.1.0')).toMatchObject({ unit: 'kW', valueType: 'profile' })
  })

  it('gives enumerated values their meaning: breaker/relay state, valve position, M-Bus device type (EN 13757-3)', () => {
    expect([0, 1, 2].map((v) => describeState('0-0:96.3.10', v))).toEqual(['disconnected', 'connected', 'ready for reconnection'])
    expect(describeState('0-1:96.3.10', 1)).toBe('connected')
    expect(describeState('0-4:96.3.10', 0)).toBe('disconnected')
    expect([0, 1, 2].map((v) => describeState('0-2:24.4.0', v))).toEqual(['closed (disconnected)', 'open (connected)', 'ready for reconnection'])
    expect(describeState('0-1:24.1.0', 3)).toBe('gas')
    expect(describeState('0-2:24.1.0', '007')).toBe('water')
    expect(describeState('0-3:24.1.0', 4)).toBe('heat (outlet)')
    expect(describeState('0-4:24.1.0', 12)).toBe('heat (inlet)')
    // not enumerated, or not one of the states
    expect([describeState('1-0:1.8.0', 1), describeState('0-0:96.3.10', 7), describeState('0-0:96.3.10', 'ON'), describeState('0-1:24.1.0', 1.5)]).toEqual([
      null,
      null,
      null,
      null
    ])
    // on a real telegram: the Luxmetering appendix's four M-Bus channels
    const t = parseTelegram(txtFile('lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt'))
    const types = t.objects.filter((o) => /^0-\d:24\.1\.0$/.test(o.obis)).map((o) => describeState(o.obis, o.value))
    expect(types).toEqual(['gas', 'water', 'water', 'gas'])
  })
})
