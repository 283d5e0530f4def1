/**
 * Label tables of the renderer, one place each: the order of the DLMS frame parts, the live
 * value groups and per-phase columns, and the status icons. Their words are in the message
 * catalogues (src/shared/i18n/messages: raw.parts, live.groups, live.columns, checks.status).
 */
import type { CheckStatus } from '@shared/diagnostics'
import type { DlmsLayout } from '@shared/types'
import type { ObisGroup } from '@shared/obis'

/** Icon twin of a check's status colour (the status word is shown beside it). */
export const STATUS_ICON: Record<CheckStatus, string> = { pass: '✔', warn: '▲', fail: '✖', skip: '–' }

/** DLMS general-glo-ciphering parts in frame order (words: raw.parts.<key>). */
export const DLMS_PARTS: (keyof DlmsLayout)[] = ['tag', 'systemTitle', 'length', 'securityControl', 'frameCounter', 'ciphertext', 'gcmTag']

/** Groups of the live view, in order (words: live.groups.<id>). */
export const LIVE_GROUPS: (ObisGroup | 'other')[] = ['meter', 'energy', 'power', 'quality', 'messages', 'mbus', 'other']

/** Per-phase columns by OBIS C value minus 20 × phase: 1 P+, 2 P−, 3 Q+, 4 Q−, 9 S+, 10 S−, 12 U, 11 I (words: live.columns.c<C>). */
export const PHASE_COLUMNS: number[] = [1, 2, 3, 4, 9, 10, 12, 11]
