/**
 * `p1studio service install|uninstall|status`: P1 Studio as a systemd user service that runs
 * `p1studio serve --record …` for months (a Raspberry Pi next to the meter: docs/raspberry-pi.md).
 *
 * install writes `<name>.service` (default p1studio) into `$XDG_CONFIG_HOME/systemd/user/`
 * (~/.config/systemd/user), mode 0600 as it may hold a broker URL with a password: ExecStart
 * with the absolute paths of node and bin/p1studio.mjs, WorkingDirectory (where the command
 * was typed, so relative paths keep their meaning), Restart=on-failure,
 * Environment=P1STUDIO_DATA_DIR when set. A P1 key given with `--key` is not put in the unit:
 * it goes to `p1-key` (0600) in the data folder, and the unit reads it with `--key-file`.
 * Where a systemd user manager runs, the unit is enabled and started (`systemctl --user`);
 * elsewhere (containers, macOS, Windows, this build machine) the unit is written and printed
 * with the commands to run. `--dry-run` prints the unit and writes nothing.
 * `P1STUDIO_SYSTEMCTL` names another systemctl (tests).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import { ROOT, UsageError, keyOpt } from './args'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { SERVICE_USAGE } from './usage'

/** The data folder: $P1STUDIO_DATA_DIR, else ~/P1Studio (as the app and serve use it). */
function dataDir(): string {
  return process.env.P1STUDIO_DATA_DIR || join(homedir(), 'P1Studio')
}

/** Where systemd looks for user units: $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user. */
export function userUnitDir(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user')
}

/**
 * One ExecStart word, quoted as systemd reads it (systemd.service "Command lines"): `%` → `%%`
 * (specifiers), `$` → `$$` (variables), words with spaces, quotes or backslashes in "…".
 */
export function systemdWord(w: string): string {
  const s = w.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** What a unit runs. */
export interface UnitSpec {
  name: string
  node: string
  bin: string
  /** serve's arguments (after `serve`). */
  args: string[]
  workingDirectory: string
  dataDir: string | null
}

/** The text of the user unit. */
export function unitText(u: UnitSpec): string {
  const exec = [u.node, u.bin, 'serve', ...u.args].map(systemdWord).join(' ')
  return [
    '# Written by p1studio service install. Change it with p1studio service install again.',
    '[Unit]',
    'Description=P1 Studio: the meter reader (serve --record)',
    `Documentation=file://${join(ROOT, 'docs', 'raspberry-pi.md').replace(/ /g, '%20')}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${systemdWord(u.workingDirectory)}`,
    ...(u.dataDir ? [`Environment=${systemdWord(`P1STUDIO_DATA_DIR=${u.dataDir}`)}`] : []),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=10',
    // serve stops cleanly on SIGTERM (the recorder commits and marks its run as ended)
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    '',
    '[Install]',
    'WantedBy=default.target',
    ''
  ].join('\n')
}

interface Systemctl {
  bin: string
  /** A user manager answers (systemd runs for this user). */
  available: boolean
}

function systemctl(): Systemctl {
  const bin = process.env.P1STUDIO_SYSTEMCTL || 'systemctl'
  const r = spawnSync(bin, ['--user', 'show-environment'], { encoding: 'utf8', timeout: 10_000 })
  return { bin, available: r.status === 0 }
}

function run(s: Systemctl, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(s.bin, ['--user', ...args], { encoding: 'utf8', timeout: 60_000 })
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() }
}

/** Our options out of `args`; the rest is serve's. */
function split(args: string[], own: Record<string, 'flag' | 'value'>): { own: Record<string, string | true>; rest: string[] } {
  const out: Record<string, string | true> = {}
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const eq = a.indexOf('=')
    const name = a.startsWith('--') ? (eq > 0 ? a.slice(2, eq) : a.slice(2)) : null
    const kind = name ? own[name] : undefined
    if (!name || !kind) {
      rest.push(a)
      continue
    }
    if (kind === 'flag') out[name] = true
    else if (eq > 0) out[name] = a.slice(eq + 1)
    else if (i + 1 < args.length) out[name] = args[++i]
    else throw new UsageError(`--${name} needs a value`)
  }
  return { own: out, rest }
}

function unitName(v: string | true | undefined): string {
  const name = typeof v === 'string' ? v : 'p1studio'
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new UsageError('--name must be letters, digits, _ . @ - (e.g. p1studio)')
  return name
}

