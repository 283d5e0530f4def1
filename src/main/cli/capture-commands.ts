/**
 * `p1studio` capture commands: capture, replay, import, export, capture-info
 * (docs/cli.md, docs/capture-format.md).
 */
import { createWriteStream } from 'node:fs'
import { basename } from 'node:path'
import { formatLineSettings, SerialSource } from '../line/serial-source'
import { ReplaySource } from '../line/replay-source'
import { openSerialWriter } from '../line/virtual-meter'
import { CaptureWriter, captureSource, type CaptureProgress } from '../capture/writer'
import { captureInfo } from '../capture/reader'
import { openInput } from '../capture/importers'
import { exportFile, type ExportFormat } from '../capture/export'
import { DEFAULT_LINE_SETTINGS } from '../../shared/types'
import { UsageError, appVersion, intOpt, keyOpt, lineSettings, parse } from './args'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { CAPTURE_USAGE } from './usage'

const mb = (n: number): string => (n / 1e6).toFixed(2) + ' MB'
const progressLine = (p: CaptureProgress): string =>
  `${p.durationS.toFixed(0)} s, ${p.bytes} bytes, ${p.frames} frames, file ${mb(p.fileBytes)}${p.systemTitle ? `, system title ${p.systemTitle}` : ''}`

async function cmdCapture(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    out: { type: 'string' },
    duration: { type: 'string' },
    'split-daily': { type: 'boolean' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' }
  })
  if (!values.port) throw new UsageError('capture needs --port PATH')
  if (!values.out) throw new UsageError('capture needs --out FILE')
  const duration = intOpt(values.duration, 'duration', 0.1, 366 * 86400)
  const settings = { ...DEFAULT_LINE_SETTINGS, ...lineSettings(values) }
  const src = new SerialSource(String(values.port), settings)
  const writer = new CaptureWriter({
    path: String(values.out),
    source: src.label,
    lineSettings: formatLineSettings(settings),
    appVersion: appVersion(),
    splitDaily: values['split-daily'] === true
  })
  try {
    await src.start()
  } catch (e) {
    writer.close()
    throw e
  }
  const tty = process.stderr.isTTY
  process.stderr.write(`capturing ${src.label} into ${values.out} (Ctrl-C to stop)\n`)
  return new Promise<number>((resolveExit) => {
    const cap = captureSource(src, writer)
    let exitCode = 0
    let last = 0
    const ticker = setInterval(() => {
      const line = progressLine(writer.progress())
      if (tty) process.stderr.write(`\r\x1b[K${line}`)
      else if (Date.now() - last > 5000) {
        last = Date.now()
        process.stderr.write(line + '\n')
      }
    }, 1000)
    let finished = false
    const finish = (): void => {
      if (finished) return
      finished = true
      clearInterval(ticker)
      const p = cap.stop()
      void src.stop().then(() => {
        process.stderr.write(`${tty ? '\r\x1b[K' : ''}saved ${p.files.join(', ')}: ${progressLine(p)}\n`)
        resolveExit(exitCode)
      })
    }
    if (duration !== undefined) setTimeout(finish, duration * 1000)
    process.once('SIGINT', finish)
    process.once('SIGTERM', finish)
    src.on('end', (reason) => {
      if (/disconnected/.test(reason)) {
        exitCode = 1
        process.stderr.write(`\n${reason} The capture is saved up to here.\n`)
      }
      finish()
    })
    writer.on('error', (e) => {
      exitCode = 1
      process.stderr.write(`\n${e.message}\n`)
      finish()
    })
  })
}

function speedOpt(v: unknown): number {
  if (v === undefined) return 1
  if (/^(inf|infinity|max)$/i.test(String(v))) return Infinity
  const n = Number(v)
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError('--speed must be a number greater than 0, or inf')
  return n
}

