/**
 * The app's side of boards (issue 6): flash, read chip info, monitor serial/UDP logs, keep
 * board profiles, write config.h / ESPHome YAML, provision Wi-Fi over Improv, verify a board's
 * MQTT output, and show a board's MQTT data as a source. Implements {@link BoardApi} (the
 * renderer-facing methods, src/shared/board.ts) in plain Node; the session wires it into the
 * contract (IPC and WebSocket) and listens to its events:
 *
 * - 'board'   {@link BoardEvent}: flash progress, log lines, listener states, verify progress
 * - 'objects' (objects, receive time ms) from an open MQTT field source, for the live view
 *
 * Every method validates its plain-object parameters with zod and throws Errors with one
 * plain-English sentence. Secrets never leave in a return value (views and config previews are
 * masked); files with secrets are written into the profiles folder only.
 */
import { EventEmitter } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { z } from 'zod'
import type {
  BoardApi,
  BoardChipInfo,
  BoardConfigFormat,
  BoardConfigOutput,
  BoardEvent,
  BoardFlashRequest,
  BoardFlashResult,
  BoardKeyCheck,
  BoardLogLine,
  BoardMonitorState,
  BoardObject,
  BoardProfileInput,
  BoardProfileView,
  BoardValidation,
  ImprovResult,
  ConfigHLayout,
  MqttVerifyReport,
  MqttVerifyRequest
} from '../../shared/board'
import { FIRMWARE_GENERATIONS } from '../../shared/board'
import { writeConfigH } from '../board/config-h'
import { esphomeName, writeEsphomeSecrets, writeEsphomeYaml } from '../board/esphome'
import { FlashError, flashBoard, readBoardInfo } from '../board/flasher'
import { readImageFile } from '../board/image'
import { improvProvision } from '../board/improv'
import { SerialMonitor, UdpLogListener } from '../board/monitor'
import { MqttFieldSource } from '../board/mqtt-source'
import { verifyMqtt, type ReferenceFn } from '../board/mqtt-verify'
import { configLayout, mergeProfile, profileFirmware, profileInputSchema, profileView, validateProfile, type BoardProfile } from '../board/profile'
import { ProfileStore, type SecretStore } from '../board/profile-store'
import type { Clock } from '../line/clock'

/** What the session hands the service. */
export interface BoardServiceOptions {
  /** Folder of the board profiles (and the files generated from them). */
  profilesDir: string
  /** Electron: safeStorage; serve mode: memorySecretStore(). */
  secrets: SecretStore
  /** Try a P1 key on the open P1 source's frames (absent: keys are never checked). */
  checkKey?: (keyHex: string) => BoardKeyCheck
  /** The latest decoded P1 telegram of the open source, for the MQTT value comparison. */
  reference?: ReferenceFn
  /** Called before the service opens a serial port, so the session can release it (one owner per port). */
  openPortGuard?: (path: string) => Promise<void>
  /** Time for the MQTT verification and field source (receive times, limits); default the system clock. */
  clock?: Clock
}

export interface BoardServiceEvents {
  board: [BoardEvent]
  objects: [objects: BoardObject[], receivedAt: number]
}

const LOG_LIMIT = 500

const path = z.string().min(1).max(4096)
const infoSchema = z.object({ path, reset: z.enum(['auto', 'none']).optional() }).strict()
const flashSchema = z
  .object({
    path,
    images: z.array(z.object({ path, offset: z.number().int().min(0).max(0x10000000) }).strict()).min(1).max(8),
    eraseAll: z.boolean().optional(),
    baudRate: z.number().int().min(9600).max(3_000_000).optional(),
    reset: z.enum(['auto', 'none']).optional()
  })
  .strict()
