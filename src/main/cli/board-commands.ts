/**
 * `p1studio board …`: flash, configure and verify a SmartyReader (or any ESP8266/ESP32) from
 * the command line, with the same code as the app (src/main/board/). Sub-commands: info,
 * flash, config, profiles, verify, improv, monitor. Wrong arguments: one line, exit 2
 * (UsageError); failures: one line, exit 1. Progress goes to stderr, results to stdout. A P1
 * key or a password is never printed: `config` prints secrets masked and writes them only with
 * --out (0600, atomically, never over an existing file without --force). Profiles saved by the
 * app or `serve` are read with their secrets from the same store (OS keyring or the key file
 * beside the data folder: secret-store.ts); the protection in force is printed on stderr.
 *
 * Why one file over 400 lines: one small function per sub-command with its argument checks;
 * they share the profile and secret-store set-up at the top.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { BoardObject, BoardFlashProgress, FirmwareGeneration, MqttVerifyReport } from '../../shared/board'
import { writeFileSafely } from '../capture/safe-file'
import { parseConfigH, writeConfigH } from '../board/config-h'
import { writeEsphomeSecrets, writeEsphomeYaml } from '../board/esphome'
import { flashBoard, readBoardInfo } from '../board/flasher'
import { parseImageArg, readImageFile } from '../board/image'
import { improvProvision } from '../board/improv'
import { SerialMonitor, UdpLogListener } from '../board/monitor'
import { verifyMqtt } from '../board/mqtt-verify'
import { mergeProfile, type BoardProfile } from '../board/profile'
import { validateProfile } from '../board/profile-rules'
import { ProfileStore } from '../board/profile-store'
import { openSecretStore } from '../board/secret-store'
import { SerialSource } from '../line/serial-source'
import { P1Decoder } from '../p1/pipeline'
import { UsageError, intOpt, keyOpt, parse } from './args'

/** Usage lines, inserted in `p1studio help`: kept in ./usage so that help loads no command module. */
export { BOARD_USAGE } from './usage'

const SUBCOMMANDS = ['info', 'flash', 'config', 'profiles', 'verify', 'improv', 'monitor'] as const

function stamp(t: number): string {
  const d = new Date(t)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
}