async function cmdInstall(args: string[]): Promise<number> {
  const { own, rest } = split(args, { 'dry-run': 'flag', name: 'value', key: 'value', 'key-file': 'value' })
  const name = unitName(own.name)
  const dry = own['dry-run'] === true
  if (own.key !== undefined && own['key-file'] !== undefined) throw new UsageError('give the P1 key with --key or with --key-file, not both')
  if (rest.some((a) => a === '--token' || a.startsWith('--token=')))
    throw new UsageError('--token does not belong in the unit: serve keeps its token in the data folder (p1studio token prints it)')
  const serveArgs = rest.slice()
  if (!serveArgs.includes('--record')) serveArgs.push('--record')
  let keyFile: string | null = null
  if (own.key !== undefined) {
    const hex = keyOpt(own.key, 'P1 key')!
    keyFile = join(dataDir(), 'p1-key')
    if (!dry) {
      mkdirSync(dataDir(), { recursive: true, mode: 0o700 })
      writeFileSync(`${keyFile}.tmp`, hex + '\n', { mode: 0o600 })
      renameSync(`${keyFile}.tmp`, keyFile)
    }
  } else if (typeof own['key-file'] === 'string') {
    keyFile = resolve(own['key-file'])
    if (!existsSync(keyFile)) throw new UsageError(`--key-file: no file at ${keyFile}`)
  }
  if (keyFile) serveArgs.push('--key-file', keyFile)
  const spec: UnitSpec = {
    name,
    node: process.execPath,
    bin: join(ROOT, 'bin', 'p1studio.mjs'),
    args: serveArgs,
    workingDirectory: process.cwd(),
    dataDir: process.env.P1STUDIO_DATA_DIR ? resolve(process.env.P1STUDIO_DATA_DIR) : null
  }
  const text = unitText(spec)
  const path = join(userUnitDir(), `${name}.service`)
  if (dry) {
    process.stdout.write(text)
    process.stderr.write(`(dry run: nothing written; the unit would go to ${path}${keyFile && own.key !== undefined ? ` and the P1 key to ${keyFile}` : ''})\n`)
    return 0
  }
  mkdirSync(userUnitDir(), { recursive: true })
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
  process.stderr.write(`wrote ${path}${keyFile && own.key !== undefined ? ` (the P1 key is in ${keyFile}, readable by you only)` : ''}\n`)
  const s = systemctl()
  if (!s.available) {
    process.stdout.write(text)
    process.stderr.write(
      `systemd does not run for this user here, so nothing was started. Where it does (a Raspberry Pi):\n` +
        `  systemctl --user daemon-reload && systemctl --user enable --now ${name}\n` +
        `  sudo loginctl enable-linger $USER   # keep it running without a login, and start it at boot\n`
    )
    return 0
  }
  for (const cmd of [['daemon-reload'], ['enable', '--now', `${name}.service`]]) {
    const r = run(s, cmd)
    if (!r.ok) throw new Error(`systemctl --user ${cmd.join(' ')} failed: ${r.out || 'no message'}`)
  }
  process.stderr.write(`${name} is enabled and started (systemctl --user status ${name}; journalctl --user -u ${name})\n`)
  const linger = spawnSync('loginctl', ['show-user', userInfo().username, '-p', 'Linger', '--value'], { encoding: 'utf8', timeout: 10_000 })
  if (linger.status === 0 && linger.stdout.trim() === 'no')
    process.stderr.write(`To keep it running after you log out and to start it at boot: sudo loginctl enable-linger ${userInfo().username}\n`)
  return 0
}

async function cmdUninstall(args: string[]): Promise<number> {
  const { own, rest } = split(args, { 'dry-run': 'flag', name: 'value' })
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`)
  const name = unitName(own.name)
  const path = join(userUnitDir(), `${name}.service`)
  if (!existsSync(path)) {
    process.stderr.write(`no unit ${path}: nothing to remove\n`)
    return 0
  }
  if (own['dry-run'] === true) {
    process.stderr.write(`(dry run) would stop and disable ${name} and remove ${path}\n`)
    return 0
  }
  const s = systemctl()
  if (s.available) {
    const r = run(s, ['disable', '--now', `${name}.service`])
    if (!r.ok) process.stderr.write(`systemctl --user disable --now ${name}: ${r.out || 'failed'}\n`)
  }
  rmSync(path)
  if (s.available) run(s, ['daemon-reload'])
  process.stderr.write(`removed ${path}${s.available ? ` (${name} stopped and disabled)` : ''}\n`)
  return 0
}

async function cmdStatus(args: string[]): Promise<number> {
  const { own, rest } = split(args, { name: 'value', json: 'flag' })
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`)
  const name = unitName(own.name)
  const path = join(userUnitDir(), `${name}.service`)
  const installed = existsSync(path)
  const exec = installed ? (/^ExecStart=(.*)$/m.exec(readFileSync(path, 'utf8'))?.[1] ?? null) : null
  const s = systemctl()
  const state = (verb: string): string | null => (s.available ? run(s, [verb, `${name}.service`]).out.split('\n')[0] || null : null)
  const status = { name, unit: path, installed, execStart: exec, systemd: s.available, active: state('is-active'), enabled: state('is-enabled') }
  if (own.json === true) process.stdout.write(JSON.stringify(status) + '\n')
  else {
    process.stdout.write(`${name}: ${installed ? `installed (${path})` : 'not installed'}\n`)
    if (exec) process.stdout.write(`  runs: ${exec}\n`)
    process.stdout.write(s.available ? `  ${status.active ?? 'unknown'}, ${status.enabled ?? 'unknown'}\n` : '  systemd does not run for this user here\n')
  }
  return installed ? 0 : 3 // 3: not installed (as systemctl is-active says for an inactive unit)
}

/** `service install|uninstall|status`. */
async function cmdService(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === 'install') return cmdInstall(rest)
  if (sub === 'uninstall') return cmdUninstall(rest)
  if (sub === 'status') return cmdStatus(rest)
  throw new UsageError(sub === undefined ? 'service needs install, uninstall or status' : `unknown service command "${sub}" (install, uninstall, status)`)
}

/** Command name → run(args) → exit status. */
export const serviceCommands: Record<string, (args: string[]) => Promise<number>> = { service: cmdService }
