/**
 * The app's side of boards (namespace `board`, issue 6): flash, chip info, serial/UDP logs,
 * profiles, config.h / ESPHome YAML, Improv Wi-Fi, MQTT verification, and a board's MQTT data
 * live. Requests arrive validated (src/shared/contract/board.ts); what they may name (ports,
 * firmware files, brokers) is the caller's rule (caller.ts); ports are leased from the
 * {@link PortRegistry}. Events: 'board' ({@link BoardEvent}) and 'boardSnapshot'
 * ({@link BoardSnapshot}). Secrets leave in one return value only — boardConfigSecretText,
 * asked for with `confirm: true` ("Copy") — previews are masked; files with secrets go into the
 * profiles folder (inside the data folder) only. The state and profile views say how secrets
 * are kept (SecretProtection); a secret that cannot be read is an error with its code.
 *
 * Why one file over 400 lines: one method per contract method of the board namespace (about
 * twenty), each a thin call into src/main/board; the config helpers are already in board-config.ts.
 */
import { EventEmitter } from 'node:events'
import { basename, join } from 'node:path'
import type {
  BoardChipInfo,
  BoardConfigFormat,
  BoardConfigOutput,
  BoardEvent,
  BoardFlashResult,
  BoardKeyCheck,
  BoardLogLine,
  BoardMonitorState,
  ListenerProblem,
  BoardProfileView,
  BoardValidation,
  ConfigHLayout,
  ImprovResult,
  MqttVerifyReport
} from '../../shared/board'
import { ApiError, BOARD, type BoardSnapshot, type Handlers, type MqttVerifyRequest, type RequestOut } from '../../shared/contract'
import { FlashError, flashBoard, readBoardInfo } from '../board/flasher'
import { readImageFile } from '../board/image'
import { improvProvision } from '../board/improv'
import { ListenerError, SerialMonitor, UdpLogListener } from '../board/monitor'
import { MqttFieldSource } from '../board/mqtt-source'
import { verifyMqtt, type ReferenceFn } from '../board/mqtt-verify'
import { configLayout, mergeProfile, profileView, type BoardProfile } from '../board/profile'
import { validateProfile } from '../board/profile-rules'
import { ProfileStore, type SecretStore } from '../board/profile-store'
import { usableSecret } from '../board/secret-guard'
import { systemClock, type Clock } from '../line/clock'
import { assertComplete, configNotes, profileMqtt, renderConfig, tryProfileKey, writeConfigFiles } from './board-config'
import { FULL_ACCESS, type Caller } from './caller'
import { PortRegistry, type PortLease, type PortOwner } from './port-registry'

/** What the session hands the service. */
export interface BoardServiceOptions {
  /** Folder of the board profiles (and the files generated from them). */
  profilesDir: string
  /** Electron: safeStorage (or the file store when its keychain is basic_text); serve and the CLI: openSecretStore(); tests: memorySecretStore(). */
  secrets: SecretStore
  /** Try a P1 key on the open P1 source's frames (absent: keys are never checked). */
  checkKey?: (keyHex: string) => BoardKeyCheck
  /** The latest decoded P1 telegram of the open source, for the MQTT value comparison. */
  reference?: ReferenceFn
  /** The session's port registry (one owner per port); a registry of its own when absent. */
  ports?: PortRegistry
  /** Time for the MQTT verification and field source (receive times, limits); default the system clock. */
  clock?: Clock
  /** Who calls when a method is called directly (the CLI, tests): the desktop rules (full paths). */
  defaultCaller?: Caller
}

export interface BoardServiceEvents {
  board: [BoardEvent]
  boardSnapshot: [BoardSnapshot]
}

type Req<M extends keyof typeof BOARD.methods> = RequestOut<(typeof BOARD.methods)[M]>

const LOG_LIMIT = 500

/** A listener's failure as the state gives it: the English sentence and its code with params. */
interface ListenerFault {
  error: string
  problem: ListenerProblem | null
}

