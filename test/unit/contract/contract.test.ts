/**
 * The contract as data (src/shared/contract): the derived lists, the one validator's bounds and
 * messages, errors as {code, message, params}, the router, and the port registry's policy.
 */
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  API_METHODS,
  ApiError,
  BOARD_METHODS,
  EVENT_NAMES,
  METHODS,
  NAMESPACES,
  isApiMethod,
  parseMethodRequest,
  toWireError,
  type Routes
} from '../../../src/shared/contract'
import { Router } from '../../../src/main/host/router'
import { FULL_ACCESS, brokerAllowed, type Caller } from '../../../src/main/host/caller'
import { PortRegistry, type PortOwner } from '../../../src/main/host/port-registry'

type Json = { type?: string | string[]; [k: string]: unknown }

/** Every place in a JSON schema where a value is not bounded: strings without maxLength, numbers without both bounds, arrays without maxItems, open objects. */
function unbounded(node: unknown, path: string, out: string[]): string[] {
  if (!node || typeof node !== 'object') return out
  const n = node as Json
  const has = (k: string): boolean => k in n
  if (!has('const') && !has('enum')) {
    if (n.type === 'string' && !has('maxLength')) out.push(`${path}: string without maxLength`)
    if ((n.type === 'number' || n.type === 'integer') && !((has('minimum') || has('exclusiveMinimum')) && (has('maximum') || has('exclusiveMaximum'))))
      out.push(`${path}: number without both bounds`)
    if (n.type === 'array' && !has('maxItems')) out.push(`${path}: array without maxItems`)
    if (n.type === 'object' && n.additionalProperties !== false) out.push(`${path}: object open to any key`)
  }
  for (const [k, v] of Object.entries(n)) {
    if (Array.isArray(v)) v.forEach((x, i) => unbounded(x, `${path}.${k}[${i}]`, out))
    else if (v && typeof v === 'object') unbounded(v, `${path}.${k}`, out)
  }
  return out
}

describe('the contract tables', () => {
  it('list every method of every namespace once, and the events', () => {
    const fromNamespaces = Object.values(NAMESPACES).flatMap((ns) => Object.keys(ns.methods))
    expect(API_METHODS).toEqual(fromNamespaces)
    expect(new Set(API_METHODS).size).toBe(API_METHODS.length)
    expect(Object.keys(METHODS).sort()).toEqual([...API_METHODS].sort())
    for (const m of BOARD_METHODS) expect(API_METHODS).toContain(m)
    expect(API_METHODS).toContain('confirmAuthKey')
    expect(API_METHODS).toContain('uploadChunk')
    expect(EVENT_NAMES).toEqual(['frame', 'status', 'diagnosis', 'history', 'board', 'boardSnapshot'])
    expect(isApiMethod('getStatus')).toBe(true)
    for (const x of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'rm -rf', 7, null]) expect(isApiMethod(x)).toBe(false)
  })

  it('bound every request: strings, numbers and arrays have limits, objects take no other keys', () => {
    const problems = API_METHODS.flatMap((m) => unbounded(z.toJSONSchema(METHODS[m].request, { io: 'input', unrepresentable: 'any' }), m, []))
    expect(problems).toEqual([])
  })

  it('refuse what is out of range in one sentence, with code invalid_request and the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['setKey', { key: '1234' }, /^Invalid key: key: must be 32 hex digits$/],
      ['openSource', { kind: 'serial', path: '/x', settings: { baudRate: 7 } }, /^Invalid source: settings\.baudRate: /],
      ['openSource', { kind: 'capture', path: 'x', speed: Infinity }, /^Invalid source: speed: /],
      ['historySeries', { meterId: 'm', columns: ['import_kw'], from: 0, to: Number.NaN }, /^Invalid series request: to: must be a time in ms since 1970/],
      ['historyDays', { meterId: 'm', classKW: 1e308, price: 0.3 }, /^Invalid days request: classKW: /],
      ['boardConfigText', { id: '../etc', format: 'config.h' }, /^Invalid configuration request: id is not a profile id$/],
      ['uploadChunk', { uploadId: '0'.repeat(32), offset: 0, data: 'not base64!' }, /^Invalid upload chunk: data: must be base64$/],
      ['uploadBegin', { folder: 'captures', name: '..', bytes: 10 }, /^Invalid upload: name: must be a file name, not \. or \.\.$/],
      ['confirmAuthKey', { systemTitle: 'SAG' }, /^Invalid confirmation: systemTitle: must be a system title/],
      ['getStatus', { extra: 1 }, /^Invalid request/]
    ]
    for (const [m, input, message] of cases) {
      let e: unknown = null
      try {
        parseMethodRequest(m as never, input)
      } catch (x) {
        e = x
      }
      expect(e, m).toBeInstanceOf(ApiError)
      expect((e as ApiError).code, m).toBe('invalid_request')
      expect((e as ApiError).message, m).toMatch(message)
    }
    // a P1 key is never echoed
    const key = 'D491470F47126332B07D1923B35041ZZ'
    expect(() => parseMethodRequest('setKey', { key })).toThrow(/^Invalid key: key: must be 32 hex digits$/)
    // optional object requests: absent means {}
    expect(parseMethodRequest('diagnose', undefined)).toEqual({})
    expect(parseMethodRequest('setReplay', undefined)).toEqual({})
  })

  it('errors become {code, message, params}: ApiError as it is, lower layers keep their code, disk full from the errno', () => {
    expect(toWireError(new ApiError('port_in_use', 'x is in use.', { path: 'x', owner: 'diagnosis' }))).toEqual({
      code: 'port_in_use',
      message: 'x is in use.',
      params: { path: 'x', owner: 'diagnosis' }
    })
    expect(toWireError(Object.assign(new Error('COM3 is in use by another program.'), { code: 'port_busy' }))).toMatchObject({
      code: 'port_busy',
      message: 'COM3 is in use by another program.'
    })
    const full = new Error('The disk is full: the export could not be written.', { cause: Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }) })
    expect(toWireError(full)).toEqual({ code: 'disk_full', message: 'The disk is full: the export could not be written.', params: {} })
    expect(toWireError(Object.assign(new Error('open'), { code: 'EACCES' }))).toMatchObject({ code: 'failed' })
    expect(toWireError('nope')).toEqual({ code: 'failed', message: 'The request failed.', params: {} })
  })
})

