/**
 * Namespace `diagnose`: the installation diagnostics (src/main/diagnostics) on a port or on the
 * open source; progress as 'diagnosis' events; the report never holds the key.
 */
import { z } from 'zod'
import type { DiagnosisReport } from '../diagnostics'
import { hex32, method, namespace, noParams, pathText, result } from './define'
import { lineSettingsSchema } from './source'

/** A diagnosis request: port path, line settings, keys, duration 1–3600 s, cadence 0.1–3600 s. */
export const diagnoseRequestSchema = z
  .object({
    /** Serial port path; absent → diagnose the session's open source (replay, demo) without reopening. */
    path: pathText.optional(),
    /** Line settings to start with (default 115200 8N1). */
    settings: lineSettingsSchema.optional(),
    /** P1 key, 32 hex digits; absent → the session's key if any; none → the key is not tested. */
    key: hex32.optional(),
    /** Authentication key, 32 hex digits (default Luxembourg's). */
    authKey: hex32.optional(),
    /** Longest listening time at working settings, s (default 3 cadences + 2 s). */
    durationS: z.number().min(1).max(3600).optional(),
    /** Expected interval between frames, s (default 10: Smarty). */
    cadenceS: z.number().min(0.1).max(3600).optional(),
    /** Try other line settings when the bytes are not frames (default true). */
    retrySettings: z.boolean().optional()
  })
  .strict()
  .default({})

/** Languages of the HTML report (src/shared/i18n). */
export const reportLangSchema = z.enum(['en', 'fr', 'de'])

/** The report's file format: 'html' | 'json', or with the HTML report's language (default English). */
export const reportRequestSchema = z.union([
  z.enum(['html', 'json']),
  z.object({ format: z.enum(['html', 'json']), lang: reportLangSchema.optional() }).strict()
])

/** A diagnosis request (IPC, WebSocket and CLI input). */
export type DiagnoseRequest = z.output<typeof diagnoseRequestSchema>

export const DIAGNOSE = namespace({
  /**
   * Run the diagnostics on `path` (the session's own P1 port there is closed for the run and
   * reopened after) or on the open source. @throws already_running, no_source, port_in_use.
   */
  diagnose: method(diagnoseRequestSchema, 'diagnosis request', result<DiagnosisReport>()),
  /** Stop a running diagnosis: it resolves with what it has heard so far. */
  cancelDiagnosis: method(noParams, 'request', result<void>()),
  /**
   * The last report as a file's text, null if none yet: the HTML page in the app's language
   * (`{format: 'html', lang: 'fr'}`; default English) or the JSON report (stable codes, English keys).
   */
  getDiagnosisReport: method(reportRequestSchema, 'report format', result<string | null>())
})
