/**
 * Domain types shared by the main process, the CLI and the renderer.
 *
 * Pure data: no Node or Electron import here, everything is JSON-serialisable
 * (byte strings travel as upper-case hex).
 */

/**
 * Stable codes of problems found while decoding a byte stream.
 * Documented in docs/verdict-codes.md; never rename one, only add.
 *
 * - `gcm_tag_mismatch`   AES-GCM tag did not verify and the frame did not open without it either
 *                        (wrong P1 key or a corrupted frame).
 * - `crc_mismatch`       telegram CRC-16/ARC differs from the one it carries (DSMR 5.0.2 §6.12).
 * - `truncated_frame`    a DLMS frame or telegram ended before its announced/expected end
 *                        (next frame start, idle gap or end of stream came first).
 * - `unsupported_length_form` the DLMS length field uses a form other than short, 0x81 or 0x82.
 * - `missing_key`        an encrypted frame arrived but no P1 key is configured.
 * - `malformed_line`     a telegram line is not `OBIS(value)…`; the rest of the telegram is kept.
 * - `malformed_frame`    a DLMS frame whose header is inconsistent (bad title length, security byte…).
 * - `malformed_telegram` decrypted/plain data that is not a DSMR telegram (no `/`, no `!`).
 * - `overlong_frame`     a plain telegram that runs past the maximum size without `!`.
 */
export type DecodeErrorCode =
  | 'gcm_tag_mismatch'
  | 'crc_mismatch'
  | 'truncated_frame'
  | 'unsupported_length_form'
  | 'missing_key'
  | 'malformed_line'
  | 'malformed_frame'
  | 'malformed_telegram'
  | 'overlong_frame'

/**
 * Warnings: the telegram was decoded and is usable, but something deserves attention.
 * - `auth_key_mismatch` the GCM tag failed with the configured authentication key, yet the
 *   frame opened without the tag (AES-CTR from IV‖00000002) into a telegram with a valid
 *   CRC: the P1 key is right, the meter uses another authentication key (see DESIGN.md).
 * - `no_crc` a telegram without CRC (DSMR 2.2/3): integrity not checked.
 * - `malformed_line` some lines could not be parsed (kept in `Telegram.malformedLines`).
 * - `frame_counter_rewind` the frame counter of this system title is not above the last one
 *   decoded (a replayed or re-sent frame); a reset to 0 (key renewal, Luxmetering E-Meter P1
 *   spec v1.1.3 §3.2.5) is not one.
 */
export type DecodeWarningCode = 'auth_key_mismatch' | 'no_crc' | 'malformed_line' | 'frame_counter_rewind'

/** One value inside the parentheses of a COSEM line, e.g. `(000006.695*kWh)` → {value: 6.695, unit: "kWh"}. */
export interface CosemValue {
  /** Number for numeric values, ISO 8601 instant string for timestamps, decoded text otherwise; null for `()`. */
  value: number | string | null
  /** Unit as sent (kWh, kW, kvarh, kvar, kVA, V, A, m3, GJ, Wh, W, s…); null when the meter sends none. */
  unit: string | null
  /** The text between the parentheses, exactly as sent. */
  raw: string
}

/**
 * One COSEM object (one OBIS line, or the DSMR 2.2/3 two-line M-Bus form) of a telegram.
 * DSMR 5.0.2 §6.4–6.5, Luxmetering E-Meter P1 spec v1.1.3 Table 3.1.
 */
export interface CosemObject {
  /** OBIS code as "A-B:C.D.E", e.g. "1-0:1.8.0" (a trailing `*255` / `.255` is kept as sent). */
  obis: string
  /**
   * The main value: for a timestamped reading (`0-n:24.2.1(time)(reading)`) the reading,
   * for a profile buffer the number of entries, for a timestamp object the instant
   * (ISO 8601 with offset), for hex-encoded text (0-0:42.0.0, 0-n:96.1.0, 96.13.x) the decoded text.
   */
  value: number | string | null
  /** Unit of `value`, null if none was sent. */
  unit: string | null
  /**
   * Capture time for timestamped readings (M-Bus 24.2.1 / DSMR 3 24.3.0) as ISO 8601 with offset,
   * null for the placeholder `632525252525S/W` or when the object has none.
   */
  time: string | null
  /** Every value of the line in order (multi-value lines such as `1-1:31.4.0(100*A)(-063*A)`). */
  values: CosemValue[]
  /** The line(s) exactly as received, without the final CR LF. */
  raw: string
}