const monitorSchema = z.object({ path, baudRate: z.number().int().min(300).max(3_000_000).optional() }).strict()
const udpSchema = z.object({ port: z.number().int().min(1).max(65535).optional(), host: z.string().min(1).max(64).optional() }).strict()
const idSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, { message: 'is not a profile id' }) }).strict()
const formatSchema = z.enum(['config.h', 'esphome'])
const layoutSchema = z.enum(['v1.6', 'v1.7']).optional()
const configSchema = z.object({ id: idSchema.shape.id, format: formatSchema, layout: layoutSchema }).strict()
const saveConfigSchema = z.object({ id: idSchema.shape.id, format: formatSchema, layout: layoutSchema, force: z.boolean().optional() }).strict()
const importSchema = z.object({ json: z.string().max(200_000) }).strict()
const improvSchema = z
  .object({
    path,
    ssid: z.string().max(32).optional(),
    password: z.string().max(63).optional(),
    profileId: idSchema.shape.id.optional(),
    baudRate: z.number().int().min(300).max(3_000_000).optional(),
    timeoutS: z.number().min(1).max(300).optional()
  })
  .strict()
const verifySchema = z
  .object({
    profileId: idSchema.shape.id.optional(),
    url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, { message: 'must be a broker URL such as mqtt://192.168.1.5:1883' }).optional(),
    username: z.string().max(200).optional(),
    password: z.string().max(200).optional(),
    rejectUnauthorized: z.boolean().optional(),
    ca: z.string().max(20_000).optional(),
    topic: z.string().min(1).max(200).regex(/^[^+#]+$/, { message: 'must not contain + or #' }).optional(),
    intervalS: z.number().min(0.1).max(86_400).optional(),
    toleranceS: z.number().min(0).max(3600).optional(),
    durationS: z.number().min(0.5).max(7200).optional(),
    mode: z.enum(['auto', 'fields', 'cooked']).optional(),
    firmware: z.enum([...FIRMWARE_GENERATIONS, 'auto']).optional()
  })
  .strict()

function parse<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input ?? {})
  if (r.success) return r.data
  const i = r.error.issues[0]
  throw new Error(`Invalid ${what}: ${i.path.length ? `${i.path.join('.')} ` : ''}${i.message}`)
}

/** Board operations for the app. One flash/info/Improv run at a time. */
export class BoardService extends EventEmitter<BoardServiceEvents> implements BoardApi {
  readonly store: ProfileStore
  private monitor: SerialMonitor | null = null
  private monitorError: string | null = null
  private udp: UdpLogListener | null = null
  private udpError: string | null = null
  private source: MqttFieldSource | null = null
  private sourceError: string | null = null
  private verifyAbort: AbortController | null = null
  private busy: string | null = null
  private log: BoardLogLine[] = []

  constructor(private readonly opts: BoardServiceOptions) {
    super()
    this.store = new ProfileStore(opts.profilesDir, opts.secrets)
  }

  private emitBoard(e: BoardEvent): void {
    this.emit('board', e)
  }

