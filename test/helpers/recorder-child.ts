/**
 * An always-on P1 Studio reduced to its recording path, run as a child process so that a test
 * can kill it (-9) mid-stream and start it again: source (tcp://… or a serial path) → P1Decoder
 * → Recorder (history + daily captures, read-back of the newest capture at the start).
 * Usage: node --import tsx recorder-child.ts HISTORY.duckdb SOURCE KEY CAPTURE_DIR
 * Prints "recovered <from the journal> <from the capture>", "connected" (TCP), "journaled <meter
 * time ms>" once a reading is safe (it survives kill -9) and "recorded <meter time ms>" per
 * commit; SIGTERM closes cleanly and prints "closed".
 */
import { HistoryStore } from '../../src/main/history/store'
import { Recorder } from '../../src/main/history/recorder'
import { TcpSource, sourceFromSpec } from '../../src/main/line/tcp-source'
import { P1Decoder } from '../../src/main/p1/pipeline'

const [db, spec, key, captureDir] = process.argv.slice(2)
const out = (line: string): boolean => process.stdout.write(line + '\n')
const store = await HistoryStore.open(db)
const rec = await Recorder.open({ store, capture: { dir: captureDir, source: spec, appVersion: 'test' }, recover: { key } })
out(`recovered ${rec.recovery.journal} ${rec.recovery.added}`)
rec.on('journaled', (t) => out(`journaled ${t}`))
rec.on('recorded', (_n, t) => out(`recorded ${t}`))
rec.on('error', (e) => process.stderr.write(e.message + '\n'))
const decoder = new P1Decoder({ key })
const src = sourceFromSpec(spec)
const handle = (evs: ReturnType<P1Decoder['push']>): void => {
  for (const ev of evs) {
    if (ev.type === 'telegram') rec.telegram(ev.telegram)
    else if (ev.type === 'failure') rec.failure(ev.failure)
  }
}
src.on('data', (chunk, at) => {
  rec.bytes(chunk, at)
  handle(decoder.push(chunk, at))
})
// a frame ending in a byte that could start a header is settled after the idle gap (Deframer.idle)
setInterval(() => handle(decoder.idle(Date.now())), 500)
if (src instanceof TcpSource) src.connection.on('change', (e) => e.state === 'connected' && out('connected'))
await src.start()
process.once('SIGTERM', () => {
  void (async () => {
    await src.stop()
    await rec.close()
    store.close()
    out('closed')
    process.exit(0)
  })()
})
