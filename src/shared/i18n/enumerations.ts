/**
 * Meanings of enumerated COSEM values in any language (issue 15): breaker and relay states
 * (0-0:96.3.10, 0-n:96.3.10: DLMS interface class 70 "Disconnect control", attribute 3), an
 * M-Bus valve position (0-n:24.4.0, the same states) and the M-Bus device type (0-n:24.1.0, EN
 * 13757-3:2018 Table 12), from the OBIS catalogue's tables (src/shared/obis.ts). Pure.
 */
import { BREAKER_STATES, MBUS_DEVICE_TYPES, VALVE_STATES, describeObis, describeState } from '../obis'
import { MESSAGES, lookup } from './translate'
import type { Wording } from './wording'

/** Catalogue sections of each enumeration table (`enum.<section>.<value>`). */
const SECTIONS = new Map<Readonly<Record<number, string>>, string>([
  [BREAKER_STATES, 'breaker'],
  [VALVE_STATES, 'valve'],
  [MBUS_DEVICE_TYPES, 'mbus']
])

/** An enumerated value in words. */
export interface WordedState {
  /** The value as a number (the meter sends "003" for 3). */
  value: number
  /** Its meaning, e.g. "connected", "gas", « fermée (coupée) ». */
  text: string
  /** 'en' when only the English table knows it. */
  lang: 'en' | null
}

/**
 * The meaning of `value` for the OBIS `code`, in the language of `w`.
 * @returns null when the code has no enumeration or the value is none of its states.
 */
export function wordState(code: string, value: unknown, w: Wording): WordedState | null {
  const english = describeState(code, value)
  const states = describeObis(code)?.states
  if (english === null || !states) return null
  const n = Number(value)
  const key = `enum.${SECTIONS.get(states) ?? ''}.v${n}`
  if (lookup(MESSAGES[w.f.locale], key) !== null) return { value: n, text: w.t(key), lang: null }
  return { value: n, text: english, lang: 'en' }
}
