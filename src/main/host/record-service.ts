/**
 * The `record` namespace (src/shared/contract/record.ts): recording of live sources into the
 * history and daily captures. Placeholder until the recorder is wired (issue 17): it answers
 * that recording is not available yet.
 */
import { ApiError, type Handlers, type RECORD, type RecordingStatus } from '../../shared/contract'
import type { Caller } from './caller'

export class RecordService implements Handlers<typeof RECORD, Caller> {
  status(): RecordingStatus {
    return { history: false, dailyCaptures: false, since: null, telegrams: 0, outages: 0, error: null }
  }

  async setRecording(): Promise<RecordingStatus> {
    throw new ApiError('failed', 'Recording is not available yet.')
  }
}
