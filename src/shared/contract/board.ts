/**
 * Namespace `board`: flash, read chip info, monitor serial/UDP logs, keep board profiles,
 * write config.h / ESPHome YAML, provision Wi-Fi over Improv, verify a board's MQTT output, and
 * show a board's MQTT data live ('boardSnapshot' events: a board's values are not P1 frames).
 * The types of results live in src/shared/board.ts; the requests are declared here only.
 *
 * From a browser: ports as listed (or allowed with `serve --allow-port`), firmware images by
 * name in <data dir>/firmware (uploaded through `files`), brokers only as allowed
 * (`serve --allow-broker`) or a saved profile's own.
 */
import { z } from 'zod'
import {
  type BOARD_SECRET_KEYS,
  FIRMWARE_GENERATIONS,
  type BoardChipInfo,
  type BoardConfigOutput,
  type BoardFlashResult,
  type BoardKeyCheck,
  type BoardLogLine,
  type BoardMonitorState,
  type BoardObject,
  type BoardProfileView,
  type BoardValidation,
  type FirmwareGeneration,
  type ImprovResult,
  type MqttVerifyReport
} from '../board'
import { finite, int, method, methodNames, namespace, noParams, pathText, result, text, type ApiOf, type MethodSpec, type Result } from './define'

/** Board messages read "Invalid configuration request: id is not a profile id". */
const boardMethod = <S extends z.ZodType, R>(request: S, what: string, res: Result<R>): MethodSpec<S, R> => method(request, what, res, { fieldSep: ' ' })

const profileId = z
  .string()
  .max(80)
  .regex(/^[A-Za-z0-9_-]{1,80}$/, { message: 'is not a profile id' })
const reset = z.enum(['auto', 'none'])
const layout = z.enum(['v1.6', 'v1.7'])
const format = z.enum(['config.h', 'esphome'])

/** One image to write and where: a .bin file (a path from the desktop, a name in the firmware folder from a browser) and its flash offset. */
export const boardImageSchema = z.object({ path: pathText, offset: int(0, 0x10000000) }).strict()

/** A flash request. */
export const boardFlashSchema = z
  .object({
    /** Serial port of the board. */
    path: pathText,
    images: z.array(boardImageSchema).min(1).max(8),
    /** Erase the whole flash first (settings stored by the old firmware go too). Default false. */
    eraseAll: z.boolean().optional(),
    /** Baud rate for writing once the flasher stub runs (default 460800; the ROM talks at 115200). */
    baudRate: int(9600, 3_000_000).optional(),
    /** 'auto' (default): reset into the bootloader through DTR/RTS; 'none': the board is already in it. */
    reset: reset.optional()
  })
  .strict()
export type BoardImageRequest = z.input<typeof boardImageSchema>
export type BoardFlashRequest = z.input<typeof boardFlashSchema>

const str = text(200)
const num = finite(-1e9, 1e9)
/** The settings of a profile input: types and bounds only (the field rules are validateProfile's, src/main/board/profile.ts). */
const settingsInputSchema = z
  .object({
    firmware: z.enum(FIRMWARE_GENERATIONS, { message: `must be one of ${FIRMWARE_GENERATIONS.join(', ')}` }),
    MY_WIFI_SSID: str,
    MQTT_SERVER: str,
    MY_MQTT_PORT: num,
    MY_MQTT_USER: str,
    MQTT_CLIENT_ID: str,
    MQTT_TOPIC_OUT: str,
    MQTT_MAXIMUM_PACKET_SIZE: num,
    PUBLISH_TIME: num,
    SAMPLE_TIME_MIN: num,
    WILL_QOS: num,
    WILL_TOPIC: str,
    WILL_MESSAGE: str,
    WILL_RETAIN: z.boolean(),
    BIRTH_TOPIC: str,
    BIRTH_MESSAGE: str,
    BIRTH_RETAIN: z.boolean(),
    NET_MDNSNAME: str,
    NET_HOSTNAME: str,
    UDP_LOG_PORT: num,
    UDP_LOG_PC_IP_BYTES: str,
    NTP_SERVER: str,
    TZ_INFO: str,
    MY_OTA_NAME: str,
    NET_LOCAL_IP_BYTES: str,
    NET_GATEWAY_BYTES: str,
    NET_MASK_BYTES: str,
    NET_DNS_BYTES: str,
    NET_MAC: str,
    AUTH_DATA: str,
    class_kW: z.array(num).max(8),
    exceed_money_per_kWh: z.array(num).max(8)
  })
  .partial()
  .strict()

const definesInputSchema = z
  .object({
    OTA: z.boolean(),
    MQTTPASSWORD: z.boolean(),
    MQTT_WILL_BIRTH: z.boolean(),
    STATIC: z.boolean(),
    ETHERNET: z.boolean(),
    GET_NTP_TIME: z.boolean(),
    PUBLISH_COOKED: z.boolean(),
    HOMEASSISTANT: z.boolean(),
    OLD_HARDWARE: z.boolean()
  })
  .partial()
  .strict()

