/**
 * Boards (SmartyReader and bare ESP8266/ESP32 boards): the types the renderer and the main
 * side share for flashing, configuring and verifying a board (the results of the contract's
 * board namespace, src/shared/contract/board.ts, which declares the requests and methods).
 * Pure data, JSON-serialisable.
 *
 * Sources: SmartyReader sketches (github.com/weigu1/SmartyReader: SmartyReader_v1_5.ino,
 * SmartyReader_v1_6.ino + config.h, Arduino/SmartyReader_P1_WiFi_Ethernet/SmartyReader_v1_7:
 * `config.h`, `SmartyReader_v1_7.ino`), ESPHome's dsmr component (esphome/components/dsmr),
 * Espressif esptool "Serial Protocol" documentation, Improv Wi-Fi serial protocol
 * (improv-wifi.com/serial). docs/board.md describes the whole feature.
 *
 * Secrets (P1 key, Wi-Fi, MQTT and OTA passwords) never travel to the renderer: views carry
 * a masked form only (e.g. "••••…4188").
 *
 * Types and their docs only.
 *
 * Why one file over 400 lines: types only (no code), the board namespace's results in one
 * place as the contract's other namespaces have theirs.
 */
import type { CheckStatus, EvidenceValue } from './diagnostics'

// the requests are declared once, as zod schemas of the contract's board namespace
export type { BoardImageRequest, BoardFlashRequest, BoardProfileInput, MqttVerifyRequest, MqttPublishMode, BoardSnapshot } from './contract/board'

/** Board families the SmartyReader firmware supports. */
export type BoardFamily = 'esp8266' | 'esp32'

/**
 * Firmware generations in the field that P1 Studio verifies and reads over MQTT (docs/board.md):
 * SmartyReader v1.5 (SmartyReader_v1_5.ino, 2021), v1.6 (SmartyReader_v1_6.ino + config.h,
 * 2022), v1.7 (SmartyReader_v1_7.ino + config.h, 2025) of github.com/weigu1/SmartyReader, and
 * ESPHome's `dsmr` component (esphome/components/dsmr).
 */
export const FIRMWARE_GENERATIONS = ['smartyreader-v1.5', 'smartyreader-v1.6', 'smartyreader-v1.7', 'esphome-dsmr'] as const
export type FirmwareGeneration = (typeof FIRMWARE_GENERATIONS)[number]

/** Display names of the generations ("SmartyReader v1.5", "ESPHome dsmr"). */
export const FIRMWARE_LABELS: Record<FirmwareGeneration, string> = {
  'smartyreader-v1.5': 'SmartyReader v1.5',
  'smartyreader-v1.6': 'SmartyReader v1.6',
  'smartyreader-v1.7': 'SmartyReader v1.7',
  'esphome-dsmr': 'ESPHome dsmr'
}

/**
 * How a firmware lays out its MQTT output:
 * - `v15-json`: v1.5 default, one JSON object on TOPIC (timestamp, equipment_id, energies, powers from energy);
 * - `v15-text`: v1.5 `PUBLISH_ALL 0`, `TOPIC/<name>` = "<name> = <value> <unit>";
 * - `v15-json-fields`: v1.5 `PUBLISH_ALL 1`, `TOPIC/<name>` = {"<name>_value": v, "<name>_unit": "kW"};
 * - `fields`: v1.6/v1.7 without PUBLISH_COOKED, `TOPIC/<name>_<unit>` per field plus the calculated values;
 * - `cooked`: v1.6/v1.7 with PUBLISH_COOKED, one JSON object of calculated values on TOPIC;
 * - `esphome`: `<prefix>/sensor/<object id>/state` and `<prefix>/text_sensor/<object id>/state`.
 */
export type FirmwareFormat = 'v15-json' | 'v15-text' | 'v15-json-fields' | 'fields' | 'cooked' | 'esphome'

