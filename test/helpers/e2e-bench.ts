/**
 * Benches for the Chromium tests: opened once before a describe block's tests, closed after
 * them; and the commonest one, `p1studio serve` on one end of a socat pty pair with the
 * virtual meter (in this process) writing to the other end.
 */
import { afterAll, beforeAll } from 'vitest'
import type { BrowserContextOptions, Page } from 'playwright-core'
import { openPtyPair } from './pty'
import { openStudio } from './studio'
import { VirtualMeter, openSerialWriter, type VirtualMeterOptions } from '../../src/main/line/virtual-meter'

/**
 * In a describe block: `open()` the bench before its tests (`timeoutMs` for it: serve and
 * Chromium start slowly on a loaded two-core machine), close it after them.
 * @returns the open bench; @throws Error if called before it is open (its opening failed).
 */
export function benchForSuite<B extends { close(): Promise<void> }>(open: () => Promise<B>, timeoutMs: number): () => B {
  let bench: B | undefined
  beforeAll(async () => {
    bench = await open()
  }, timeoutMs)
  afterAll(async () => {
    await bench?.close()
  })
  return () => {
    if (!bench) throw new Error('the bench is not open')
    return bench
  }
}

/** What {@link openMeterStudio} starts. */
export interface MeterStudioSetup {
  /** The P1 key, 32 hex digits: serve's `--key` and the meter's. */
  key: string
  /** More `serve` arguments, e.g. `['--capture-dir', dir]`. */
  serveArgs?: string[]
  /** The Chromium page's options (viewport, locale…). */
  page?: BrowserContextOptions
  /** The virtual meter's options but its key and where it writes (frame counter, interval in ms, system title…). */
  meter?: Omit<VirtualMeterOptions, 'key' | 'write'>
}

/** A running {@link openMeterStudio}: the page on serve's UI, the meter (not started), and `close()`. */
export interface MeterStudio {
  page: Page
  meter: VirtualMeter
  /** Stop the meter, close the browser and serve, the writer and the pty pair. */
  close(): Promise<void>
}

/**
 * A socat pty pair: `p1studio serve --port B --key KEY --listen 127.0.0.1:0 …` with
 * Chromium on its UI (test/helpers/studio.ts), and the virtual meter writing to A through
 * a serial writer. The meter is not started: the test calls `meter.start()`.
 * @throws Error if socat, Chromium or the built renderer is missing (nothing is left open).
 */
export async function openMeterStudio(setup: MeterStudioSetup): Promise<MeterStudio> {
  const pty = await openPtyPair()
  let studio: Awaited<ReturnType<typeof openStudio>> | undefined
  let writer: Awaited<ReturnType<typeof openSerialWriter>> | undefined
  let meter: VirtualMeter | undefined
  const close = async (): Promise<void> => {
    meter?.stop()
    await studio?.close()
    await writer?.close().catch(() => undefined)
    await pty.close()
  }
  try {
    studio = await openStudio(['--port', pty.b, '--key', setup.key, '--listen', '127.0.0.1:0', ...(setup.serveArgs ?? [])], setup.page)
    const w = await openSerialWriter(pty.a)
    writer = w
    meter = new VirtualMeter({ ...setup.meter, key: Buffer.from(setup.key, 'hex'), write: (f) => w.write(f) })
    return { page: studio.page, meter, close }
  } catch (e) {
    await close()
    throw e
  }
}