const secretValue = z.union([text(200), z.null()])
/** The secret settings (BOARD_SECRET_KEYS of src/shared/board.ts). */
const secretsInputSchema = z
  .object({ MY_WIFI_PASSWORD: secretValue, KEY_SMARTY: secretValue, MY_MQTT_PASS: secretValue, MY_OTA_PASS_HASH: secretValue } satisfies Record<
    (typeof BOARD_SECRET_KEYS)[number],
    typeof secretValue
  >)
  .partial()
  .strict()

/**
 * A profile to save or validate. Secrets: a string sets it, null clears it, absent keeps the
 * stored one (so the renderer never needs the stored value).
 */
export const profileInputSchema = z
  .object({
    id: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be letters, digits, _ or -' })
      .optional(),
    /** Profile name, e.g. "Weber, Rue des Prés 4". */
    name: text(120),
    customer: text(200).optional(),
    /** Meter id (0-0:42.0.0) this board reads. */
    meterId: text(64).optional(),
    notes: text(4000).optional(),
    board: z.enum(['esp8266', 'esp32']).optional(),
    defines: definesInputSchema.optional(),
    settings: settingsInputSchema.optional(),
    secrets: secretsInputSchema.optional(),
    /**
     * A new profile (no id) starts from this profile's settings, switches and board — never its
     * name, customer, meter or secrets; absent: from the sketch's neutral defaults (blank broker,
     * user, UDP log address, network addresses and MAC).
     */
    copyFrom: profileId.optional()
  })
  .strict()
export type BoardProfileInput = z.input<typeof profileInputSchema>

/** Does a broker URL name a host ("mqtt://:1883" and "mqtt:///x" do not)? */
function hasBrokerHost(url: string): boolean {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '') !== ''
  } catch {
    return false
  }
}

/** MQTT connection and what to expect; missing values come from the profile when `profileId` is given. */
export const mqttVerifySchema = z
  .object({
    profileId: profileId.optional(),
    /** MQTT.js URL: mqtt://, mqtts://, ws://, wss://. */
    url: z
      .string()
      .max(500)
      .regex(/^(mqtts?|wss?):\/\/[^\s]+$/, { message: 'must be a broker URL such as mqtt://192.168.1.5:1883' })
      .refine(hasBrokerHost, { message: 'names no broker: give one such as mqtt://192.168.1.5:1883' })
      .optional(),
    username: text(200).optional(),
    password: text(200).optional(),
    /** Check the broker's TLS certificate (default true). */
    rejectUnauthorized: z.boolean().optional(),
    /** PEM CA certificate for TLS (self-signed brokers). */
    ca: text(20_000).optional(),
    /** Base topic (MQTT_TOPIC_OUT); the verifier subscribes to TOPIC and TOPIC/#. */
    topic: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^+#]+$/, { message: 'must not contain + or #' })
      .optional(),
    /** Expected publish interval, s (absent: the detected firmware's default). */
    intervalS: z.number().min(0.1).max(86_400).optional(),
    /** Allowed lateness, s (default 10 s + 20 % of the interval). */
    toleranceS: z.number().min(0).max(3600).optional(),
    /** Longest listening time, s (default 3 intervals + tolerance + 5 s; it stops after 3 publications). */
    durationS: z.number().min(0.5).max(7200).optional(),
    mode: z.enum(['auto', 'fields', 'cooked']).optional(),
    /** The firmware the board should run ('auto' or absent: detect it; a profile gives its own). */
    firmware: z.enum([...FIRMWARE_GENERATIONS, 'auto']).optional()
  })
  .strict()
  .default({})
export type MqttVerifyRequest = z.input<typeof mqttVerifySchema>
/** What the firmware publishes: one topic per field, the cooked JSON, or detect. */
export type MqttPublishMode = NonNullable<z.output<typeof mqttVerifySchema>['mode']>

/** A board's MQTT data at one publication (the 'boardSnapshot' event): values mapped back to OBIS codes. */
export interface BoardSnapshot {
  /** Base topic of the board. */
  topic: string
  /** The firmware recognised from what it publishes, null until known. */
  generation: FirmwareGeneration | null
  objects: BoardObject[]
  /** Receive time of the publication's last message, ms since the epoch. */
  receivedAt: number
}

