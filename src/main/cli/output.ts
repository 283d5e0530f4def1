/**
 * Line output of the streaming commands (`decode`, `monitor`, `replay`): lines are gathered
 * into batches and written with one `write` per batch, waiting for `drain` when the stream
 * says so (back-pressure), instead of one write per frame. A closed pipe (`p1studio decode …
 * | head -1`: EPIPE) is not an error: the process ends quietly (src/main/cli.ts).
 */
import type { Writable } from 'node:stream'

/** Bytes (UTF-16 code units, close enough) gathered before a batch is written. */
export const BATCH_CHARS = 64 * 1024

/** Gathers lines and writes them in batches with back-pressure. */
export class LineBatcher {
  private batch = ''
  private readonly stream: Writable
  private readonly batchChars: number

  /** @param stream where lines go (process.stdout). @param batchChars batch size, characters. */
  constructor(stream: Writable, batchChars = BATCH_CHARS) {
    this.stream = stream
    this.batchChars = batchChars
  }

  /** Add one line (without its newline). Written at the next {@link flush} or when the batch is full. */
  line(s: string): void {
    this.batch += s
    this.batch += '\n'
  }

  /** True when the gathered lines should be written now. */
  get full(): boolean {
    return this.batch.length >= this.batchChars
  }

  /** Write what was gathered; resolves when the stream can take more (after `drain` if it asked to wait). */
  flush(): Promise<void> {
    if (this.batch === '') return Promise.resolve()
    const s = this.batch
    this.batch = ''
    if (this.stream.write(s)) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done)
        this.stream.off('close', done)
        resolve()
      }
      this.stream.once('drain', done)
      this.stream.once('close', done)
    })
  }
}