function progressPrinter(): (p: BoardFlashProgress) => void {
  const tty = process.stderr.isTTY
  let lastPct = -1
  return (p) => {
    const pct = Math.floor(p.fraction * 100)
    const line = `${p.phase}${p.fileCount ? ` image ${p.fileIndex + 1}/${p.fileCount}` : ''}${p.phase === 'writing' ? ` at 0x${p.address.toString(16)}` : ''} ${pct}%`
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.phase === 'done' ? '\n' : ''}`)
    else if (p.phase !== 'writing' || pct >= lastPct + 10) {
      lastPct = p.phase === 'writing' ? pct : lastPct
      process.stderr.write(line + '\n')
    }
  }
}

async function cmdInfo(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { port: { type: 'string' }, 'no-reset': { type: 'boolean' }, json: { type: 'boolean' } })
  if (!values.port) throw new UsageError('board info needs --port PATH')
  if (positionals.length) throw new UsageError(`board info takes no FILE (got ${positionals[0]})`)
  const info = await readBoardInfo({ path: String(values.port), reset: values['no-reset'] ? 'none' : 'auto', onLog: () => undefined })
  if (values.json) process.stdout.write(JSON.stringify(info) + '\n')
  else {
    process.stdout.write(
      `Chip:       ${info.chip} (${info.description})\nFeatures:   ${info.features.join(', ')}\nCrystal:    ${info.crystalMHz ?? '?'} MHz\nMAC:        ${info.mac}\nFlash:      ${info.flashSize ?? 'unknown'}${info.flashId !== null ? ` (id 0x${info.flashId.toString(16)})` : ''}\n`
    )
    if (!info.resetLines) process.stderr.write('note: this port cannot drive DTR/RTS; reset the board by hand to leave the bootloader.\n')
  }
  return 0
}

async function cmdFlash(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    'erase-all': { type: 'boolean' },
    baud: { type: 'string' },
    'no-reset': { type: 'boolean' },
    'no-compress': { type: 'boolean' },
    json: { type: 'boolean' }
  })
  if (!values.port) throw new UsageError('board flash needs --port PATH')
  if (positionals.length === 0) throw new UsageError('board flash needs at least one FILE[@OFFSET]')
  const specs = positionals.map((a) => {
    try {
      return parseImageArg(a)
    } catch (e) {
      throw new UsageError((e as Error).message)
    }
  })
  // only regular files of at most 16 MB (image.ts): never a device, pipe or endless file
  const images = await Promise.all(specs.map(async (s) => ({ name: basename(s.path), offset: s.offset, data: await readImageFile(s.path) })))
  const r = await flashBoard({
    path: String(values.port),
    images,
    eraseAll: values['erase-all'] === true,
    compress: values['no-compress'] !== true,
    baudRate: intOpt(values.baud, 'baud', 9600, 3_000_000),
    reset: values['no-reset'] ? 'none' : 'auto',
    onProgress: progressPrinter(),
    onLog: (l) => {
      if (/, MAC |^No file|^Press RESET|^Reset into|cannot drive DTR/.test(l)) process.stderr.write(l + '\n')
    }
  })
  if (values.json) process.stdout.write(JSON.stringify(r) + '\n')
  else {
    for (const i of r.images) process.stdout.write(`0x${i.offset.toString(16).padStart(5, '0')}  ${i.name}  ${i.bytes} bytes  md5 ${i.md5}  verified\n`)
    process.stdout.write(
      `${r.info.chip} ${r.info.mac}: flashed in ${r.durationS.toFixed(1)} s${r.resetDone ? ', reset into the new firmware' : ' — press RESET to start it'}.\n`
    )
  }
  return 0
}

/** The data folder, as host/session.ts's dataDir() (not imported: the session module loads every service). */
const dataDir = (): string => process.env.P1STUDIO_DATA_DIR || join(homedir(), 'P1Studio')

/** Board profiles in `dir` (default the data folder's), read with the secret store serve and the app use. */
async function storedProfiles(dir = join(dataDir(), 'boards')): Promise<ProfileStore> {
  return new ProfileStore(dir, await openSecretStore({ dataDir: dataDir() }))
}

/** "board secrets: encrypted file, key in …" on stderr (and why no keyring, if it says). */
function printProtection(store: ProfileStore): void {
  const p = store.protection()
  process.stderr.write(`note: board secrets: ${p.label}${p.note ? ` (${p.note})` : ''}\n`)
}

/**
 * A profile from `--profile`: a profile id of the data folder's boards (as the app and serve
 * save them, secrets read from their store), a stored profile file, a P1 Studio export, a plain
 * profile object ({name, settings, secrets, defines, board}), or a SmartyReader config.h.
 * @throws Error naming the file when it is none of these; a stored profile's unreadable
 *   secrets are in `unreadableSecrets` (validation and every writer refuse them)
 */
export async function loadProfileFile(file: string): Promise<BoardProfile> {
  if (!existsSync(file) && /^[A-Za-z0-9_-]{1,80}$/.test(file)) {
    const profiles = await storedProfiles()
    const p = await profiles.get(file)
    if (!p) throw new Error(`There is no file ${file}, nor a board profile "${file}" in ${profiles.dir}.`)
    printProtection(profiles)
    return p
  }
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new Error(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { cause: e })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    const c = parseConfigH(text)
    if (c.found.length < 5) throw new Error(`${file} is neither a profile (JSON) nor a SmartyReader config.h.`)
    return mergeProfile({ name: basename(file), settings: c.settings, secrets: c.secrets }, null, 'cli')
  }
  if (ProfileStore.isStoredFile(raw)) {
    // a profile file as the app saves it: its secrets are encrypted, never values
    const profiles = await storedProfiles(dirname(file))
    const p = await profiles.readStoredFile(file)
    printProtection(profiles)
    return p
  }
  const obj = (raw as { profile?: unknown }).profile ?? raw
  if (typeof obj !== 'object' || obj === null || typeof (obj as { name?: unknown }).name !== 'string')
    throw new Error(`${file} is not a board profile (no "name").`)
  const o = obj as Record<string, unknown>
  return mergeProfile(
    {
      name: o.name as string,
      customer: typeof o.customer === 'string' ? o.customer : undefined,
      meterId: typeof o.meterId === 'string' ? o.meterId : undefined,
      board: o.board === 'esp32' ? 'esp32' : 'esp8266',
      defines: (o.defines as Record<string, boolean>) ?? undefined,
      settings: (o.settings as Record<string, unknown>) ?? undefined,
      secrets:
        typeof o.secrets === 'object' && o.secrets !== null && Object.values(o.secrets).every((v) => typeof v === 'string')
          ? (o.secrets as Record<string, string>)
          : undefined
    },
    null,
    'cli'
  )
}

async function cmdConfig(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    profile: { type: 'string' },
    format: { type: 'string' },
    layout: { type: 'string' },
    key: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' }
  })
  if (!values.profile) throw new UsageError('board config needs --profile FILE|ID')
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const format = values.format ?? 'config.h'
  if (format !== 'config.h' && format !== 'esphome') throw new UsageError('--format must be config.h or esphome')
  const layout = values.layout === undefined ? undefined : String(values.layout)
  if (layout !== undefined && layout !== 'v1.6' && layout !== 'v1.7') throw new UsageError('--layout must be v1.6 or v1.7 (the SmartyReader config.h)')
  if (values.force && !values.out) throw new UsageError('--force goes with --out FILE')
  const key = keyOpt(values.key, 'P1 key')
  const p = await loadProfileFile(String(values.profile))
  if (key) {
    p.secrets.KEY_SMARTY = key
    if (p.unreadableSecrets) delete p.unreadableSecrets.KEY_SMARTY
  }
  const v = validateProfile(p)
  if (!v.ok) throw new Error(`${values.profile}: ${v.errors.map((e) => `${e.field}: ${e.message}`).join(' ')}`)
  for (const n of v.notes) process.stderr.write(`note: ${n}\n`)
  if (values.out) {
    const out = String(values.out)
    const force = values.force === true
    // both texts first: nothing is written when a secret cannot be used
    const files: [string, string][] =
      format === 'config.h'
        ? [[out, writeConfigH(p, { layout })]]
        : [
            [out, writeEsphomeYaml(p)],
            [join(dirname(out), 'secrets.yaml'), writeEsphomeSecrets(p)]
          ]
    for (const [path, text] of files) writeFileSafely(path, text, { force, what: basename(path) })
    process.stderr.write(`written: ${files.map(([f]) => f).join(' and ')}\n`)
    return 0
  }
  process.stdout.write(format === 'config.h' ? writeConfigH(p, { maskSecrets: true, layout }) : writeEsphomeYaml(p))
  process.stderr.write(
    format === 'config.h'
      ? 'note: secrets are masked on screen; use --out FILE to write config.h with them.\n'
      : 'note: secrets are !secret references; use --out FILE to write secrets.yaml too.\n'
  )
  return 0
}

/** `board profiles`: the data folder's profiles (id, name, meter, which secrets are set or unreadable) and how secrets are kept. */
async function cmdProfiles(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } })
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const profiles = await storedProfiles()
  const { profiles: list, skipped } = await profiles.list()
  const protection = profiles.protection()
  if (values.json) {
    const rows = list.map((p) => ({
      id: p.id,
      name: p.name,
      meterId: p.meterId,
      secrets: Object.fromEntries(
        Object.entries(p.secrets).map(([k, v]) => [k, p.unreadableSecrets?.[k as keyof typeof p.secrets]?.code ?? (v ? 'set' : 'not set')])
      )
    }))
    process.stdout.write(JSON.stringify({ secrets: protection, profiles: rows, skipped }) + '\n')
    return 0
  }
  process.stdout.write(`Board secrets: ${protection.label}${protection.note ? ` (${protection.note})` : ''}\n`)
  if (list.length === 0) process.stdout.write(`No board profiles in ${profiles.dir}.\n`)
  for (const p of list) {
    const set = Object.entries(p.secrets)
      .filter(([k, v]) => v !== '' && !p.unreadableSecrets?.[k as keyof typeof p.secrets])
      .map(([k]) => k)
    process.stdout.write(`${p.id}  ${p.name}${p.meterId ? `  meter ${p.meterId}` : ''}  secrets: ${set.length ? set.join(', ') : 'none'}\n`)
    for (const u of Object.values(p.unreadableSecrets ?? {})) process.stdout.write(`    ${u.code}: ${u.message}\n`)
  }
  for (const f of skipped) process.stderr.write(`note: ${join(profiles.dir, f)} is damaged and was skipped\n`)
  return 0
}

/** Latest decoded telegram of a P1 port, for the value comparison. */
async function p1Reference(path: string, key: string | undefined): Promise<{ get: () => BoardObject[] | null; stop: () => Promise<void> }> {
  const src = new SerialSource(path)
  const dec = new P1Decoder({ key: key ?? null, frameHex: false })
  let latest: BoardObject[] | null = null
  src.on('data', (chunk, t) => {
    for (const ev of dec.push(chunk, t))
      if (ev.type === 'telegram') latest = ev.telegram.telegram.objects.map((o) => ({ obis: o.obis, value: o.value, unit: o.unit, raw: o.raw }))
  })
  src.on('error', () => undefined)
  await src.start()
  return { get: () => latest, stop: () => src.stop() }
}

function verifyText(r: MqttVerifyReport): string {
  const MARK: Record<string, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'skip' }
  const lines = [`Verdict: ${r.verdict} — ${r.summary}`, `Broker ${r.url}, topic ${r.topic}, ${r.firmware ? r.firmware.label : 'firmware not recognised'}`, '']
  for (const c of r.checks) {
    lines.push(`${MARK[c.status].padEnd(4)}  ${c.title}${c.code ? ` [${c.code}]` : ''}: ${c.summary}`)
    if (c.advice && c.status !== 'pass') lines.push(`      next: ${c.advice}`)
  }
  return lines.join('\n') + '\n'
}

async function cmdVerify(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    mqtt: { type: 'string' },
    topic: { type: 'string' },
    interval: { type: 'string' },
    tolerance: { type: 'string' },
    duration: { type: 'string' },
    mode: { type: 'string' },
    firmware: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    ca: { type: 'string' },
    insecure: { type: 'boolean' },
    p1: { type: 'string' },
    key: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (!values.mqtt) throw new UsageError('board verify needs --mqtt URL (e.g. mqtt://192.168.1.5:1883)')
  if (!/^(mqtts?|wss?):\/\/\S+$/.test(String(values.mqtt))) throw new UsageError('--mqtt must be a URL such as mqtt://192.168.1.5:1883 (mqtts:// for TLS)')
  if (!values.topic) throw new UsageError('board verify needs --topic TOPIC (MQTT_TOPIC_OUT, e.g. lamsmarty)')
  if (/[+#]/.test(String(values.topic))) throw new UsageError('--topic must not contain + or #')
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const mode = values.mode ?? 'auto'
  if (!['auto', 'fields', 'cooked'].includes(String(mode))) throw new UsageError('--mode must be auto, fields or cooked')
  const FIRMWARE: Record<string, FirmwareGeneration | 'auto'> = {
    auto: 'auto',
    'v1.5': 'smartyreader-v1.5',
    'v1.6': 'smartyreader-v1.6',
    'v1.7': 'smartyreader-v1.7',
    esphome: 'esphome-dsmr'
  }
  const firmware = FIRMWARE[String(values.firmware ?? 'auto')]
  if (!firmware) throw new UsageError('--firmware must be auto, v1.5, v1.6, v1.7 or esphome')
  if (values.key && !values.p1) throw new UsageError('--key goes with --p1 PATH (the meter read directly)')
  const key = keyOpt(values.key, 'P1 key')
  let ca: string | undefined
  if (values.ca) {
    try {
      ca = readFileSync(String(values.ca), 'utf8')
    } catch (e) {
      throw new Error(`Cannot read the CA file ${values.ca}: ${(e as Error).message}`, { cause: e })
    }
  }
  const ref = values.p1 ? await p1Reference(String(values.p1), key) : null
  const tty = process.stderr.isTTY
  try {
    const r = await verifyMqtt({
      url: String(values.mqtt),
      topic: String(values.topic),
      username: values.username as string | undefined,
      password: values.password as string | undefined,
      ca,
      rejectUnauthorized: values.insecure !== true,
      intervalS: intOpt(values.interval, 'interval', 0.1, 86_400),
      toleranceS: intOpt(values.tolerance, 'tolerance', 0, 3600),
      durationS: intOpt(values.duration, 'duration', 0.5, 7200),
      mode: mode as 'auto' | 'fields' | 'cooked',
      firmware,
      reference: ref?.get,
      onProgress: (p) => {
        if (p.phase === 'done') {
          if (tty) process.stderr.write('\r\x1b[K')
          return
        }
        if (tty)
          process.stderr.write(`\r\x1b[K[${p.elapsedS.toFixed(0)}/${p.limitS.toFixed(0)} s] ${p.phase}: ${p.messages} messages, ${p.publications} publications`)
      }
    })
    process.stdout.write(values.json ? JSON.stringify(r) + '\n' : verifyText(r))
    return r.verdict === 'ok' || (r.verdict === 'values_not_compared' && !ref) ? 0 : 1
  } finally {
    await ref?.stop()
  }
}

async function cmdImprov(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    ssid: { type: 'string' },
    password: { type: 'string' },
    baud: { type: 'string' },
    json: { type: 'boolean' }
  })
  if (!values.port) throw new UsageError('board improv needs --port PATH')
  if (!values.ssid) throw new UsageError('board improv needs --ssid SSID')
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const r = await improvProvision({
    path: String(values.port),
    ssid: String(values.ssid),
    password: String(values.password ?? ''),
    baudRate: intOpt(values.baud, 'baud', 300, 3_000_000)
  })
  process.stdout.write(values.json ? JSON.stringify(r) + '\n' : `${r.message}\n`)
  return r.error === 'none' ? 0 : 1
}

async function cmdMonitor(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    baud: { type: 'string' },
    udp: { type: 'boolean' },
    duration: { type: 'string' },
    bind: { type: 'string' },
    board: { type: 'string' }
  })
  const udpPort = values.udp ? (positionals[0] !== undefined ? intOpt(positionals[0], 'udp', 1, 65535) : 6666) : undefined
  if (!values.port && udpPort === undefined) throw new UsageError('board monitor needs --port PATH or --udp [PORT]')
  if (values.port && udpPort !== undefined) throw new UsageError('choose one of --port PATH or --udp [PORT]')
  if (!values.udp && positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`)
  const durationS = intOpt(values.duration, 'duration', 0.1, 86_400)
  if ((values.bind !== undefined || values.board !== undefined) && udpPort === undefined) throw new UsageError('--bind and --board go with --udp')
  const bindHints = {
    host: values.bind === undefined ? undefined : String(values.bind),
    boardIp: values.board === undefined ? undefined : String(values.board)
  }
  const mon = values.port
    ? new SerialMonitor(String(values.port), intOpt(values.baud, 'baud', 300, 3_000_000) ?? 115200)
    : new UdpLogListener(udpPort, bindHints)
  mon.on('line', (l) => process.stdout.write(`${stamp(l.time)}${l.source === 'udp' ? ` ${l.from}` : ''}  ${l.line}\n`))
  mon.on('error', (m) => process.stderr.write(`${m}\n`))
  await mon.start()
  const bound = mon instanceof UdpLogListener ? mon.bound : null
  process.stderr.write(
    values.port ? `monitoring ${values.port}; Ctrl-C to stop\n` : `listening on UDP ${bound?.address}:${udpPort} (${bound?.reason}); Ctrl-C to stop\n`
  )
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    mon.once('close', stop)
    if (durationS) setTimeout(stop, durationS * 1000).unref()
  })
  await mon.stop()
  return 0
}

async function cmdBoard(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'info':
      return cmdInfo(rest)
    case 'flash':
      return cmdFlash(rest)
    case 'config':
      return cmdConfig(rest)
    case 'profiles':
      return cmdProfiles(rest)
    case 'verify':
      return cmdVerify(rest)
    case 'improv':
      return cmdImprov(rest)
    case 'monitor':
      return cmdMonitor(rest)
    case undefined:
      throw new UsageError(`board needs a sub-command: ${SUBCOMMANDS.join(', ')}`)
    default:
      throw new UsageError(`unknown board sub-command "${sub}" (one of ${SUBCOMMANDS.join(', ')})`)
  }
}

/** Command name → run(args) → exit status. */
export const boardCommands: Record<string, (args: string[]) => Promise<number>> = { board: cmdBoard }
