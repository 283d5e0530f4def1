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

/** Evidence mark of a check judged for a TCP source. */
export const TCP_TRANSPORT = 'tcp'

const READER = 'the reader (ser2net, ESPHome’s stream server, the P1 dongle)'

/** Why a first connection failed, in words (TcpSource's codes). */
export const TCP_PROBLEM_WORDS: Record<TcpProblemCode, string> = {
  connection_refused: 'nothing accepts connections on that port',
  host_not_found: 'the host name does not resolve',
  host_unreachable: 'the host cannot be reached on the network',
  connect_timeout: 'the host did not answer in time',
  connection_closed: 'the reader closed the connection',
  connection_reset: 'the reader reset the connection',
  idle_timeout: 'no byte came on the open connection',
  tcp_error: 'a network error'
}

const PORT_ADVICE =
  `Check that ${READER} is on and on the network, and that it serves raw P1 bytes on this port ` +
  '(ser2net: a raw or rawlp connection, not telnet; ESPHome: the stream server component).'
const LINE_ADVICE =
  `Set the serial side of ${READER} to the meter's line: a Smarty sends 115200 8N1 on an inverted line ` +
  '(ESPHome: rx_pin with inverted: true; ser2net: an adapter that inverts RX), a DSMR 2/3 meter 9600 7E1; ' +
  'and serve the bytes as they are (raw, not telnet).'

/** The port check of a connection that failed: what failed and what to check (code `port_error`). */
export function tcpConnectFailure(label: string, code: TcpProblemCode | null): { code: 'port_error'; message: string } {
  return { code: 'port_error', message: `Could not connect to ${label}: ${TCP_PROBLEM_WORDS[code ?? 'tcp_error']}.` }
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
export function tcpChecks(checks: readonly CheckResult[], label: string): CheckResult[] {
  const out: CheckResult[] = []
  let lineFailed = false
  for (const c of checks) {
    if (c.id === 'port') {
      out.push(
        c.status === 'pass'
          ? { ...c, summary: `Connected to ${label}.`, evidence: withoutSettings(c.evidence) }
          : { ...c, evidence: withoutSettings(c.evidence), advice: PORT_ADVICE }
      )
    } else if (c.id === 'line' && c.status === 'pass') {
      out.push({
        ...c,
        status: 'skip',
        code: null,
        summary: `Frames arrive over TCP, so the serial line is set right at ${READER}: its baud and polarity are not checked here, P1 Studio does not set them over TCP.`,
        evidence: { ...withoutSettings(c.evidence) },
        advice: null
      })
    } else if (c.id === 'line' && c.status === 'fail') {
      lineFailed = true
      const sevenBit = typeof c.evidence.telegramsAs7E1 === 'number'
      out.push({
        ...c,
        code: 'wrong_line_settings',
        summary: sevenBit
          ? `Telegrams arrive over TCP as 7-bit characters with parity: the meter sends 7E1 (a DSMR 2/3/4 meter) and ${READER} reads its line at 8 data bits.`
          : `Bytes arrive over TCP but none is a P1 frame: ${READER} reads the meter's line at other settings than the meter's, or without inverting it, or does not pass the bytes on as they are. Over TCP these causes cannot be told apart, and P1 Studio cannot try other settings.`,
        evidence: withoutSettings(c.evidence),
        advice: sevenBit ? `Set the serial side of ${READER} to 9600 7E1 (or 115200 7E1, as the meter's documentation says).` : LINE_ADVICE
      })
    } else if (lineFailed) {
      out.push({ ...c, status: 'skip', code: null, summary: 'Not checked: no frame could be read.', evidence: {}, advice: null })
    } else out.push(c)
  }
  return out
}
