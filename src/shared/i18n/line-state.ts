/**
 * The line state (issue 15) in words, in any language: what the open source's bytes show —
 * nothing yet, silence, bytes without a frame (an inverted line, wrong line settings), frames
 * that do not open or check (a wrong P1 key, damaged bytes), or telegrams — from
 * `SessionStats.line` (src/shared/contract/session.ts), the session's own judgement on its
 * clock. The renderer shows it in the status bar and every empty state. Pure.
 *
 * Cadence: a Smarty sends one frame every 10 s (Luxmetering E-Meter P1 specification v1.1.3
 * §3.2); a frame "opens" when its GCM tag verifies with the P1 key (DESIGN.md).
 */
import type { LineState, SessionStats } from '../contract/session'
import type { Wording } from './wording'

/** What the user can do next about the line. */
export type LineAction = 'diagnose' | 'connect' | 'key' | null

/** The line state in words. */
export interface WordedLineState {
  state: LineState['state']
  /** One sentence with the counters, e.g. "1,158 bytes in 1 burst, no frame — the line may be inverted, or its settings are wrong: run Diagnose." */
  text: string
  /** The same without the figures that change every second, for an aria-live announcement. */
  announce: string
  /** 'ok' good, 'warn' waiting or worth a look, 'bad' nothing usable arrives. */
  tone: 'ok' | 'warn' | 'bad' | 'muted'
  /** The tab that helps next: Diagnose for the line, Connect for the P1 key. */
  action: LineAction
  /** Values inside the sentence that are data (system title, meter id): not to be translated. */
  data: string[]
}

/** Serial number at the end of a Smarty system title: its last 3 bytes as a decimal ("…01BD54" → "114004"), as the diagnostics name it. */
export function serialOfSystemTitle(title: string | null): string | null {
  if (!title || !/^[0-9A-Fa-f]{16}$/.test(title)) return null
  return String(parseInt(title.slice(10), 16)).padStart(6, '0')
}

/**
 * Word the line state of `stats`.
 * @param stats the session's counters with their `line` (absent on a main side that does not judge the line yet: null is returned)
 * @param now the instant to measure silence against, ms since the epoch (the caller's clock)
 * @param openedAt when the source was opened, if known (ms): "no byte for 14 s" counts from it before a first byte
 * @returns null when `stats` carries no line state
 */
export function wordLineState(stats: SessionStats | null | undefined, now: number, w: Wording, openedAt: number | null = null): WordedLineState | null {
  const line = stats?.line
  if (!stats || !line) return null
  const t = w.t
  const count = (n: number): string => w.f.count(n)
  const secondsSince = (at: number | null): number | null => (at === null ? null : Math.max(0, Math.round((now - at) / 1000)))
  switch (line.state) {
    case 'none':
      return { state: 'none', text: t('line.none'), announce: t('line.none'), tone: 'muted', action: 'connect', data: [] }
    case 'waiting':
      return { state: 'waiting', text: t('line.waiting'), announce: t('line.waiting'), tone: 'muted', action: null, data: [] }
    case 'no_bytes': {
      const s = secondsSince(stats.lastByteAt ?? openedAt)
      const advice = t('line.noBytesAdvice')
      const head =
        stats.lastByteAt !== null && s !== null
          ? t('line.noBytesFor', { s: count(s) })
          : s !== null
            ? t('line.noBytesYet', { s: count(s) })
            : t('line.noBytesNever')
      return { state: 'no_bytes', text: `${head} ${advice}`, announce: `${t('line.noBytes')} ${advice}`, tone: 'bad', action: 'diagnose', data: [] }
    }
    case 'bytes_no_frames': {
      const figures = t('line.bytesInBursts', { bytes: count(stats.bytes), n: count(line.bursts) }, line.bursts)
      // no guess from the bytes themselves: an inverted Smarty line read by a normal UART gives
      // varied bytes (0.2 % zeros in the virtual meter's UART model), as wrong settings do; the
      // inversion is by far the likelier on a Smarty (fixed 115200 8N1), so it is named first,
      // as the monitor and Diagnose's line check do (src/main/line/line-monitor.ts, checks.ts)
      const why = t('line.noFrameWhy')
      return { state: 'bytes_no_frames', text: `${figures} ${why}`, announce: `${t('line.noFrame')} ${why}`, tone: 'bad', action: 'diagnose', data: [] }
    }
    case 'frames_not_decoded':
      return notDecoded(line, w)
    case 'ok': {
      const failed = Object.values(stats.failed).reduce<number>((s, n) => s + (n ?? 0), 0)
      const text = failed
        ? t('line.okWithFailures', { n: count(stats.decoded), failed: count(failed) }, stats.decoded)
        : t('line.ok', { n: count(stats.decoded) }, stats.decoded)
      return { state: 'ok', text, announce: t('line.okAnnounce'), tone: 'ok', action: null, data: [] }
    }
  }
}

/** Frames arrive but none decodes: worded by the last failure's code (docs/verdict-codes.md). */
function notDecoded(line: LineState, w: Wording): WordedLineState {
  const t = w.t
  const frames = t('line.frames', { n: w.f.count(line.framesFound) }, line.framesFound)
  const title = line.lastFailure?.systemTitle ?? null
  const serial = serialOfSystemTitle(title)
  const meter = line.meter && line.meter !== title ? line.meter : serial ? `…${serial}` : null
  const who = title ? (meter ? t('line.whoTitleMeter', { title, meter }) : t('line.whoTitle', { title })) : meter ? t('line.whoMeter', { meter }) : ''
  const data = [title, meter].filter((x): x is string => !!x)
  const code = line.lastFailure?.code ?? null
  const base = { state: 'frames_not_decoded' as const, tone: 'bad' as const, data }
  switch (code) {
    case 'gcm_tag_mismatch':
      return { ...base, text: t('line.wrongKey', { frames, who }), announce: t('line.wrongKeyAnnounce'), action: 'key' }
    case 'missing_key':
      return { ...base, text: t('line.noKey', { frames, who }), announce: t('line.noKeyAnnounce'), action: 'key' }
    case 'crc_mismatch':
      return { ...base, text: t('line.badCrc', { frames }), announce: t('line.badCrcAnnounce'), action: 'diagnose' }
    case 'truncated_frame':
      return { ...base, text: t('line.truncated', { frames }), announce: t('line.truncatedAnnounce'), action: 'diagnose' }
    default: {
      const words = code && w.t(`decode.failure.${code}`) !== `decode.failure.${code}` ? w.t(`decode.failure.${code}`) : (code ?? '')
      return { ...base, text: t('line.notDecoded', { frames, failure: words }), announce: t('line.notDecodedAnnounce'), action: 'diagnose' }
    }
  }
}
