/**
 * The History tab's store: meters in the local history database, imports (with progress
 * events), the chart series of the range shown (power, per phase, quality), text messages,
 * daily/monthly energy with the power class and price, and one day's quarter hours.
 * Views draw; this store fetches and keeps. Times are ms since the epoch.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type {
  CaptureFileInfo,
  HistoryDaysResult,
  HistoryImportProgress,
  HistoryImportSummary,
  HistoryMeter,
  HistorySeries,
  P1StudioClient
} from '@shared/contract'
import { DEFAULT_PRICE_EUR_PER_KWH, type QuarterStats } from '@shared/history'
import { uploadWithProgress, type UploadProgress, type UploadSource } from '../api/files'
import { toApiError, type ApiError } from '../api/errors'
import { requireClient, useActions } from './action'
import { useSessionStore } from './session'

/** What the per-phase chart shows. */
export type PhaseQuantity = 'power' | 'current' | 'voltage'

/** Series columns of the history store per chart (src/main/history/store.ts names them). */
export const PHASE_COLUMNS: Record<PhaseQuantity, string[]> = {
  power: ['import_kw_l1', 'import_kw_l2', 'import_kw_l3'],
  current: ['current_l1', 'current_l2', 'current_l3'],
  voltage: ['voltage_l1', 'voltage_l2', 'voltage_l3']
}
export const POWER_COLUMNS = ['import_kw', 'export_kw']
export const QUALITY_COLUMNS = ['power_failures', 'sags_l1', 'sags_l2', 'sags_l3', 'swells_l1', 'swells_l2', 'swells_l3']

/** Smallest range a zoom may show, ms. */
export const MIN_RANGE_MS = 60_000

