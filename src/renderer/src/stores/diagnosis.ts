/**
 * The diagnostics wizard's store: runs a diagnosis through the API, follows its progress
 * events, keeps the last report and fetches it as a file's text (HTML or JSON) for the view
 * to download.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { DiagnoseRequest, DiagnosisProgress, DiagnosisReport } from '@shared/diagnostics'
import { toApiError, type ApiError } from '../api/errors'
import { requireClient } from './action'
import { useSessionStore } from './session'
import { locale } from '../i18n'

export const useDiagnosisStore = defineStore('diagnosis', () => {
  const session = useSessionStore()
  const running = ref(false)
  const progress = shallowRef<DiagnosisProgress | null>(null)
  const report = shallowRef<DiagnosisReport | null>(null)
  const error = shallowRef<ApiError | null>(null)
  /** What the running (or last) diagnosis listens to: a port path, or the open source's label. */
  const target = ref<string>('')
  /** The diagnosis opens a port itself (else it listens to the open source). */
  const targetIsPort = ref(false)
  let subscribed = false

  function subscribe(): void {
    if (subscribed || !session.client) return
    subscribed = true
    session.client.on('diagnosis', (p) => {
      progress.value = p
    })
  }

  /** Start a diagnosis; resolves when it is over (report or error set). */
  async function start(req: DiagnoseRequest): Promise<void> {
    subscribe()
    if (!session.client || running.value) return
    running.value = true
    error.value = null
    report.value = null
    progress.value = null
    target.value = req.path ?? session.sourceLabel
    targetIsPort.value = Boolean(req.path)
    try {
      report.value = await session.client.diagnose(req)
    } catch (e) {
      error.value = toApiError(e)
    } finally {
      running.value = false
    }
  }

  async function cancel(): Promise<void> {
    try {
      await requireClient(session.client).cancelDiagnosis()
    } catch (e) {
      error.value = toApiError(e)
    }
  }

  /**
   * The last report as a file: `p1studio-diagnosis-<verdict>-<time>.<ext>` and its text, the
   * HTML page in the language shown.
   * @returns null when there is no report (or the main side has none).
   */
  async function reportFile(format: 'html' | 'json'): Promise<{ name: string; text: string; type: string } | null> {
    if (!session.client || !report.value) return null
    try {
      const text = await session.client.getDiagnosisReport({ format, lang: locale.value })
      if (text === null) return null
      return {
        name: `p1studio-diagnosis-${report.value.verdict}-${report.value.startedAt.replace(/[:.]/g, '-')}.${format}`,
        text,
        type: format === 'html' ? 'text/html' : 'application/json'
      }
    } catch (e) {
      error.value = toApiError(e)
      return null
    }
  }

  return { running, progress, report, error, target, targetIsPort, start, cancel, reportFile, subscribe }
})
