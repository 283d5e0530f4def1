/**
 * Output of the streaming commands with back-pressure: one `write` per batch, and the next
 * batch only once the stream took this one (`drain`) when it said it was full. A closed pipe
 * (`p1studio decode … | head -1`: EPIPE) is not an error: the process ends quietly
 * (src/main/cli.ts).
 */
import type { Writable } from 'node:stream'

/** Write `chunk`; resolves at once, or after `drain` (or `close`) when the stream asks to wait. */
export function writeChunk(stream: Writable, chunk: Buffer | string): Promise<void> {
  if (stream.write(chunk)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
  })
}

/** Bytes (UTF-16 code units, close enough) gathered before a batch of lines is written. */
export const BATCH_CHARS = 64 * 1024

/** Gathers text lines and writes them in batches with back-pressure (for lines made as strings). */
export class LineBatcher {
  private batch = ''
  private readonly stream: Writable
  private readonly batchChars: number

  /** @param stream where lines go (process.stdout). @param batchChars batch size, characters. */
  constructor(stream: Writable, batchChars = BATCH_CHARS) {
    this.stream = stream
    this.batchChars = batchChars
  }

  /** Add one line (without its newline). Written at the next {@link flush}. */
  line(s: string): void {
    this.batch += s
    this.batch += '\n'
  }

  /** True when the gathered lines should be written now. */
  get full(): boolean {
    return this.batch.length >= this.batchChars
  }

  /** Write what was gathered; resolves when the stream can take more. */
  flush(): Promise<void> {
    if (this.batch === '') return Promise.resolve()
    const s = this.batch
    this.batch = ''
    return writeChunk(this.stream, s)
  }
}
