/**
 * The diagnostics wizard's store: runs a diagnosis through the API, follows its progress
 * events, keeps the last report and saves it as a file (HTML or JSON download).
 */
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { DiagnoseRequest, DiagnosisProgress, DiagnosisReport } from '@shared/diagnostics'
import { useSessionStore } from './session'

export const useDiagnosisStore = defineStore('diagnosis', () => {
  const session = useSessionStore()
  const running = ref(false)
  const progress = shallowRef<DiagnosisProgress | null>(null)
  const report = shallowRef<DiagnosisReport | null>(null)
  const error = ref<string | null>(null)
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
    try {
      report.value = await session.client.diagnose(req)
    } catch (e) {
      error.value = (e as Error).message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '')
    } finally {
      running.value = false
    }
  }

  async function cancel(): Promise<void> {
    await session.client?.cancelDiagnosis()
  }

  /** Download the last report as `p1studio-diagnosis-<verdict>-<time>.<ext>`. */
  async function save(format: 'html' | 'json'): Promise<void> {
    if (!session.client || !report.value) return
    const text = await session.client.getDiagnosisReport(format)
    if (text === null) return
    const blob = new Blob([text], { type: format === 'html' ? 'text/html' : 'application/json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `p1studio-diagnosis-${report.value.verdict}-${report.value.startedAt.replace(/[:.]/g, '-')}.${format}`
    document.body.appendChild(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }

  return { running, progress, report, error, start, cancel, save, subscribe }
})
