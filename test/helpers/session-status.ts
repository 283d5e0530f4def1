/**
 * Session statuses for renderer tests (the contract's SessionStatus, src/shared/contract/session.ts):
 * no capture running, a source, counters and a line state the test chooses.
 */
import type { CaptureStatus, KeyStatus, LineState, SessionStatus } from '../../src/shared/contract'

/** No capture running, into /tmp. */
export const IDLE_CAPTURE: CaptureStatus = {
  active: false,
  dir: '/tmp',
  path: null,
  files: [],
  bytes: 0,
  frames: 0,
  fileBytes: 0,
  durationS: 0,
  systemTitle: null,
  error: null,
  errorInfo: null
}

/** No P1 key; Luxembourg's authentication key. */
export const NO_KEY: KeyStatus = { hasKey: false, masked: null, origin: 'none', authKey: '00112233445566778899AABBCCDDEEFF', canRemember: false }

/**
 * A status: the demo source, one telegram decoded, line `ok`, no key, no capture — each part
 * replaced by `parts` (`line` is the line state's code alone).
 */
export function sessionStatus(parts: Partial<Omit<SessionStatus, 'stats'>> & { decoded?: number; line?: LineState['state'] } = {}): SessionStatus {
  const { decoded = 1, line = 'ok', ...rest } = parts
  return {
    capture: IDLE_CAPTURE,
    source: { kind: 'demo', label: 'demo' },
    stats: {
      bytes: 0,
      decoded,
      failed: {},
      lastTelegramAt: null,
      lastByteAt: null,
      line: { state: line, bursts: 0, framesFound: 0, unreadableBytes: 0, zeroShare: 0, lastFailure: null, meter: null }
    },
    key: NO_KEY,
    error: null,
    errorInfo: null,
    version: '0',
    ...rest
  }
}
