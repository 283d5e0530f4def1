/**
 * `p1studio` capture commands: capture, replay, import, export, capture-info
 * (docs/cli.md, docs/capture-format.md). Files they write are 0600 and never half written:
 * `capture` opens the port before it creates the file (a capture file exists only once
 * there is a line to record) and removes a file whose header could not be written; `import`
 * and `export --out` write under a temporary name and link the file into place when it is
 * complete (an existing file is kept unless `--force`); disk full and the like are said in
 * plain words.
 */
import { existsSync } from 'node:fs'
import { basename } from 'node:path'
import { formatLineSettings } from '../line/serial-source'
import { isTcpSpec, sourceFromSpec } from '../line/tcp-source'
import { ReplaySource } from '../capture/replay-source'
import { openSerialWriter } from '../line/virtual-meter'
import { CaptureWriter, captureSource, type CaptureProgress } from '../capture/writer'
import { captureInfo } from '../capture/reader'
import { isoTime } from '../capture/format'
import { importToCapture } from '../capture/import-capture'
import { exportFile, exportToFile, type ExportFormat } from '../capture/export'
import { anonymiseCapture } from '../capture/anonymise'
import type { ByteSource } from '../line/source'
import { P1Decoder, type DecodeEvent } from '../p1/pipeline'
import { eventJson } from '../p1/event-json'
import { DEFAULT_LINE_SETTINGS } from '../../shared/types'
import { UsageError, appVersion, intOpt, keyOpt, lineSettings, parse } from './args'
import { LineBatcher } from './output'
import { refuseLineSettingsOverTcp, zoneOpt } from './source-opts'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { CAPTURE_USAGE } from './usage'