describe('the router', () => {
  it('validates before any handler runs, routes by namespace, answers envelopes', async () => {
    const calls: unknown[] = []
    const table = new Proxy(
      {},
      {
        get: (_t, m) => async (req: unknown, caller: Caller) => {
          calls.push([m, req, caller.kind])
          if (m === 'listPorts') throw Object.assign(new Error('Cannot list serial ports: no udev.'), { code: 'port_error' })
          return { m }
        }
      }
    )
    const routes = Object.fromEntries(Object.keys(NAMESPACES).map((n) => [n, table])) as unknown as Routes<Caller>
    const router = new Router(routes)
    expect(await router.envelope('getStatus', undefined, FULL_ACCESS)).toEqual({ result: { m: 'getStatus' } })
    expect(await router.envelope('setKey', { key: 'zz' }, FULL_ACCESS)).toEqual({
      error: { code: 'invalid_request', message: 'Invalid key: key: must be 32 hex digits', params: { field: 'key' } }
    })
    expect(await router.envelope('__proto__', {}, FULL_ACCESS)).toMatchObject({ error: { code: 'unknown_method', message: 'Unknown method __proto__.' } })
    expect(await router.envelope('listPorts', undefined, FULL_ACCESS)).toEqual({
      error: { code: 'port_error', message: 'Cannot list serial ports: no udev.', params: {} }
    })
    expect(await router.envelope('setKey', { key: ' d491470f 47126332b07d1923b3504188 ' }, FULL_ACCESS)).toMatchObject({ result: { m: 'setKey' } })
    // the handler got the parsed request (spaces removed), never the invalid ones
    expect(calls).toEqual([
      ['getStatus', undefined, 'desktop'],
      ['listPorts', undefined, 'desktop'],
      ['setKey', { key: 'd491470f47126332b07d1923b3504188' }, 'desktop']
    ])
  })
})

describe('the port registry', () => {
  it('follows its policy: the P1 source stops the board monitor, a board operation closes the P1 source, nobody takes a port from a diagnosis or a flash', async () => {
    const ports = new PortRegistry()
    const yielded: PortOwner[] = []
    const take = (owner: PortOwner) => ports.lease('/dev/ttyUSB0', owner, async () => void (yielded.push(owner), lease.get(owner)?.release()))
    const lease = new Map<PortOwner, Awaited<ReturnType<PortRegistry['lease']>>>()
    lease.set('board-monitor', await take('board-monitor'))
    lease.set('p1-source', await take('p1-source'))
    expect(yielded).toEqual(['board-monitor'])
    expect(ports.holder('/dev/ttyUSB0')).toBe('p1-source')
    lease.set('board-flash', await take('board-flash'))
    expect(yielded).toEqual(['board-monitor', 'p1-source'])
    for (const owner of ['p1-source', 'board-monitor', 'diagnosis', 'improv'] as const) {
      await expect(take(owner)).rejects.toMatchObject({
        code: 'port_in_use',
        params: { path: '/dev/ttyUSB0', owner: 'board-flash' },
        message: '/dev/ttyUSB0 is in use by the board flash: wait until it has finished, or stop it first.'
      })
    }
    lease.get('board-flash')!.release()
    lease.set('diagnosis', await take('diagnosis'))
    await expect(take('board-monitor')).rejects.toMatchObject({ code: 'port_in_use', params: { owner: 'diagnosis' } })
    // another port is another lease
    const other = await ports.lease('/dev/ttyUSB1', 'board-monitor')
    expect(ports.holder('/dev/ttyUSB1')).toBe('board-monitor')
    other.release()
    other.release()
    expect(ports.holder('/dev/ttyUSB1')).toBeNull()
  })
})

describe('brokers a browser may reach', () => {
  it('HOST:PORT exactly, a bare HOST on the MQTT ports 1883 and 8883, IPv6 in brackets', () => {
    expect(brokerAllowed('192.168.1.5:1883', '192.168.1.5', 1883)).toBe(true)
    expect(brokerAllowed('192.168.1.5:1883', '192.168.1.5', 1884)).toBe(false)
    expect(brokerAllowed('broker.lan', 'broker.lan', 8883)).toBe(true)
    expect(brokerAllowed('broker.lan', 'broker.lan', 22)).toBe(false)
    expect(brokerAllowed('[::1]:1883', '::1', 1883)).toBe(true)
    expect(brokerAllowed('broker.lan', 'broker.lan.attacker.example', 1883)).toBe(false)
  })
})