export const BOARD = namespace({
  /** Chip, MAC and flash size from the ROM bootloader. */
  boardInfo: boardMethod(z.object({ path: pathText, reset: reset.optional() }).strict(), 'board info request', result<BoardChipInfo>()),
  /** Flash images (checked against the chip first), verify by MD5, reset into the firmware. */
  boardFlash: boardMethod(boardFlashSchema, 'flash request', result<BoardFlashResult>()),
  /** Open the board's serial debug output (lines as 'board' log events). */
  boardMonitorStart: boardMethod(
    z.object({ path: pathText, baudRate: int(300, 3_000_000).optional() }).strict(),
    'monitor request',
    result<BoardMonitorState>()
  ),
  boardMonitorStop: boardMethod(noParams, 'request', result<BoardMonitorState>()),
  /**
   * Listen for the firmware's UDP log: on `host` if given; else towards the board — the
   * profile's UDP_LOG_PC_IP when it is this computer's, else this computer's address towards
   * `boardIp` (or the profile's static IP) —, else loopback only. Port: `port`, else the
   * profile's UDP_LOG_PORT, else 6666. The state reports the address bound and why.
   */
  udpLogStart: boardMethod(
    z
      .object({
        port: int(1, 65535).optional(),
        host: text(64, 1).optional(),
        profileId: profileId.optional(),
        boardIp: z
          .string()
          .max(15)
          .regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, { message: 'must be the IPv4 address of the board' })
          .optional()
      })
      .strict()
      .default({}),
    'UDP log request',
    result<BoardMonitorState>()
  ),
  udpLogStop: boardMethod(noParams, 'request', result<BoardMonitorState>()),
  /** Listener states and the last 500 log lines. */
  boardState: boardMethod(noParams, 'request', result<{ state: BoardMonitorState; log: BoardLogLine[] }>()),
  boardProfiles: boardMethod(noParams, 'request', result<BoardProfileView[]>()),
  /** Check a profile without saving: per-field messages and the sketch switches it needs. */
  boardValidateProfile: boardMethod(profileInputSchema, 'profile', result<BoardValidation>()),
  /** Save (create or update). */
  boardSaveProfile: boardMethod(profileInputSchema, 'profile', result<BoardProfileView>()),
  boardDeleteProfile: boardMethod(z.object({ id: profileId }).strict(), 'profile id', result<void>()),
  /** The profile as JSON without any secret, for sharing. */
  boardExportProfile: boardMethod(z.object({ id: profileId }).strict(), 'profile id', result<{ fileName: string; json: string }>()),
  /** Import an exported profile (secrets stay empty). */
  boardImportProfile: boardMethod(z.object({ json: text(200_000) }).strict(), 'import', result<BoardProfileView>()),
  /** config.h (v1.6 or v1.7 layout) or ESPHome YAML, secrets masked, with the key check. */
  boardConfigText: boardMethod(z.object({ id: profileId, format, layout: layout.optional() }).strict(), 'configuration request', result<BoardConfigOutput>()),
  /**
   * "Copy": the configuration as it compiles — config.h with the real secrets, ESPHome YAML with
   * them inline — for the desktop window and a browser holding the serve token, only with
   * `confirm: true` (the renderer shows that the text holds secrets). A key that does not fit
   * the open meter is refused unless `force`.
   */
  boardConfigSecretText: boardMethod(
    z.object({ id: profileId, format, layout: layout.optional(), confirm: z.literal(true), force: z.boolean().optional() }).strict(),
    'configuration request',
    result<BoardConfigOutput>()
  ),
  /** Write the file with its secrets into the profiles folder (inside the data folder). */
  boardSaveConfig: boardMethod(
    z.object({ id: profileId, format, layout: layout.optional(), force: z.boolean().optional() }).strict(),
    'configuration request',
    result<{ path: string; keyCheck: BoardKeyCheck }>()
  ),
  /** Improv Wi-Fi serial: device info, send the credentials (the profile's when profileId is given), state and URL. */
  improvProvision: boardMethod(
    z
      .object({
        path: pathText,
        ssid: text(32).optional(),
        password: text(63).optional(),
        profileId: profileId.optional(),
        baudRate: int(300, 3_000_000).optional(),
        timeoutS: z.number().min(1).max(300).optional()
      })
      .strict(),
    'Improv request',
    result<ImprovResult>()
  ),
  /** Verify a board's MQTT output; progress as 'board' events of kind 'verify'. */
  mqttVerify: boardMethod(mqttVerifySchema, 'MQTT request', result<MqttVerifyReport>()),
  mqttVerifyCancel: boardMethod(noParams, 'request', result<void>()),
  /** Show a board's MQTT data live ('boardSnapshot' events). */
  mqttSourceOpen: boardMethod(mqttVerifySchema, 'MQTT request', result<BoardMonitorState>()),
  mqttSourceClose: boardMethod(noParams, 'request', result<BoardMonitorState>())
})

/** Names of the board methods. */
export const BOARD_METHODS = methodNames(BOARD)
export type BoardMethod = keyof typeof BOARD.methods
/** The board methods as the renderer calls them. */
export type BoardApi = ApiOf<typeof BOARD.methods>