/** A parsed DSMR telegram (plain text between `/` and `!CRC`). DSMR 5.0.2 §6.2. */
export interface Telegram {
  /** Identification line without the leading `/`, e.g. "Lux5\\253663629_D". */
  identification: string
  /** Objects in the order received. A code sent twice keeps both entries. */
  objects: CosemObject[]
  /** CRC as sent (null if the telegram carries none: DSMR 2.2/3). */
  crcSent: number | null
  /** CRC-16/ARC computed over `/`…`!`. */
  crcComputed: number
  /** true = match, false = mismatch, null = no CRC sent. */
  crcOk: boolean | null
  /** Lines that could not be parsed, as sent. */
  malformedLines: string[]
  /** Meter time from 0-0:1.0.0 as ISO 8601 with offset, null if absent. */
  meterTime: string | null
}

/** Byte ranges of a DLMS general-glo-ciphering APDU, for the raw view. Offsets are within the frame. */
export interface DlmsLayout {
  /** [start, end) of each part. */
  tag: [number, number]
  systemTitle: [number, number]
  length: [number, number]
  securityControl: [number, number]
  frameCounter: [number, number]
  ciphertext: [number, number]
  gcmTag: [number, number]
}

/** What the deframer found: an encrypted DLMS APDU or a plain telegram. */
export type FrameKind = 'dlms' | 'plain'

/** Header fields of a DLMS general-glo-ciphering APDU (IDIS package 2, DLMS Green Book §9.2.7). */
export interface DlmsHeader {
  /** 8-byte system title as hex, e.g. "5341476770 01BD54" without space. */
  systemTitle: string
  /** Printable manufacturer prefix of the system title, e.g. "SAG". */
  systemTitleText: string
  /** Security control byte (0x30 = authenticated + encrypted, suite 0). */
  securityControl: number
  /** Invocation (frame) counter, 32-bit unsigned. */
  frameCounter: number
  /** Length field value: security byte + frame counter + ciphertext + tag. */
  length: number
  layout: DlmsLayout
}

/** A successfully decoded frame. */
export interface DecodedTelegram {
  kind: FrameKind
  /** Receive time of the first byte of the frame, ms since the Unix epoch. */
  receivedAt: number
  /** Byte offset of the frame's first byte in the stream. */
  offset: number
  /** Whole frame as received (DLMS APDU or plain telegram), upper-case hex. */
  frameHex: string
  /** DLMS header, null for plain telegrams. */
  dlms: DlmsHeader | null
  /** true if the GCM tag verified; null for plain telegrams. */
  tagVerified: boolean | null
  /** Decrypted or plain telegram text. */
  text: string
  telegram: Telegram
  warnings: DecodeWarningCode[]
}

/** A frame or stretch of bytes that could not be decoded. The pipeline goes on with the next frame. */
export interface DecodeFailure {
  code: DecodeErrorCode
  /** One plain-English sentence. Never contains a key. */
  message: string
  /** Byte offset in the stream where the problem starts. */
  offset: number
  receivedAt: number
  kind: FrameKind | null
  /**
   * Evidence, upper-case hex: the frame's own bytes when they are a frame (at most 4 kB + its
   * 18-byte header), only the header bytes when they are not (a DLMS header, a telegram's
   * identification line) — never arbitrary input.
   */
  frameHex: string
  /** Bytes of the stream from `offset` this failure covers (may exceed what `frameHex` shows). */
  length: number
  dlms: DlmsHeader | null
  /** Decrypted text when decryption worked but the telegram failed (crc_mismatch). */
  text: string | null
}

/** Serial line settings. Smarty default 115200 8N1; DSMR 2.2/3 meters 9600 7E1. */
export interface LineSettings {
  /** Baud rate in bit/s. */
  baudRate: number
  dataBits: 5 | 6 | 7 | 8
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space'
  stopBits: 1 | 1.5 | 2
}

export const DEFAULT_LINE_SETTINGS: LineSettings = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 }

/** Luxembourg's fixed authentication key (Luxmetering E-Meter P1 spec v1.1.3 §3.2.5). */
export const LUX_AUTH_KEY_HEX = '00112233445566778899AABBCCDDEEFF'

/** A serial port as listed by the OS. */
export interface PortInfo {
  path: string
  manufacturer: string | null
  serialNumber: string | null
  vendorId: string | null
  productId: string | null
}