async function cmdReplay(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { to: { type: 'string' }, speed: { type: 'string' }, key: { type: 'string' }, baud: { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one FILE')
  const speed = speedOpt(values.speed)
  const file = positionals[0]
  const src = new ReplaySource(file, { speed })
  if (!values.to) {
    // no port: decode as it plays (like monitor on a recording)
    const { cmdDecodeEvents } = await import('./replay-print')
    return cmdDecodeEvents(src, keyOpt(values.key, 'P1 key'))
  }
  const writer = await openSerialWriter(String(values.to), lineSettings(values))
  let sent = 0
  let bytes = 0
  src.on('error', (e) => process.stderr.write(e.message + '\n'))
  const writes: Promise<void>[] = []
  let chain = Promise.resolve()
  src.on('data', (chunk) => {
    sent++
    bytes += chunk.length
    chain = chain.then(() => writer.write(chunk))
    writes.push(chain)
  })
  await src.start()
  process.stderr.write(`replaying ${basename(file)} to ${values.to} at ${Number.isFinite(speed) ? `${speed}×` : 'full speed'} (Ctrl-C to stop)\n`)
  return new Promise<number>((resolveExit) => {
    const finish = (code: number): void => {
      void chain
        .catch((e: Error) => {
          process.stderr.write(e.message + '\n')
          code = 1
        })
        .then(() => writer.close())
        .then(() => {
          process.stderr.write(`replayed ${sent} records, ${bytes} bytes\n`)
          resolveExit(code)
        })
    }
    process.once('SIGINT', () => {
      void src.stop()
      finish(0)
    })
    src.on('end', () => finish(0))
  })
}

async function cmdImport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('import needs exactly one FILE')
  if (!values.out) throw new UsageError('import needs --out CAPTURE')
  const input = await openInput(positionals[0])
  // read everything first: a bad file must not leave a partial capture behind
  const recs: { time: number; bytes: Buffer }[] = []
  let header: Record<string, unknown> | null = null
  for await (const r of input.records()) {
    if (r.type === 'data') recs.push({ time: r.time, bytes: r.bytes })
    else header ??= r.meta
  }
  const writer = new CaptureWriter({
    path: String(values.out),
    source: `imported from ${input.description}`,
    lineSettings: (header?.lineSettings as string | null | undefined) ?? null,
    appVersion: appVersion(),
    header: { syntheticTimes: input.syntheticTimes, note: `format ${input.format}` }
  })
  for (const r of recs) writer.write(r.bytes, r.time)
  const p = writer.close()
  process.stderr.write(`imported ${input.description}: ${recs.length} records, ${p.bytes} bytes, ${p.frames} frames → ${values.out}${input.syntheticTimes ? ' (receive times made up: 10 s per frame)' : ''}\n`)
  return 0
}

async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, 'auth-key': { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('export needs exactly one FILE')
  const format = String(values.format ?? '')
  if (!['csv', 'jsonl', 'raw'].includes(format)) throw new UsageError('--format must be csv, jsonl or raw')
  const out = values.out ? createWriteStream(String(values.out), { flags: 'wx' }) : process.stdout
  if (values.out) {
    await new Promise<void>((res, rej) => {
      out.once('open' as never, () => res())
      out.once('error', (e: NodeJS.ErrnoException) => rej(new Error(e.code === 'EEXIST' ? `${values.out} already exists.` : `Cannot write ${values.out}: ${e.message}`)))
    })
  }
  const res = await exportFile(positionals[0], out, {
    format: format as ExportFormat,
    key: keyOpt(values.key, 'P1 key'),
    authKey: keyOpt(values['auth-key'], 'Authentication key')
  })
  if (values.out) await new Promise<void>((r) => out.end(() => r()))
  if (res.warning) process.stderr.write(res.warning + '\n')
  process.stderr.write(format === 'raw' ? `exported ${res.bytes} bytes\n` : `exported ${res.telegrams} telegrams${res.failed ? `, ${res.failed} frames failed (see jsonl)` : ''}\n`)
  return 0
}

async function cmdInfo(args: string[]): Promise<number> {
  const { positionals } = parse(args, {})
  if (positionals.length !== 1) throw new UsageError('capture-info needs exactly one FILE')
  const i = await captureInfo(positionals[0])
  const span = i.firstTime !== null && i.lastTime !== null ? (i.lastTime - i.firstTime) / 1000 : 0
  process.stdout.write(
    JSON.stringify({
      header: i.header,
      metadata: i.metadata,
      dataRecords: i.dataRecords,
      bytes: i.bytes,
      firstTime: i.firstTime === null ? null : new Date(i.firstTime).toISOString(),
      lastTime: i.lastTime === null ? null : new Date(i.lastTime).toISOString(),
      spanS: span,
      warning: i.warning
    }) + '\n'
  )
  if (i.warning) process.stderr.write(i.warning + '\n')
  return 0
}

/** Command name → run(args) → exit status. */
export const captureCommands: Record<string, (args: string[]) => Promise<number>> = {
  capture: cmdCapture,
  replay: cmdReplay,
  import: cmdImport,
  export: cmdExport,
  'capture-info': cmdInfo
}
