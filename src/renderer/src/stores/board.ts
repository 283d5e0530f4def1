/**
 * The Board tab's store: flash a board, read its chip, follow its logs, edit board profiles
 * (validation from the main side), show config.h / ESPHome output, provision Wi-Fi over
 * Improv and verify the board's MQTT output. Calls the board methods of the contract on the
 * session's client and follows the 'board' events. No protocol
 * logic and no DOM here; secrets are typed in but never read back (views are masked).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { P1StudioClient } from '@shared/contract'
import type {
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
import { localError, toApiError } from '../api/errors'
import { requireClient, useActions } from './action'
import { useSessionStore } from './session'

/** Log lines kept in the view. */
export const LOG_LIMIT = 500

/** What the last successful action did, for the view to word. */
export type BoardDone =
  | { kind: 'flashed'; durationS: number; resetDone: boolean }
  | { kind: 'saved'; name: string }
  | { kind: 'exported'; fileName: string }
  | { kind: 'imported'; name: string }
  | { kind: 'configSaved'; path: string }
  | { kind: 'copied' }

export const useBoardStore = defineStore('board', () => {
  const session = useSessionStore()
  const api = (): P1StudioClient => requireClient(session.client)

  const { busy, error, run } = useActions()
  const done = shallowRef<BoardDone | null>(null)
  const chip = shallowRef<BoardChipInfo | null>(null)
  const progress = shallowRef<BoardFlashProgress | null>(null)
  const flashResult = shallowRef<BoardFlashResult | null>(null)
  const log = shallowRef<BoardLogLine[]>([])
  const monitor = shallowRef<BoardMonitorState | null>(null)
  const profiles = shallowRef<BoardProfileView[]>([])
  /** Id of the profile chosen in the profile list ('' = none). */
  const selectedId = ref('')
  const current = computed<BoardProfileView | null>(() => profiles.value.find((p) => p.id === selectedId.value) ?? null)
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
      session.client.on('board', onEvent)
    }
    try {
      const s = await api().boardState()
      monitor.value = s.state
      log.value = s.log
      profiles.value = await api().boardProfiles()
    } catch (e) {
      error.value = toApiError(e)
    }
  }

  /** Run an action; a success note replaces the last one. */
  const act = <T>(what: string, fn: () => Promise<T>) =>
    run(what, async () => {
      done.value = null
      return fn()
    })

  const readChip = (path: string, reset: 'auto' | 'none') =>
    act('chip', async () => {
      chip.value = null
      chip.value = await api().boardInfo({ path, reset })
    })

  const flash = (req: BoardFlashRequest) =>
    act('flash', async () => {
      progress.value = null
      flashResult.value = null
      const r = await api().boardFlash(req)
      flashResult.value = r
      chip.value = r.info
      done.value = { kind: 'flashed', durationS: r.durationS, resetDone: r.resetDone }
    })

  const monitorStart = (path: string, baudRate: number) => act('monitor', async () => (monitor.value = await api().boardMonitorStart({ path, baudRate })))
  const monitorStop = () => act('monitor', async () => (monitor.value = await api().boardMonitorStop()))
  const udpStart = (port: number) => act('udp', async () => (monitor.value = await api().udpLogStart({ port })))
  const udpStop = () => act('udp', async () => (monitor.value = await api().udpLogStop()))
  const clearLog = (): void => {
    log.value = []
  }

  const loadProfiles = () => act('profiles', async () => (profiles.value = await api().boardProfiles()))

  /** Validate without saving (the form calls this while typing). Never sets `error`. */
  async function validate(input: BoardProfileInput): Promise<void> {
    try {
      validation.value = await api().boardValidateProfile(input)
    } catch (e) {
      validation.value = { ok: false, errors: [{ field: 'name', message: toApiError(e).message }], notes: [] }
    }
  }

  const saveProfile = (input: BoardProfileInput) =>
    act('save', async () => {
      const p = await api().boardSaveProfile(input)
      profiles.value = await api().boardProfiles()
      done.value = { kind: 'saved', name: p.name }
      return p
    })

  const deleteProfile = (id: string) =>
    act('delete', async () => {
      await api().boardDeleteProfile({ id })
      profiles.value = await api().boardProfiles()
      config.value = null
    })

  /** The profile as JSON without secrets, for the view to download. */
  const exportProfile = (id: string) =>
    act('export', async () => {
      const r = await api().boardExportProfile({ id })
      done.value = { kind: 'exported', fileName: r.fileName }
      return r
    })

  const importProfile = (json: string) =>
    act('import', async () => {
      const p = await api().boardImportProfile({ json })
      profiles.value = await api().boardProfiles()
      done.value = { kind: 'imported', name: p.name }
      return p
    })

  const configText = (id: string, format: BoardConfigFormat) => act('config', async () => (config.value = await api().boardConfigText({ id, format })))

  const saveConfig = (id: string, format: BoardConfigFormat, force = false) =>
    act('config', async () => {
      const r = await api().boardSaveConfig({ id, format, force })
      done.value = { kind: 'configSaved', path: r.path }
    })

  /** Note that the preview was copied (the view does the copying), or that the clipboard refused. */
  function copied(ok: boolean): void {
    error.value = ok ? null : localError('clipboard_unavailable', 'The clipboard is not available here; use Download.')
    done.value = ok ? { kind: 'copied' } : null
  }

  const provision = (req: { path: string; ssid?: string; password?: string; profileId?: string }) =>
    act('improv', async () => {
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
      error.value = toApiError(e)
    } finally {
      verifying.value = false
    }
  }

  const cancelVerify = () => act('verify', () => api().mqttVerifyCancel())
  const sourceOpen = (req: MqttVerifyRequest) => act('source', async () => (monitor.value = await api().mqttSourceOpen(req)))
  const sourceClose = () => act('source', async () => (monitor.value = await api().mqttSourceClose()))

  /** The last validation's message for a field, null if none. */
  function fieldError(field: string): BoardFieldError | null {
    return validation.value?.errors.find((e: BoardFieldError) => e.field === field) ?? null
  }

  return {
    busy,
    error,
    done,
    chip,
    progress,
    flashResult,
    log,
    monitor,
    profiles,
    selectedId,
    current,
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
    copied,
    provision,
    verify,
    cancelVerify,
    sourceOpen,
    sourceClose,
    fieldError
  }
})
