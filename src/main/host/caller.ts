/**
 * Who calls, and what a caller may name (issue 12, "paths are not parameters from a browser").
 * The transport decides: the desktop window (IPC) and the CLI are the user at their own
 * computer and keep full paths; serve mode's WebSocket is a browser, maybe on another machine,
 * and every page is a possible client, so from a browser:
 *
 * - captures and dumps are named by NAME in the capture folder (`^[\w.-]{1,120}$`, resolved
 *   inside it, symlinks resolved and checked), never by a path (→ `forbidden_path`);
 * - firmware images by name in the firmware folder (<data dir>/firmware);
 * - serial devices only as `listPorts()` lists them, or as the operator allowed them
 *   (`serve --allow-port PATH`);
 * - TCP sources (raw P1 bytes over TCP) only as the operator allowed them
 *   (`serve --allow-tcp HOST:PORT`, or the source serve was started with): refused
 *   (`forbidden_path`) before any connection, so a page cannot probe the network;
 * - MQTT brokers only as the operator allowed them (`serve --allow-broker HOST[:PORT]`) or a
 *   saved profile's own broker: refused (`broker_not_allowed`) before any connection, so a
 *   page cannot tell an open port from a closed one.
 *
 * A bare name names a file of the app's folder for every caller (the renderer passes the names
 * the folder lists, in the window and in a browser alike).
 */
import { realpath } from 'node:fs/promises'
import { isAbsolute, join, resolve, sep } from 'node:path'
import { ApiError, FILE_NAME, type Folder } from '../../shared/contract'
import type { PortInfo } from '../../shared/types'

/** What a request may name, by who calls. Every method returns what to open, or throws an ApiError. */
export interface Caller {
  readonly kind: 'desktop' | 'browser'
  /** A capture or dump to read: a path (desktop) or a name in the capture folder. @throws forbidden_path, not_found */
  inputFile(p: string): Promise<string>
  /** A firmware image: a path (desktop) or a name in the firmware folder. @throws forbidden_path, not_found */
  firmwareFile(p: string): Promise<string>
  /** A serial device to open. @throws forbidden_path (browser: not listed, not allowed) */
  serialPort(p: string): Promise<string>
  /**
   * May this caller connect to the broker of `url`? `profileBroker`: "host:port" of the saved
   * profile the request names, null if none. @throws broker_not_allowed (browser only)
   */
  checkBroker(url: string, profileBroker: string | null): void
  /** May this caller have P1 Studio connect to a TCP source at host:port? @throws forbidden_path (browser: not allowed) */
  checkTcp(host: string, port: number): void
}

/** The operator's choices and the folders a browser may name files in. */
export interface AccessOptions {
  /** Folder of captures, dumps and exports. */
  captureDir: string
  /** Folder of firmware images (<data dir>/firmware). */
  firmwareDir: string
  /** The OS's serial ports (a browser may open these). */
  listPorts: () => Promise<PortInfo[]>
  /** Devices a browser may open besides the listed ones (`serve --allow-port`, e.g. ptys in tests). */
  allowPorts?: readonly string[]
  /** Brokers a browser may reach (`serve --allow-broker HOST[:PORT]`; a bare HOST: ports 1883 and 8883). */
  allowBrokers?: readonly string[]
  /** TCP sources a browser may open (`serve --allow-tcp HOST:PORT`, IPv6 as [ADDR]:PORT). */
  allowTcp?: readonly string[]
}

const FOLDER_WORDS: Record<Folder, string> = { captures: 'capture folder', firmware: 'firmware folder' }
const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }

/** "host:port" of a broker URL (default port by scheme), lower-case; null if unparsable. */
export function brokerAddress(url: string): { host: string; port: number } | null {
  try {
    const u = new URL(url)
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol]
    if (!u.hostname || !port) return null
    return { host: u.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port }
  } catch {
    return null
  }
}

/** Does an operator's `--allow-broker` entry (HOST, HOST:PORT, [v6]:PORT) admit host:port? */
export function brokerAllowed(entry: string, host: string, port: number): boolean {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry)
  if (!m) return false
  if (m[1].toLowerCase() !== host) return false
  return m[2] === undefined ? port === 1883 || port === 8883 : Number(m[2]) === port
}

/**
 * A name in `dir` as an absolute path, checked: a file name of the app's alphabet, no `..`,
 * resolved with its symlinks and still inside the folder.
 * @throws ApiError forbidden_path / not_found.
 */
