/** Public API of the pure P1/DLMS protocol core (no Electron). */
export { P1Decoder, decodeBuffer, parseKeyHex, type DecodeEvent, type DecoderOptions } from './pipeline'
export { Deframer, type DeframerEvent, type DeframerOptions } from './deframer'
export { parseTelegram, parseTimestamp } from './telegram'
export { parseGloHeader } from './dlms'
export { decryptGlo } from './decrypt'
export { encryptGlo } from './encrypt'
export { crc16Arc, formatCrc } from './crc16'
