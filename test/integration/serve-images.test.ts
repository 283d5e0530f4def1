/**
 * A browser asking serve to flash what is not a firmware file (issue 12: `/dev/zero` as an image
 * took the server from 152 MB to 11.9 GB): the request goes over the real WebSocket into the
 * session's board service. A browser names images only in the firmware folder (so `/dev/zero`
 * is refused as a path before anything is opened); what is there is refused when it is a
 * device, pipe or file over 16 MB, before reading it, in plain words, and the server's memory
 * does not move. The desktop's full paths get the same file checks.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { StudioSession } from '../../src/main/host/session'
import { startWebServer, type WebServer } from '../../src/main/host/web'
import { pageSocket, wsCall } from '../helpers/serve'

const dir = mkdtempSync(join(tmpdir(), 'p1s-images-'))
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>images</title>')
let session: StudioSession
let server: WebServer
let ws: WebSocket
let nextId = 1

beforeAll(async () => {
  // the board's port: a device the operator allowed (serve --allow-port), images in the firmware folder
  session = new StudioSession({
    version: 'images',
    boardsDir: join(dir, 'boards'),
    captureDir: join(dir, 'captures'),
    firmwareDir: dir,
    allowPorts: [join(dir, 'no-such-port')]
  })
  server = await startWebServer({ session, port: 0, staticDir: dir })
  ws = await pageSocket(server)
})
afterAll(async () => {
  ws?.close()
  await server?.close()
  await session?.dispose()
})

const flash = (imagePath: string) =>
  wsCall(ws, nextId++, 'boardFlash', { path: join(dir, 'no-such-port'), reset: 'none', images: [{ path: imagePath, offset: 0x10000 }] })

describe('firmware images named by a browser', () => {
  it('/dev/zero is refused before a byte is read (a browser names no path; the desktop gets the file check); RSS stays put', async () => {
    const before = process.memoryUsage().rss
    const r = await flash('/dev/zero')
    const desktop = await session.api
      .boardFlash({ path: join(dir, 'no-such-port'), reset: 'none', images: [{ path: '/dev/zero', offset: 0x10000 }] })
      .catch((e: Error) => e)
    const grown = (process.memoryUsage().rss - before) / 1048576
    console.log(`boardFlash /dev/zero: RSS +${grown.toFixed(1)} MB, answers: ${r.error?.message} / ${(desktop as Error).message}`)
    expect(r.error).toMatchObject({ code: 'forbidden_path', params: { path: '/dev/zero' } })
    expect((desktop as Error).message).toBe('/dev/zero is not a firmware file (it is a device, pipe or socket): choose the .bin file of the build.')
    expect(grown).toBeLessThan(64)
  })

  it('a FIFO is refused at once (no wait for a writer)', async () => {
    const fifo = join(dir, 'fw.fifo')
    execFileSync('mkfifo', [fifo])
    expect((await flash('fw.fifo')).error?.message).toMatch(/fw\.fifo is not a firmware file/)
  })

  it('a file over 16 MB is refused by its size, not read', async () => {
    const big = join(dir, 'huge.bin')
    closeSync(openSync(big, 'w'))
    truncateSync(big, 64 * 1024 * 1024) // sparse: costs no disk
    expect((await flash('huge.bin')).error?.message).toMatch(/huge\.bin is 64\.0 MB: a firmware image is at most 16 MB/)
  })
})
