/**
 * `p1studio serve`: the P1 Studio UI in a browser — a StudioSession behind the HTTP +
 * WebSocket server of src/main/host/web.ts (docs/cli.md). Serve flags go here.
 *
 * Always on (issue 17; docs/raspberry-pi.md): `--port tcp://HOST:PORT` (raw P1 bytes over
 * TCP), `--zone` (the meter's time zone), `--record [--daily-captures]` (the history, resumed
 * after a restart), `--mqtt-publish URL` (+ Home Assistant discovery), `/metrics` for
 * Prometheus on the same port behind the token, `--nightly-report` (saved, mailed with
 * `--smtp`). Passwords come from files (`--mqtt-password-file`, `--smtp-password-file`) or, for
 * SMTP, the secret store (`p1studio smtp-password set`: kept like the board secrets), never
 * from the command line, and never reach a log.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_PRICE_EUR_PER_KWH } from '../../shared/history'
import type { SourceRequest } from '../../shared/contract'
import { memorySecretStore, type SecretStore } from '../board/profile-store'
import { openSecretStore } from '../board/secret-store'
import { dataDir, StudioSession } from '../host/session'
import { loadServeToken } from '../host/serve-token'
import { startWebServer } from '../host/web'
import { LiveOutputs, type NightlyOutputOptions } from '../host/live-outputs'
import { isTcpSpec, parseTcpSpec } from '../line/tcp-source'
import type { MqttPublishOptions } from '../output/mqtt-publish'
import type { SmtpOptions } from '../output/nightly-report'
import { sealPassword, sealedSmtpPassword } from '../host/smtp-secret'
import { ROOT, UsageError, appVersion, keyOpt, lineSettings, parse } from './args'
import { ensureUiBuilt, projectUiPaths } from './ui-build'
import { passwordFile } from './password-file'
import { refuseLineSettingsOverTcp, zoneOpt } from './source-opts'

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

/** `--token T`: at least 16 URL-safe characters (it goes into the address and a cookie). @throws UsageError */
function tokenOpt(v: unknown): string {
  const t = String(v)
  if (!/^[A-Za-z0-9._~-]{16,256}$/.test(t))
    throw new UsageError('--token must be 16 to 256 letters, digits or . _ ~ - (or leave it out: serve keeps its own, see p1studio token)')
  return t
}

/** `--host-name NAME` (repeatable): names a browser may use for this server besides loopback. @throws UsageError */
function hostNamesOpt(v: unknown): string[] {
  const names = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((n) => String(n).toLowerCase())
  for (const n of names)
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(n) || n.length > 253)
      throw new UsageError(`--host-name ${n}: give a host name such as pi.local or p1.example.org`)
  return names
}

/** A repeatable option's values. */
function listOpt(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]
}

/** `--allow-broker HOST[:PORT]` (repeatable): brokers a browser may have P1 Studio connect to. @throws UsageError */
function brokersOpt(v: unknown): string[] {
  const list = listOpt(v)
  for (const b of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(b) || Number(b.split(':').pop()) > 65535) {
      throw new UsageError(`--allow-broker ${b}: give HOST or HOST:PORT, e.g. 192.168.1.5:1883`)
    }
  }
  return list
}

/** `tcp://HOST:PORT` → the source request's host and port. @throws UsageError */
function tcpOpt(spec: string, flag: string): { host: string; port: number } {
  const t = parseTcpSpec(spec)
  if (!t) throw new UsageError(`${flag} ${spec}: write tcp://HOST:PORT, e.g. tcp://192.168.1.20:2000 or tcp://[fd00::5]:2000`)
  return t
}

