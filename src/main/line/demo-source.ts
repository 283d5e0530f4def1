/**
 * The demo source: a bundled day of Smarty frames (resources/demo/demo-day.bin, made by
 * scripts/make-demo.ts with the virtual meter and {@link DEMO_KEY_HEX}) replayed one frame
 * per interval (10 s, the Smarty cadence), starting at the frame matching the current
 * time of day, looping at midnight. Paced and stamped by a {@link Clock} (the system clock
 * unless given).
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseGloHeader } from '../p1/dlms'
import { systemClock, type Clock, type ClockTimer } from './clock'
import type { ByteSource, ByteSourceEvents } from './source'

/** The documented demo P1 key (resources/demo/README.md). Not a secret. */
export const DEMO_KEY_HEX = '000102030405060708090A0B0C0D0E0F'
/** Interval between demo frames, ms. */
export const DEMO_INTERVAL_MS = 10_000

/**
 * Where resources/ is: $P1STUDIO_RESOURCES, the packaged app's resources folder, or the
 * project root found upwards from this module (source tree with tsx, or out/main).
 */
export function resourcesDir(): string {
  if (process.env.P1STUDIO_RESOURCES) return process.env.P1STUDIO_RESOURCES
  const packaged = (process as { resourcesPath?: string }).resourcesPath
  if (packaged && existsSync(join(packaged, 'demo'))) return packaged
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'resources', 'demo'))) return join(dir, 'resources')
    dir = resolve(dir, '..')
  }
  return resolve(process.cwd(), 'resources')
}

/** Path of the bundled demo day. */
export function demoFilePath(): string {
  return join(resourcesDir(), 'demo', 'demo-day.bin')
}

/** Split concatenated glo-ciphering frames at their length fields. @throws Error on a damaged file. */
export function splitFrames(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = []
  let pos = 0
  while (pos < bytes.length) {
    const h = parseGloHeader(bytes, pos)
    if (h.status !== 'ok' || pos + h.totalLength > bytes.length) throw new Error(`demo file damaged at byte ${pos}`)
    frames.push(bytes.subarray(pos, pos + h.totalLength))
    pos += h.totalLength
  }
  return frames
}

/** Options of {@link DemoSource}. */
export interface DemoSourceOptions {
  /** ms between frames (default 10 000). */
  intervalMs?: number
  /** Demo file (default {@link demoFilePath}). */
  path?: string
  /** Index of the first frame (default: the one matching the clock's local time of day). */
  startIndex?: number
  /** Paces the frames and stamps their receive times (default {@link systemClock}). */
  clock?: Clock
}

/** The bundled demo day as a {@link ByteSource}: one frame per interval, receive time = the clock's now. */
export class DemoSource extends EventEmitter<ByteSourceEvents> implements ByteSource {
  readonly label = 'demo (bundled day from the virtual meter)'
  private timer: ClockTimer | null = null
  private first: ClockTimer | null = null
  private frames: Buffer[] = []
  private index = 0
  private readonly clock: Clock

  constructor(private readonly opts: DemoSourceOptions = {}) {
    super()
    this.clock = opts.clock ?? systemClock
  }

  /** @throws Error if the demo file is missing or damaged. */
  async start(): Promise<void> {
    if (this.timer) return
    const path = this.opts.path ?? demoFilePath()
    let bytes: Buffer
    try {
      bytes = await readFile(path)
    } catch {
      throw new Error(`The demo data is missing (${path}). Reinstall P1 Studio or run: npx tsx scripts/make-demo.ts`)
    }
    this.frames = splitFrames(bytes)
    if (this.frames.length === 0) throw new Error('The demo data is empty.')
    const now = new Date(this.clock.now())
    const secondsToday = now.getHours() * 3600 + now.getMinutes() * 60 + now.getSeconds()
    this.index = (this.opts.startIndex ?? Math.floor(secondsToday / 10)) % this.frames.length
    const tick = (): void => {
      this.emit('data', this.frames[this.index], this.clock.now())
      this.index = (this.index + 1) % this.frames.length
    }
    this.timer = this.clock.setInterval(tick, this.opts.intervalMs ?? DEMO_INTERVAL_MS)
    // the first frame at once, after start() has returned (listeners attached on its promise)
    this.first = this.clock.setTimeout(tick, 0)
  }

  /** Stop sending frames. Idempotent. */
  async stop(): Promise<void> {
    this.first?.cancel()
    this.timer?.cancel()
    this.first = null
    this.timer = null
  }
}
