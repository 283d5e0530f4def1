/**
 * A byte source the test drives by hand: `src.emit('data', chunk, receivedAt)` feeds the
 * session as a port would; `started` tells whether the session holds it open.
 */
import { EventEmitter } from 'node:events'
import type { ByteSource, ByteSourceEvents } from '../../src/main/line/source'

export class FakeSource extends EventEmitter<ByteSourceEvents> implements ByteSource {
  label = 'fake'
  started = false
  async start(): Promise<void> {
    this.started = true
  }
  async stop(): Promise<void> {
    this.started = false
  }
}
