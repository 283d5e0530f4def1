/**
 * Types of the installation diagnostics (the wizard, `p1studio diagnose`): checks, verdict
 * codes, progress and the report. Shared by the main process and the renderer.
 * docs/verdict-codes.md lists every code with its meaning and advice.
 */
import type { WireError } from './contract/errors'

/** The checks, in the order they run and decide the verdict. */
export const CHECK_IDS = ['port', 'signal', 'line', 'framing', 'cadence', 'key', 'telegram'] as const
/** One of {@link CHECK_IDS}. */
export type CheckId = (typeof CHECK_IDS)[number]

/** Outcome of a check. `skip`: could not run (an earlier check failed, or no key). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/**
 * Stable verdict codes (never renamed). The overall verdict is the first failing check's
 * code, `key_not_tested` if nothing failed but encrypted frames could not be opened for
 * want of a key, or `ok`.
 */
export const VERDICT_CODES = [
  'ok',
  'port_not_found',
  'port_busy',
  'port_permission_denied',
  'port_error',
  'no_signal',
  'inverted_signal',
  'wrong_line_settings',
  'truncated_frames',
  'missed_frames',
  'irregular_cadence',
  'wrong_key',
  'corrupted_frames',
  'auth_key_mismatch',
  'key_not_tested',
  'crc_errors'
] as const
/** One of {@link VERDICT_CODES}. */
export type VerdictCode = (typeof VERDICT_CODES)[number]

/** Warning codes a passing check may carry (the verdict stays what it is). */
export type CheckWarningCode =
  | 'few_frames'
  | 'some_truncated_frames'
  | 'frame_counter_reset'
  | 'voltage_out_of_range'
  | 'clock_drift'
  | 'breaker_not_connected'
  | 'no_per_phase_data'
  | 'plain_telegrams'

/** A figure in a check's evidence. */
export type EvidenceValue = string | number | boolean | null | number[] | string[]

/** One check's result. */
export interface CheckResult {
  id: CheckId
  /** Short title, e.g. "Line polarity and settings". */
  title: string
  status: CheckStatus
  /** Verdict code when failed, warning code when warned, null otherwise. */
  code: VerdictCode | CheckWarningCode | null
  /** One plain sentence saying what was found. */
  summary: string
  /** The figures behind it (units in the key names: `meanIntervalS`, `voltageMinV`…). */
  evidence: Record<string, EvidenceValue>
  /** The next thing to try, null when nothing is to be done. */
  advice: string | null
}

/** What the meter said about itself (null where not seen). */
export interface MeterIdentity {
  /** 8-byte DLMS system title, hex. */
  systemTitle: string | null
  /** Serial number as the Smarty's system title ends with it (last 3 bytes, decimal), e.g. "114004". */
  serialFromSystemTitle: string | null
  /** Equipment identifier 0-0:42.0.0 (or 0-0:96.1.1) decoded, e.g. "SAG1030700114004". */
  meterId: string | null
  /** Identification line, e.g. "/Lux5\\253663629_D". */
  identification: string | null
  /** P1 version 1-3:0.2.8 (or 0.2.8), e.g. "42" or "50". */
  dsmrVersion: string | null
  firstFrameCounter: number | null
  lastFrameCounter: number | null
  /** Per-phase values (1-0:21.7.0, 32.7.0…) present. */
  perPhase: boolean | null
  /** Size of the last complete frame, bytes. */
  frameBytes: number | null
  /** P1 security: "encrypted" (DLMS general-glo-ciphering) or "plain". */
  security: 'encrypted' | 'plain' | null
}

/** A diagnosis request: declared once, as the contract's schema (src/shared/contract/diagnose.ts). */
export type { DiagnoseRequest } from './contract/diagnose'

/** Progress while a diagnosis runs. */
export interface DiagnosisProgress {
  phase: 'opening' | 'listening' | 'retrying' | 'done'
  /** Seconds since the start. */
  elapsedS: number
  /** Seconds the run may take at most (it stops earlier once it has enough frames). */
  limitS: number
  /** Line settings being listened with, e.g. "115200 8N1". */
  settings: string
  bytes: number
  frames: number
  /** One plain sentence: what is happening. */
  message: string
}

/** A saved diagnosis: everything but the key. */
export interface DiagnosisReport {
  verdict: VerdictCode
  /** One plain sentence for the whole installation. */
  summary: string
  /**
   * Why the run stopped before it had enough, as a code with params, null when it ran its
   * course: `diagnosis_cancelled`, `port_disconnected` / `port_closed` {path}, the port codes
   * {path} when reopening at other settings failed (docs/verdict-codes.md).
   */
  interrupted: WireError | null
  checks: CheckResult[]
  meter: MeterIdentity
  /** What was diagnosed: port path or source label, working settings, settings tried. */
  source: { label: string; settings: string | null; tried: string[] }
  /** Whether a P1 key was given (the key itself is never in a report). */
  keyTested: boolean
  /** First complete frame as received, upper-case hex (null if none). */
  firstFrameHex: string | null
  /** Start, ISO 8601. */
  startedAt: string
  durationS: number
  appVersion: string
}
