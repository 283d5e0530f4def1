/**
 * The History tab's store after an import (issue 11): it switches to the imported meter and asks
 * for that meter's charts and days once. Asking twice (the watch on the meter and the import each
 * refreshing) sent 10 requests at once, more than serve runs per connection (8): on a loaded
 * machine the 9th and 10th were refused as 'busy'.
 */
import { describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { flushPromises } from '@vue/test-utils'
import { useHistoryStore } from '../../../src/renderer/src/stores/history'
import { useSessionStore } from '../../../src/renderer/src/stores/session'
import { API_METHODS, type HistoryImportSummary, type HistoryMeter, type P1StudioClient } from '../../../src/shared/contract'

const DEMO: HistoryMeter = { meterId: 'SAG1030700DEMO01', systemTitle: null, readings: 8641, first: 1_782_000_000_000, last: 1_782_086_400_000 }
const OTHER: HistoryMeter = { meterId: 'SAG1030700089067', systemTitle: null, readings: 17_286, first: 1_781_900_000_000, last: 1_782_000_000_000 }

/** Every answer and what it starts settled (microtasks and Vue's scheduler only: no clock). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises()
}

/** A client answering the History tab's requests, counting them and the most awaiting an answer at once. */
function historyClient(meters: HistoryMeter[], imported: HistoryImportSummary): { client: P1StudioClient; calls: Record<string, number>; most: () => number } {
  const calls: Record<string, number> = {}
  let open = 0
  let most = 0
  const answer =
    <T>(m: string, v: () => T) =>
    async (): Promise<T> => {
      calls[m] = (calls[m] ?? 0) + 1
      most = Math.max(most, ++open)
      await Promise.resolve() // answered later, as over a socket: the calls made together overlap
      open--
      return v()
    }
  const unused = Object.fromEntries(API_METHODS.map((m) => [m, answer(m, () => Promise.reject(new Error(`${m} not used here`)))]))
  const client = {
    ...unused,
    historyImportDemo: answer('historyImportDemo', () => imported),
    historyMeters: answer('historyMeters', () => meters),
    historySeries: answer('historySeries', () => ({ columns: [], bucketMs: 10_000, points: [] })),
    historyMessages: answer('historyMessages', () => []),
    historyDays: answer('historyDays', () => ({ days: [], months: [] })),
    listCaptures: answer('listCaptures', () => []),
    on: () => () => undefined
  } as unknown as P1StudioClient
  return { client, calls, most: () => most }
}

const summary: HistoryImportSummary = {
  file: 'demo-day.bin',
  telegrams: 8641,
  failed: 0,
  failures: {},
  meters: [{ meterId: DEMO.meterId, added: 8641 }],
  cancelled: false,
  warning: null
}

/**
 * The History tab showing the first of `meters`, then "Import the demo day" (the import adds
 * `added` to the history, if given). @returns the store, and the requests made by the import on.
 */
async function importWhileShowing(meters: HistoryMeter[], added: HistoryMeter | null) {
  setActivePinia(createPinia())
  const { client, calls, most } = historyClient(meters, summary)
  useSessionStore().client = client
  const h = useHistoryStore()
  await h.loadMeters()
  await settle()
  expect(h.meterId).toBe(meters[0].meterId)
  for (const k of Object.keys(calls)) delete calls[k]
  if (added) meters.push(added)
  await h.importDemo()
  await settle()
  return { h, calls, most }
}

describe('History store after an import', () => {
  it('another meter: switches to it and asks for its charts and days once', async () => {
    const { h, calls, most } = await importWhileShowing([OTHER], DEMO)
    expect(h.meterId).toBe(DEMO.meterId)
    expect(h.lastImport).toEqual(summary)
    expect(calls).toEqual({ historyImportDemo: 1, historyMeters: 1, historySeries: 3, historyMessages: 1, historyDays: 1 })
    expect(most()).toBeLessThanOrEqual(8)
    expect(h.error).toBeNull()
  })

  it('the same meter again: its charts and days are asked for once', async () => {
    const { h, calls } = await importWhileShowing([DEMO], null)
    expect(h.meterId).toBe(DEMO.meterId)
    expect(h.lastImport).toEqual(summary)
    expect(calls).toEqual({ historyImportDemo: 1, historyMeters: 1, historySeries: 3, historyMessages: 1, historyDays: 1 })
  })

  it("a failed import's message stays while charts are fetched (a zoom); a failed fetch's message goes with the next fetch", async () => {
    setActivePinia(createPinia())
    const { client } = historyClient([OTHER], summary)
    let seriesFails = false
    const c = client as unknown as Record<string, unknown>
    const series = c.historySeries as () => Promise<unknown>
    c.historySeries = () => (seriesFails ? Promise.reject(new Error('the history database is busy')) : series())
    c.historyImportDemo = () => Promise.reject(Object.assign(new Error('The demo day could not be read.'), { code: 'import_failed' }))
    useSessionStore().client = client
    const h = useHistoryStore()
    await h.loadMeters()
    await settle()
    await h.importDemo()
    expect(h.error?.message).toContain('The demo day could not be read.')
    h.zoomBy(2)
    await new Promise((r) => setTimeout(r, 60)) // the zoom's query starts once the gesture settles (30 ms)
    await settle()
    expect(h.error?.message).toContain('The demo day could not be read.')
    // a fetch's own failure shows, and the next fetch that starts clears it
    seriesFails = true
    await h.refreshAll()
    expect(h.error?.message).toContain('busy')
    seriesFails = false
    await h.refreshAll()
    await settle()
    expect(h.error).toBeNull()
  })
})
