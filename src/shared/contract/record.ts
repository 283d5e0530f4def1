/**
 * Namespace `record`: keep the open live source's telegrams in the history (and, if asked,
 * in daily capture files) for as long as the app runs — `p1studio serve --record` or the
 * app's switch. Recording resumes after a restart or a power cut without duplicates; an
 * outage is kept as a gap (issue 17).
 */
import { z } from 'zod'
import { method, namespace, result } from './define'

/** What recording does now. */
export interface RecordingStatus {
  /** Telegrams of live sources go to the history. */
  history: boolean
  /** Every byte also goes to one capture file per meter-local day in the capture folder. */
  dailyCaptures: boolean
  /** Since when (ms epoch), null when off. */
  since: number | null
  /** Telegrams recorded since `since`. */
  telegrams: number
  /** Gaps recorded as outages since `since` (source silent longer than 3 cadences). */
  outages: number
  /** Why recording stopped or is impaired (disk full…) in plain words, null if fine. */
  error: string | null
}

export const recordingRequestSchema = z.object({ history: z.boolean(), dailyCaptures: z.boolean().optional() }).strict()

export const RECORD = namespace({
  /** Switch recording on or off (remembered in the data folder across restarts). */
  setRecording: method(recordingRequestSchema, 'recording request', result<RecordingStatus>())
})