  private addLog(l: BoardLogLine): void {
    this.log.push(l)
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT)
    this.emitBoard({ kind: 'log', ...l })
  }

  private note(source: BoardLogLine['source'], line: string, from: string | null = null): void {
    this.addLog({ source, time: Date.now(), line, from })
  }

  private state(): BoardMonitorState {
    return {
      monitor: { open: this.monitor?.isOpen ?? false, path: this.monitor?.path ?? null, baudRate: this.monitor?.baudRate ?? null, error: this.monitorError },
      udp: { open: this.udp?.isOpen ?? false, port: this.udp?.boundPort ?? null, error: this.udpError },
      mqttSource: { open: this.source !== null, url: this.source ? this.source.label.split(' ')[0] : null, topic: this.source?.topic ?? null, messages: this.source?.messages ?? 0, error: this.sourceError }
    }
  }

  private pushState(): BoardMonitorState {
    const s = this.state()
    this.emitBoard({ kind: 'state', ...s })
    return s
  }

  /** Run one exclusive serial operation; frees our own monitor on that port first. */
  private async exclusive<T>(what: string, portPath: string, fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new Error(`Wait until the running ${this.busy} has finished.`)
    this.busy = what
    try {
      if (this.monitor?.path === portPath) {
        this.note('flash', `Closing the serial monitor on ${portPath} for the ${what}.`)
        await this.boardMonitorStop()
      }
      await this.opts.openPortGuard?.(portPath)
      return await fn()
    } finally {
      this.busy = null
    }
  }

  async boardInfo(req: { path: string; reset?: 'auto' | 'none' }): Promise<BoardChipInfo> {
    const r = parse(infoSchema, req, 'board info request')
    return this.exclusive('chip check', r.path, () => readBoardInfo({ path: r.path, reset: r.reset, onLog: (l) => this.note('flash', l, r.path) }))
  }

  async boardFlash(req: BoardFlashRequest): Promise<BoardFlashResult> {
    const r = parse(flashSchema, req, 'flash request')
    const images = await Promise.all(
      r.images.map(async (i) => {
        // only regular files of at most 16 MB (image.ts): never a device, pipe or endless file
        return { name: basename(i.path), offset: i.offset, data: await readImageFile(i.path), path: i.path }
      })
    )
    return this.exclusive('flash', r.path, async () => {
      try {
        const out = await flashBoard({
          path: r.path,
          reset: r.reset,
          baudRate: r.baudRate,
          eraseAll: r.eraseAll,
          images,
          onLog: (l) => this.note('flash', l, r.path),
          onProgress: (p) => this.emitBoard({ kind: 'progress', ...p })
        })
        return { info: out.info, images: out.images.map((x, n) => ({ path: images[n].path, offset: x.offset, bytes: x.bytes, md5: x.md5, verified: x.verified })), erasedAll: out.erasedAll, resetDone: out.resetDone, durationS: out.durationS }
      } catch (e) {
        if (e instanceof FlashError) this.note('flash', `${e.code}: ${e.message}`, r.path)
        throw e
      }
    })
  }

  async boardMonitorStart(req: { path: string; baudRate?: number }): Promise<BoardMonitorState> {
    const r = parse(monitorSchema, req, 'monitor request')
    if (this.busy) throw new Error(`Wait until the running ${this.busy} has finished.`)
    await this.boardMonitorStop()
    await this.opts.openPortGuard?.(r.path)
    const m = new SerialMonitor(r.path, r.baudRate ?? 115200)
    m.on('line', (l) => this.addLog(l))
    m.on('error', (msg) => {
      this.monitorError = msg
      this.note('monitor', msg, r.path)
    })
    m.on('close', () => {
      if (this.monitor === m) this.monitor = null
      this.pushState()
    })
    this.monitorError = null
    await m.start()
    this.monitor = m
    return this.pushState()
  }

  async boardMonitorStop(): Promise<BoardMonitorState> {
    const m = this.monitor
    this.monitor = null
    await m?.stop()
    return this.pushState()
  }

  async udpLogStart(req: { port?: number; host?: string }): Promise<BoardMonitorState> {
    const r = parse(udpSchema, req, 'UDP log request')
    await this.udpLogStop()
    // bind where the boards send (a profile's UDP_LOG_PC_IP that is ours), else loopback: never every interface unasked
    const pcIps = r.host === undefined ? (await this.store.list()).profiles.map((p) => p.settings.UDP_LOG_PC_IP_BYTES) : []
    const u = new UdpLogListener(r.port ?? 6666, { host: r.host, pcIps })
    u.on('line', (l) => this.addLog(l))
    u.on('error', (msg) => {
      this.udpError = msg
      this.note('udp', msg)
    })
    this.udpError = null
    try {
      await u.start()
    } catch (e) {
      this.udpError = (e as Error).message
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

  async boardProfiles(): Promise<BoardProfileView[]> {
    const { profiles } = await this.store.list()
    return profiles.map(profileView)
  }

  async boardValidateProfile(req: BoardProfileInput): Promise<BoardValidation> {
    const input = parse(profileInputSchema, req, 'profile') as BoardProfileInput
    const stored = input.id ? await this.store.get(input.id) : null
    return validateProfile(mergeProfile(input, stored, input.id ?? 'new'))
  }

  async boardSaveProfile(req: BoardProfileInput): Promise<BoardProfileView> {
    const input = parse(profileInputSchema, req, 'profile') as BoardProfileInput
    return profileView(await this.store.save(input))
  }

  async boardDeleteProfile(req: { id: string }): Promise<void> {
    await this.store.delete(parse(idSchema, req, 'profile id').id)
  }

  private async profile(id: string): Promise<BoardProfile> {
    const p = await this.store.get(id)
    if (!p) throw new Error(`There is no board profile "${id}".`)
    return p
  }

  async boardExportProfile(req: { id: string }): Promise<{ fileName: string; json: string }> {
    const p = await this.profile(parse(idSchema, req, 'profile id').id)
    return { fileName: `${p.id}.p1board.json`, json: this.store.exportJson(p) }
  }

  async boardImportProfile(req: { json: string }): Promise<BoardProfileView> {
    return profileView(await this.store.importJson(parse(importSchema, req, 'import').json))
  }

  /** Try the key on the open P1 source (never throws). */
  private keyCheck(p: BoardProfile): BoardKeyCheck {
    if (!p.secrets.KEY_SMARTY) return { checked: false, ok: false, message: 'The profile has no P1 key.' }
    if (!this.opts.checkKey) return { checked: false, ok: false, message: 'No P1 source is open: the key was not tried on the meter.' }
    try {
      return this.opts.checkKey(p.secrets.KEY_SMARTY)
    } catch (e) {
      return { checked: false, ok: false, message: `The key could not be tried: ${(e as Error).message}` }
    }
  }

  private ready(p: BoardProfile): void {
    const v = validateProfile(p)
    if (!v.ok) throw new Error(`Complete the profile first: ${v.errors[0].field}: ${v.errors[0].message}`)
  }

  private render(p: BoardProfile, format: BoardConfigFormat, masked: boolean, layout?: ConfigHLayout): { fileName: string; text: string } {
    if (format === 'config.h') return { fileName: 'config.h', text: writeConfigH(p, { maskSecrets: masked, layout: layout ?? configLayout(p) }) }
    return { fileName: `${esphomeName(p)}.yaml`, text: writeEsphomeYaml(p, { secrets: 'references' }) }
  }

  async boardConfigText(req: { id: string; format: BoardConfigFormat; layout?: ConfigHLayout }): Promise<BoardConfigOutput> {
    const r = parse(configSchema, req, 'configuration request')
    const p = await this.profile(r.id)
    this.ready(p)
    const keyCheck = this.keyCheck(p)
    const layout = r.format === 'config.h' ? (r.layout ?? configLayout(p)) : null
    const { fileName, text } = this.render(p, r.format, true, layout ?? undefined)
    const notes = r.format === 'config.h' ? validateProfile(p).notes : ['Secrets (Wi-Fi, P1 key, MQTT) go into secrets.yaml next to the YAML when saved.', 'Improv serial is not enabled: on a SmartyReader UART0 belongs to the meter.']
    return { format: r.format, layout, fileName, text, notes, keyCheck }
  }

  async boardSaveConfig(req: { id: string; format: BoardConfigFormat; layout?: ConfigHLayout; force?: boolean }): Promise<{ path: string; keyCheck: BoardKeyCheck }> {
    const r = parse(saveConfigSchema, req, 'configuration request')
    const p = await this.profile(r.id)
    this.ready(p)
    const keyCheck = this.keyCheck(p)
    if (keyCheck.checked && !keyCheck.ok && !r.force) throw new Error(`Not saved: ${keyCheck.message} Check the key, or save anyway.`)
    const dir = join(this.opts.profilesDir, p.id)
    const { fileName, text } = this.render(p, r.format, false, r.layout)
    try {
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, fileName), text, { mode: 0o600 })
      if (r.format === 'esphome') await writeFile(join(dir, 'secrets.yaml'), writeEsphomeSecrets(p), { mode: 0o600 })
    } catch (e) {
      throw new Error(`Cannot write into ${dir}: ${(e as Error).message}`)
    }
    return { path: join(dir, fileName), keyCheck }
  }

  async improvProvision(req: { path: string; ssid?: string; password?: string; profileId?: string; baudRate?: number; timeoutS?: number }): Promise<ImprovResult> {
    const r = parse(improvSchema, req, 'Improv request')
    let ssid = r.ssid
    let password = r.password
    if (r.profileId) {
      const p = await this.profile(r.profileId)
      ssid ??= p.settings.MY_WIFI_SSID
      password ??= p.secrets.MY_WIFI_PASSWORD
    }
    if (!ssid) throw new Error('Give the Wi-Fi SSID (or a profile that has one).')
    return this.exclusive('Improv provisioning', r.path, () =>
      improvProvision({ path: r.path, ssid: ssid!, password: password ?? '', baudRate: r.baudRate, timeoutS: r.timeoutS, onLog: (l) => this.note('improv', l, r.path) })
    )
  }

  /** Fill a verify/source request from its profile. */
  private async resolveMqtt(input: MqttVerifyRequest): Promise<MqttVerifyRequest & { url: string; topic: string; ntp: boolean }> {
    const r = parse(verifySchema, input, 'MQTT request')
    let fromProfile: Partial<MqttVerifyRequest> & { ntp?: boolean } = {}
    if (r.profileId) {
      const p = await this.profile(r.profileId)
      const s = p.settings
      // PUBLISH_TIME and PUBLISH_COOKED are config.h's (v1.6/v1.7); v1.5 publishes every 20 s, ESPHome every telegram
      const configH = ['smartyreader-v1.6', 'smartyreader-v1.7'].includes(profileFirmware(p))
      fromProfile = {
        url: `${s.MY_MQTT_PORT === 8883 ? 'mqtts' : 'mqtt'}://${s.MQTT_SERVER}:${s.MY_MQTT_PORT}`,
        username: p.defines.MQTTPASSWORD ? s.MY_MQTT_USER : undefined,
        password: p.defines.MQTTPASSWORD ? p.secrets.MY_MQTT_PASS : undefined,
        topic: s.MQTT_TOPIC_OUT,
        intervalS: configH ? s.PUBLISH_TIME / 1000 : undefined,
        mode: configH ? (p.defines.PUBLISH_COOKED ? 'cooked' : 'fields') : 'auto',
        ntp: p.defines.GET_NTP_TIME,
        firmware: profileFirmware(p)
      }
    }
    const m = { ...fromProfile, ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) } as MqttVerifyRequest & { ntp?: boolean }
    if (!m.url) throw new Error('Give the broker URL (or a profile).')
    if (!m.topic) throw new Error('Give the topic (or a profile).')
    return { ...m, url: m.url, topic: m.topic, ntp: m.ntp ?? true }
  }

  async mqttVerify(req: MqttVerifyRequest): Promise<MqttVerifyReport> {
    if (this.verifyAbort) throw new Error('A verification is already running.')
    const m = await this.resolveMqtt(req)
    const ac = new AbortController()
    this.verifyAbort = ac
    try {
      const report = await verifyMqtt({ ...m, signal: ac.signal, reference: this.opts.reference, clock: this.opts.clock, onProgress: (p) => this.emitBoard({ kind: 'verify', ...p }) })
      this.note('mqtt', `Verification of ${report.topic} on ${report.url}: ${report.verdict} — ${report.summary}`)
      return report
    } finally {
      this.verifyAbort = null
    }
  }

  async mqttVerifyCancel(): Promise<void> {
    this.verifyAbort?.abort()
  }

  async mqttSourceOpen(req: MqttVerifyRequest): Promise<BoardMonitorState> {
    const m = await this.resolveMqtt(req)
    await this.mqttSourceClose()
    const src = new MqttFieldSource({
      url: m.url,
      username: m.username,
      password: m.password,
      ca: m.ca,
      rejectUnauthorized: m.rejectUnauthorized,
      topic: m.topic,
      firmware: m.firmware && m.firmware !== 'auto' ? m.firmware : undefined,
      clock: this.opts.clock
    })
    src.on('objects', (objs, t) => this.emit('objects', objs, t))
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

  /** Stop the serial monitor if it holds `path` (before the session opens that port: one owner per port). */
  async releasePort(path: string): Promise<void> {
    if (this.monitor?.isOpen && this.monitor.path === path) await this.boardMonitorStop()
  }

  /** Base topic of the open MQTT field source, null when none is open. */
  currentSourceTopic(): string | null {
    return this.source?.topic ?? null
  }

  /** Stop every listener and abort a verification (app shutdown). */
  async close(): Promise<void> {
    this.verifyAbort?.abort()
    await Promise.allSettled([this.boardMonitorStop(), this.udpLogStop(), this.mqttSourceClose()])
  }
}
