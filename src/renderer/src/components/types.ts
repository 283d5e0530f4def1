/** Props shapes shared by components. */
import type { CheckStatus, EvidenceValue } from '@shared/diagnostics'

/** One row of a check list, already in words: its title, and its result once there is one. */
export interface CheckItem {
  id: string
  title: string
  result: {
    status: CheckStatus
    code: string | null
    summary: string
    advice: string | null
    evidence: Record<string, EvidenceValue>
    /** 'en' when summary/advice are the main side's English (no wording for the code yet). */
    lang: 'en' | null
    /** Data inside the sentences (port label, system title…), kept out of translation. */
    data?: string[]
  } | null
}
