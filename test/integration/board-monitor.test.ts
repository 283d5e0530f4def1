/**
 * A board's debug output: the serial monitor on a socat pty pair, the UDP log listener on a
 * loopback port (datagrams as ESPToolbox sends them: Tb.log pieces, then Tb.log_ln).
 */
import { createSocket } from 'node:dgram'
import { SerialPort } from 'serialport'
import { afterEach, describe, expect, it } from 'vitest'
import type { BoardLogLine, ListenerProblem } from '../../src/shared/board'
import { toWireError } from '../../src/shared/contract'
import { translator } from '../../src/shared/i18n'
import { chooseUdpBind, ListenerError, SerialMonitor, systemNetwork, UdpLogListener, type UdpNetwork } from '../../src/main/board/monitor'
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

  it('a missing port gives the plain port message, and its code names the port for other languages', async () => {
    const mon = new SerialMonitor('/dev/nonexistent-p1studio')
    const e = await mon.start().then(
      () => null,
      (x: unknown) => x
    )
    expect(e).toBeInstanceOf(Error)
    expect((e as Error).message).toMatch(/^No serial port at \/dev\/nonexistent-p1studio/)
    // as the request's error crosses the contract: the path travels with the code (French named no port before)
    const wire = toWireError(e)
    expect(wire).toMatchObject({ code: 'port_not_found', params: { path: '/dev/nonexistent-p1studio' } })
    expect(translator('fr')(`errors.${wire.code}`, wire.params as Record<string, string>)).toMatch(/^Aucun port série à \/dev\/nonexistent-p1studio\. /)
  })

  it('a pulled cable (the pty pair ends) stops the monitor with port_disconnected and the port', async () => {
    const pty = await openPtyPair()
    const mon = new SerialMonitor(pty.b, 115200, 200)
    const errors: [string, ListenerProblem][] = []
    mon.on('error', (message, problem) => errors.push([message, problem]))
    const closed = new Promise<void>((r) => mon.once('close', () => r()))
    await mon.start()
    cleanups.push(() => mon.stop())
    await pty.close()
    await closed
    expect(errors.at(-1)).toEqual([
      `${pty.b} was disconnected. Check the cable, then start the monitor again.`,
      { code: 'port_disconnected', params: { path: pty.b } }
    ])
    expect(translator('de')('errors.port_disconnected', errors.at(-1)![1].params)).toContain(pty.b)
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
    // the same as a code: on the error, over the contract, and worded in French (the port as typed, not grouped)
    const e = await b.start().then(
      () => null,
      (x: unknown) => x
    )
    expect(e).toBeInstanceOf(ListenerError)
    const port = String(a.boundPort)
    expect(toWireError(e)).toMatchObject({ code: 'udp_port_in_use', params: { port, address: '127.0.0.1', reason: 'EADDRINUSE' } })
    expect(translator('fr')('board.codes.udp_port_in_use', (e as ListenerError).params)).toBe(
      `Le port UDP ${port} est déjà utilisé (un autre récepteur du journal, p. ex. « nc -kulw 0 ${port} »\u202f?). Arrêtez-le ou choisissez un autre port.`
    )
  })

  it('an address that is not IPv4 or not this computer’s is a coded error too', async () => {
    const e = await new UdpLogListener(0, 'not-an-address').start().then(
      () => null,
      (x: unknown) => x
    )
    expect(toWireError(e)).toMatchObject({ code: 'udp_host_not_ipv4', params: { host: 'not-an-address' } })
  })
})

