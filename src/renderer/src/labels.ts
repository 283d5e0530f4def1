/**
 * Label tables of the renderer, one place each: check titles, DLMS frame parts, live value
 * groups and per-phase columns, decode error and warning words, status icons.
 */
import type { CheckId, CheckStatus } from '@shared/diagnostics'
import type { MqttCheckId } from '@shared/board'
import type { DecodeErrorCode, DecodeWarningCode, DlmsLayout } from '@shared/types'
import type { ObisGroup } from '@shared/obis'

/** Titles of the diagnostics checks (src/shared/diagnostics.ts CHECK_IDS). */
export const CHECK_TITLES: Record<CheckId, string> = {
  port: 'Port',
  signal: 'Signal presence',
  line: 'Line polarity and settings',
  framing: 'Framing',
  cadence: 'Cadence',
  key: 'P1 key',
  telegram: 'Telegram'
}

/** Titles of the MQTT verification's checks (src/shared/board.ts MQTT_CHECK_IDS). */
export const MQTT_CHECK_TITLES: Record<MqttCheckId, string> = {
  broker: 'Broker connection',
  messages: 'Messages from the board',
  interval: 'Publish interval',
  fields: 'Published fields',
  values: 'Values against the meter'
}

/** Icon twin of a check's status colour (the status word is shown beside it). */
export const STATUS_ICON: Record<CheckStatus, string> = { pass: '✔', warn: '▲', fail: '✖', skip: '–' }

/** DLMS general-glo-ciphering parts in frame order, with their legend names. */
export const DLMS_PARTS: { key: keyof DlmsLayout; label: string }[] = [
  { key: 'tag', label: 'tag (0xDB)' },
  { key: 'systemTitle', label: 'system title' },
  { key: 'length', label: 'length' },
  { key: 'securityControl', label: 'security control byte' },
  { key: 'frameCounter', label: 'frame counter' },
  { key: 'ciphertext', label: 'ciphertext' },
  { key: 'gcmTag', label: 'GCM tag' }
]

/** Groups of the live view, in order. */
export const LIVE_GROUPS: { id: ObisGroup | 'other'; title: string }[] = [
  { id: 'meter', title: 'Meter' },
  { id: 'energy', title: 'Energy' },
  { id: 'power', title: 'Power' },
  { id: 'quality', title: 'Quality' },
  { id: 'messages', title: 'Messages' },
  { id: 'mbus', title: 'M-Bus channels' },
  { id: 'other', title: 'Other codes' }
]

/** Per-phase columns by OBIS C value minus 20 × phase: 1 P+, 2 P−, 3 Q+, 4 Q−, 9 S+, 10 S−, 12 U, 11 I. */
export const PHASE_COLUMNS: { c: number; title: string }[] = [
  { c: 1, title: 'P+ (kW)' },
  { c: 2, title: 'P− (kW)' },
  { c: 3, title: 'Q+ (kvar)' },
  { c: 4, title: 'Q− (kvar)' },
  { c: 9, title: 'S+ (kVA)' },
  { c: 10, title: 'S− (kVA)' },
  { c: 12, title: 'U (V)' },
  { c: 11, title: 'I (A)' }
]

/** Plain words for decode error codes (docs/verdict-codes.md). */
export const FAILURE_WORDS: Record<DecodeErrorCode, string> = {
  gcm_tag_mismatch: 'wrong key or corrupted',
  crc_mismatch: 'CRC error',
  truncated_frame: 'truncated',
  unsupported_length_form: 'unknown length form',
  missing_key: 'no key set',
  malformed_line: 'malformed line',
  malformed_frame: 'malformed frame',
  malformed_telegram: 'not a telegram',
  overlong_frame: 'too long'
}

/** Explanations of warnings shown above the live values. */
export const WARNING_WORDS: Record<DecodeWarningCode, string> = {
  auth_key_mismatch:
    "The P1 key is right, but this meter uses another authentication key: the GCM tag does not verify with the one set. The telegram was accepted because its CRC is valid. Set the meter's authentication key on the Connect tab.",
  no_crc: 'This telegram carries no CRC (DSMR 2.2/3): its integrity cannot be checked.',
  malformed_line: 'Some lines of this telegram could not be read; they are shown raw.',
  frame_counter_rewind: 'The frame counter of this meter went back: this frame is older than one already received (a replayed frame).'
}
