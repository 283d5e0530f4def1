/**
 * `p1studio stats`: per local day (Europe/Luxembourg, from the meter's clock) imported and
 * exported kWh, peak 15-minute demand, energy above the power class and its cost — the
 * numbers the app's History tab shows (src/shared/history.ts). Needs no database: files are
 * decoded and aggregated in memory (one small row per telegram).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_PRICE_EUR_PER_KWH, HISTORY_TIME_ZONE, dailyStats, readingOf, type CounterReading } from '../../shared/history'
import { openInput } from '../capture/importers'
import { exportHistory, isTimeZone, parseRangeBound, type HistoryExportFormat } from '../history/export'
import { importIntoHistory } from '../history/import'
import { HistoryStore } from '../history/store'
import { P1Decoder } from '../p1/pipeline'
import { UsageError, keyOpt, parse } from './args'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { HISTORY_USAGE } from './usage'

/**
 * Decode files into counter readings sorted by meter time (duplicates from overlapping
 * files removed). @throws as the capture reader / importers.
 */
export async function countersOfFiles(
  files: string[],
  key?: string,
  authKey?: string,
  zone?: string
): Promise<{ readings: CounterReading[]; telegrams: number; failed: number }> {
  const byTime = new Map<number, CounterReading>()
  let telegrams = 0
  let failed = 0
  for (const f of files) {
    const input = await openInput(f)
    const d = new P1Decoder({ key: key ?? null, authKey, frameHex: false, zone })
    let last = 0
    const take = (evs: ReturnType<P1Decoder['push']>): void => {
      for (const ev of evs) {
        if (ev.type === 'failure') failed++
        if (ev.type !== 'telegram') continue
        telegrams++
        const r = readingOf(ev.telegram.telegram, ev.telegram.receivedAt)
        byTime.set(r.t, { t: r.t, importKWh: r.importKWh, exportKWh: r.exportKWh })
      }
    }
    for await (const r of input.records()) {
      if (r.type !== 'data') continue
      last = r.time
      take(d.push(r.bytes, r.time))
    }
    take(d.end(last))
  }
  return { readings: [...byTime.values()].sort((a, b) => a.t - b.t), telegrams, failed }
}

async function cmdStats(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    class: { type: 'string' },
    price: { type: 'string' },
    zone: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (positionals.length === 0) throw new UsageError('stats needs at least one FILE')
  const zone = values.zone === undefined ? HISTORY_TIME_ZONE : String(values.zone)
  if (!isTimeZone(zone)) throw new UsageError(`--zone: unknown time zone "${zone}" (an IANA name such as Europe/Luxembourg or Europe/Dublin)`)
  const classKW = values.class === undefined ? 7 : Number(values.class)
  if (!(classKW > 0) || classKW > 1000) throw new UsageError('--class must be a power in kW greater than 0, e.g. 3, 7 or 12')
  const price = values.price === undefined ? DEFAULT_PRICE_EUR_PER_KWH : Number(values.price)
  if (!(price >= 0) || price > 100) throw new UsageError('--price must be a price per kWh from 0 to 100')
  const { readings, telegrams, failed } = await countersOfFiles(
    positionals,
    keyOpt(values.key, 'P1 key'),
    keyOpt(values['auth-key'], 'Authentication key'),
    zone
  )
  if (telegrams === 0) {
    throw new Error(failed > 0 ? `No telegram could be decoded (${failed} frames failed: wrong or missing --key?).` : 'No telegram in the input.')
  }
  // the meter's days: its telegram times and midnights in --zone (default Europe/Luxembourg)
  const days = dailyStats(readings, classKW, price, zone)
  if (values.json) process.stdout.write(JSON.stringify({ classKW, priceEurPerKWh: price, ...(values.zone === undefined ? {} : { zone }), days }) + '\n')
  else {
    const f = (v: number | null, d = 3): string => (v === null ? '—' : v.toFixed(d))
    process.stdout.write(`date        import kWh  export kWh  peak 15-min kW  above ${classKW} kW (kWh)  cost €\n`)
    for (const d of days) {
      process.stdout.write(
        `${d.date}  ${f(d.importKWh).padStart(10)}  ${f(d.exportKWh).padStart(10)}  ${f(d.peakDemandKW).padStart(14)}  ${f(d.aboveClassKWh).padStart(20)}  ${d.aboveClassCost.toFixed(2).padStart(6)}\n`
      )
    }
  }
  return 0
}

/** The history database: `--history FILE`, else history.duckdb in the data folder ($P1STUDIO_DATA_DIR, else ~/P1Studio), as the app and serve use it. */
export function historyPath(opt: unknown): string {
  if (typeof opt === 'string' && opt) return opt
  return join(process.env.P1STUDIO_DATA_DIR || join(homedir(), 'P1Studio'), 'history.duckdb')
}