export const useHistoryStore = defineStore('history', () => {
  const session = useSessionStore()
  const api = (): P1StudioClient => requireClient(session.client)
  const { error, run } = useActions()
  /** The error a background fetch set (an action's — a failed import — stays until the next action). */
  let fetchError: ApiError | null = null
  /**
   * A fetch of charts, days or lists whose failure shows as the tab's error. It clears only a
   * previous fetch's error when it starts, so a failed import's message is not wiped by the
   * next chart query (a zoom, the meter watch) before anyone reads it.
   */
  const quiet = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    if (error.value && error.value === fetchError) error.value = null
    try {
      return await fn()
    } catch (e) {
      error.value = fetchError = toApiError(e)
      return undefined
    }
  }

  const meters = shallowRef<HistoryMeter[]>([])
  const captureFiles = shallowRef<CaptureFileInfo[]>([])
  const meterId = ref('')
  const importing = ref(false)
  const progress = shallowRef<HistoryImportProgress | null>(null)
  /** The last import's summary (cleared when another starts). */
  const lastImport = shallowRef<HistoryImportSummary | null>(null)

  /** Power class: '3', '7', '12' or 'custom' (then `customClass` kW). */
  const classChoice = ref<string>('7')
  const customClass = ref<number | string>(9)
  /** Price per kWh above the class, € . */
  const price = ref<number | string>(DEFAULT_PRICE_EUR_PER_KWH)
  const classKW = computed(() => (classChoice.value === 'custom' ? Number(customClass.value) : Number(classChoice.value)))
  /**
   * What is wrong with the class or the price (catalogue keys), null when both are usable: a
   * class above 0 kW and at most 1000 kW, a price of 0 or more and at most 100 per kWh — the
   * history namespace's bounds. Nothing is asked with a wrong one (no silent 1 kW, no ignored −1).
   */
  const settingsError = computed<string | null>(() => {
    const c = classKW.value
    if (customClass.value === '' && classChoice.value === 'custom') return 'history.demand.classInvalid'
    if (!Number.isFinite(c) || c <= 0 || c > 1000) return 'history.demand.classInvalid'
    const p = price.value === '' ? NaN : Number(price.value)
    if (!Number.isFinite(p) || p < 0 || p > 100) return 'history.demand.priceInvalid'
    return null
  })
  const phaseQuantity = ref<PhaseQuantity>('power')
  /** CSV column headers in the language shown (default: English, stable for scripts). */
  const csvLocalHeaders = ref(false)

  const meter = computed(() => meters.value.find((m) => m.meterId === meterId.value) ?? null)
  const range = ref<{ from: number; to: number } | null>(null)
  const power = shallowRef<HistorySeries | null>(null)
  const phase = shallowRef<HistorySeries | null>(null)
  const quality = shallowRef<HistorySeries | null>(null)
  const messages = shallowRef<{ t: number; message: string }[]>([])
  /** performance.now() when the range shown was requested; the power chart reports `drawMs` against it. */
  const requestedAt = ref(0)
  /** Time from request to the power chart drawn, ms (null before the first). */
  const drawMs = ref<number | null>(null)

  const days = shallowRef<HistoryDaysResult | null>(null)
  const selectedDay = ref('')
  const quarters = shallowRef<QuarterStats[]>([])

  let unsubscribe: (() => void) | null = null
  /** Follow import progress and load the meters and the capture folder's files. */
  async function attach(): Promise<void> {
    if (!unsubscribe && session.client) unsubscribe = session.client.on('history', (p) => (progress.value = p))
    await loadMeters()
    captureFiles.value = (await quiet(() => api().listCaptures())) ?? []
  }

  async function loadMeters(): Promise<void> {
    const list = await quiet(() => api().historyMeters())
    if (!list) return
    meters.value = list
    if (!list.some((m) => m.meterId === meterId.value)) meterId.value = list[0]?.meterId ?? ''
  }

  async function doImport(fn: () => Promise<HistoryImportSummary>): Promise<void> {
    importing.value = true
    lastImport.value = null
    const r = await run('import', fn)
    importing.value = false
    if (!r) return
    const shown = meterId.value
    // switch to the imported meter first, so the message never describes another meter's view
    await loadMeters()
    if (r.meters[0]) meterId.value = r.meters[0].meterId
    lastImport.value = r
    // another meter: the watch on meterId fetches its charts and days (asking here too sent each request twice)
    if (meterId.value === shown) await refreshAll()
  }
  const importFile = (path: string) => doImport(() => api().historyImport({ path: path.trim() }))
  /** An upload from the browser: bytes sent and in total. */
  const upload = shallowRef<UploadProgress | null>(null)
  /** A file of the user's computer, from a browser: uploaded into the capture folder, then imported by its name (issue 12). */
  async function uploadAndImport(file: UploadSource): Promise<void> {
    lastImport.value = null
    const f = await run('upload', () => uploadWithProgress(api(), 'captures', file, upload))
    if (!f) return
    captureFiles.value = (await quiet(() => api().listCaptures())) ?? captureFiles.value
    await importFile(f.name)
  }
  const importDemo = () => doImport(() => api().historyImportDemo())
  const cancelImport = () => quiet(() => api().historyCancelImport())

  /** Fetch the series of [from, to]: the power chart's first (it is the one zoomed), then the others. */
  async function showRange(from: number, to: number): Promise<void> {
    const id = meterId.value
    if (!id) return
    requestedAt.value = performance.now()
    // the figure shown is this draw's: none until it is drawn (an equal value would not re-render)
    drawMs.value = null
    const pPower = api().historySeries({ meterId: id, columns: POWER_COLUMNS, from, to, maxPoints: 1200 })
    const pRest = Promise.all([
      api().historySeries({ meterId: id, columns: PHASE_COLUMNS[phaseQuantity.value], from, to, maxPoints: 800 }),
      api().historySeries({ meterId: id, columns: QUALITY_COLUMNS, from, to, maxPoints: 400 }),
      api().historyMessages({ meterId: id, from, to })
    ])
    pRest.catch(() => undefined) // reported below, once
    const p = await quiet(() => pPower)
    if (!p) return
    range.value = { from, to }
    power.value = p
    const rest = await quiet(() => pRest)
    if (!rest) return
    ;[phase.value, quality.value, messages.value] = rest
  }

  let rangeTimer: ReturnType<typeof setTimeout> | null = null
  /** A chart was zoomed or panned to [from, to]: fetch that range once the gesture settles (30 ms). */
  function requestRange(from: number, to: number): void {
    if (rangeTimer) clearTimeout(rangeTimer)
    rangeTimer = setTimeout(() => void showRange(Math.floor(from), Math.ceil(to)), 30)
  }

  /** Zoom around the middle of the range shown: factor > 1 zooms in. */
  function zoomBy(factor: number): void {
    const r = range.value
    const m = meter.value
    if (!r || !m) return
    const mid = (r.from + r.to) / 2
    const half = Math.max(MIN_RANGE_MS, (r.to - r.from) / factor / 2)
    const from = Math.max(m.first ?? 0, mid - half)
    const to = Math.min(m.last ?? mid + half, mid + half)
    void showRange(Math.floor(from), Math.ceil(to))
  }

  /** The meter's whole history. */
  function showAll(): void {
    const m = meter.value
    if (m?.first != null && m.last != null) void showRange(m.first, m.last + 10_000)
  }

  /** Daily and monthly figures for the class and price; keeps or picks the selected day (the peak one). */
  async function loadDays(): Promise<void> {
    if (!meterId.value) return
    if (settingsError.value) {
      // figures of another class would read as this one's: none until the class and price are usable
      days.value = null
      quarters.value = []
      return
    }
    const r = await quiet(() => api().historyDays({ meterId: meterId.value, classKW: classKW.value, price: Number(price.value) }))
    if (!r) return
    days.value = r
    if (!r.days.some((d) => d.date === selectedDay.value)) {
      const peak = [...r.days].filter((d) => d.peakDemandKW !== null).sort((a, b) => b.peakDemandKW! - a.peakDemandKW!)[0]
      selectedDay.value = peak?.date ?? r.days[0]?.date ?? ''
    }
    await loadQuarters()
  }

  async function loadQuarters(): Promise<void> {
    if (!meterId.value || !selectedDay.value || settingsError.value) return
    const r = await quiet(() => api().historyQuarters({ meterId: meterId.value, date: selectedDay.value, classKW: classKW.value }))
    if (r) quarters.value = r.quarters
  }

  async function refreshAll(): Promise<void> {
    showAll()
    await loadDays()
  }

  /** Energy above the class and its cost over all days. */
  const totals = computed(() => {
    const d = days.value?.days ?? []
    return { above: d.reduce((s, x) => s + x.aboveClassKWh, 0), cost: d.reduce((s, x) => s + x.aboveClassCost, 0) }
  })

  watch(meterId, () => void refreshAll())
  watch([classChoice, customClass, price], () => void loadDays())
  watch(selectedDay, () => void loadQuarters())
  watch(phaseQuantity, () => range.value && void showRange(range.value.from, range.value.to))

  return {
    error,
    meters,
    captureFiles,
    meterId,
    meter,
    importing,
    progress,
    lastImport,
    classChoice,
    customClass,
    price,
    classKW,
    settingsError,
    phaseQuantity,
    csvLocalHeaders,
    range,
    power,
    phase,
    quality,
    messages,
    requestedAt,
    drawMs,
    days,
    selectedDay,
    quarters,
    totals,
    attach,
    loadMeters,
    importFile,
    upload,
    uploadAndImport,
    importDemo,
    cancelImport,
    showRange,
    requestRange,
    zoomBy,
    showAll,
    loadDays,
    loadQuarters,
    refreshAll
  }
})
