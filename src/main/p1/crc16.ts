/**
 * CRC-16/ARC (polynomial 0x8005 reflected = 0xA001, init 0x0000, no final XOR),
 * the telegram checksum of DSMR 5.0.2 §6.12, computed over `/` through `!` inclusive.
 */
const TABLE = (() => {
  const t = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1
    t[i] = c
  }
  return t
})()

/**
 * CRC-16/ARC of `bytes[start, end)`.
 * @returns the CRC as an unsigned 16-bit number (e.g. 0xCFDE).
 */
export function crc16Arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]) & 0xff]
  return crc
}

/** The CRC as DSMR writes it: 4 upper-case hex digits. */
export function formatCrc(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0')
}
