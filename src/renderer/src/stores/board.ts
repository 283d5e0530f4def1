/**
 * The Board tab's store: flash a board, read its chip, follow its logs, edit board profiles
 * (validation from the main side), show config.h / ESPHome output, provision Wi-Fi over
 * Improv and verify the board's MQTT output. Calls the methods of BoardApi
 * (src/shared/board.ts) on the session's client and follows the 'board' events. No protocol
 * logic here; secrets are typed in but never read back (views are masked).
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type {
  BoardApi,
  BoardChipInfo,
  BoardConfigFormat,
  BoardConfigOutput,
  BoardEvent,
  BoardFieldError,
  BoardFlashProgress,
  BoardFlashRequest,
  BoardFlashResult,
  BoardLogLine,
  BoardMonitorState,
  BoardProfileInput,
  BoardProfileView,
  BoardValidation,
  ImprovResult,
  MqttVerifyProgress,
  MqttVerifyReport,
  MqttVerifyRequest
} from '@shared/board'
import { useSessionStore } from './session'

const LOG_LIMIT = 500

/** The message of an API error without Electron's "Error invoking remote method …" prefix. */
export function apiMessage(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).replace(/^Error invoking remote method '[^']+': (Error: )?/, '')
}

export const useBoardStore = defineStore('board', () => {
  const session = useSessionStore()
  const api = (): BoardApi => {
    if (!session.client) throw new Error('Not connected to P1 Studio.')
    return session.client as unknown as BoardApi
  }

  const busy = ref<string | null>(null)
  const error = ref<string | null>(null)
  const message = ref<string | null>(null)
  const chip = shallowRef<BoardChipInfo | null>(null)
  const progress = shallowRef<BoardFlashProgress | null>(null)
  const flashResult = shallowRef<BoardFlashResult | null>(null)
  const log = shallowRef<BoardLogLine[]>([])
  const monitor = shallowRef<BoardMonitorState | null>(null)
  const profiles = shallowRef<BoardProfileView[]>([])
  const validation = shallowRef<BoardValidation | null>(null)
  const config = shallowRef<BoardConfigOutput | null>(null)
  const improv = shallowRef<ImprovResult | null>(null)
  const verifyProgress = shallowRef<MqttVerifyProgress | null>(null)
  const report = shallowRef<MqttVerifyReport | null>(null)
  const verifying = ref(false)
  let subscribed = false

  function onEvent(e: BoardEvent): void {
    if (e.kind === 'progress') progress.value = { ...e }
    else if (e.kind === 'verify') verifyProgress.value = { ...e }
    else if (e.kind === 'state') monitor.value = { monitor: e.monitor, udp: e.udp, mqttSource: e.mqttSource }
    else if (e.kind === 'log') {
      const next = log.value.length >= LOG_LIMIT ? log.value.slice(log.value.length - LOG_LIMIT + 1) : log.value.slice()
      next.push({ source: e.source, time: e.time, line: e.line, from: e.from })
      log.value = next
    }
  }

  /** Follow 'board' events and load the listener states, log and profiles. */
  async function attach(): Promise<void> {
    if (!session.client) return
    if (!subscribed) {
      subscribed = true
      session.client.on('board' as never, onEvent as (d: never) => void)
    }
    try {
      const s = await api().boardState()
      monitor.value = s.state
      log.value = s.log
      profiles.value = await api().boardProfiles()
    } catch (e) {
      error.value = apiMessage(e)
    }
  }

  /** Run one action: busy flag, error and message handling. */
  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    message.value = null
    busy.value = what
    try {
      return await fn()
    } catch (e) {
      error.value = apiMessage(e)
      return undefined
    } finally {
      busy.value = null
    }
  }

  const readChip = (path: string, reset: 'auto' | 'none') =>
    run('chip', async () => {
      chip.value = null
      chip.value = await api().boardInfo({ path, reset })
    })

  const flash = (req: BoardFlashRequest) =>
    run('flash', async () => {
      progress.value = null
      flashResult.value = null
      const r = await api().boardFlash(req)
      flashResult.value = r
      chip.value = r.info
      message.value = `Flashed and verified in ${r.durationS.toFixed(1)} s.${r.resetDone ? ' The board was reset into the new firmware.' : ' Press RESET on the board to start the new firmware.'}`
    })

  const monitorStart = (path: string, baudRate: number) => run('monitor', async () => (monitor.value = await api().boardMonitorStart({ path, baudRate })))
  const monitorStop = () => run('monitor', async () => (monitor.value = await api().boardMonitorStop()))
  const udpStart = (port: number) => run('udp', async () => (monitor.value = await api().udpLogStart({ port })))
  const udpStop = () => run('udp', async () => (monitor.value = await api().udpLogStop()))
  const clearLog = (): void => {
    log.value = []
  }

  const loadProfiles = () => run('profiles', async () => (profiles.value = await api().boardProfiles()))

  /** Validate without saving (the form calls this while typing). Never sets `error`. */
  async function validate(input: BoardProfileInput): Promise<void> {
    try {
      validation.value = await api().boardValidateProfile(input)
    } catch (e) {
      validation.value = { ok: false, errors: [{ field: 'name', message: apiMessage(e) }], notes: [] }
    }
  }

  const saveProfile = (input: BoardProfileInput) =>
    run('save', async () => {
      const p = await api().boardSaveProfile(input)
      profiles.value = await api().boardProfiles()
      message.value = `Saved "${p.name}".`
      return p
    })

  const deleteProfile = (id: string) =>
    run('delete', async () => {
      await api().boardDeleteProfile({ id })
      profiles.value = await api().boardProfiles()
      config.value = null
    })

  function download(name: string, text: string, type: string): void {
    const blob = new Blob([text], { type })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = name
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  const exportProfile = (id: string) =>
    run('export', async () => {
      const r = await api().boardExportProfile({ id })
      download(r.fileName, r.json, 'application/json')
      message.value = `Exported without secrets as ${r.fileName}.`
    })

  const importProfile = (json: string) =>
    run('import', async () => {
      const p = await api().boardImportProfile({ json })
      profiles.value = await api().boardProfiles()
      message.value = `Imported "${p.name}" (enter its secrets: P1 key, passwords).`
      return p
    })

  const configText = (id: string, format: BoardConfigFormat) => run('config', async () => (config.value = await api().boardConfigText({ id, format })))

  const saveConfig = (id: string, format: BoardConfigFormat, force = false) =>
    run('config', async () => {
      const r = await api().boardSaveConfig({ id, format, force })
      message.value = `Written with its secrets to ${r.path}.`
    })

  async function copyConfig(): Promise<void> {
    if (!config.value) return
    try {
      await navigator.clipboard.writeText(config.value.text)
      message.value = 'Copied (secrets masked).'
    } catch {
      error.value = 'The clipboard is not available here; use Download.'
    }
  }

  function downloadConfig(): void {
    if (config.value) download(config.value.fileName, config.value.text, 'text/plain')
  }

  const provision = (req: { path: string; ssid?: string; password?: string; profileId?: string }) =>
    run('improv', async () => {
      improv.value = null
      improv.value = await api().improvProvision(req)
    })

  async function verify(req: MqttVerifyRequest): Promise<void> {
    if (verifying.value) return
    verifying.value = true
    report.value = null
    verifyProgress.value = null
    error.value = null
    try {
      report.value = await api().mqttVerify(req)
    } catch (e) {
      error.value = apiMessage(e)
    } finally {
      verifying.value = false
    }
  }

  const cancelVerify = () => run('verify', () => api().mqttVerifyCancel())
  const sourceOpen = (req: MqttVerifyRequest) => run('source', async () => (monitor.value = await api().mqttSourceOpen(req)))
  const sourceClose = () => run('source', async () => (monitor.value = await api().mqttSourceClose()))

  /** Field → message of the last validation. */
  function fieldError(field: string): string | null {
    return validation.value?.errors.find((e: BoardFieldError) => e.field === field)?.message ?? null
  }

  return {
    busy,
    error,
    message,
    chip,
    progress,
    flashResult,
    log,
    monitor,
    profiles,
    validation,
    config,
    improv,
    verifyProgress,
    report,
    verifying,
    attach,
    readChip,
    flash,
    monitorStart,
    monitorStop,
    udpStart,
    udpStop,
    clearLog,
    loadProfiles,
    validate,
    saveProfile,
    deleteProfile,
    exportProfile,
    importProfile,
    configText,
    saveConfig,
    copyConfig,
    downloadConfig,
    provision,
    verify,
    cancelVerify,
    sourceOpen,
    sourceClose,
    fieldError
  }
})
