/**
 * A board's MQTT data as a history reading (issue 17: the history records every live source,
 * a SmartyReader's or ESPHome's MQTT output included). The board service hands each
 * publication over as a {@link BoardSnapshot}: the firmware's fields mapped back to OBIS codes
 * (board/mqtt-source.ts, every generation firmware-decode.ts knows). Here they become the
 * telegram shape {@link readingOf} reads, so a board's reading is kept exactly as a telegram's:
 *
 * - the meter: its equipment id (0-0:42.0.0 on a Smarty, 0-0:96.1.1 on DSMR meters; v1.5's
 *   `equipment_id`, v1.7's `smarty_id`), else `board <topic>` (a firmware that sends none);
 * - the meter time: the board's copy of 0-0:1.0.0 is the meter's wall clock without offset
 *   ("2026-03-12T10:00:00", SmartyReader_v1_5.ino `timestamp`): read in the meter's zone
 *   (src/shared/meter-time.ts, the zone's rules decide the offset); a time with an offset is
 *   taken as it is; none → the receive time.
 *
 * Pure: no I/O. Never throws.
 */
import type { BoardObject, BoardSnapshot } from '../../shared/board'
import { HISTORY_TIME_ZONE, meterIdOf, readingOf, type Reading } from '../../shared/history'
import { wallTimeToIso } from '../../shared/meter-time'
import type { CosemObject, Telegram } from '../../shared/types'

/** "YYYY-MM-DDThh:mm:ss" (or with a space), optionally with an offset or Z. */
const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/

/**
 * The board's meter time as ISO 8601 with the offset in force in `zone`; null when the value
 * is no date-time. Pure.
 */
export function boardMeterTime(value: BoardObject['value'], zone: string = HISTORY_TIME_ZONE): string | null {
  if (typeof value !== 'string') return null
  const m = WALL.exec(value.trim())
  if (!m) return null
  if (m[8]) return Number.isFinite(Date.parse(value.trim())) ? value.trim() : null
  const w = { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +m[6] }
  return wallTimeToIso(w, zone, null)
}

/** A snapshot's objects as the parsed telegram shape (no CRC, no identification line). */
export function snapshotTelegram(s: BoardSnapshot, zone: string = HISTORY_TIME_ZONE): Telegram {
  const objects: CosemObject[] = s.objects.map((o) => ({
    obis: o.obis,
    value: o.value,
    unit: o.unit,
    time: null,
    values: [{ value: o.value, unit: o.unit, raw: o.raw ?? '' }],
    raw: o.raw ?? ''
  }))
  const clock = s.objects.find((o) => o.obis === '0-0:1.0.0')
  return {
    identification: s.generation ? `board ${s.generation}` : 'board',
    objects,
    crcSent: null,
    crcComputed: 0,
    crcOk: null,
    malformedLines: [],
    meterTime: clock ? boardMeterTime(clock.value, zone) : null
  }
}

/**
 * The history's reading of a board snapshot and the meter it belongs to.
 * @returns null when the snapshot carries no energy or power value (nothing worth a row).
 */
export function boardReading(s: BoardSnapshot, zone: string = HISTORY_TIME_ZONE): { meterId: string; reading: Reading } | null {
  const t = snapshotTelegram(s, zone)
  const reading = readingOf(t, s.receivedAt)
  if (reading.importKWh === null && reading.exportKWh === null && reading.importKW === null && reading.exportKW === null) return null
  const id = meterIdOf(t, null)
  return { meterId: id === 'unknown' ? `board ${s.topic}` : id, reading }
}
