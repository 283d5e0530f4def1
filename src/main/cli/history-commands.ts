/**
 * `p1studio stats`: per local day (Europe/Luxembourg, from the meter's clock) imported and
 * exported kWh, peak 15-minute demand, energy above the power class and its cost — the
 * numbers the app's History tab shows (src/shared/history.ts). Needs no database: files are
 * decoded and aggregated in memory (one small row per telegram).
 */
import { DEFAULT_PRICE_EUR_PER_KWH, dailyStats, readingOf, type CounterReading } from '../../shared/history'
import { openInput } from '../capture/importers'
import { P1Decoder } from '../p1/pipeline'
import { UsageError, keyOpt, parse } from './args'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { HISTORY_USAGE } from './usage'

/**
 * Decode files into counter readings sorted by meter time (duplicates from overlapping
 * files removed). @throws as the capture reader / importers.
 */
export async function countersOfFiles(files: string[], key?: string, authKey?: string): Promise<{ readings: CounterReading[]; telegrams: number; failed: number }> {
  const byTime = new Map<number, CounterReading>()
  let telegrams = 0
  let failed = 0
  for (const f of files) {
    const input = await openInput(f)
    const d = new P1Decoder({ key: key ?? null, authKey, frameHex: false })
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
    json: { type: 'boolean' }
  })
  if (positionals.length === 0) throw new UsageError('stats needs at least one FILE')
  const classKW = values.class === undefined ? 7 : Number(values.class)
  if (!(classKW > 0) || classKW > 1000) throw new UsageError('--class must be a power in kW greater than 0, e.g. 3, 7 or 12')
  const price = values.price === undefined ? DEFAULT_PRICE_EUR_PER_KWH : Number(values.price)
  if (!(price >= 0) || price > 100) throw new UsageError('--price must be a price per kWh from 0 to 100')
  const { readings, telegrams, failed } = await countersOfFiles(positionals, keyOpt(values.key, 'P1 key'), keyOpt(values['auth-key'], 'Authentication key'))
  if (telegrams === 0) {
    throw new Error(failed > 0 ? `No telegram could be decoded (${failed} frames failed: wrong or missing --key?).` : 'No telegram in the input.')
  }
  const days = dailyStats(readings, classKW, price)
  if (values.json) process.stdout.write(JSON.stringify({ classKW, priceEurPerKWh: price, days }) + '\n')
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

/** Command name → run(args) → exit status. */
export const historyCommands: Record<string, (args: string[]) => Promise<number>> = { stats: cmdStats }