/** Open the store; a database held by a running P1 Studio is said in plain words. @throws Error. */
async function openStore(path: string): Promise<HistoryStore> {
  try {
    return await HistoryStore.open(path)
  } catch (e) {
    if (/lock/i.test((e as Error).message))
      throw new Error(`The history ${path} is in use by a running P1 Studio (the app or serve): stop it first, or use its History tab.`, { cause: e })
    throw e
  }
}

const mb = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`)

/** `history export --format parquet|csv [--meter ID] [--from DATE] [--to DATE] --out FILE`. */
async function cmdHistoryExport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    format: { type: 'string' },
    meter: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    history: { type: 'string' },
    tz: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' }
  })
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const format = String(values.format ?? '')
  if (format !== 'parquet' && format !== 'csv') throw new UsageError('--format must be parquet or csv')
  if (!values.out) throw new UsageError('history export needs --out FILE')
  const tz = values.tz === undefined ? HISTORY_TIME_ZONE : String(values.tz)
  if (!isTimeZone(tz)) throw new UsageError(`--tz: unknown time zone "${tz}" (e.g. Europe/Luxembourg)`)
  const bound = (name: 'from' | 'to'): number | undefined => {
    if (values[name] === undefined) return undefined
    try {
      return parseRangeBound(String(values[name]), name === 'to', tz)
    } catch (e) {
      throw new UsageError(`--${name}: ${(e as Error).message}`)
    }
  }
  const from = bound('from')
  const to = bound('to')
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must not be before --from')
  const store = await openStore(historyPath(values.history))
  try {
    const r = await exportHistory(store, {
      format: format as HistoryExportFormat,
      out: String(values.out),
      meterId: values.meter === undefined ? undefined : String(values.meter),
      from,
      to,
      overwrite: values.force === true,
      timeZone: tz
    })
    if (values.json) process.stdout.write(JSON.stringify(r) + '\n')
    process.stderr.write(`exported ${r.rows} readings of ${r.meters.join(', ')} to ${r.path} (${format}, ${mb(r.bytes)})\n`)
    return 0
  } finally {
    store.close()
  }
}

/** `history import FILE… --key HEX`: captures and dumps into the history (duplicates skipped). */
async function cmdHistoryImport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    history: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (positionals.length === 0) throw new UsageError('history import needs at least one FILE')
  const key = keyOpt(values.key, 'P1 key') ?? null
  const authKey = keyOpt(values['auth-key'], 'Authentication key')
  const store = await openStore(historyPath(values.history))
  const tty = process.stderr.isTTY
  let telegrams = 0
  let failedFiles = 0
  const results = []
  try {
    for (const file of positionals) {
      const r = await importIntoHistory(store, file, {
        key,
        authKey,
        onProgress: tty ? (f, n) => process.stderr.write(`\r\x1b[K${file}: ${Math.round(f * 100)} %, ${n} telegrams`) : undefined
      })
      results.push(r)
      telegrams += r.telegrams
      const added = r.meters.map((m) => `${m.added} new readings of ${m.meterId}`).join(', ') || 'no reading'
      let line = `${tty ? '\r\x1b[K' : ''}${file}: ${r.telegrams} telegrams, ${added}`
      if (r.failed)
        line += `; ${r.failed} frames failed (${Object.entries(r.failures)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')})`
      process.stderr.write(line + '\n')
      if (r.warning) process.stderr.write(r.warning + '\n')
      if (r.telegrams === 0 && r.failed > 0) {
        failedFiles++
        process.stderr.write(
          r.failures.missing_key ? 'No P1 key given: add --key HEX.\n' : r.failures.gcm_tag_mismatch ? 'The P1 key does not open these frames.\n' : ''
        )
      }
    }
  } finally {
    store.close()
  }
  if (values.json) process.stdout.write(JSON.stringify(results) + '\n')
  return failedFiles > 0 && telegrams === 0 ? 1 : 0
}

/** `history meters`: the meters with a history, their reading count and time span. */
async function cmdHistoryMeters(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { history: { type: 'string' }, json: { type: 'boolean' } })
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const store = await openStore(historyPath(values.history))
  try {
    const meters = await store.meters()
    if (values.json) process.stdout.write(JSON.stringify(meters) + '\n')
    else {
      const iso = (t: number | null): string => (t === null ? '—' : new Date(t).toISOString().replace('.000Z', 'Z'))
      for (const m of meters) process.stdout.write(`${m.meterId}  ${m.readings} readings  ${iso(m.first)} … ${iso(m.last)}\n`)
      if (meters.length === 0) process.stderr.write('The history is empty.\n')
    }
    return 0
  } finally {
    store.close()
  }
}

/** `history export|import|meters …`. */
async function cmdHistory(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'export':
      return cmdHistoryExport(rest)
    case 'import':
      return cmdHistoryImport(rest)
    case 'meters':
      return cmdHistoryMeters(rest)
    default:
      throw new UsageError(sub === undefined ? 'history needs export, import or meters' : `unknown history command "${sub}" (export, import, meters)`)
  }
}

/** Command name → run(args) → exit status. */
export const historyCommands: Record<string, (args: string[]) => Promise<number>> = { stats: cmdStats, history: cmdHistory }
