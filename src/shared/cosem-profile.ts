/**
 * Profile generic buffers in a telegram (DLMS Blue Book class 7 as DSMR 5.0.2 §6.4 prints
 * it): `(n)(column code)…(column code)(time)(value)…(time)(value)…` — the number of entries,
 * the OBIS code of each captured column, then per entry the capture time and one value per
 * column. Real examples:
 * - power failure event log, DSMR 5.0.2 §6.11 1-0:99.97.0 (column 0-0:96.7.19):
 *   `(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)` =
 *   failures that ended at those times and lasted 240 s and 301 s;
 * - maximum demand history, Fluvius e-MUCS 0-0:98.1.0 (columns 1-0:1.6.0 twice: time of
 *   the maximum and its value): `(3)(1-0:1.6.0)(1-0:1.6.0)(231101000000W)(231031120000W)(01.747*kW)…`
 *   = the month that closed 2023-11-01 had its maximum of 1.747 kW on 2023-10-31 12:00.
 * Some meters leave out the count and the column codes (E.ON Hungary sends 0-0:98.1.0 as one
 * capture time followed by 19 registers of the last billing period): with no column codes the
 * rest of the line is read as one entry.
 *
 * Pure: reads a parsed {@link CosemObject} (values already decoded by the telegram parser:
 * times as ISO 8601 with offset, numbers with units). Never throws.
 */
import type { CosemObject, CosemValue } from './types'

/** One entry of a profile buffer. */
export interface ProfileEntry {
  /** Capture time as ISO 8601 with offset; null for a placeholder or a time that is no date. */
  time: string | null
  /** The capture time as sent, e.g. "101208152415W". */
  timeRaw: string
  /** One value per column, in column order. */
  values: CosemValue[]
}

/** A decoded profile generic buffer. */
export interface ProfileBuffer {
  /** Number of entries the meter announced, null when it sent none. */
  count: number | null
  /** OBIS codes of the captured columns, as sent. */
  columns: string[]
  entries: ProfileEntry[]
}

const OBIS_RE = /^\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}(?:[.*]\d{1,3})?$/

/**
 * Split a profile object into count, columns and entries.
 * @returns null when the object holds no values; a buffer with whatever entries are complete
 * otherwise (a torn last entry is left out).
 */
export function profileBuffer(o: CosemObject): ProfileBuffer | null {
  const vs = o.values
  if (!vs || vs.length === 0) return null
  let i = 0
  let count: number | null = null
  const first = vs[0]
  if (first.unit === null && typeof first.value === 'number' && Number.isInteger(first.value) && /^\d+$/.test(first.raw)) {
    count = first.value
    i = 1
  }
  const columns: string[] = []
  while (i < vs.length && OBIS_RE.test(vs[i].raw)) columns.push(vs[i++].raw)
  if (count === 0 && i >= vs.length) return { count, columns, entries: [] }
  const width = columns.length > 0 ? columns.length + 1 : vs.length - i
  const entries: ProfileEntry[] = []
  for (; width > 1 && i + width <= vs.length; i += width) {
    const t = vs[i]
    entries.push({ time: typeof t.value === 'string' && t.value !== t.raw ? t.value : null, timeRaw: t.raw, values: vs.slice(i + 1, i + width) })
  }
  return { count, columns, entries }
}

/** One power failure from the event log. */
export interface PowerFailure {
  /** When the failure ended (ISO 8601 with offset), null when the meter sent no date. */
  end: string | null
  /** The end time as sent. */
  endRaw: string
  /** How long it lasted, seconds (DSMR 5.0.2: `*s`); null when not a number. */
  durationS: number | null
}

/**
 * The power failure event log (1-0:99.97.0, DSMR 5.0.2 §6.11 and §7 "Power Failure Event Log
 * (long power failures)": end time and duration in seconds) as (end, duration) pairs, oldest first as
 * sent. @returns [] for an empty log `(0)(0-0:96.7.19)` or `()`, or a buffer without its one
 * column code.
 */
export function powerFailureLog(o: CosemObject): PowerFailure[] {
  const p = profileBuffer(o)
  if (!p || p.columns.length !== 1) return []
  return p.entries.map((e) => {
    const d = e.values[0]
    let durationS: number | null = typeof d.value === 'number' ? d.value : null
    if (durationS !== null && d.unit !== null && d.unit !== 's') {
      durationS = d.unit === 'min' ? durationS * 60 : d.unit === 'h' ? durationS * 3600 : null
    }
    return { end: e.time, endRaw: e.timeRaw, durationS }
  })
}

/** One month of the maximum demand history. */
export interface MonthlyMaximum {
  /** When the month was closed (its capture time, usually the 1st at 00:00), ISO 8601. */
  closed: string | null
  /** When the maximum 15-minute demand occurred, ISO 8601. */
  time: string | null
  /** The maximum demand and its unit (kW; W on some meters). */
  value: number | null
  unit: string | null
}

/**
 * The maximum demand history (0-0:98.1.0, Fluvius e-MUCS "maximum demand of the last 13
 * months"): per closed month its capture time, the time of the maximum and the value.
 * @returns [] unless the buffer announces its two columns (1-0:1.6.0 time and value).
 */
export function maximumDemandHistory(o: CosemObject): MonthlyMaximum[] {
  const p = profileBuffer(o)
  if (!p || p.columns.length !== 2) return []
  return p.entries
    .filter((e) => e.values.length >= 2)
    .map((e) => {
      const [t, v] = e.values
      return {
        closed: e.time,
        time: typeof t.value === 'string' && t.value !== t.raw ? t.value : null,
        value: typeof v.value === 'number' ? v.value : null,
        unit: v.unit
      }
    })
}
