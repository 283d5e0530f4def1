/** Public API of the pure P1/DLMS protocol core (no Electron). */
export { P1Decoder, decodeBuffer, parseKeyHex, type DecodeEvent, type DecoderOptions } from './pipeline'
export { Deframer, type DeframerEvent, type DeframerOptions } from './deframer'
export { parseTelegram, parseTimestamp } from './telegram'
export { parseGloHeader, GLO_TAG, GCM_TAG_LENGTH, type GloHeaderResult } from './dlms'
export { decryptGlo, type DecryptResult, type AesKey } from './decrypt'
export { encryptGlo, type GloEncryptInput } from './encrypt'
export { crc16Arc, formatCrc } from './crc16'
export { crc16ArcSliced } from './crc16-sliced'
