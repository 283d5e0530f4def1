/**
 * `p1studio` command line: the same services as the app, without a window.
 * Commands: decode, monitor, simulate, serve, help, and the modules' (diagnose, capture…,
 * stats, board). Wrong arguments → one line on stderr,
 * exit 2; other failures → one line, exit 1. Never a stack trace. docs/cli.md.
 */
import { createReadStream, existsSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { P1Decoder, type DecodeEvent } from './p1/pipeline'
import { SerialSource } from './line/serial-source'
import { VirtualMeter, openSerialWriter } from './line/virtual-meter'
import { FAULT_HELP, METER_FAULTS, sttyFormat, type MeterFault, type MeterFaultName } from './line/faults'
import { StudioSession } from './host/session'
import { startWebServer } from './host/web'
import { captureCommands, CAPTURE_USAGE } from './cli/capture-commands'
import { diagnoseCommands, DIAGNOSE_USAGE } from './cli/diagnose-commands'
import { historyCommands, HISTORY_USAGE } from './cli/history-commands'
import { boardCommands, BOARD_USAGE } from './cli/board-commands'
import { ROOT, UsageError, appVersion, eventJson, intOpt, keyOpt, lineSettings, parse, write } from './cli/args'

export { appVersion, eventJson }

const USAGE = `P1 Studio ${appVersion()} — Smarty / DSMR P1 tools

Usage: p1studio <command> [options]

  decode [--key HEX] [--auth-key HEX] FILE|-
      Decode a raw byte stream (a file, or - for stdin). One JSON line per frame:
      {"systemTitle","frameCounter","identification","crcOk","warnings","objects":{…}}
      or {"error":{"code","message"},"offset"} for a frame that failed.
      Exit 0 if at least one telegram decoded (or the input held no frame), 1 otherwise.
  monitor --port PATH [--key HEX] [--auth-key HEX] [--baud N] [--data-bits N]
          [--parity none|even|odd] [--stop-bits N] [--count N]
      The same, live from a serial port (default 115200 8N1); stops after N telegrams.
  simulate --port PATH --key HEX [--interval SECONDS] [--system-title HEX] [--count N]
           [--plain] [--fault NAME [--every N] [--truncate-at N]] [--peer PATH]
      Virtual Smarty meter: writes encrypted frames to a port (default every 10 s).
      Faults: ${METER_FAULTS.join(', ')} (docs/cli.md).
      --peer: the other end of a pty pair; inverted/wrong-baud lines are then delivered as a
      UART set like that end would read them (bit-level model).
  serve [--port PATH | --capture FILE | --demo] [--key HEX] [--auth-key HEX] [--listen HOST:PORT]
        [--token TOKEN] [--open] [--capture-dir DIR] [--history FILE.duckdb]
      The P1 Studio UI in a browser (default 127.0.0.1:8417, demo source).
${DIAGNOSE_USAGE}${CAPTURE_USAGE}${HISTORY_USAGE}${BOARD_USAGE}  help, --help, --version
`

/** Commands defined in their own modules (src/main/cli/): name → run(args) → exit status. */
const MODULE_COMMANDS: Record<string, (args: string[]) => Promise<number>> = { ...diagnoseCommands, ...captureCommands, ...historyCommands, ...boardCommands }

async function cmdDecode(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' }, 'auth-key': { type: 'string' } })
  if (positionals.length !== 1) throw new UsageError('decode needs exactly one FILE (or - for stdin)')
  const file = positionals[0]
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key') })
  if (file !== '-' && !existsSync(file)) throw new Error(`No file at ${file}.`)
  const input = file === '-' ? process.stdin : createReadStream(file)
  let decoded = 0
  let failed = 0
  const emit = async (evs: DecodeEvent[]): Promise<void> => {
    for (const ev of evs) {
      const line = eventJson(ev)
      if (line === null) continue
      if (ev.type === 'telegram') decoded++
      else failed++
      await write(line)
    }
  }
  for await (const chunk of input) await emit(decoder.push(chunk as Buffer))
  await emit(decoder.end())
  return decoded > 0 || failed === 0 ? 0 : 1
}

async function cmdMonitor(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' },
    count: { type: 'string' }
  })
  if (!values.port) throw new UsageError('monitor needs --port PATH')
  const count = intOpt(values.count, 'count', 1, Number.MAX_SAFE_INTEGER)
  const decoder = new P1Decoder({ key: keyOpt(values.key, 'P1 key'), authKey: keyOpt(values['auth-key'], 'Authentication key') })
  const src = new SerialSource(String(values.port), lineSettings(values))
  await src.start()
  process.stderr.write(`monitoring ${src.label} (Ctrl-C to stop)\n`)
  return new Promise<number>((resolveExit) => {
    let telegrams = 0
    const finish = (code: number): void => {
      void src.stop().then(() => resolveExit(code))
    }
    process.once('SIGINT', () => finish(0))
    src.on('data', (chunk, at) => {
      for (const ev of decoder.push(chunk, at)) {
        const line = eventJson(ev)
        if (line) process.stdout.write(line + '\n')
        if (ev.type === 'telegram' && count !== undefined && ++telegrams >= count) return finish(0)
      }
    })
    src.on('error', (e) => process.stderr.write(e.message + '\n'))
    src.on('end', (reason) => {
      process.stderr.write(reason + '\n')
      resolveExit(1)
    })
  })
}