/** `--allow-tcp HOST:PORT` (repeatable; tcp:// optional): TCP sources a browser may open. @throws UsageError */
function allowTcpOpt(v: unknown): string[] {
  return listOpt(v).map((e) => {
    const t = tcpOpt(isTcpSpec(e) ? e : `tcp://${e}`, '--allow-tcp')
    return t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`
  })
}

/** `--mqtt-publish URL [--mqtt-prefix P] [--ha-discovery] [--mqtt-user U --mqtt-password-file F]`. @throws UsageError */
function mqttOpts(values: Record<string, unknown>): Omit<MqttPublishOptions, 'appVersion'> | undefined {
  const given = ['mqtt-prefix', 'ha-discovery', 'mqtt-user', 'mqtt-password-file'].filter((k) => values[k] !== undefined)
  if (values['mqtt-publish'] === undefined) {
    if (given.length) throw new UsageError(`--${given[0]} needs --mqtt-publish URL`)
    return undefined
  }
  const url = String(values['mqtt-publish'])
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new UsageError(`--mqtt-publish ${url}: give the broker as mqtt://HOST[:PORT] (or mqtts://, ws://, wss://)`)
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol) || !u.hostname)
    throw new UsageError(`--mqtt-publish ${url.replace(/\/\/[^@/]*@/, '//')}: give the broker as mqtt://HOST[:PORT] (or mqtts://, ws://, wss://)`)
  if (u.password)
    throw new UsageError('--mqtt-publish: no password in the URL (it would show in ps and the service unit): use --mqtt-user and --mqtt-password-file')
  const prefix = values['mqtt-prefix'] === undefined ? undefined : String(values['mqtt-prefix'])
  if (prefix !== undefined && (!prefix || /[+#\0]/.test(prefix) || prefix.split('/').includes('') || prefix.length > 200))
    throw new UsageError(`--mqtt-prefix ${prefix}: no +, # or empty parts, no slash at either end (e.g. p1studio or home/meter)`)
  return {
    url,
    prefix,
    homeAssistant: values['ha-discovery'] === true,
    username: values['mqtt-user'] === undefined ? decodeURIComponent(u.username) || undefined : String(values['mqtt-user']),
    password: values['mqtt-password-file'] === undefined ? undefined : passwordFile(values['mqtt-password-file'], '--mqtt-password-file')
  }
}

/**
 * `--smtp URL --mail-to ADDR… [--mail-from ADDR] [--smtp-user U --smtp-password-file F] [--smtp-ca FILE]`:
 * smtp://HOST[:PORT] STARTTLS (required, port 587), smtps://HOST[:PORT] TLS (465),
 * smtp+plain://HOST[:PORT] none (25; a trusted local relay only). @throws UsageError
 */
export function smtpOpts(values: Record<string, unknown>): SmtpOptions | undefined {
  const given = ['mail-to', 'mail-from', 'smtp-user', 'smtp-password-file', 'smtp-ca'].filter((k) => values[k] !== undefined)
  if (values.smtp === undefined) {
    if (given.length) throw new UsageError(`--${given[0]} needs --smtp URL`)
    return undefined
  }
  const url = String(values.smtp)
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new UsageError(`--smtp ${url}: give the mail server as smtp://HOST[:PORT] (STARTTLS), smtps://HOST[:PORT] (TLS) or smtp+plain://HOST[:PORT]`)
  }
  const security = ({ 'smtp:': 'starttls', 'smtps:': 'tls', 'smtp+plain:': 'none' } as const)[u.protocol as 'smtp:']
  if (!security || !u.hostname)
    throw new UsageError(
      `--smtp ${url.replace(/\/\/[^@/]*@/, '//')}: give the mail server as smtp://HOST[:PORT] (STARTTLS), smtps://HOST[:PORT] (TLS) or smtp+plain://HOST[:PORT]`
    )
  if (u.username || u.password)
    throw new UsageError('--smtp: no user or password in the URL: use --smtp-user (the password: p1studio smtp-password set, or --smtp-password-file)')
  if (values['smtp-password-file'] !== undefined && values['smtp-user'] === undefined) throw new UsageError('--smtp-password-file needs --smtp-user')
  const to = listOpt(values['mail-to'])
  const address = /^[^\s@<>]+@[^\s@<>]+$/
  if (to.length === 0) throw new UsageError('--smtp needs --mail-to ADDRESS (the report goes there)')
  for (const a of [...to, ...listOpt(values['mail-from'])]) if (!address.test(a)) throw new UsageError(`${a} is not a mail address`)
  const user = values['smtp-user'] === undefined ? undefined : String(values['smtp-user'])
  let ca: string | undefined
  if (values['smtp-ca'] !== undefined) {
    try {
      ca = readFileSync(String(values['smtp-ca']), 'utf8')
    } catch {
      throw new UsageError(`--smtp-ca: cannot read ${String(values['smtp-ca'])}`)
    }
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : undefined,
    security,
    user,
    password: values['smtp-password-file'] === undefined ? undefined : passwordFile(values['smtp-password-file'], '--smtp-password-file'),
    from: values['mail-from'] !== undefined ? String(values['mail-from']) : user && address.test(user) ? user : `p1studio@${hostname()}`,
    to,
    ca
  }
}

/**
 * The SMTP login's password kept sealed by the secret store (decrypted only when a mail is
 * sent): `--smtp-password-file`'s for this run, else the one stored with `p1studio
 * smtp-password set` (host/smtp-secret.ts). @throws UsageError when a user is given and no
 * password; SmtpPasswordError (plain words) when the stored one cannot be read — never a value.
 */
function sealSmtpPassword(smtp: SmtpOptions, secrets: SecretStore, dir: string): SmtpOptions {
  if (!smtp.user) return smtp
  if (typeof smtp.password === 'string') {
    const pw = smtp.password
    // a password for this run only: where the store cannot make its key file, this run's memory seals it
    const sealed = ((): (() => string) => {
      try {
        return sealPassword(secrets, pw)
      } catch {
        return sealPassword(memorySecretStore(), pw)
      }
    })()
    return { ...smtp, password: sealed }
  }
  const stored = sealedSmtpPassword(secrets, dir)
  if (!stored)
    throw new UsageError(
      `--smtp-user ${smtp.user}: no SMTP password is stored; store it with p1studio smtp-password set --from-file FILE (or give --smtp-password-file FILE)`
    )
  return { ...smtp, password: stored }
}

/** `--nightly-report [--lang L] [--class KW] [--price EUR] [--smtp …]`. @throws UsageError */
function nightlyOpts(values: Record<string, unknown>, zone: string | undefined): NightlyOutputOptions | undefined {
  const smtp = smtpOpts(values)
  const given = ['lang', 'class', 'price'].filter((k) => values[k] !== undefined)
  if (values['nightly-report'] !== true) {
    if (given.length || smtp) throw new UsageError(`--${given[0] ?? 'smtp'} needs --nightly-report`)
    return undefined
  }
  const lang = values.lang === undefined ? 'en' : String(values.lang)
  if (!['en', 'fr', 'de'].includes(lang)) throw new UsageError('--lang must be en, fr or de')
  const classKW = values.class === undefined ? 7 : Number(values.class)
  if (!(classKW > 0) || classKW > 1000) throw new UsageError('--class must be a power in kW greater than 0, e.g. 3, 7 or 12')
  const price = values.price === undefined ? DEFAULT_PRICE_EUR_PER_KWH : Number(values.price)
  if (!(price >= 0) || price > 100) throw new UsageError('--price must be a price per kWh from 0 to 100')
  return { classKW, priceEurPerKWh: price, lang, zone, smtp }
}

/**
 * `serve`: StudioSession + web server, after building the UI when it is missing or stale
 * (./ui-build; not with P1STUDIO_RENDERER_DIR). Resolves with 0 when stopped by a signal.
 * @throws UsageError for wrong arguments, Error when the address is taken.
 */
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
    capture: { type: 'string' },
    'host-name': { type: 'string', multiple: true },
    'allow-port': { type: 'string', multiple: true },
    'allow-broker': { type: 'string', multiple: true },
    'allow-tcp': { type: 'string', multiple: true },
    zone: { type: 'string' },
    record: { type: 'boolean' },
    'daily-captures': { type: 'boolean' },
    'mqtt-publish': { type: 'string' },
    'mqtt-prefix': { type: 'string' },
    'ha-discovery': { type: 'boolean' },
    'mqtt-user': { type: 'string' },
    'mqtt-password-file': { type: 'string' },
    'nightly-report': { type: 'boolean' },
    lang: { type: 'string' },
    class: { type: 'string' },
    price: { type: 'string' },
    smtp: { type: 'string' },
    'mail-to': { type: 'string', multiple: true },
    'mail-from': { type: 'string' },
    'smtp-user': { type: 'string' },
    'smtp-password-file': { type: 'string' },
    'smtp-ca': { type: 'string' }
  })
  if ([values.port, values.demo, values.capture].filter(Boolean).length > 1) throw new UsageError('choose one of --port PATH, --capture FILE or --demo')
  const zone = zoneOpt(values.zone)
  const portSpec = values.port === undefined ? null : String(values.port)
  const tcp = portSpec !== null && isTcpSpec(portSpec) ? tcpOpt(portSpec, '--port') : null
  const allowTcp = [...allowTcpOpt(values['allow-tcp']), ...(tcp ? [tcp.host.includes(':') ? `[${tcp.host}]:${tcp.port}` : `${tcp.host}:${tcp.port}`] : [])]
  if (values['daily-captures'] && !values.record) throw new UsageError('--daily-captures needs --record')
  refuseLineSettingsOverTcp(portSpec, values)
  const mqtt = mqttOpts(values)
  const nightly = nightlyOpts(values, zone)
  const givenToken = values.token === undefined ? undefined : tokenOpt(values.token)
  const hostNames = hostNamesOpt(values['host-name'])
  let host = '127.0.0.1'
  let port = 8417
  if (values.listen !== undefined) {
    const m = /^(.*):(\d{1,5})$/.exec(String(values.listen))
    if (!m || Number(m[2]) > 65535) throw new UsageError('--listen must be HOST:PORT, e.g. 127.0.0.1:8417')
    host = m[1].replace(/^\[|\]$/g, '') || '127.0.0.1'
    port = Number(m[2])
  }
  // board secrets survive a restart: the OS keyring, else an encrypted file (key beside the data folder)
  const secrets = await openSecretStore({ dataDir: dataDir() })
  // the SMTP password like a board secret: sealed by the same store, a stored one that cannot be read stops serve here
  if (nightly?.smtp) nightly.smtp = sealSmtpPassword(nightly.smtp, secrets, dataDir())
  const session = new StudioSession({
    version: appVersion(),
    secrets,
    // the port the operator serves is one a browser may diagnose, reopen or hand to a board tool
    allowPorts: [...listOpt(values['allow-port']), ...(portSpec && !tcp ? [portSpec] : [])],
    allowBrokers: brokersOpt(values['allow-broker']),
    allowTcp,
    key: keyOpt(values.key, 'P1 key'),
    authKey: keyOpt(values['auth-key'], 'Authentication key'),
    captureDir: values['capture-dir'] === undefined ? undefined : String(values['capture-dir']),
    historyPath: values.history === undefined ? undefined : String(values.history)
  })
  const settings = lineSettings(values)
  const staticDir = process.env.P1STUDIO_RENDERER_DIR ?? join(ROOT, 'out', 'renderer')
  if (process.env.P1STUDIO_RENDERER_DIR === undefined) {
    const ui = await ensureUiBuilt(projectUiPaths(ROOT), (line) => process.stderr.write(line + '\n'))
    if (ui.state === 'missing') process.stderr.write(`P1 Studio: ${ui.message}\n`)
    else if (ui.state === 'stale') process.stderr.write(`P1 Studio: serving the user interface as last built (${ui.reason})\n`)
  }
  const token = givenToken ?? (await loadServeToken(dataDir())).token
  const log = (line: string): void => void process.stderr.write(`P1 Studio: ${line}\n`)
  const outputs = new LiveOutputs(session, { dataDir: dataDir(), mqtt, nightly, log })
  const server = await startWebServer({ session, host, port, token, hostNames, staticDir, routes: outputs.routes() })
  // recording first, so the source's first telegram is kept; the remembered choice resumes without --record
  const recording = values.record
    ? await session.api.setRecording({ history: true, dailyCaptures: values['daily-captures'] === true }).catch((e: Error) => {
        log(`recording: ${e.message}`)
        return session.record.status()
      })
    : await session.record.resume()
  if (recording.history) log(`recording to the history${recording.dailyCaptures ? ' and daily captures' : ''} (${session.history.path})`)
  if (recording.error) log(`recording: ${recording.error}`)
  if (nightly && !recording.history) log('the nightly report reads the history: add --record so that it has the day to report')
  if (portSpec) {
    const req: SourceRequest = tcp ? { kind: 'tcp', ...tcp, zone } : { kind: 'serial', path: portSpec, settings, zone }
    try {
      await session.api.openSource(req)
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: choose another port there)\n`)
    }
  } else if (values.capture) {
    try {
      await session.api.openSource({ kind: 'capture', path: resolve(String(values.capture)), zone })
    } catch (e) {
      process.stderr.write(`${(e as Error).message} (the UI is up: open another capture there)\n`)
    }
  } else {
    await session.api.openSource({ kind: 'demo' })
  }
  try {
    await outputs.start()
  } catch (e) {
    log((e as Error).message)
  }
  const what = portSpec ?? (values.capture ? String(values.capture) : 'the demo')
  const protection = secrets.protection()
  process.stderr.write(`P1 Studio: board secrets: ${protection.label}${protection.note ? ` (${protection.note})` : ''}\n`)
  if (nightly?.smtp?.user)
    log(
      `nightly report mailed through ${nightly.smtp.host} as ${nightly.smtp.user}, password ${values['smtp-password-file'] !== undefined ? `from ${String(values['smtp-password-file'])}` : 'stored'} (${protection.label}; never shown)`
    )
  process.stdout.write(`P1 Studio is serving ${what} at ${server.url} (captures in ${(await session.api.getStatus()).capture.dir})\n`)
  if (values.open) openBrowser(server.url)
  return new Promise<number>((resolveExit) => {
    const stop = (): void => {
      void outputs
        .close()
        .then(() => session.dispose())
        .then(() => server.close())
        .then(() => resolveExit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
