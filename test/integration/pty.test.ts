/**
 * A real pseudo-terminal pair (socat): the virtual meter writes Smarty frames on one end,
 * the serial source reads the other, the pipeline decodes them.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openPtyPair } from '../helpers/pty'
import { VIRTUAL_T0, VirtualLine } from '../helpers/virtual-line'
import { SerialSource } from '../../src/main/line/serial-source'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { parseTelegram } from '../../src/main/p1/telegram'
import type { DecodedTelegram } from '../../src/shared/types'

const KEY = Buffer.from('A1B2C3D4E5F60718293A4B5C6D7E8F90', 'hex')
const TITLE = Buffer.from('534147677000C0DE', 'hex')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('virtual meter → pty → serial source → decoder', () => {
  it('decodes every frame with the values the meter sent', async () => {
    const pty = await openPtyPair()
    cleanups.push(() => pty.close())
    const source = new SerialSource(pty.b)
    const decoder = new P1Decoder({ key: KEY })
    const got: DecodedTelegram[] = []
    source.on('data', (chunk, at) => {
      for (const ev of decoder.push(chunk, at)) {
        if (ev.type === 'telegram') got.push(ev.telegram)
        else if (ev.type === 'failure') throw new Error(`unexpected ${ev.failure.code}`)
      }
    })
    await source.start()
    cleanups.push(() => source.stop())
    expect(source.label).toBe(`${pty.b} 115200 8N1`)

    const writer = await openSerialWriter(pty.a)
    cleanups.push(() => writer.close())
    const sent: { fc: number; telegram: Buffer }[] = []
    const meter = new VirtualMeter({ key: KEY, systemTitle: TITLE, frameCounter: 5000, intervalMs: 150, write: (f) => writer.write(f) })
    meter.on('frame', (_f, telegram, fc) => sent.push({ fc, telegram }))
    meter.start()
    cleanups.push(() => meter.stop())
    const deadline = Date.now() + 10_000
    while (got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    meter.stop()
    expect(got.length).toBeGreaterThanOrEqual(5)
    for (const t of got.slice(0, 5)) {
      const s = sent.find((x) => x.fc === t.dlms!.frameCounter)!
      expect(s, `frame counter ${t.dlms!.frameCounter} was sent`).toBeDefined()
      expect(t.dlms!.systemTitle).toBe(TITLE.toString('hex').toUpperCase())
      expect(t.tagVerified).toBe(true)
      expect(Buffer.from(t.text, 'latin1').equals(s.telegram)).toBe(true)
      const expected = parseTelegram(s.telegram)
      for (const code of ['1-0:1.8.0', '1-0:2.8.0', '1-0:1.7.0', '1-0:32.7.0', '1-0:52.7.0', '1-0:31.7.0', '0-1:24.2.1']) {
        const a = t.telegram.objects.find((o) => o.obis === code)!
        const b = expected.objects.find((o) => o.obis === code)!
        expect([a.value, a.unit], code).toEqual([b.value, b.unit])
      }
    }
    expect(got.map((t) => t.dlms!.frameCounter).slice(0, 5)).toEqual([5000, 5001, 5002, 5003, 5004])
    expect(got[0].telegram.objects.find((o) => o.obis === '0-0:42.0.0')!.value).toBe('SAG1030700089067')
  })

  it('the serial source stamps each chunk with its clock: the real 10 s cadence in virtual time', async () => {
    const line = await VirtualLine.open()
    cleanups.push(() => line.close())
    const source = line.openSource({})
    const decoder = new P1Decoder({ key: KEY })
    const got: DecodedTelegram[] = []
    const stamps = new Set<number>()
    let fourth!: () => void
    const four = new Promise<void>((r) => (fourth = r))
    source.on('data', (chunk, at) => {
      stamps.add(at)
      for (const ev of decoder.push(chunk, at)) if (ev.type === 'telegram' && got.push(ev.telegram) === 4) fourth()
    })
    await source.start()
    await line.startMeter({ key: KEY, systemTitle: TITLE }, 2500)
    await line.drive(four)
    // every chunk of a frame carries the virtual instant the meter sent it, however the pty split it
    expect([...stamps].map((t) => t - VIRTUAL_T0)).toEqual([2500, 12_500, 22_500, 32_500])
    expect(got.map((t) => t.receivedAt - VIRTUAL_T0)).toEqual([2500, 12_500, 22_500, 32_500])
    // and the meter's clock in the telegram is the same clock
    expect(got.map((t) => Date.parse(t.telegram.meterTime!) - VIRTUAL_T0)).toEqual([2000, 12_000, 22_000, 32_000])
  })

  it('a pty that disappears under an open source ends it with a plain message, no crash', async () => {
    const pty = await openPtyPair()
    const source = new SerialSource(pty.b)
    const ended = new Promise<string>((resolve) => source.on('end', resolve))
    source.on('error', () => undefined)
    await source.start()
    await pty.close() // the "cable" is pulled
    const reason = await Promise.race([ended, new Promise<string>((r) => setTimeout(() => r('timeout'), 5000))])
    expect(reason).toMatch(/disconnected|Closed/)
    await source.stop()
  })

  it('a missing port gives a plain-English error', async () => {
    const source = new SerialSource('/dev/ttyP1STUDIO-missing')
    await expect(source.start()).rejects.toThrow(/No serial port at \/dev\/ttyP1STUDIO-missing/)
  })
})