async function cmdSimulate(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    key: { type: 'string' },
    interval: { type: 'string' },
    'system-title': { type: 'string' },
    count: { type: 'string' },
    'frame-counter': { type: 'string' },
    fault: { type: 'string' },
    every: { type: 'string' },
    'truncate-at': { type: 'string' },
    plain: { type: 'boolean' },
    peer: { type: 'string' }
  })
  if (!values.port) throw new UsageError('simulate needs --port PATH')
  const plain = values.plain === true
  const key = keyOpt(values.key, 'P1 key') ?? (plain ? '00000000000000000000000000000000' : undefined)
  if (!key) throw new UsageError('simulate needs --key HEX (the P1 key the frames are encrypted with), or --plain')
  const faultName = String(values.fault ?? 'none')
  if (!(METER_FAULTS as readonly string[]).includes(faultName)) throw new UsageError(`--fault must be one of ${METER_FAULTS.join(', ')}`)
  const fault: MeterFault = {
    name: faultName as MeterFaultName,
    every: intOpt(values.every, 'every', 1, 1_000_000),
    truncateAt: intOpt(values['truncate-at'], 'truncate-at', 1, 65_535)
  }
  const peer = values.peer === undefined ? null : String(values.peer)
  const interval = intOpt(values.interval, 'interval', 0.01, 3600) ?? 10
  const count = intOpt(values.count, 'count', 1, Number.MAX_SAFE_INTEGER)
  let title: Buffer | undefined
  if (values['system-title'] !== undefined) {
    const t = String(values['system-title'])
    if (!/^[0-9A-Fa-f]{16}$/.test(t)) throw new UsageError('--system-title must be 16 hex digits (8 bytes)')
    title = Buffer.from(t, 'hex')
  }
  const writer = await openSerialWriter(String(values.port))
  const meter = new VirtualMeter({
    key: Buffer.from(key, 'hex'),
    systemTitle: title,
    frameCounter: intOpt(values['frame-counter'], 'frame-counter', 0, 0xffffffff),
    intervalMs: interval * 1000,
    write: (f) => writer.write(f),
    fault,
    plain,
    receiver: peer ? () => sttyFormat(peer) : undefined
  })
  return new Promise<number>((resolveExit) => {
    let sent = 0
    const finish = (code: number): void => {
      meter.stop()
      void writer.close().then(() => resolveExit(code))
    }
    process.once('SIGINT', () => finish(0))
    meter.on('frame', (frame, _t, fc) => {
      process.stderr.write(`frame ${fc}: ${frame.length} bytes\n`)
      if (count !== undefined && ++sent >= count) setTimeout(() => finish(0), 50)
    })
    meter.on('error', (e) => {
      process.stderr.write(e.message + '\n')
      finish(1)
    })
    const what = fault.name === 'none' ? '' : `, fault ${fault.name} (${FAULT_HELP[fault.name]})`
    process.stderr.write(`virtual meter on ${values.port}, a frame every ${interval} s${what} (Ctrl-C to stop)\n`)
    meter.start()
  })
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open'
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url]
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true })
    child.on('error', () => process.stdout.write(`Open ${url} in your browser.\n`))
    child.unref()
  } catch {
    process.stdout.write(`Open ${url} in your browser.\n`)
  }
}

