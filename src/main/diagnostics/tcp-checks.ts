/**
 * The diagnostics of a TCP source (`tcp://HOST:PORT`: ser2net, ESPHome's stream server,
 * Ethernet/Wi-Fi P1 dongles). Over TCP P1 Studio gets the bytes the reader made of the line:
 * the serial side — baud, data bits, parity, the inverted Smarty signal (DSMR 5.0.2 §5.1,
 * DESIGN.md) — is set in the reader, where P1 Studio can neither try other settings nor see
 * the raw levels. So the line check cannot say "inverted" or "wrong baud" as it does on a
 * port: it says what it can (frames arrive, so the reader's line is set right; or bytes
 * arrive that are no P1 frames, and the few causes at the reader), and the port check speaks
 * of a connection, not of an adapter. Pure: results of checks.ts in, results out.
 */
import type { CheckResult, EvidenceValue } from '../../shared/diagnostics'
import type { TcpProblemCode } from '../line/tcp-source'
import { en } from '../../shared/i18n/messages/en'
import { interpolate } from '../../shared/i18n/translate'

/** Evidence mark of a check judged for a TCP source. */
export const TCP_TRANSPORT = 'tcp'

/** The TCP sentences: the English catalogue's `diag.tcp` (src/shared/i18n/messages/en/*.json), which the renderer words in every language. */
const TCP = en.diag.tcp

/** Why a first connection failed, in words (TcpSource's codes). */
export const TCP_PROBLEM_WORDS: Record<TcpProblemCode, string> = TCP.reasons

/** The port check of a connection that failed: what failed and what to check (code `port_error`). */
export function tcpConnectFailure(label: string, code: TcpProblemCode | null): { code: 'port_error'; message: string } {
  return { code: 'port_error', message: interpolate(TCP.portFail, { port: label, reason: TCP_PROBLEM_WORDS[code ?? 'tcp_error'] }) }
}

const withoutSettings = (e: Record<string, EvidenceValue>): Record<string, EvidenceValue> => {
  const rest = { ...e }
  delete rest.settings
  delete rest.tried
  delete rest.working
  return { ...rest, transport: TCP_TRANSPORT }
}

/**
 * The checks of a TCP run, rewritten where a serial line's words would be false: the port
 * check without line settings (and with advice about the reader when the connection failed);
 * the line check as 'skip' when frames arrive (the reader's settings are right, P1 Studio set
 * none), or as a failure that names every cause at the reader when bytes arrive but no frame
 * — never "inverted" or "wrong baud" on its own, which cannot be told apart over TCP. Checks
 * after a failed line check are skipped (nothing to judge). Evidence carries `transport: "tcp"`.
 */
export function tcpChecks(checks: readonly CheckResult[], label: string, problem: TcpProblemCode | null = null): CheckResult[] {
  const out: CheckResult[] = []
  let lineFailed = false
  for (const c of checks) {
    if (c.id === 'port') {
      out.push(
        c.status === 'pass'
          ? { ...c, summary: interpolate(TCP.portPass, { port: label }), evidence: withoutSettings(c.evidence) }
          : { ...c, evidence: { ...withoutSettings(c.evidence), tcpProblem: problem ?? 'tcp_error' }, advice: TCP.portAdvice }
      )
    } else if (c.id === 'line' && c.status === 'pass') {
      out.push({
        ...c,
        status: 'skip',
        code: null,
        summary: TCP.lineFrames,
        evidence: { ...withoutSettings(c.evidence) },
        advice: null
      })
    } else if (c.id === 'line' && c.status === 'fail') {
      lineFailed = true
      const sevenBit = typeof c.evidence.telegramsAs7E1 === 'number'
      out.push({
        ...c,
        code: 'wrong_line_settings',
        summary: sevenBit ? TCP.lineSevenBit : TCP.lineNoFrame,
        evidence: withoutSettings(c.evidence),
        advice: sevenBit ? TCP.lineSevenBitAdvice : TCP.lineAdvice
      })
    } else if (lineFailed) {
      out.push({ ...c, status: 'skip', code: null, summary: en.diag.skip.noFrame, evidence: {}, advice: null })
    } else out.push(c)
  }
  return out
}
