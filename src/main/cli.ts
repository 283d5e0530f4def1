/**
 * `p1studio` command line: the same services as the app, without a window (docs/cli.md).
 * This module only dispatches: command name → its module, imported when the command runs,
 * so `help` loads the usage texts only and `decode` never loads the board flasher, MQTT,
 * DuckDB or the web server. Adding a command = one module in src/main/cli/ + one entry in
 * {@link COMMANDS} (+ its usage lines in src/main/cli/usage.ts).
 * Wrong arguments → one line on stderr, exit 2; other failures → one line, exit 1. Never a
 * stack trace.
 */
import { appVersion } from './cli/root'
import { UsageError, usageText } from './cli/usage'

/** A command: its arguments (after the command name) → exit status. */
export type Command = (args: string[]) => Promise<number>

/** Command name → loader of the module that runs it. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  decode: async () => (await import('./cli/decode')).cmdDecode,
  monitor: async () => (await import('./cli/monitor')).cmdMonitor,
  simulate: async () => (await import('./cli/simulate')).cmdSimulate,
  serve: async () => (await import('./cli/serve')).cmdServe,
  token: async () => (await import('./cli/token')).cmdToken,
  'smtp-password': async () => (await import('./cli/smtp-commands')).cmdSmtpPassword,
  diagnose: async () => (await import('./cli/diagnose-commands')).diagnoseCommands.diagnose,
  capture: async () => (await import('./cli/capture-commands')).captureCommands.capture,
  replay: async () => (await import('./cli/capture-commands')).captureCommands.replay,
  import: async () => (await import('./cli/capture-commands')).captureCommands.import,
  export: async () => (await import('./cli/capture-commands')).captureCommands.export,
  'capture-info': async () => (await import('./cli/capture-commands')).captureCommands['capture-info'],
  stats: async () => (await import('./cli/history-commands')).historyCommands.stats,
  history: async () => (await import('./cli/history-commands')).historyCommands.history,
  service: async () => (await import('./cli/service-commands')).serviceCommands.service,
  board: async () => (await import('./cli/board-commands')).boardCommands.board
}

/** The command names `main` knows (besides help and version). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS)

let pipesWatched = false

/**
 * A reader that goes away (`p1studio decode … | head -1`: EPIPE) ends the process quietly
 * with status 0, as the command's output is simply no longer wanted; any other failure to
 * write the output (disk full) is one plain line and status 1. Never a stack trace.
 */
function watchOutputPipes(): void {
  if (pipesWatched) return
  pipesWatched = true
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(0)
    process.stderr.write(`p1studio: cannot write the output${e.code === 'ENOSPC' ? ': the disk is full' : e.code ? ` (${e.code})` : ''}\n`)
    process.exit(1)
  })
  // nothing sensible to say when stderr itself is gone
  process.stderr.on('error', () => undefined)
}

/** Run the CLI with `argv` (without node and script). @returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  watchOutputPipes()
  try {
    switch (cmd) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usageText())
        return cmd === undefined ? 2 : 0
      case '--version':
      case 'version':
        process.stdout.write(appVersion() + '\n')
        return 0
      default: {
        if (!Object.hasOwn(COMMANDS, cmd)) throw new UsageError(`unknown command "${cmd}"`)
        const run = await COMMANDS[cmd]()
        return await run(rest)
      }
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
