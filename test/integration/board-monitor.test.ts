/**
 * A board's debug output: the serial monitor on a socat pty pair, the UDP log listener on a
 * loopback port (datagrams as ESPToolbox sends them: Tb.log pieces, then Tb.log_ln).
 */
import { createSocket } from 'node:dgram'
import { SerialPort } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import type { BoardLogLine } from '../../src/shared/board'
import { SerialMonitor, UdpLogListener } from '../../src/main/board/monitor'
import { openPtyPair } from '../helpers/pty'

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

describe('serial monitor', () => {
  it('timestamped lines, CRLF and split chunks, a partial line after the idle time', async () => {
    const pty = await openPtyPair()
    cleanups.push(() => pty.close())
    const mon = new SerialMonitor(pty.b, 115200, 200)
    const lines: BoardLogLine[] = []
    mon.on('line', (l) => lines.push(l))
    await mon.start()
    cleanups.push(() => mon.stop())
    const w = new SerialPort({ path: pty.a, baudRate: 115200, autoOpen: false })
    await new Promise<void>((r, j) => w.open((e) => (e ? j(e) : r())))
    cleanups.push(() => new Promise<void>((r) => w.close(() => r())))
    const t0 = Date.now()
    w.write('Attempting MQTT connection...MQTT con')
    await wait(50)
    w.write('nected\r\nDecrypt and calculate\r\n')
    await wait(100)
    w.write('Connecting to WiFi')
    await wait(400)
    expect(lines.map((l) => l.line)).toEqual(['Attempting MQTT connection...MQTT connected', 'Decrypt and calculate', 'Connecting to WiFi'])
    expect(lines.every((l) => l.source === 'monitor' && l.from === pty.b && l.time >= t0 && l.time <= Date.now())).toBe(true)
  })

  it('a missing port gives the plain port message', async () => {
    const mon = new SerialMonitor('/dev/nonexistent-p1studio')
    await expect(mon.start()).rejects.toThrow(/^No serial port at \/dev\/nonexistent-p1studio/)
  })
})

describe('UDP log listener', () => {
  it('collects Tb.log pieces per sender into lines', async () => {
    const udp = new UdpLogListener(0, '127.0.0.1', 200)
    const lines: BoardLogLine[] = []
    udp.on('line', (l) => lines.push(l))
    await udp.start()
    cleanups.push(() => udp.stop())
    const port = udp.boundPort!
    const tx = createSocket('udp4')
    cleanups.push(() => new Promise<void>((r) => tx.close(() => r())))
    const send = (s: string) => new Promise<void>((r) => tx.send(Buffer.from(s), port, '127.0.0.1', () => r()))
    await send('Attempting MQTT connection...')
    await send('MQTT connected\n')
    await send('-----------------------------------\nDecrypt and calculate\n')
    await wait(100)
    expect(lines.map((l) => l.line)).toEqual(['Attempting MQTT connection...MQTT connected', '-----------------------------------', 'Decrypt and calculate'])
    expect(lines[0].from).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(lines[0].source).toBe('udp')
  })

  it('a port in use is explained', async () => {
    const a = new UdpLogListener(0, '127.0.0.1')
    await a.start()
    cleanups.push(() => a.stop())
    const b = new UdpLogListener(a.boundPort!, '127.0.0.1')
    await expect(b.start()).rejects.toThrow(new RegExp(`^UDP port ${a.boundPort} is already in use`))
  })
})