export async function fileInFolder(dir: string, name: string, folder: Folder): Promise<string> {
  const where = FOLDER_WORDS[folder]
  if (!FILE_NAME.test(name) || /^\.+$/.test(name)) {
    throw new ApiError(
      'forbidden_path',
      `From a browser, files are chosen by their name in the ${where} (upload a file first): "${name.slice(0, 120)}" is not such a name.`,
      { path: name.slice(0, 120) }
    )
  }
  const full = join(dir, name)
  let real: string
  let realDir: string
  try {
    realDir = await realpath(dir)
    real = await realpath(full)
  } catch {
    throw new ApiError('not_found', `There is no file ${name} in the ${where}.`, { name })
  }
  if (!real.startsWith(realDir + sep)) {
    throw new ApiError('forbidden_path', `${name} in the ${where} leads outside it: P1 Studio does not follow it for a browser.`, { path: name })
  }
  return real
}

/** Does an operator's `--allow-tcp` entry (HOST:PORT, [v6]:PORT) admit host:port? */
export function tcpAllowed(entry: string, host: string, port: number): boolean {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(entry) ?? /^([^:]+):(\d+)$/.exec(entry)
  return m !== null && m[1].toLowerCase() === host.replace(/^\[|\]$/g, '').toLowerCase() && Number(m[2]) === port
}

/** A caller that may name anything (a service used on its own, e.g. by the CLI): every path as given, any broker. */
export const FULL_ACCESS: Caller = {
  kind: 'desktop',
  inputFile: async (p) => p,
  firmwareFile: async (p) => p,
  serialPort: async (p) => p,
  checkBroker: () => undefined,
  checkTcp: () => undefined
}

const isBareName = (p: string): boolean => !p.includes('/') && !p.includes('\\')

/** The two callers of a session: the desktop window / CLI (full paths) and a browser (names only). */
export class Access {
  readonly desktop: Caller
  readonly browser: Caller

  constructor(private readonly opts: AccessOptions) {
    const dirOf = (f: Folder): string => (f === 'captures' ? opts.captureDir : opts.firmwareDir)
    // the desktop: a bare name is a file of the folder, anything else a path of this computer
    const desktopFile = (f: Folder) => async (p: string) => (isBareName(p) ? join(dirOf(f), p) : isAbsolute(p) ? p : resolve(p))
    this.desktop = {
      kind: 'desktop',
      inputFile: desktopFile('captures'),
      firmwareFile: desktopFile('firmware'),
      serialPort: async (p) => p,
      checkBroker: () => undefined,
      checkTcp: () => undefined
    }
    const browserFile = (f: Folder) => async (p: string) => fileInFolder(dirOf(f), p, f)
    this.browser = {
      kind: 'browser',
      inputFile: browserFile('captures'),
      firmwareFile: browserFile('firmware'),
      serialPort: (p) => this.browserPort(p),
      checkBroker: (url, profileBroker) => this.browserBroker(url, profileBroker),
      checkTcp: (host, port) => this.browserTcp(host, port)
    }
  }

  private browserTcp(host: string, port: number): void {
    if ((this.opts.allowTcp ?? []).some((e) => tcpAllowed(e, host, port))) return
    const where = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`.slice(0, 300)
    throw new ApiError(
      'forbidden_path',
      `From a browser, P1 Studio connects only to the TCP sources its operator allowed (serve --allow-tcp HOST:PORT): ${where} is not one.`,
      { path: where }
    )
  }

  private async browserPort(p: string): Promise<string> {
    if ((this.opts.allowPorts ?? []).includes(p)) return p
    const listed = await this.opts.listPorts().catch(() => [])
    if (listed.some((x) => x.path === p)) return p
    throw new ApiError(
      'forbidden_path',
      `From a browser, P1 Studio opens only the serial ports it lists (or those its operator allowed with serve --allow-port): ${p.slice(0, 200)} is not one.`,
      { path: p.slice(0, 200) }
    )
  }

  private browserBroker(url: string, profileBroker: string | null): void {
    const a = brokerAddress(url)
    if (a) {
      if (profileBroker !== null && profileBroker.toLowerCase() === `${a.host}:${a.port}`) return
      if ((this.opts.allowBrokers ?? []).some((e) => brokerAllowed(e, a.host, a.port))) return
    }
    const host = a?.host ?? '?'
    const port = a?.port ?? 0
    throw new ApiError(
      'broker_not_allowed',
      `From a browser, P1 Studio connects only to the MQTT brokers its operator allowed (serve --allow-broker HOST[:PORT]) or a saved profile's broker: ${host}:${port} is not one.`,
      { host, port }
    )
  }
}