describe('UDP log listener: which address it binds', () => {
  /** A made-up network: this computer is 192.168.1.20 on the LAN; routes as given. */
  const lan = (routes: Record<string, string | null> = {}): UdpNetwork => ({
    addresses: () => ['127.0.0.1', '192.168.1.20'],
    routeTo: async (ip) => routes[ip] ?? null
  })

  it('not every interface by default: loopback, unless a profile or the board says where the board sends', async () => {
    expect(await chooseUdpBind({}, lan())).toMatchObject({
      address: '127.0.0.1',
      via: 'loopback',
      reason: expect.stringMatching(/^this computer only, as no board address is known/)
    })
    expect(await chooseUdpBind({ pcIps: ['10.9.9.9', '192.168.1.20'] }, lan())).toEqual({
      address: '192.168.1.20',
      via: 'profile',
      reason: "the firmware's UDP_LOG_PC_IP (192.168.1.20)"
    })
    expect(await chooseUdpBind({ pcIps: ['192.168.128.70'] }, lan())).toMatchObject({ address: '127.0.0.1', via: 'loopback' }) // someone else's PC
    expect(await chooseUdpBind({ boardIp: '192.168.1.77' }, lan({ '192.168.1.77': '192.168.1.20' }))).toEqual({
      address: '192.168.1.20',
      via: 'board',
      reason: "this computer's address towards the board at 192.168.1.77"
    })
    expect(await chooseUdpBind({ boardIp: '10.0.0.5' }, lan())).toMatchObject({ address: '127.0.0.1', via: 'loopback' }) // no route
    expect(await chooseUdpBind({ host: '0.0.0.0' }, lan())).toMatchObject({ address: '0.0.0.0', via: 'all', reason: expect.stringMatching(/as asked/) })
    expect(await chooseUdpBind({ host: 'localhost', pcIps: ['192.168.1.20'] }, lan())).toEqual({ address: '127.0.0.1', via: 'asked', reason: 'as asked' })
  })

  it('an address that is not this computer’s is a plain error, before any socket', async () => {
    await expect(chooseUdpBind({ host: '192.168.1.99' }, lan())).rejects.toThrow(
      '192.168.1.99 is not an address of this computer, so no log can arrive there: choose one of 127.0.0.1, 192.168.1.20 (or 0.0.0.0 for every interface).'
    )
    await expect(chooseUdpBind({ host: 'fe80::1' }, lan())).rejects.toThrow(/^fe80::1 is not an IPv4 address/)
    // on the real network too (192.0.2.0/24 is TEST-NET-1: never this machine unless its interface says so)
    const foreign = ['198.51.100.7', '203.0.113.9'].find((a) => !systemNetwork.addresses().includes(a))!
    const l = new UdpLogListener(0, foreign)
    await expect(l.start()).rejects.toThrow(new RegExp(`^${foreign.replace(/\./g, '\\.')} is not an address of this computer`))
    expect(l.isOpen).toBe(false)
  })

  it('by default on a real socket: bound to 127.0.0.1, not 0.0.0.0', async () => {
    const udp = new UdpLogListener(0)
    await udp.start()
    cleanups.push(() => udp.stop())
    expect(udp.bound?.address).toBe('127.0.0.1')
    expect((udp as unknown as { socket: { address(): { address: string } } }).socket.address().address).toBe('127.0.0.1')
    const lines: BoardLogLine[] = []
    udp.on('line', (l) => lines.push(l))
    const tx = createSocket('udp4')
    cleanups.push(() => new Promise<void>((r) => tx.close(() => r())))
    await new Promise<void>((r) => tx.send(Buffer.from('hello from the board\n'), udp.boundPort!, '127.0.0.1', () => r()))
    for (let i = 0; i < 100 && lines.length === 0; i++) await wait(20)
    expect(lines.map((l) => l.line)).toEqual(['hello from the board'])
  })

  it('towards a board on this machine’s real network: the interface on the route (or loopback when there is none)', async () => {
    const lanAddr = systemNetwork.addresses().find((a) => !a.startsWith('127.'))
    const boardIp = lanAddr ? lanAddr.replace(/\.\d+$/, lanAddr.endsWith('.50') ? '.51' : '.50') : '127.0.0.1'
    const udp = new UdpLogListener(0, { boardIp })
    await udp.start()
    cleanups.push(() => udp.stop())
    expect(udp.bound?.address).toBe(lanAddr ?? '127.0.0.1')
  })
})