/** The firmware recognised from what a board publishes. */
export interface DetectedFirmware {
  generation: FirmwareGeneration
  format: FirmwareFormat
  /** e.g. "SmartyReader v1.5, PUBLISH_ALL 1 (one JSON object per field)". */
  label: string
  /** What gave it away, e.g. 'key "energy_consumption [kWh]" in the JSON on lamsmarty'. */
  reason: string
  /** v1.6 and v1.7 could not be told apart (no calculated value that differs between them); the expected one (or v1.7) was taken. */
  ambiguous: boolean
}

/** config.h layouts the writer produces (SmartyReader v1.6 and v1.7; v1.5 keeps its settings in the sketch). */
export type ConfigHLayout = 'v1.6' | 'v1.7'

/** What the ROM bootloader told about the chip (esptool-js over the serial port). */
export interface BoardChipInfo {
  /** Serial port path. */
  path: string
  /** Chip family as esptool names it, e.g. "ESP8266", "ESP32". */
  chip: string
  /** Description, e.g. "ESP8266EX" or "ESP32-D0WDQ6-V3 (revision 3)". */
  description: string
  /** Features, e.g. ["WiFi"] or ["Wi-Fi", "BT", "Dual Core", …]. */
  features: string[]
  /** Crystal frequency, MHz (26 or 40). */
  crystalMHz: number | null
  /** Wi-Fi station MAC, "aa:bb:cc:dd:ee:ff". */
  mac: string
  /** JEDEC flash id as read from the SPI flash (manufacturer | device << 8 | capacity << 16), null if unread. */
  flashId: number | null
  /** Detected flash size, e.g. "4MB"; null if the flash id gave none. */
  flashSize: string | null
  /** Same in bytes. */
  flashSizeBytes: number | null
  /** The automatic reset through DTR/RTS was possible on this port. */
  resetLines: boolean
}

/** What a flash did. */
export interface BoardFlashResult {
  info: BoardChipInfo
  images: { path: string; offset: number; bytes: number; md5: string; verified: boolean }[]
  erasedAll: boolean
  /** The board was reset into the new firmware (false: press RESET, the port cannot drive RTS). */
  resetDone: boolean
  durationS: number
}

/** Phases of a flash, in order. */
export type BoardFlashPhase = 'connecting' | 'erasing' | 'writing' | 'verifying' | 'resetting' | 'done'

/** Progress of a flash (about every block). `fraction` 0…1 over all images. */
export interface BoardFlashProgress {
  phase: BoardFlashPhase
  fileIndex: number
  fileCount: number
  /** Flash address being written. */
  address: number
  /** Bytes of the current image sent / in total (compressed size when compressing). */
  written: number
  total: number
  fraction: number
}

/** Where a log line came from. */
export type BoardLogSource = 'flash' | 'monitor' | 'udp' | 'improv' | 'mqtt'

/** A timestamped line of a board's output or of an operation. */
export interface BoardLogLine {
  source: BoardLogSource
  /** Receive time, ms since the epoch. */
  time: number
  line: string
  /** Sender, e.g. "192.168.1.50:4210" for UDP, the port path for serial. */
  from: string | null
}

/**
 * Why a listener of the Board tab failed or stopped, for the renderer's wording (docs/board.md,
 * "Codes for the renderer"): a port code (`port_not_found`, `port_busy`, `port_disconnected`…
 * {path}) or a UDP log code (`udp_port_in_use` {port}…). Params are text (a port number is
 * written as typed, never grouped).
 */
export interface ListenerProblem {
  code: string
  params: Record<string, string>
}

