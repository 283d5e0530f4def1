/**
 * The ASCII bytes and character classes the P1 framing and telegram syntax are made of
 * (DSMR 5.0.2 §6.2–6.4: `/` ident CR LF … `OBIS(value*unit)` … `!` CRC CR LF; hex digits of
 * the CRC-16, of octet strings and of COSEM date-times, IEC 62056-62). Shared by the deframer,
 * the telegram parser and the COSEM date-time reader so that each byte has one name.
 */

export const LF = 0x0a
export const CR = 0x0d
export const BANG = 0x21
export const LPAREN = 0x28
export const RPAREN = 0x29
export const STAR = 0x2a
export const DOT = 0x2e
export const SLASH = 0x2f
export const D0 = 0x30
export const D9 = 0x39

/** Is `c` an ASCII digit 0–9? */
export function isDigit(c: number): boolean {
  return c >= D0 && c <= D9
}

/** Is `c` an ASCII upper-case letter A–Z? */
export function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a
}

/** Is `c` an ASCII letter A–Z or a–z? */
export function isLetter(c: number): boolean {
  return isUpper(c) || (c >= 0x61 && c <= 0x7a)
}

/** Value 0–15 of the hex digit `c` (0–9, A–F, a–f), or -1 when `c` is not one. */
export function hexNibble(c: number): number {
  if (c >= D0 && c <= D9) return c - D0
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}
