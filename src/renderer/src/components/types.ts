/** Props shapes shared by components. */
import type { CheckStatus, EvidenceValue } from '@shared/diagnostics'

/** One row of a check list: the check's id and title, and its result once there is one. */
export interface CheckItem {
  id: string
  title: string
  result: { status: CheckStatus; code: string | null; summary: string; advice: string | null; evidence: Record<string, EvidenceValue> } | null
}