/** Listener states. `error` is the English sentence; `problem` the same as a code with params. */
export interface BoardMonitorState {
  /** Serial monitor of the board's debug output. */
  monitor: { open: boolean; path: string | null; baudRate: number | null; error: string | null; problem?: ListenerProblem | null }
  /**
   * UDP log listener (SmartyReader `Tb.set_udp_log`, port 6666). `address`: the address bound
   * (null when closed); `via`: why that one ({@link UdpBindVia}); `reason`: the same in English.
   */
  udp: {
    open: boolean
    port: number | null
    error: string | null
    problem?: ListenerProblem | null
    address?: string | null
    via?: UdpBindVia | null
    reason?: string | null
  }
  /** A board's MQTT data as a live source. */
  mqttSource: { open: boolean; url: string | null; topic: string | null; messages: number; error: string | null }
  /** How the board profiles' secrets are kept here (always set by the board service). */
  secrets?: SecretProtection
}

/**
 * Why the UDP log listens where it does: `asked` (the address given), `all` (0.0.0.0, asked),
 * `profile` (a profile's UDP_LOG_PC_IP that is this computer's), `board` (this computer's
 * address towards the board's IP), `loopback` (nothing known: 127.0.0.1 only).
 */
export type UdpBindVia = 'asked' | 'all' | 'profile' | 'board' | 'loopback'

/** Values a coded message carries for the renderer's wording (figures, names, field names). */
export type BoardParams = Record<string, string | number | boolean | null>

/**
 * A message as a stable code, its parameters, and the main side's English sentence (kept for
 * the CLI, JSON and logs). The renderer words `code` + `params` in the user's language
 * (src/shared/i18n); docs/board.md lists every code and its params.
 */
export interface BoardMessage {
  code: string
  params: BoardParams
  message: string
}

/**
 * How board secrets are protected where they are kept (docs/board.md, "Secrets"):
 * - `os-keychain`: the desktop app's OS keychain (Electron safeStorage: DPAPI, Keychain, libsecret/KWallet);
 * - `os-keyring`: the OS keyring through @napi-rs/keyring (Secret Service, macOS Keychain,
 *   Windows Credential Manager) holds the 32-byte key; the secrets are AES-256-GCM in the profiles;
 * - `encrypted-file`: the same, the key in a 0600 file beside the data folder;
 * - `this-run-only`: in this process's memory: gone after a restart (then an error, never a value).
 */
export type SecretProtectionKind = 'os-keychain' | 'os-keyring' | 'encrypted-file' | 'this-run-only'

/** Which protection is in force for new secrets. */
export interface SecretProtection {
  kind: SecretProtectionKind
  /** In English: "OS keyring", "encrypted file, key in /home/pi/.P1Studio-secret.key", "this run only". */
  label: string
  /** The key file (`encrypted-file`), else null. */
  keyFile: string | null
  /** Why no stronger protection is in force, in English (e.g. why the OS keyring was not used); null if nothing to say. */
  note: string | null
}

/**
 * Why a stored secret cannot be read (docs/board.md). Params of each: {field, keyFile}.
 * - `secret_key_missing`: the key file is gone;
 * - `secret_key_unreadable`: the key file cannot be read (permissions, another owner, not 32 bytes);
 * - `secret_other_key`: encrypted with another key (the key file or keyring entry was replaced);
 * - `secret_damaged`: the stored value is damaged;
 * - `secret_keyring_unavailable`: stored with the OS keyring, which cannot be reached now (locked, not running);
 * - `secret_lost_restart`: kept in memory only by an earlier run;
 * - `secret_unreadable`: anything else (e.g. the desktop app's keychain cannot decrypt it).
 */
export const SECRET_READ_CODES = [
  'secret_key_missing',
  'secret_key_unreadable',
  'secret_other_key',
  'secret_damaged',
  'secret_keyring_unavailable',
  'secret_lost_restart',
  'secret_unreadable'
] as const
export type SecretReadCode = (typeof SECRET_READ_CODES)[number]

/** Events pushed on the 'board' channel. */
export type BoardEvent =
  | ({ kind: 'progress' } & BoardFlashProgress)
  | ({ kind: 'log' } & BoardLogLine)
  | ({ kind: 'state' } & BoardMonitorState)
  | ({ kind: 'verify' } & MqttVerifyProgress)

