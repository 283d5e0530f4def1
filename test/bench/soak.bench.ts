/**
 * Soak benchmark (issue 17): P1 Studio's always-on path for hours, at 10× the real frame rate.
 *
 *   virtual meter ──pty (socat)──▶ SerialSource ─▶ P1Decoder ─┬▶ Recorder (history + daily captures)
 *   one frame per second,                                      ├▶ MqttPublisher (Mosquitto, HA discovery)
 *   meter time +10 s per frame                                 └▶ P1Metrics ◀─ GET /metrics every 15 s
 *
 * Figures: RSS after the warm-up and at the end (target: growth < 10 MB), frames sent =
 * telegrams decoded = readings in the history = JSON objects received by an MQTT subscriber
 * (no frame lost), no gap in the history (every reading 10 s after the previous one, no
 * outage recorded), scrapes answered. RSS is read after a full GC (node --expose-gc) each
 * minute; the trend (least squares, MB per hour) is printed with the samples' range. Each
 * sample splits RSS into the JS heap and native memory (rss − heapTotal − external: DuckDB,
 * malloc), and the report adds DuckDB's own account (duckdb_memory(), per tag) at the warm-up
 * and at the end: where memory goes, not only how much.
 *
 * Run: node --expose-gc --import tsx test/bench/soak.bench.ts [--hours H | --minutes M] [--rate N]
 * (default 3 minutes; --hours 2.4 = 8,640 frames = 24 h of meter time). --rate N sends N frames
 * per second instead of 1 (meter time still +10 s per frame, the recorder's commits still every
 * 60 frames) so that memory kept per frame shows in minutes when hunting a leak; the targets are
 * judged at the default rate. A heap snapshot on demand: node --heapsnapshot-signal=SIGUSR2 …
 * (writing one costs native memory: not during a measured run). Exit 1 when a target is missed.
 * Needs socat and mosquitto (test/helpers).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { connect } from 'mqtt'
import { HistoryStore } from '../../src/main/history/store'
import { Recorder, outagesOf } from '../../src/main/history/recorder'
import { SerialSource } from '../../src/main/line/serial-source'
import { SmartyModel } from '../../src/main/line/smarty-model'
import { VirtualMeter, openSerialWriter } from '../../src/main/line/virtual-meter'
import { P1Metrics } from '../../src/main/output/metrics'
import { MqttPublisher } from '../../src/main/output/mqtt-publish'
import { P1Decoder } from '../../src/main/p1/pipeline'
import { startMosquitto } from '../helpers/mosquitto'
import { openPtyPair } from '../helpers/pty'

const KEY = '3C4D5E6F708192A3B4C5D6E7F8091A2B' // bench key, not a meter's
const METER = 'SAG1030700089067'
const T0 = Date.parse('2026-06-01T00:00:00Z') // meter time of the first frame (a summer day: PV export)

const { values } = parseArgs({
  options: { hours: { type: 'string' }, minutes: { type: 'string' }, rate: { type: 'string' }, 'keep-data': { type: 'boolean' } }
})
const durationS = values.hours !== undefined ? Number(values.hours) * 3600 : values.minutes !== undefined ? Number(values.minutes) * 60 : 180
if (!(durationS >= 30)) throw new Error('--hours/--minutes: at least 30 s')
const rate = values.rate !== undefined ? Number(values.rate) : 1
if (!(rate > 0 && rate <= 100)) throw new Error('--rate: frames per second, 0 < rate <= 100')
const warmupS = Math.min(600, Math.max(30, durationS * 0.1))

const gc = (globalThis as { gc?: () => void }).gc
const mb = (b: number): number => Math.round((b / 1048576) * 10) / 10
/** Memory after a full GC, bytes: rss, the JS heap, external (Buffers) and native (rss − heapTotal − external: DuckDB, malloc). */
interface Memory {
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  native: number
}
function memory(): Memory {
  gc?.()
  gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, native: m.rss - m.heapTotal - m.external }
}