/** `serve`: StudioSession + web server. Resolves when stopped by a signal. */
export async function cmdServe(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    demo: { type: 'boolean' },
    key: { type: 'string' },
    'auth-key': { type: 'string' },
    listen: { type: 'string' },
    token: { type: 'string' },
    open: { type: 'boolean' },
    baud: { type: 'string' },
    'data-bits': { type: 'string' },
    parity: { type: 'string' },
    'stop-bits': { type: 'string' },
    'capture-dir': { type: 'string' },
    history: { type: 'string' },
    capture: { type: 'string' }
  })
  if ([values.port, values.demo, values.capture].filter(Boolean).length > 1) throw new UsageError('choose one of --port PATH, --capture FILE or --demo')
  let host = '127.0.0.1'
  let port = 8417
  if (values.listen !== undefined) {
    const m = /^(.*):(\d{1,5})$/.exec(String(values.listen))
    if (!m || Number(m[2]) > 65535) throw new UsageError('--listen must be HOST:PORT, e.g. 127.0.0.1:8417')
    host = m[1].replace(/^\[|\]$/g, '') || '127.0.0.1'
    port = Number(m[2])
  }
  const session = new StudioSession({
    version: appVersion(),
    key: keyOpt(values.key, 'P1 key'),
    authKey: keyOpt(values['auth-key'], 'Authentication key'),
    captureDir: values['capture-dir'] === undefined ? undefined : String(values['capture-dir']),
    historyPath: values.history === undefined ? undefined : String(values.history)
  })
  const settings = lineSettings(values)
  const staticDir = process.env.P1STUDIO_RENDERER_DIR ?? join(ROOT, 'out', 'renderer')
  const server = await startWebServer({ session, host, port, token: values.token as string | undefined, staticDir })
  if (values.port) {
    try {
      await session.openSource({ kind: 'serial', path: String(values.port), settings })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: choose another port there)\n`)
    }
  } else if (values.capture) {
    try {
      await session.openSource({ kind: 'capture', path: String(values.capture) })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: open another capture there)\n`)
    }
  } else {
    await session.openSource({ kind: 'demo' })
  }
  const what = values.port ? String(values.port) : values.capture ? String(values.capture) : 'the demo'
  process.stdout.write(`P1 Studio is serving ${what} at ${server.url} (captures in ${(await session.getStatus()).capture.dir})\n`)
  if (values.open) openBrowser(server.url)
  return new Promise<number>((resolveExit) => {
    const stop = (): void => {
      void session.dispose().then(() => server.close()).then(() => resolveExit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

/** Run the CLI with `argv` (without node and script). @returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case 'decode':
        return await cmdDecode(rest)
      case 'monitor':
        return await cmdMonitor(rest)
      case 'simulate':
        return await cmdSimulate(rest)
      case 'serve':
        return await cmdServe(rest)
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE)
        return cmd === undefined ? 2 : 0
      case '--version':
      case 'version':
        process.stdout.write(appVersion() + '\n')
        return 0
      default:
        if (Object.hasOwn(MODULE_COMMANDS, cmd)) return await MODULE_COMMANDS[cmd](rest)
        throw new UsageError(`unknown command "${cmd}"`)
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`p1studio: ${e.message} (see: p1studio help)\n`)
      return 2
    }
    process.stderr.write(`p1studio: ${(e as Error).message}\n`)
    return 1
  }
}