/** "1 frame", "2 frames", "1,234 bytes" (numbers grouped as in English). */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** A file size in words: "512 bytes", "4.1 kB", "10.81 MB" (1 kB = 1,000 bytes). */
export function fileSize(n: number): string {
  if (n < 1000) return plural(n, 'byte')
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`
  return `${(n / 1e6).toFixed(2)} MB`
}

const progressLine = (p: CaptureProgress): string =>
  `${p.durationS.toFixed(0)} s, ${plural(p.bytes, 'byte')}, ${plural(p.frames, 'frame')}, file ${fileSize(p.fileBytes)}${p.systemTitle ? `, system title ${p.systemTitle}` : ''}`

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
  if (!values.port) throw new UsageError('capture needs --port PATH or --port tcp://HOST:PORT')
  refuseLineSettingsOverTcp(values.port, values)
  if (!values.out) throw new UsageError('capture needs --out FILE')
  const duration = intOpt(values.duration, 'duration', 0.1, 366 * 86400)
  const settings = { ...DEFAULT_LINE_SETTINGS, ...lineSettings(values) }
  const out = String(values.out)
  if (values['split-daily'] !== true && existsSync(out)) throw new Error(`${out} already exists: P1 Studio never overwrites a capture; choose another name.`)
  // a serial port path, or tcp://HOST:PORT (raw P1 bytes over TCP)
  const src = sourceFromSpec(String(values.port), { settings })
  // the port first: a port that cannot be opened leaves no capture file behind; what arrives
  // between the open and the file's creation is kept
  const early: [Buffer, number][] = []
  const onEarly = (chunk: Buffer, at: number): void => void early.push([chunk, at])
  src.on('data', onEarly)
  try {
    await src.start()
  } finally {
    src.off('data', onEarly)
  }
  let writer: CaptureWriter
  try {
    writer = new CaptureWriter({
      path: out,
      source: src.label,
      lineSettings: isTcpSpec(String(values.port)) ? null : formatLineSettings(settings),
      appVersion: appVersion(),
      splitDaily: values['split-daily'] === true
    })
  } catch (e) {
    await src.stop().catch(() => undefined)
    throw e
  }
  const tty = process.stderr.isTTY
  process.stderr.write(`capturing ${src.label} into ${values.out} (Ctrl-C to stop)\n`)
  // a TCP source reconnecting says so ("connection refused, retrying in 4 s")
  src.on('error', (e) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${e.message}\n`))
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
    for (const [chunk, at] of early) writer.write(chunk, at)
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
  const { values, positionals } = parse(args, {
    to: { type: 'string' },
    speed: { type: 'string' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' }
  })
  if (positionals.length !== 1) throw new UsageError('replay needs exactly one FILE')
  const speed = speedOpt(values.speed)
  const file = positionals[0]
  const src = new ReplaySource(file, { speed })
  if (!values.to) {
    // no port: decode as it plays (like monitor on a recording)
    return replayDecoded(src, keyOpt(values.key, 'P1 key'), keyOpt(values['auth-key'], 'Authentication key'))
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
          process.stderr.write(`replayed ${plural(sent, 'record')}, ${plural(bytes, 'byte')}\n`)
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
  const { values, positionals } = parse(args, { out: { type: 'string' }, force: { type: 'boolean' } })
  if (positionals.length !== 1) throw new UsageError('import needs exactly one FILE')
  if (!values.out) throw new UsageError('import needs --out CAPTURE')
  const r = await importToCapture(positionals[0], String(values.out), { appVersion: appVersion(), force: values.force === true })
  if (r.warning) process.stderr.write(r.warning + '\n')
  process.stderr.write(
    `imported ${r.description}: ${plural(r.records, 'record')}, ${plural(r.bytes, 'byte')}, ${plural(r.frames, 'frame')} → ${r.path}${r.syntheticTimes ? ' (receive times made up: 10 s per frame)' : ''}\n`
  )
  return 0
}

async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    anonymise: { type: 'boolean' },
    zone: { type: 'string' }
  })
  if (positionals.length !== 1) throw new UsageError('export needs exactly one FILE')
  // the meter's zone: its W/S times and the CSV's receive times are in it (default Europe/Luxembourg)
  const zone = zoneOpt(values.zone)
  if (values.anonymise === true) return exportAnonymised(positionals[0], values)
  const format = String(values.format ?? '')
  if (!['csv', 'jsonl', 'raw'].includes(format)) throw new UsageError('--format must be csv, jsonl or raw')
  const opts = { format: format as ExportFormat, key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key'), zone }
  let res: Awaited<ReturnType<typeof exportFile>>
  if (values.out) {
    const out = String(values.out)
    if (values.force !== true && existsSync(out)) throw new Error(`${out} already exists: P1 Studio does not overwrite files (use --force to replace it).`)
    res = await exportToFile(positionals[0], out, { ...opts, force: values.force === true })
  } else res = await exportFile(positionals[0], process.stdout, opts)
  if (res.warning) process.stderr.write(res.warning + '\n')
  process.stderr.write(
    format === 'raw'
      ? `exported ${plural(res.bytes, 'byte')}\n`
      : `exported ${plural(res.telegrams, 'telegram')}${res.failed ? `, ${plural(res.failed, 'frame')} failed${format === 'jsonl' ? ' (see the JSON lines)' : ''}` : ''}\n`
  )
  // an export that wrote no telegram is no success (nothing_decoded: the key is missing or wrong)
  return res.warnings.some((w) => w.code === 'nothing_decoded') ? 1 : 0
}

/**
 * `export --anonymise --key K FILE --out F`: a capture to share — meter ids, system title and
 * key replaced, faults and timing kept (src/main/capture/anonymise.ts). The new key is printed
 * on stdout (it is no meter's key); exit 1 when no frame opened with the key.
 */