async function main(): Promise<void> {
  if (!gc) process.stderr.write('note: run with node --expose-gc for RSS after a full GC\n')
  const work = mkdtempSync(join(tmpdir(), 'p1s-soak-'))
  const pty = await openPtyPair()
  const broker = await startMosquitto()

  // the P1 Studio side
  const store = await HistoryStore.open(join(work, 'history.duckdb'))
  const recorder = await Recorder.open({
    store,
    capture: { dir: join(work, 'captures'), source: pty.b, appVersion: 'soak' },
    recover: { key: KEY },
    commitMs: 60_000 / rate
  })
  const errors: string[] = []
  recorder.on('error', (e) => errors.push(e.message))
  const metrics = new P1Metrics()
  const publisher = new MqttPublisher({ url: broker.url, prefix: 'soak/p1', homeAssistant: true, appVersion: 'soak', reconnectMs: 1000 })
  publisher.start()
  await new Promise<void>((r) => (publisher.connected ? r() : publisher.once('status', () => r())))
  const decoder = new P1Decoder({ key: KEY })
  const source = new SerialSource(pty.b)
  let telegrams = 0
  let failures = 0
  let firstCounter: number | null = null
  let lastCounter: number | null = null
  const handle = (evs: ReturnType<P1Decoder['push']>): void => {
    metrics.observe(evs)
    for (const ev of evs) {
      if (ev.type === 'telegram') {
        telegrams++
        lastCounter = ev.telegram.dlms?.frameCounter ?? null
        if (firstCounter === null) firstCounter = lastCounter
        recorder.telegram(ev.telegram)
        publisher.publish(ev.telegram)
      } else if (ev.type === 'failure') {
        failures++
        recorder.failure(ev.failure)
      }
    }
  }
  source.on('data', (chunk, at) => {
    recorder.bytes(chunk, at)
    handle(decoder.push(chunk, at))
  })
  // a frame whose last byte could start a header waits for the next read; after the idle gap it is settled (Deframer.idle)
  const idleTick = setInterval(() => handle(decoder.idle(Date.now())), 500)
  await source.start()
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end()
    void metrics.render().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const metricsUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`

  // a consumer of the MQTT output
  const sub = connect(broker.url)
  let mqttJson = 0
  sub.on('message', () => mqttJson++)
  await new Promise<void>((r) => sub.once('connect', () => r()))
  await sub.subscribeAsync('soak/p1/telegram')
  // the retained copy from before does not count: there is none (fresh broker)

  // the meter: one frame per real second, 10 s of meter time each
  const writer = await openSerialWriter(pty.a)
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), model: new SmartyModel({ seed: 17, pvPeakKW: 6, mbusGas: true }), write: () => undefined })
  let sent = 0
  let scrapes = 0
  let scrapeFailures = 0
  const samples: ({ s: number } & Memory)[] = []
  const started = performance.now()
  const elapsedS = (): number => (performance.now() - started) / 1000
  let warm = null as Memory | null
  let duckWarm = null as Record<string, number> | null
  const frames = Math.floor(durationS * rate)
  let lastLog = 0
  // Prometheus' scrape, every 15 s, for the whole run
  const scrape = setInterval(() => {
    void fetch(metricsUrl)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then(
        (text) => (text.includes('p1_energy_import_kwh_total') ? scrapes++ : scrapeFailures++),
        () => scrapeFailures++
      )
  }, 15_000)
  await new Promise<void>((done) => {
    const tick = (): void => {
      if (sent >= frames) return done()
      const frame = meter.nextFrame(new Date(T0 + sent * 10_000))!
      sent++
      writer.write(frame).catch((e: Error) => errors.push(e.message))
      const s = elapsedS()
      if (warm === null && s >= warmupS) {
        warm = memory()
        void duckdbMemory(store).then((d) => (duckWarm = d))
      }
      if (s - lastLog >= 60) {
        lastLog = s
        const m = memory()
        samples.push({ s, ...m })
        process.stderr.write(
          `${Math.round(s)} s: ${sent} frames sent, ${telegrams} decoded, ${recorder.recorded} recorded, rss ${mb(m.rss)} MB (heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}, external ${mb(m.external)}, native ${mb(m.native)}), load ${loadavg()[0].toFixed(1)}\n`
        )
      }
      // the next frame 1 s after this one was due (no drift)
      setTimeout(tick, Math.max(0, started + (sent * 1000) / rate - performance.now()))
    }
    tick()
  })
  clearInterval(scrape)
  // let the last frame arrive, decode and commit
  const deadline = performance.now() + 30_000
  while ((telegrams < sent || mqttJson < sent) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  await recorder.flush() // the last batch (the recorder commits once a minute, journaled meanwhile)
  const end = memory()
  const duckEnd = await duckdbMemory(store)

  // checks
  const rows = await store.counters(METER, 0, Number.MAX_SAFE_INTEGER)
  let maxGap = 0
  for (let i = 1; i < rows.length; i++) maxGap = Math.max(maxGap, rows[i].t - rows[i - 1].t)
  const outages = await outagesOf(store, METER)
  const finalScrape = await (await fetch(metricsUrl)).text()
  const ageLine = /p1_last_frame_age_seconds\{meter_id="[^"]+"\} (\S+)/.exec(finalScrape)
  const captureBytes = readdirSync(join(work, 'captures')).reduce((s, f) => s + statSync(join(work, 'captures', f)).size, 0)
  const slope = trendMBPerHour(samples.filter((x) => x.s >= warmupS))

  clearInterval(idleTick)
  await recorder.close()
  source.removeAllListeners('data')
  await source.stop()
  await writer.close()
  await publisher.close()
  await sub.endAsync()
  server.close()
  store.close()
  await broker.stop()
  await pty.close()
  if (!values['keep-data']) rmSync(work, { recursive: true, force: true })

  const growth = warm === null ? NaN : mb(end.rss - warm.rss)
  const ok = {
    rss: growth < 10,
    noLoss: telegrams === sent && recorder.recorded === sent && rows.length === sent && mqttJson >= sent,
    noHole: maxGap === 10_000 && outages.length === 0,
    scrapes: scrapeFailures === 0 && scrapes > 0
  }
  const report = {
    durationS: Math.round(elapsedS()),
    meterTimeH: Math.round((sent * 10) / 360) / 10,
    framesSent: sent,
    telegramsDecoded: telegrams,
    decodeFailures: failures,
    frameCounters: [firstCounter, lastCounter],
    readingsInHistory: rows.length,
    recorded: recorder.recorded,
    mqttTelegramObjects: mqttJson,
    mqttMessagesPublished: publisher.counts.messages,
    maxGapS: maxGap / 1000,
    outages: outages.length,
    metricsScrapes: scrapes,
    scrapeFailures,
    lastFrameAgeAtEndS: ageLine ? Number(ageLine[1]) : null,
    captureMB: mb(captureBytes),
    rssAfterWarmupMB: warm === null ? null : mb(warm.rss),
    rssEndMB: mb(end.rss),
    rssGrowthMB: growth,
    rssTrendMBPerHour: slope,
    rssSamplesMB: samples.map((x) => mb(x.rss)),
    heapUsedSamplesMB: samples.map((x) => mb(x.heapUsed)),
    nativeSamplesMB: samples.map((x) => mb(x.native)),
    memoryAfterWarmupMB: warm === null ? null : mbOf(warm),
    memoryEndMB: mbOf(end),
    duckdbMemoryAfterWarmupMB: duckWarm,
    duckdbMemoryEndMB: duckEnd,
    errors,
    loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
    pass: ok
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  if (!Object.values(ok).every(Boolean)) process.exitCode = 1
}

/** Each field in MB. */
function mbOf(m: Memory): Record<keyof Memory, number> {
  return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), native: mb(m.native) }
}

/** DuckDB's own account of its memory, MB per tag (BASE_TABLE, ART_INDEX, IN_MEMORY_TABLE…), tags in use only. */
async function duckdbMemory(store: HistoryStore): Promise<Record<string, number>> {
  const rows = (await store.connection.runAndReadAll(`SELECT tag, memory_usage_bytes AS b FROM duckdb_memory() WHERE memory_usage_bytes > 0`)).getRowObjectsJS()
  return Object.fromEntries(rows.map((o) => [String(o.tag), mb(Number(o.b))]))
}

/** Least-squares slope of RSS over time, MB per hour (null with fewer than 3 samples). */
function trendMBPerHour(xs: { s: number; rss: number }[]): number | null {
  if (xs.length < 3) return null
  const n = xs.length
  const mx = xs.reduce((a, x) => a + x.s, 0) / n
  const my = xs.reduce((a, x) => a + x.rss, 0) / n
  const num = xs.reduce((a, x) => a + (x.s - mx) * (x.rss - my), 0)
  const den = xs.reduce((a, x) => a + (x.s - mx) ** 2, 0)
  return Math.round((((num / den) * 3600) / 1048576) * 100) / 100
}

main().catch((e) => {
  process.stderr.write(`soak: ${(e as Error).stack ?? e}\n`)
  process.exit(1)
})
