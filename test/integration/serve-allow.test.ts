/**
 * `p1studio serve --allow-port PATH --allow-broker HOST[:PORT]` (issue 12), on a real serve
 * process: a browser may open the allowed pty and reach the allowed broker; another pty and
 * another broker are refused; a malformed --allow-broker is a usage error before anything starts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import type { MqttVerifyReport } from '../../src/shared/board'
import type { SessionStatus } from '../../src/shared/contract'
import { freePort } from '../helpers/mosquitto'
import { openPtyPair } from '../helpers/pty'
import { pageSocket, startServe, stopServe, wsCall, type ServeProcess } from '../helpers/serve'

const dir = mkdtempSync(join(tmpdir(), 'p1s-allow-'))
let serve: ServeProcess | undefined
let ws: WebSocket | undefined
let allowed: Awaited<ReturnType<typeof openPtyPair>>
let other: Awaited<ReturnType<typeof openPtyPair>>
let brokerPort: number

beforeAll(async () => {
  allowed = await openPtyPair()
  other = await openPtyPair()
  brokerPort = await freePort()
  serve = await startServe([
    '--demo',
    '--listen',
    '127.0.0.1:0',
    '--capture-dir',
    dir,
    '--history',
    join(dir, 'h.duckdb'),
    '--allow-port',
    allowed.b,
    '--allow-broker',
    `127.0.0.1:${brokerPort}`
  ])
  ws = await pageSocket(serve)
}, 150_000) // serve starts in seconds at idle, over a minute on a loaded machine

afterAll(async () => {
  ws?.close()
  await stopServe(serve)
  await allowed?.close()
  await other?.close()
})

describe('serve --allow-port / --allow-broker', () => {
  it('the allowed pty opens from a browser, another does not', async () => {
    const ok = await wsCall(ws!, 1, 'openSource', { kind: 'serial', path: allowed.b })
    expect(ok.error).toBeUndefined()
    expect((ok.result as SessionStatus).source).toMatchObject({ kind: 'serial', path: allowed.b, open: true })
    const refused = await wsCall(ws!, 2, 'openSource', { kind: 'serial', path: other.b })
    expect(refused.error).toMatchObject({ code: 'forbidden_path', params: { path: other.b } })
  })

  it('the allowed broker is reached (nothing listens: a verdict), another is refused before connecting', async () => {
    const reached = await wsCall(ws!, 3, 'mqttVerify', { url: `mqtt://127.0.0.1:${brokerPort}`, topic: 'lamsmarty', durationS: 1 })
    expect(reached.error).toBeUndefined()
    expect((reached.result as MqttVerifyReport).verdict).toBe('broker_unreachable')
    const refused = await wsCall(ws!, 4, 'mqttVerify', { url: `mqtt://127.0.0.1:${brokerPort + 1}`, topic: 'lamsmarty', durationS: 1 })
    expect(refused.error).toMatchObject({ code: 'broker_not_allowed', params: { host: '127.0.0.1', port: brokerPort + 1 } })
  })

  it('a malformed --allow-broker is refused before anything starts', async () => {
    await expect(startServe(['--demo', '--listen', '127.0.0.1:0', '--allow-broker', 'not a host!'])).rejects.toThrow(
      /--allow-broker not a host!: give HOST or HOST:PORT/
    )
  }, 120_000)
})
