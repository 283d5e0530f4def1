/**
 * Catalogue entries that no language translates, kept once: the quantity symbols with their
 * units that head the Live tab's per-phase table (IEC 60027 / IEC 62053 symbols, as the DSMR
 * 5.0.2 §6.12 OBIS table and the meter's display write them; the same in English, French and
 * German), and the SI byte units (English and German; French writes octets: o, ko, Mo, Go).
 * They are in no JSON catalogue: en.ts, fr.ts and de.ts merge them into the messages they read.
 * A language that ever writes one otherwise gives its own table in its JSON file instead (as
 * fr/*.json does for common.size).
 */

/** Per-phase column headers by OBIS C value minus 20 × phase (live.columns.c<C>): P in kW, Q in kvar, S in kVA, U in V, I in A. */
export const PHASE_COLUMN_SYMBOLS = {
  c1: 'P+ (kW)',
  c2: 'P− (kW)',
  c3: 'Q+ (kvar)',
  c4: 'Q− (kvar)',
  c9: 'S+ (kVA)',
  c10: 'S− (kVA)',
  c12: 'U (V)',
  c11: 'I (A)'
}

/** Sizes with the SI symbols B, kB, MB, GB (common.size; `{n}` is the formatted number). */
export const SI_BYTE_SIZES = {
  B: '{n} B',
  kB: '{n} kB',
  MB: '{n} MB',
  GB: '{n} GB'
}