/** `#define` switches of SmartyReader_v1_7.ino that change what config.h values mean. */
export interface BoardDefines {
  /** Over-the-air update (MY_OTA_NAME, MY_OTA_PASS_HASH). */
  OTA: boolean
  /** MQTT with user and password (MY_MQTT_USER, MY_MQTT_PASS). */
  MQTTPASSWORD: boolean
  /** MQTT last will and birth message. */
  MQTT_WILL_BIRTH: boolean
  /** Static IP (NET_LOCAL_IP_BYTES…) instead of DHCP. */
  STATIC: boolean
  /** Ethernet (W5500) instead of Wi-Fi. */
  ETHERNET: boolean
  /** NTP time (publishes ntp_datetime). On in the sketch. */
  GET_NTP_TIME: boolean
  /** One JSON object of calculated values on the topic instead of one topic per field. On in the sketch. */
  PUBLISH_COOKED: boolean
  /** Home Assistant discovery messages. */
  HOMEASSISTANT: boolean
  /** Boards before v2.0 (RX inverted by a transistor). */
  OLD_HARDWARE: boolean
}

/**
 * A board's settings, named as the SmartyReader v1.7 `config.h` names them. IP addresses
 * are dotted quads ("192.168.1.10"); the writer turns them into the sketch's byte arrays.
 */
export interface BoardSettings {
  /**
   * Not a config.h name: the firmware this board runs. It chooses the config.h layout (v1.6 or
   * v1.7), what the MQTT verification expects, and the sketch notes. Absent: smartyreader-v1.7.
   */
  firmware?: FirmwareGeneration
  MY_WIFI_SSID: string
  /** MQTT broker, IPv4 address or host name. */
  MQTT_SERVER: string
  /** 1–32767 (the sketch keeps it in a `short`). */
  MY_MQTT_PORT: number
  MY_MQTT_USER: string
  /** Must be unique per board. */
  MQTT_CLIENT_ID: string
  /** Base topic, e.g. "lamsmarty". */
  MQTT_TOPIC_OUT: string
  MQTT_MAXIMUM_PACKET_SIZE: number
  /** Publish interval, ms (at least 10000; the meter sends every 10 s). */
  PUBLISH_TIME: number
  /** Window for mean/min/max, minutes (1–42: the sketch counts samples in a byte). */
  SAMPLE_TIME_MIN: number
  WILL_QOS: number
  WILL_TOPIC: string
  WILL_MESSAGE: string
  WILL_RETAIN: boolean
  BIRTH_TOPIC: string
  BIRTH_MESSAGE: string
  BIRTH_RETAIN: boolean
  NET_MDNSNAME: string
  NET_HOSTNAME: string
  /** UDP log port (1–65535), default 6666. */
  UDP_LOG_PORT: number
  /** Computer receiving the UDP log. */
  UDP_LOG_PC_IP_BYTES: string
  NTP_SERVER: string
  /** POSIX TZ string, e.g. "CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00". */
  TZ_INFO: string
  MY_OTA_NAME: string
  NET_LOCAL_IP_BYTES: string
  NET_GATEWAY_BYTES: string
  NET_MASK_BYTES: string
  NET_DNS_BYTES: string
  /** Ethernet MAC "DE:AD:BE:EF:FE:01". */
  NET_MAC: string
  /** Authentication data (17 bytes: 0x30 + authentication key), 34 hex digits. */
  AUTH_DATA: string
  /** Power classes, kW (three, each 1–255). */
  class_kW: number[]
  /** Price of energy above each class, per kWh (three). */
  exceed_money_per_kWh: number[]
}

/** The secret settings (stored encrypted, never sent to the renderer). '' = not set. */
export interface BoardSecrets {
  MY_WIFI_PASSWORD: string
  /** P1 key, 32 hex digits. */
  KEY_SMARTY: string
  MY_MQTT_PASS: string
  /** MD5 of the OTA password, 32 hex digits. */
  MY_OTA_PASS_HASH: string
}