async function exportAnonymised(file: string, values: Record<string, string | boolean | undefined>): Promise<number> {
  if (values.format !== undefined) throw new UsageError('--anonymise writes a capture: no --format')
  if (!values.out) throw new UsageError('--anonymise needs --out FILE')
  const key = keyOpt(values.key, 'P1 key')
  if (!key) throw new UsageError("--anonymise needs the meter's --key: the frames are opened with it")
  const authKey = keyOpt(values['auth-key'], 'Authentication key')
  const out = String(values.out)
  if (values.force !== true && existsSync(out)) throw new Error(`${out} already exists: P1 Studio does not overwrite files (use --force to replace it).`)
  const res = await anonymiseCapture(file, out, {
    key: Buffer.from(key, 'hex'),
    authKey: authKey ? Buffer.from(authKey, 'hex') : undefined,
    appVersion: appVersion(),
    force: values.force === true
  })
  if (res.warning) process.stderr.write(res.warning + '\n')
  process.stderr.write(
    `shared ${plural(res.frames + res.plainTelegrams, 'telegram')} anonymised${res.keptAsIs ? `, ${plural(res.keptAsIs, 'frame')} kept as ${res.keptAsIs === 1 ? 'it was' : 'they were'}` : ''} → ${out}\nthe key of the shared file (give it with the file):\n`
  )
  process.stdout.write(res.keyHex + '\n')
  return res.warnings.some((w) => w.code === 'nothing_decoded') ? 1 : 0
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
      firstTime: i.firstTime === null ? null : isoTime(i.firstTime),
      lastTime: i.lastTime === null ? null : isoTime(i.lastTime),
      spanS: Number.isFinite(span) ? span : null,
      damaged: i.damaged,
      warning: i.warning
    }) + '\n'
  )
  if (i.warning) process.stderr.write(i.warning + '\n')
  return 0
}

/**
 * `replay FILE` without `--to`: one JSON line per frame as the recording plays (as `decode`
 * prints them). Without a P1 key, says on stderr what it can and cannot do: encrypted frames
 * are listed (system title, frame counter, `missing_key`) but not decoded. Ends with a summary
 * line on stderr. @returns exit status as `decode`: 0 if at least one telegram decoded or the
 * recording held no frame, 1 otherwise (e.g. encrypted frames and no key).
 */
async function replayDecoded(src: ByteSource, key: string | undefined, authKey: string | undefined): Promise<number> {
  const decoder = new P1Decoder({ key: key ?? null, authKey, frameHex: false })
  const out = new LineBatcher(process.stdout)
  let decoded = 0
  let failed = 0
  let noKey = 0
  let warnedNoKey = false
  const gather = (evs: DecodeEvent[]): void => {
    for (const ev of evs) {
      const line = eventJson(ev)
      if (line === null) continue
      if (ev.type === 'telegram') decoded++
      else if (ev.type === 'failure' && ev.failure.code === 'missing_key') {
        noKey++
        if (!warnedNoKey) {
          warnedNoKey = true
          process.stderr.write(
            'No P1 key (--key, --key-file or P1STUDIO_KEY): encrypted frames are listed with their system title and frame counter, but cannot be decoded.\n'
          )
        }
      } else failed++
      out.line(line)
    }
    if (out.full) void out.flush()
  }
  let last = 0
  src.on('data', (chunk, at) => {
    last = at
    gather(decoder.push(chunk, at))
  })
  src.on('error', (e) => process.stderr.write(e.message + '\n'))
  await src.start()
  const stop = (): void => void src.stop()
  process.once('SIGINT', stop)
  await new Promise<void>((resolve) => src.once('end', () => resolve()))
  process.off('SIGINT', stop)
  gather(decoder.end(last))
  await out.flush()
  const parts = [`${decoded} telegram${decoded === 1 ? '' : 's'} decoded`]
  if (noKey) parts.push(`${noKey} encrypted frame${noKey === 1 ? '' : 's'} not decoded (no P1 key)`)
  if (failed) parts.push(`${failed} failed`)
  process.stderr.write(`replayed: ${parts.join(', ')}\n`)
  return decoded > 0 || failed + noKey === 0 ? 0 : 1
}

/** Command name → run(args) → exit status. */
export const captureCommands: Record<string, (args: string[]) => Promise<number>> = {
  capture: cmdCapture,
  replay: cmdReplay,
  import: cmdImport,
  export: cmdExport,
  'capture-info': cmdInfo
}
