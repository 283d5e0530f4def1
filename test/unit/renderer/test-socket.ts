/**
 * A WebSocket for the renderer's client (src/renderer/src/api/ws-client.ts SocketLike) whose
 * opening, messages and closing the test decides: what the client sent is kept parsed, and
 * each message is delivered when the test says.
 */
import { flushPromises } from '@vue/test-utils'
import type { SocketLike } from '../../../src/renderer/src/api/ws-client'

export class TestSocket implements SocketLike {
  readyState = 0
  /** The client's requests, parsed, in the order sent. */
  sent: { id: number; method: string }[] = []
  onopen: ((ev: unknown) => void) | null = null
  onclose: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(): void {
    this.readyState = 3
    this.onclose?.({})
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  /** Answer request `id` at once (no microtask runs before the next call). */
  answer(id: number, result: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ id, result }) })
  }
  /** Deliver one message, then let its microtasks run, as a browser does before the next message. */
  async deliver(msg: unknown): Promise<void> {
    this.onmessage?.({ data: JSON.stringify(msg) })
    await flushPromises()
  }
  /** The id of the first request for `method`. @throws Error if none was sent. */
  idOf(method: string): number {
    const m = this.sent.find((s) => s.method === method)
    if (!m) throw new Error(`${method} not sent`)
    return m.id
  }
}