/** Names of the secret settings. */
export const BOARD_SECRET_KEYS = ['MY_WIFI_PASSWORD', 'KEY_SMARTY', 'MY_MQTT_PASS', 'MY_OTA_PASS_HASH'] as const
export type BoardSecretKey = (typeof BOARD_SECRET_KEYS)[number]

/**
 * A saved board profile without its secrets: what the main side keeps (src/main/board/profile.ts
 * `BoardProfile`, secrets in clear) and the renderer sees ({@link BoardProfileView}, masked) alike.
 */
export interface BoardProfileFields {
  id: string
  /** Profile name, e.g. "Weber, Rue des Prés 4". */
  name: string
  customer: string
  /** Meter id (0-0:42.0.0) this board reads, e.g. "SAG1030700089067". */
  meterId: string
  notes: string
  board: BoardFamily
  defines: BoardDefines
  settings: BoardSettings
  /** ISO 8601. */
  updatedAt: string
}

/** A saved board profile as the renderer sees it (secrets masked). */
export interface BoardProfileView extends BoardProfileFields {
  /**
   * Per secret: set or not, and a masked form (P1 key: "••••…4188"; passwords: "••••••").
   * `error`: the secret is stored but cannot be read now (code one of {@link SECRET_READ_CODES});
   * it is kept as stored until entered again or cleared, and no configuration is written meanwhile.
   */
  secrets: Record<BoardSecretKey, { set: boolean; masked: string | null; error?: BoardMessage | null }>
  /** How secrets are kept here (always set by the board service). */
  secretProtection?: SecretProtection
}

/** One validation message of the profile form. */
export interface BoardFieldError {
  /** Field name as in {@link BoardSettings} / {@link BoardSecrets}, or "name", "meterId". */
  field: string
  /** English sentence. */
  message: string
  /** Stable code (docs/board.md, "Field errors"); always set by the main side. */
  code?: string
  /** Parameters of the code (e.g. {max: 32767}); always set by the main side. */
  params?: BoardParams
}

/** Result of validating a profile. */
export interface BoardValidation {
  ok: boolean
  /** Every field error, one per field. */
  errors: BoardFieldError[]
  /** Things to do in the sketch, e.g. 'Uncomment "#define MQTTPASSWORD" in SmartyReader_v1_7.ino …'. */
  notes: string[]
  /** The same notes as codes (docs/board.md, "Notes"), in the same order; always set by the main side. */
  noteCodes?: BoardMessage[]
}

/** Output formats. */
export type BoardConfigFormat = 'config.h' | 'esphome'

/** Whether the P1 key was tried on the open P1 source. */
export interface BoardKeyCheck {
  /** A P1 source with encrypted frames was open and the key was tried. */
  checked: boolean
  /** The key decrypts this meter's frames (false when checked and it does not, or not checked). */
  ok: boolean
  message: string
  /** Stable code (docs/board.md, "Key check"), e.g. `key_ok` with {meterId, systemTitle}; always set by the main side. */
  code?: string
  params?: BoardParams
}

/** A generated configuration for display (secrets masked). */
export interface BoardConfigOutput {
  format: BoardConfigFormat
  /** config.h layout written (null for ESPHome). */
  layout?: ConfigHLayout | null
  /** Suggested file name: "config.h" or "<hostname>.yaml". */
  fileName: string
  /** The text with secrets masked (the saved file has them), or with them (`secretsIncluded`: boardConfigSecretText). */
  text: string
  notes: string[]
  /** The notes as codes, same order (docs/board.md); always set by the main side. */
  noteCodes?: BoardMessage[]
  keyCheck: BoardKeyCheck
  /** The text holds the real secrets (boardConfigSecretText): show a warning next to it. */
  secretsIncluded?: boolean
}

