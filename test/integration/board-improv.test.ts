/**
 * Improv Wi-Fi serial through a socat pty pair: the client (src/main/board/improv.ts) against
 * an independent device double (test/helpers/improv-double.ts) that interleaves log lines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ImprovStreamParser, encodeImprovPacket, improvProvision } from '../../src/main/board/improv'
import { ImprovDouble } from '../helpers/improv-double'
import { openPtyPair } from '../helpers/pty'

let pty: Awaited<ReturnType<typeof openPtyPair>>
let dev: ImprovDouble | null = null

beforeEach(async () => {
  pty = await openPtyPair()
})
afterEach(async () => {
  await dev?.stop()
  dev = null
  await pty.close()
})

describe('Improv serial provisioning', () => {
  it('succeeds: device info, state provisioned, the URL the device reports', async () => {
    dev = await ImprovDouble.start(pty.a, {
      networks: { 'Maison Weber': 'correct horse battery' },
      url: 'http://192.168.1.42',
      info: ['ESPHome', '2025.5.0', 'esp32-s3-devkitc-1/esp32-s3', 'p1-reader']
    })
    const log: string[] = []
    const r = await improvProvision({ path: pty.b, ssid: 'Maison Weber', password: 'correct horse battery', onLog: (l) => log.push(l) })
    expect(r).toMatchObject({ state: 'provisioned', url: 'http://192.168.1.42', error: 'none' })
    expect(r.info).toEqual({ firmware: 'ESPHome', version: '2025.5.0', chip: 'esp32-s3-devkitc-1/esp32-s3', deviceName: 'p1-reader' })
    expect(r.message).toBe('p1-reader (ESPHome 2025.5.0) joined "Maison Weber" and is at http://192.168.1.42.')
    // the same as a code and params for the renderer's wording (docs/board.md, "Improv")
    expect([r.code, r.params]).toEqual(['improv_joined', { device: 'p1-reader (ESPHome 2025.5.0)', ssid: 'Maison Weber', url: 'http://192.168.1.42' }])
    expect(dev.attempts).toEqual([{ ssid: 'Maison Weber', password: 'correct horse battery' }])
    expect(dev.received).not.toContain('bad')
    expect(log).toContain("[I][wifi:300]: Connecting to 'Maison Weber'...")
  })

  it('bad credentials: the protocol\'s "unable to connect" error state and a clear message', async () => {
    dev = await ImprovDouble.start(pty.a, { networks: { 'Maison Weber': 'correct horse battery' } })
    const r = await improvProvision({ path: pty.b, ssid: 'Maison Weber', password: 'wrong password' })
    expect(r.error).toBe('unable_to_connect')
    expect(r.state).toBe('authorized')
    expect(r.url).toBeNull()
    expect(r.message).toMatch(/could not join the Wi-Fi network "Maison Weber": check the password/)
    expect([r.code, r.params]).toEqual(['improv_unable_to_connect', { path: pty.b, ssid: 'Maison Weber' }])
  })

  it('no Improv firmware: a timeout that says so', async () => {
    dev = await ImprovDouble.start(pty.a, { networks: {}, silent: true })
    const r = await improvProvision({ path: pty.b, ssid: 'x', password: '12345678' })
    expect(r.error).toBe('timeout')
    expect(r.message).toMatch(/No Improv answer on .*SmartyReader firmware does not speak Improv/)
    expect([r.code, r.params]).toEqual(['improv_timeout', { path: pty.b, ssid: 'x' }])
  })
})

describe('Improv framing', () => {
  it('packets are header, version 1, type, length, data, checksum (sum & 0xFF), newline', () => {
    const p = encodeImprovPacket(0x03, Buffer.from([0x02, 0x00]))
    expect([...p]).toEqual([
      0x49,
      0x4d,
      0x50,
      0x52,
      0x4f,
      0x56,
      0x01,
      0x03,
      0x02,
      0x02,
      0x00,
      (73 + 77 + 80 + 82 + 79 + 86 + 0x01 + 0x03 + 0x02 + 0x02 + 0x00) & 0xff,
      0x0a
    ])
  })

  it('the parser separates log lines from packets split across chunks and drops bad checksums', () => {
    const parser = new ImprovStreamParser()
    const good = encodeImprovPacket(0x01, Buffer.from([0x04]))
    const bad = Buffer.from(good)
    bad[10] ^= 0xff
    const stream = Buffer.concat([Buffer.from('[I][log]: hello\r\n'), good, bad, Buffer.from('tail line\n')])
    const packets: number[][] = []
    const lines: string[] = []
    for (let i = 0; i < stream.length; i += 5) {
      const r = parser.push(stream.subarray(i, i + 5))
      packets.push(...r.packets.map((p) => [p.type, ...p.data]))
      lines.push(...r.lines)
    }
    expect(packets).toEqual([[0x01, 0x04]])
    expect(parser.badPackets).toBe(1)
    expect(lines).toEqual(['[I][log]: hello', 'tail line'])
  })
})
