/**
 * CRC-16/ARC (polynomial 0x8005 reflected = 0xA001, init 0x0000, no final XOR),
 * the telegram checksum of DSMR 5.0.2 §6.12, computed over `/` through `!` inclusive.
 * Table-driven, four bytes per step ("slicing-by-4"): the telegram CRC runs once per frame.
 */
const T0 = new Uint16Array(256)
const T1 = new Uint16Array(256)
const T2 = new Uint16Array(256)
const T3 = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let c = i
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1
  T0[i] = c
}
for (let i = 0; i < 256; i++) {
  // Tn[i]: CRC of byte i followed by n zero bytes
  T1[i] = (T0[i] >>> 8) ^ T0[T0[i] & 0xff]
  T2[i] = (T1[i] >>> 8) ^ T0[T1[i] & 0xff]
  T3[i] = (T2[i] >>> 8) ^ T0[T2[i] & 0xff]
}

/**
 * CRC-16/ARC of `bytes[start, end)`.
 * @returns the CRC as an unsigned 16-bit number (e.g. 0xCFDE).
 */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0
  let i = start
  for (const stop = end - 3; i < stop; i += 4) {
    crc ^= bytes[i] | (bytes[i + 1] << 8)
    crc = T3[crc & 0xff] ^ T2[crc >>> 8] ^ T1[bytes[i + 2]] ^ T0[bytes[i + 3]]
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ T0[(crc ^ bytes[i]) & 0xff]
  return crc
}

/** The CRC as DSMR writes it: 4 upper-case hex digits. */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0')
}