/** Improv Wi-Fi serial states (improv-wifi.com/serial, "Current State"). */
export type ImprovState = 'authorization_required' | 'authorized' | 'provisioning' | 'provisioned' | 'unknown'

/** Improv Wi-Fi serial error states ("Error state"), plus 'timeout' when the device said nothing. */
export type ImprovErrorCode = 'none' | 'invalid_rpc' | 'unknown_rpc' | 'unable_to_connect' | 'bad_hostname' | 'timeout' | 'unknown'

/** What an Improv device said about itself ("Request device information"). */
export interface ImprovDeviceInfo {
  firmware: string
  version: string
  /** Hardware chip/variant, e.g. "esp8266" or "esp32-s3-devkitc-1/esp32-s3". */
  chip: string
  deviceName: string
}

/** Result of an Improv provisioning. */
export interface ImprovResult {
  info: ImprovDeviceInfo | null
  state: ImprovState
  /** URL the device reports after connecting (null if none). */
  url: string | null
  /** Error state the device reported ('none' on success). */
  error: ImprovErrorCode
  /** One sentence for the installer. */
  message: string
  /** The message as a code (docs/board.md, "Improv"): `improv_joined` {device, ssid, url}, `improv_join_timeout` {ssid, timeoutS, state}, or `improv_<error>` {path, ssid}. */
  code?: string
  params?: BoardParams
}

/** Checks of an MQTT verification, in order. */
export const MQTT_CHECK_IDS = ['broker', 'messages', 'interval', 'fields', 'values'] as const
export type MqttCheckId = (typeof MQTT_CHECK_IDS)[number]

/** Stable verdict codes of the MQTT verification (docs/board.md). */
export const MQTT_VERDICT_CODES = [
  'ok',
  'broker_unreachable',
  'broker_auth_failed',
  'broker_tls_error',
  'no_messages',
  'late_messages',
  'missing_fields',
  'values_mismatch',
  'values_not_compared'
] as const
export type MqttVerdictCode = (typeof MQTT_VERDICT_CODES)[number]

/** Same shape as the diagnostics' CheckResult (src/shared/diagnostics.ts), with MQTT ids and codes. */
export interface MqttCheckResult {
  id: MqttCheckId
  title: string
  status: CheckStatus
  code: MqttVerdictCode | 'early_messages' | 'some_fields_missing' | 'unexpected_firmware' | null
  summary: string
  /** The summary as a code and its params (docs/board.md, "MQTT check summaries"); the English `summary` stays for the CLI and JSON. */
  summaryCode?: string
  summaryParams?: BoardParams
  evidence: Record<string, EvidenceValue>
  advice: string | null
}

/** The verification's report: like a diagnosis, a verdict and its checks. */
export interface MqttVerifyReport {
  verdict: MqttVerdictCode
  summary: string
  checks: MqttCheckResult[]
  /** Broker URL (without credentials) and topic. */
  url: string
  topic: string
  /** Publish mode seen (or expected): one topic per value, or one JSON object on the topic. */
  mode: 'fields' | 'cooked' | 'unknown'
  /** The firmware recognised from the messages (null: nothing arrived, or nothing a known firmware publishes). */
  firmware?: DetectedFirmware | null
  startedAt: string
  durationS: number
}

/** Progress while verifying. */
export interface MqttVerifyProgress {
  phase: 'connecting' | 'listening' | 'done'
  elapsedS: number
  limitS: number
  messages: number
  publications: number
}

/** A CosemObject-like value a board published (for the live view). */
export interface BoardObject {
  obis: string
  value: number | string | null
  unit: string | null
  /** The telegram line as the meter sent it (when known): lets the verifier compare text the firmware copies verbatim. */
  raw?: string
}

/** Mask a P1 key for display: "••••…4188" (last 4 hex digits). */
export function maskKey(hex: string): string {
  const h = hex.replace(/\s+/g, '')
  return h.length >= 4 ? `••••…${h.slice(-4).toUpperCase()}` : '••••'
}