/** Board operations for the app. One flash/info/Improv run at a time. */
export class BoardService extends EventEmitter<BoardServiceEvents> implements Handlers<typeof BOARD, Caller> {
  readonly store: ProfileStore
  private readonly ports: PortRegistry
  /** Who calls when a method is called directly (the CLI, tests). */
  readonly defaultCaller: Caller
  private monitor: SerialMonitor | null = null
  private monitorLease: PortLease | null = null
  /** Why the serial monitor stopped: the English sentence and the same as a code (null: it did not). */
  private monitorFault: ListenerFault | null = null
  private udp: UdpLogListener | null = null
  /** Why the UDP log stopped or could not start (null: it did not). */
  private udpFault: ListenerFault | null = null
  private source: MqttFieldSource | null = null
  private sourceError: string | null = null
  private verifyAbort: AbortController | null = null
  private busy: string | null = null
  private log: BoardLogLine[] = []

  constructor(private readonly opts: BoardServiceOptions) {
    super()
    this.store = new ProfileStore(opts.profilesDir, opts.secrets)
    this.ports = opts.ports ?? new PortRegistry()
    this.defaultCaller = opts.defaultCaller ?? FULL_ACCESS
  }

  private addLog(l: BoardLogLine): void {
    this.log.push(l)
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT)
    this.emit('board', { kind: 'log', ...l })
  }

  private note(source: BoardLogLine['source'], line: string, from: string | null = null): void {
    this.addLog({ source, time: (this.opts.clock ?? systemClock).now(), line, from })
  }

  private state(): BoardMonitorState {
    return {
      monitor: {
        open: this.monitor?.isOpen ?? false,
        path: this.monitor?.path ?? null,
        baudRate: this.monitor?.baudRate ?? null,
        error: this.monitorFault?.error ?? null,
        problem: this.monitorFault?.problem ?? null
      },
      udp: {
        open: this.udp?.isOpen ?? false,
        port: this.udp?.boundPort ?? null,
        error: this.udpFault?.error ?? null,
        problem: this.udpFault?.problem ?? null,
        address: this.udp?.bound?.address ?? null,
        via: this.udp?.bound?.via ?? null,
        reason: this.udp?.bound?.reason ?? null
      },
      mqttSource: {
        open: this.source !== null,
        url: this.source ? this.source.label.split(' ')[0] : null,
        topic: this.source?.topic ?? null,
        messages: this.source?.messages ?? 0,
        error: this.sourceError
      },
      secrets: this.store.protection()
    }
  }

  private pushState(): BoardMonitorState {
    const s = this.state()
    this.emit('board', { kind: 'state', ...s })
    return s
  }

  /**
   * Run one exclusive serial operation on a leased port (the policy closes the session's own P1
   * port and our monitor there first; a diagnosis keeps it: port_in_use).
   */
  private async exclusive<T>(what: string, owner: PortOwner, portPath: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new ApiError('already_running', `Wait until the running ${this.busy} has finished.`)
    this.busy = what
    try {
      const lease = await this.ports.lease(portPath, owner)
      try {
        return await fn()
      } finally {
        lease.release()
      }
    } finally {
      this.busy = null
    }
  }

  async boardInfo(req: Req<'boardInfo'>, caller = this.defaultCaller): Promise<BoardChipInfo> {
    const path = await caller.serialPort(req.path)
    return this.exclusive('chip check', 'board-info', path, () => readBoardInfo({ path, reset: req.reset, onLog: (l) => this.note('flash', l, path) }))
  }

  async boardFlash(r: Req<'boardFlash'>, caller = this.defaultCaller): Promise<BoardFlashResult> {
    const path = await caller.serialPort(r.path)
    const images = await Promise.all(
      r.images.map(async (i) => {
        const file = await caller.firmwareFile(i.path)
        // only regular files of at most 16 MB (image.ts): never a device, pipe or endless file
        return { name: basename(file), offset: i.offset, data: await readImageFile(file), path: i.path }
      })
    )
    return this.exclusive('flash', 'board-flash', path, async () => {
      try {
        const out = await flashBoard({
          path,
          reset: r.reset,
          baudRate: r.baudRate,
          eraseAll: r.eraseAll,
          images,
          onLog: (l) => this.note('flash', l, path),
          onProgress: (p) => this.emit('board', { kind: 'progress', ...p })
        })
        return {
          info: out.info,
          images: out.images.map((x, n) => ({ path: images[n].path, offset: x.offset, bytes: x.bytes, md5: x.md5, verified: x.verified })),
          erasedAll: out.erasedAll,
          resetDone: out.resetDone,
          durationS: out.durationS
        }
      } catch (e) {
        if (e instanceof FlashError) this.note('flash', `${e.code}: ${e.message}`, path)
        throw e
      }
    })
  }

  async boardMonitorStart(r: Req<'boardMonitorStart'>, caller = this.defaultCaller): Promise<BoardMonitorState> {
    const path = await caller.serialPort(r.path)
    if (this.busy) throw new ApiError('already_running', `Wait until the running ${this.busy} has finished.`)
    await this.boardMonitorStop()
    const lease = await this.ports.lease(path, 'board-monitor', async () => {
      this.note('monitor', `Closing the serial monitor on ${path}: another part of P1 Studio opens the port.`, path)
      await this.boardMonitorStop()
    })
    const m = new SerialMonitor(path, r.baudRate ?? 115200)
    m.on('line', (l) => this.addLog(l))
    m.on('error', (msg, problem) => {
      this.monitorFault = { error: msg, problem }
      this.note('monitor', msg, path)
    })
    m.on('close', () => {
      if (this.monitor === m) {
        this.monitor = null
        this.monitorLease?.release()
        this.monitorLease = null
      }
      this.pushState()
    })
    this.monitorFault = null
    try {
      await m.start()
    } catch (e) {
      lease.release()
      throw e
    }
    this.monitor = m
    this.monitorLease = lease
    return this.pushState()
  }

  async boardMonitorStop(): Promise<BoardMonitorState> {
    const m = this.monitor
    const lease = this.monitorLease
    this.monitor = null
    this.monitorLease = null
    await m?.stop()
    lease?.release()
    return this.pushState()
  }

  async udpLogStart(r: Req<'udpLogStart'>): Promise<BoardMonitorState> {
    const p = r.profileId ? await this.profile(r.profileId) : null
    await this.udpLogStop()
    // bind where the board sends (the profile's UDP_LOG_PC_IP, else any profile's, that is ours), else towards
    // the board's address, else loopback: never every interface unasked
    const pcIps =
      r.host !== undefined ? [] : p ? [p.settings.UDP_LOG_PC_IP_BYTES] : (await this.store.list()).profiles.map((x) => x.settings.UDP_LOG_PC_IP_BYTES)
    const boardIp = r.boardIp ?? (p?.defines.STATIC && p.settings.NET_LOCAL_IP_BYTES ? p.settings.NET_LOCAL_IP_BYTES : undefined)
    const u = new UdpLogListener(r.port ?? p?.settings.UDP_LOG_PORT ?? 6666, { host: r.host, pcIps: pcIps.filter(Boolean), boardIp })
    u.on('line', (l) => this.addLog(l))
    u.on('error', (msg, problem) => {
      this.udpFault = { error: msg, problem }
      this.note('udp', msg)
    })
    this.udpFault = null
    try {
      await u.start()
    } catch (e) {
      this.udpFault = { error: (e as Error).message, problem: e instanceof ListenerError ? e.problem : null }
      this.pushState()
      throw e
    }
    if (u.bound) this.note('udp', `Listening on ${u.bound.address}:${u.boundPort}: ${u.bound.reason}.`)
    this.udp = u
    return this.pushState()
  }

  async udpLogStop(): Promise<BoardMonitorState> {
    const u = this.udp
    this.udp = null
    await u?.stop()
    return this.pushState()
  }

  async boardState(): Promise<{ state: BoardMonitorState; log: BoardLogLine[] }> {
    return { state: this.state(), log: this.log.slice() }
  }

  private view(p: BoardProfile): BoardProfileView {
    return profileView(p, this.store.protection())
  }

  async boardProfiles(): Promise<BoardProfileView[]> {
    const { profiles } = await this.store.list()
    return profiles.map((p) => this.view(p))
  }

  async boardValidateProfile(input: Req<'boardValidateProfile'>): Promise<BoardValidation> {
    const { copyFrom, ...rest } = input
    const stored = rest.id ? await this.store.get(rest.id) : await this.store.startingPoint(copyFrom)
    return validateProfile(mergeProfile(rest, stored, rest.id ?? 'new'))
  }

  async boardSaveProfile(input: Req<'boardSaveProfile'>): Promise<BoardProfileView> {
    return this.view(await this.store.save(input))
  }

  async boardDeleteProfile(req: Req<'boardDeleteProfile'>): Promise<void> {
    await this.store.delete(req.id)
  }

  private async profile(id: string): Promise<BoardProfile> {
    const p = await this.store.get(id)
    if (!p) throw new ApiError('not_found', `There is no board profile "${id}".`, { name: id })
    return p
  }

  async boardExportProfile(req: Req<'boardExportProfile'>): Promise<{ fileName: string; json: string }> {
    const p = await this.profile(req.id)
    return { fileName: `${p.id}.p1board.json`, json: this.store.exportJson(p) }
  }

  async boardImportProfile(req: Req<'boardImportProfile'>): Promise<BoardProfileView> {
    return this.view(await this.store.importJson(req.json))
  }

  /** A complete profile's configuration: its text (masked, or with the secrets), notes and key check. */
  private async configOutput(
    r: { id: string; format: BoardConfigFormat; layout?: ConfigHLayout; force?: boolean },
    secrets: 'masked' | 'inline'
  ): Promise<BoardConfigOutput> {
    const p = await this.profile(r.id)
    assertComplete(p)
    const keyCheck = tryProfileKey(p, this.opts.checkKey)
    if (secrets !== 'masked') refuseWrongKey(keyCheck, r.force, 'Not copied')
    const layout = r.format === 'config.h' ? (r.layout ?? configLayout(p)) : null
    const { fileName, text } = renderConfig(p, r.format, secrets, layout ?? undefined)
    const notes = configNotes(p, r.format)
    return { format: r.format, layout, fileName, text, notes: notes.map((n) => n.message), noteCodes: notes, keyCheck, secretsIncluded: secrets !== 'masked' }
  }

  async boardConfigText(r: Req<'boardConfigText'>): Promise<BoardConfigOutput> {
    return this.configOutput(r, 'masked')
  }

  /** "Copy": what compiles, with the secrets (the request says `confirm: true`). */
  async boardConfigSecretText(r: Req<'boardConfigSecretText'>): Promise<BoardConfigOutput> {
    return this.configOutput(r, 'inline')
  }

  /** Write the file with its secrets into the profile's folder (inside the data folder: no path from a request). */
  async boardSaveConfig(r: Req<'boardSaveConfig'>): Promise<{ path: string; keyCheck: BoardKeyCheck }> {
    const p = await this.profile(r.id)
    assertComplete(p)
    const keyCheck = tryProfileKey(p, this.opts.checkKey)
    refuseWrongKey(keyCheck, r.force, 'Not saved')
    return { path: await writeConfigFiles(join(this.opts.profilesDir, p.id), p, r.format, r.layout), keyCheck }
  }

  async improvProvision(r: Req<'improvProvision'>, caller = this.defaultCaller): Promise<ImprovResult> {
    const path = await caller.serialPort(r.path)
    let ssid = r.ssid
    let password = r.password
    if (r.profileId) {
      const p = await this.profile(r.profileId)
      ssid ??= p.settings.MY_WIFI_SSID
      // an unreadable stored password is an error, never an empty one sent to the board
      password ??= usableSecret(p, 'MY_WIFI_PASSWORD')
    }
    if (!ssid) throw new ApiError('invalid_request', 'Give the Wi-Fi SSID (or a profile that has one).', { field: 'ssid' })
    const network = ssid
    return this.exclusive('Improv provisioning', 'improv', path, () =>
      improvProvision({ path, ssid: network, password: password ?? '', baudRate: r.baudRate, timeoutS: r.timeoutS, onLog: (l) => this.note('improv', l, path) })
    )
  }

  /** Fill a verify/source request from its profile; the caller must be allowed its broker. */
  private async resolveMqtt(r: Req<'mqttVerify'>, caller: Caller): Promise<MqttVerifyRequest & { url: string; topic: string; ntp: boolean }> {
    const fromProfile = r.profileId ? profileMqtt(await this.profile(r.profileId), r.url) : null
    const given: MqttVerifyRequest = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))
    const m: MqttVerifyRequest & { ntp?: boolean } = { ...fromProfile?.request, ...given }
    const profileBroker = fromProfile?.broker ?? null
    if (!m.url) throw new ApiError('invalid_request', 'Give the broker URL (or a profile).', { field: 'url' })
    if (!m.topic) throw new ApiError('invalid_request', 'Give the topic (or a profile).', { field: 'topic' })
    // before any connection: a browser cannot tell an open port from a closed one on a broker not allowed
    caller.checkBroker(m.url, profileBroker)
    return { ...m, url: m.url, topic: m.topic, ntp: m.ntp ?? true }
  }

  async mqttVerify(req: Req<'mqttVerify'>, caller = this.defaultCaller): Promise<MqttVerifyReport> {
    if (this.verifyAbort) throw new ApiError('already_running', 'A verification is already running.')
    const m = await this.resolveMqtt(req, caller)
    const ac = new AbortController()
    this.verifyAbort = ac
    try {
      const report = await verifyMqtt({
        ...m,
        signal: ac.signal,
        reference: this.opts.reference,
        clock: this.opts.clock,
        onProgress: (p) => this.emit('board', { kind: 'verify', ...p })
      })
      this.note('mqtt', `Verification of ${report.topic} on ${report.url}: ${report.verdict} — ${report.summary}`)
      return report
    } finally {
      this.verifyAbort = null
    }
  }

  async mqttVerifyCancel(): Promise<void> {
    this.verifyAbort?.abort()
  }

  async mqttSourceOpen(req: Req<'mqttSourceOpen'>, caller = this.defaultCaller): Promise<BoardMonitorState> {
    const m = await this.resolveMqtt(req, caller)
    await this.mqttSourceClose()
    // the connection and the topic from the request (or its profile), the firmware it names
    const src = new MqttFieldSource({ ...m, firmware: m.firmware && m.firmware !== 'auto' ? m.firmware : undefined, clock: this.opts.clock })
    src.on('objects', (objects, receivedAt) =>
      this.emit('boardSnapshot', { topic: src.topic, generation: src.firmware?.generation ?? null, objects, receivedAt })
    )
    src.on('error', (msg) => {
      this.sourceError = msg
    })
    src.on('end', (why) => {
      this.sourceError = why
      if (this.source === src) this.source = null
      this.note('mqtt', why)
      this.pushState()
    })
    this.sourceError = null
    await src.start()
    this.source = src
    this.note('mqtt', `Showing ${src.label} as a source.`)
    return this.pushState()
  }

  async mqttSourceClose(): Promise<BoardMonitorState> {
    const s = this.source
    this.source = null
    await s?.stop()
    return this.pushState()
  }

  /** Stop every listener and abort a verification (app shutdown). */
  async close(): Promise<void> {
    this.verifyAbort?.abort()
    await Promise.allSettled([this.boardMonitorStop(), this.udpLogStop(), this.mqttSourceClose()])
  }
}

/**
 * A key that does not decrypt the open meter's frames goes into no file or clipboard unless forced.
 * @throws ApiError with the check's code (`key_wrong`) and params
 */
function refuseWrongKey(keyCheck: BoardKeyCheck, force: boolean | undefined, what: string): void {
  if (keyCheck.checked && !keyCheck.ok && !force)
    throw new ApiError(keyCheck.code ?? 'key_wrong', `${what}: ${keyCheck.message} Check the key, or go on anyway.`, keyCheck.params ?? {})
}
