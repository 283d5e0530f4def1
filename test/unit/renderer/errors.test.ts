/** toApiError: every shape an API rejection takes today (Electron IPC, WebSocket) and the coded shape of the next contract phase. */
import { describe, expect, it } from 'vitest'
import { toApiError } from '../../../src/renderer/src/api/errors'

describe('toApiError', () => {
  it('strips Electron\'s "Error invoking remote method" prefix from a plain message', () => {
    const e = new Error("Error invoking remote method 'openSource': Error: Cannot open /dev/ttyUSB0: permission denied.")
    expect(toApiError(e)).toEqual({ code: 'unknown', message: 'Cannot open /dev/ttyUSB0: permission denied.', params: {} })
    expect(toApiError(new Error("Error invoking remote method 'setKey': TypeError: bad"))).toMatchObject({ message: 'bad' })
  })

  it("keeps the WebSocket client's message as it is", () => {
    expect(toApiError(new Error('A diagnosis is already running.'))).toEqual({ code: 'unknown', message: 'A diagnosis is already running.', params: {} })
  })

  it('takes {code, message, params} as an object, as Error properties, and as JSON in an Electron message', () => {
    const coded = { code: 'port_busy', message: 'Another program holds /dev/ttyUSB0.', params: { path: '/dev/ttyUSB0', n: 2, ok: true, gone: null } }
    expect(toApiError(coded)).toEqual(coded)
    expect(toApiError(Object.assign(new Error('Another program holds /dev/ttyUSB0.'), { code: 'port_busy', params: { path: '/dev/ttyUSB0' } }))).toEqual({
      code: 'port_busy',
      message: 'Another program holds /dev/ttyUSB0.',
      params: { path: '/dev/ttyUSB0' }
    })
    const viaIpc = new Error(`Error invoking remote method 'openSource': Error: ${JSON.stringify(coded)}`)
    expect(toApiError(viaIpc)).toEqual(coded)
  })

  it('drops params that are not plain values, and never throws on odd input', () => {
    expect(toApiError({ code: 'x', message: 'm', params: { a: { nested: 1 }, b: [1], c: 'ok' } }).params).toEqual({ c: 'ok' })
    expect(toApiError(undefined)).toEqual({ code: 'unknown', message: 'undefined', params: {} })
    expect(toApiError('plain text')).toEqual({ code: 'unknown', message: 'plain text', params: {} })
    expect(toApiError(new Error('{not json'))).toMatchObject({ code: 'unknown', message: '{not json' })
    expect(toApiError({ code: '', message: 'no code' })).toMatchObject({ code: 'unknown', message: 'no code' })
  })
})
