/**
 * Raw dump file source: the bytes of a file, as fast as they are consumed, in 64 kB
 * chunks (receive time = now on the source's {@link Clock}). Captures with recorded receive
 * times play through ReplaySource.
 */
import { EventEmitter } from 'node:events'
import { createReadStream, type ReadStream } from 'node:fs'
import { access, constants } from 'node:fs/promises'
import { basename } from 'node:path'
import { systemClock, type Clock } from './clock'
import type { ByteSource, ByteSourceEvents } from './source'

/** A raw dump file as a {@link ByteSource}. */
export class FileSource extends EventEmitter<ByteSourceEvents> implements ByteSource {
  private stream: ReadStream | null = null
  done = false

  /** @param opts.clock stamps the chunks (default {@link systemClock}). */
  constructor(
    readonly path: string,
    private readonly opts: { clock?: Clock } = {}
  ) {
    super()
  }

  get label(): string {
    return `file ${basename(this.path)}`
  }

  /** @throws Error in plain words if the file is missing or unreadable. */
  async start(): Promise<void> {
    try {
      await access(this.path, constants.R_OK)
    } catch (e) {
      const code = (e as { code?: string }).code
      throw new Error(code === 'ENOENT' ? `No file at ${this.path}.` : `Cannot read ${this.path} (${code ?? 'error'}).`, { cause: e })
    }
    const stream = createReadStream(this.path, { highWaterMark: 64 * 1024 })
    this.stream = stream
    const clock = this.opts.clock ?? systemClock
    stream.on('data', (chunk) => this.emit('data', chunk as Buffer, clock.now()))
    stream.on('error', (e) => this.emit('error', new Error(`Reading ${this.path} failed: ${e.message}`)))
    stream.on('end', () => {
      this.done = true
      this.emit('end', `End of ${basename(this.path)}.`)
    })
  }

  async stop(): Promise<void> {
    this.stream?.destroy()
    this.stream = null
  }
}
