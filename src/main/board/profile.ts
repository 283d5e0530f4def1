/**
 * Board profiles: a board's settings as the SmartyReader v1.7 sketch names them (config.h),
 * the sketch's `#define` switches, the firmware the board runs (`settings.firmware`: SmartyReader
 * v1.5, v1.6, v1.7 or ESPHome dsmr), and the profile's own fields (name, customer, meter).
 * Defaults are the v1.7 sketch's own values (Arduino/SmartyReader_P1_WiFi_Ethernet/SmartyReader_v1_7/
 * config.h and SmartyReader_v1_7.ino of github.com/weigu1/SmartyReader); v1.6 takes the same
 * names (SmartyReader_v1_6.ino, config.h) without the will/birth settings and the power classes.
 *
 * Validation gives one plain sentence per field, including the limits the sketch imposes
 * without saying so: the MQTT port is a `short` (≤ 32767), the mean/min/max window is
 * counted in a `byte` loop over SAMPLE_TIME_MIN × 6 samples (≤ 42 min), power classes are
 * bytes, PUBLISH_TIME below 10 s makes no sense (the meter sends every 10 s).
 *
 * The shape of a profile input from a transport is the contract's (src/shared/contract/board.ts).
 */
import { z } from 'zod'
import {
  BOARD_SECRET_KEYS,
  FIRMWARE_GENERATIONS,
  FIRMWARE_LABELS,
  maskKey,
  type ConfigHLayout,
  type FirmwareGeneration,
  type BoardDefines,
  type BoardFamily,
  type BoardFieldError,
  type BoardProfileInput,
  type BoardProfileView,
  type BoardSecrets,
  type BoardSettings,
  type BoardValidation
} from '../../shared/board'

/** A full profile as the main side keeps it (secrets in clear, in memory only). */
export interface BoardProfile {
  id: string
  name: string
  customer: string
  meterId: string
  notes: string
  board: BoardFamily
  defines: BoardDefines
  settings: BoardSettings
  secrets: BoardSecrets
  /** ISO 8601. */
  updatedAt: string
}

/** The sketch's `#define` defaults: GET_NTP_TIME and PUBLISH_COOKED on, the rest off. */
export const DEFAULT_DEFINES: BoardDefines = {
  OTA: false,
  MQTTPASSWORD: false,
  MQTT_WILL_BIRTH: false,
  STATIC: false,
  ETHERNET: false,
  GET_NTP_TIME: true,
  PUBLISH_COOKED: true,
  HOMEASSISTANT: false,
  OLD_HARDWARE: false
}

/** The `#define` defaults of a firmware's sketch: v1.6 ships with PUBLISH_COOKED commented out (SmartyReader_v1_6.ino), v1.7 with it on. */
export function defaultDefines(firmware: FirmwareGeneration): BoardDefines {
  return firmware === 'smartyreader-v1.6' ? { ...DEFAULT_DEFINES, PUBLISH_COOKED: false } : DEFAULT_DEFINES
}

/** config.h defaults of the v1.7 sketch (its placeholders for SSID, server and addresses). */
export const DEFAULT_SETTINGS: BoardSettings = {
  firmware: 'smartyreader-v1.7',
  MY_WIFI_SSID: 'your_ssid',
  MQTT_SERVER: '192.168.178.222',
  MY_MQTT_PORT: 1883,
  MY_MQTT_USER: 'me',
  MQTT_CLIENT_ID: 'SmartyReader_LAM_1',
  MQTT_TOPIC_OUT: 'lamsmarty',
  MQTT_MAXIMUM_PACKET_SIZE: 2560,
  PUBLISH_TIME: 60000,
  SAMPLE_TIME_MIN: 15,
  WILL_QOS: 1,
  WILL_TOPIC: 'mywill/lastwill/onlinestatus',
  WILL_MESSAGE: '0',
  WILL_RETAIN: false,
  BIRTH_TOPIC: 'mywill/lastwill/onlinestatus',
  BIRTH_MESSAGE: '1',
  BIRTH_RETAIN: false,
  NET_MDNSNAME: 'smartyReader',
  NET_HOSTNAME: 'smartyReader',
  UDP_LOG_PORT: 6666,
  UDP_LOG_PC_IP_BYTES: '192.168.128.70',
  NTP_SERVER: 'lu.pool.ntp.org',
  TZ_INFO: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
  MY_OTA_NAME: 'SmartyReader',
  NET_LOCAL_IP_BYTES: '192.168.178.155',
  NET_GATEWAY_BYTES: '192.168.178.1',
  NET_MASK_BYTES: '255.255.255.0',
  NET_DNS_BYTES: '8.8.8.8',
  NET_MAC: 'DE:AD:BE:EF:FE:01',
  AUTH_DATA: '3000112233445566778899AABBCCDDEEFF',
  class_kW: [3, 7, 12],
  exceed_money_per_kWh: [0.1139, 0.1139, 0.1139]
}

export const EMPTY_SECRETS: BoardSecrets = { MY_WIFI_PASSWORD: '', KEY_SMARTY: '', MY_MQTT_PASS: '', MY_OTA_PASS_HASH: '' }

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
// characters a C string literal in config.h can hold as written (quotes and backslashes are escaped)
const cText = (s: string): boolean => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)

/** A dotted-quad IPv4 address. */
export const isIpv4 = (s: string): boolean => IPV4.test(s)

/** A contiguous IPv4 netmask such as 255.255.255.0. */
export function isNetmask(s: string): boolean {
  if (!IPV4.test(s)) return false
  const n = s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0
  const inv = ~n >>> 0
  return n !== 0 && (inv & (inv + 1)) === 0
}

const text = (max: number, what: string) =>
  z
    .string()
    .max(max, { message: `${what} is too long (at most ${max} characters)` })
    .refine(cText, { message: `${what} must not contain line breaks or control characters` })
const ipv4 = z.string().regex(IPV4, { message: 'must be an IPv4 address such as 192.168.1.10' })
const int = (min: number, max: number, what: string) =>
  z
    .number({ message: `${what} must be a number` })
    .int({ message: `${what} must be a whole number` })
    .min(min, { message: `${what} must be at least ${min}` })
    .max(max, { message: `${what} must be at most ${max}` })
const topic = (what: string) =>
  text(200, what)
    .min(1, { message: `${what} must not be empty` })
    .refine((t) => !/[+#]/.test(t), { message: `${what} must not contain the MQTT wildcards + or #` })
    .refine((t) => !t.startsWith('/') && !t.endsWith('/'), { message: `${what} must not start or end with /` })

/** Per-field rules of {@link BoardSettings}. */
export const settingsSchema = z.object({
  firmware: z.enum(FIRMWARE_GENERATIONS, { message: `must be one of ${FIRMWARE_GENERATIONS.join(', ')}` }).optional(),
  MY_WIFI_SSID: text(32, 'The Wi-Fi SSID').refine((s) => Buffer.byteLength(s) <= 32, { message: 'The Wi-Fi SSID is at most 32 bytes' }),
  MQTT_SERVER: z.string().refine((s) => IPV4.test(s) || HOST.test(s), { message: 'must be an IPv4 address or a host name (letters, digits, dots, hyphens)' }),
  MY_MQTT_PORT: int(1, 32767, 'The MQTT port').describe('the sketch keeps it in a short'),
  MY_MQTT_USER: text(64, 'The MQTT user'),
  MQTT_CLIENT_ID: text(64, 'The client id')
    .min(1, { message: 'The client id must not be empty (it must be unique per board)' })
    .regex(/^[^\s"\\]+$/, { message: 'The client id must not contain spaces, quotes or backslashes' }),
  MQTT_TOPIC_OUT: topic('The topic'),
  MQTT_MAXIMUM_PACKET_SIZE: int(256, 16384, 'The MQTT packet size'),
  PUBLISH_TIME: int(10000, 86_400_000, 'The publish interval (ms)'),
  SAMPLE_TIME_MIN: int(1, 42, 'The sample time (minutes)'),
  WILL_QOS: int(0, 2, 'The will QoS'),
  WILL_TOPIC: topic('The will topic'),
  WILL_MESSAGE: text(64, 'The will message'),
  WILL_RETAIN: z.boolean(),
  BIRTH_TOPIC: topic('The birth topic'),
  BIRTH_MESSAGE: text(64, 'The birth message'),
  BIRTH_RETAIN: z.boolean(),
  NET_MDNSNAME: z.string().regex(LABEL, { message: 'must be a single name of letters, digits and hyphens (no dots), up to 63 characters' }),
  NET_HOSTNAME: z.string().regex(LABEL, { message: 'must be a single name of letters, digits and hyphens (no dots), up to 63 characters' }),
  UDP_LOG_PORT: int(1, 65535, 'The UDP log port'),
  UDP_LOG_PC_IP_BYTES: ipv4,
  NTP_SERVER: z.string().refine((s) => IPV4.test(s) || HOST.test(s), { message: 'must be an IPv4 address or a host name' }),
  TZ_INFO: z
    .string()
    .min(3, { message: 'must be a POSIX time zone such as CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00' })
    .max(64)
    .regex(/^[A-Za-z<>+\-0-9:,./]+$/, { message: 'must be a POSIX time zone such as CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00' }),
  MY_OTA_NAME: z.string().regex(LABEL, { message: 'must be letters, digits and hyphens, up to 63 characters' }),
  NET_LOCAL_IP_BYTES: ipv4,
  NET_GATEWAY_BYTES: ipv4,
  NET_MASK_BYTES: z.string().refine(isNetmask, { message: 'must be a netmask such as 255.255.255.0' }),
  NET_DNS_BYTES: ipv4,
  NET_MAC: z.string().regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, { message: 'must be six hex bytes such as DE:AD:BE:EF:FE:01' }),
  AUTH_DATA: z.string().regex(/^[0-9A-Fa-f]{34}$/, { message: 'must be 34 hex digits (17 bytes: 30 followed by the authentication key)' }),
  class_kW: z.array(int(1, 255, 'A power class (kW)')).length(3, { message: 'must be three power classes (kW)' }),
  exceed_money_per_kWh: z
    .array(
      z
        .number({ message: 'A price must be a number' })
        .min(0, { message: 'A price must not be negative' })
        .max(100, { message: 'A price above 100 per kWh is surely a typo' })
    )
    .length(3, { message: 'must be three prices (one per power class)' })
})

/** Per-field rules of {@link BoardSecrets} ('' = not set). */
export const secretsSchema = z.object({
  MY_WIFI_PASSWORD: z
    .string()
    .refine(cText, { message: 'The Wi-Fi password must not contain control characters' })
    .refine((s) => s === '' || (s.length >= 8 && s.length <= 63), {
      message: 'The Wi-Fi password must have 8 to 63 characters (WPA2), or be empty for an open network'
    }),
  KEY_SMARTY: z
    .string()
    .refine((s) => s === '' || /^[0-9A-Fa-f]{32}$/.test(s), { message: 'The P1 key must be 32 hex digits (16 bytes), as the network operator gives it' }),
  MY_MQTT_PASS: text(64, 'The MQTT password'),
  MY_OTA_PASS_HASH: z
    .string()
    .refine((s) => s === '' || /^[0-9A-Fa-f]{32}$/.test(s), { message: "The OTA password hash must be the 32 hex digits of the password's MD5" })
})

/**
 * Merge an input over a stored profile (or the defaults): settings and defines field by
 * field, secrets: string sets, null clears, absent keeps.
 */
export function mergeProfile(input: BoardProfileInput, stored: BoardProfile | null, id: string): BoardProfile {
  const firmware = input.settings?.firmware
  const base = stored ?? {
    id,
    name: '',
    customer: '',
    meterId: '',
    notes: '',
    board: 'esp8266' as BoardFamily,
    defines: defaultDefines(
      typeof firmware === 'string' && (FIRMWARE_GENERATIONS as readonly string[]).includes(firmware) ? (firmware as FirmwareGeneration) : 'smartyreader-v1.7'
    ),
    settings: DEFAULT_SETTINGS,
    secrets: EMPTY_SECRETS,
    updatedAt: ''
  }
  const secrets: BoardSecrets = { ...base.secrets }
  for (const k of BOARD_SECRET_KEYS) {
    const v = input.secrets?.[k]
    if (v === null) secrets[k] = ''
    else if (typeof v === 'string') secrets[k] = k === 'KEY_SMARTY' || k === 'MY_OTA_PASS_HASH' ? v.replace(/\s+/g, '').toUpperCase() : v
  }
  const settings = { ...base.settings } as BoardSettings
  for (const [k, v] of Object.entries(input.settings ?? {})) {
    if (k in DEFAULT_SETTINGS && v !== undefined) (settings as unknown as Record<string, unknown>)[k] = v
  }
  return {
    id,
    name: input.name.trim(),
    customer: (input.customer ?? base.customer).trim(),
    meterId: (input.meterId ?? base.meterId).trim(),
    notes: input.notes ?? base.notes,
    board: input.board ?? base.board,
    defines: { ...base.defines, ...input.defines },
    settings,
    secrets,
    updatedAt: new Date().toISOString()
  }
}

/**
 * Malformed values only (what a draft may not contain): every field's format, and a name.
 * Empty required values (key, SSID…) are not errors here: see {@link validateProfile}.
 */
export function formatErrors(p: BoardProfile): BoardFieldError[] {
  const errors: BoardFieldError[] = []
  const add = (field: string, message: string): void => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message })
  }
  if (!p.name) add('name', 'Give the profile a name (e.g. the customer and address).')
  const s = settingsSchema.safeParse(p.settings)
  if (!s.success) for (const i of s.error.issues) add(String(i.path[0] ?? 'settings'), sentence(i.message, String(i.path[0] ?? '')))
  const x = secretsSchema.safeParse(p.secrets)
  if (!x.success) for (const i of x.error.issues) add(String(i.path[0] ?? 'secrets'), sentence(i.message, String(i.path[0] ?? '')))
  if (p.meterId && !/^[A-Za-z0-9]{4,32}$/.test(p.meterId)) add('meterId', 'The meter id is letters and digits, e.g. SAG1030700089067.')
  return errors
}

/**
 * Check every field; cross-field rules follow the sketch's switches (MQTTPASSWORD needs a
 * user and password, OTA a password hash, STATIC consistent addresses, Wi-Fi an SSID unless
 * ETHERNET). `notes` say which `#define` lines to change in SmartyReader_v1_7.ino.
 * Pure; never throws.
 */
export function validateProfile(p: BoardProfile): BoardValidation {
  const errors = formatErrors(p)
  const add = (field: string, message: string): void => {
    if (!errors.some((e) => e.field === field)) errors.push({ field, message })
  }
  const d = p.defines
  if (!d.ETHERNET && p.settings.MY_WIFI_SSID.trim() === '') add('MY_WIFI_SSID', 'The Wi-Fi SSID is empty.')
  if (p.secrets.KEY_SMARTY === '') add('KEY_SMARTY', 'The P1 key is missing: ask the network operator (Creos, Sudstroum…) for the 32 hex digits of this meter.')
  if (d.MQTTPASSWORD && (p.settings.MY_MQTT_USER === '' || p.secrets.MY_MQTT_PASS === ''))
    add(p.settings.MY_MQTT_USER === '' ? 'MY_MQTT_USER' : 'MY_MQTT_PASS', 'MQTT with password (MQTTPASSWORD) needs a user and a password.')
  if (d.OTA && p.secrets.MY_OTA_PASS_HASH === '') add('MY_OTA_PASS_HASH', 'OTA needs the MD5 hash of the OTA password.')
  if (d.STATIC && isIpv4(p.settings.NET_LOCAL_IP_BYTES) && isIpv4(p.settings.NET_GATEWAY_BYTES) && isNetmask(p.settings.NET_MASK_BYTES)) {
    const n = (ip: string): number => ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0
    const mask = n(p.settings.NET_MASK_BYTES)
    if ((n(p.settings.NET_LOCAL_IP_BYTES) & mask) !== (n(p.settings.NET_GATEWAY_BYTES) & mask))
      add('NET_GATEWAY_BYTES', 'The gateway is not in the same network as the static IP (check the netmask).')
    if (p.settings.NET_LOCAL_IP_BYTES === p.settings.NET_GATEWAY_BYTES) add('NET_LOCAL_IP_BYTES', "The static IP must not be the gateway's.")
  }
  return { ok: errors.length === 0, errors, notes: sketchNotes(p) }
}

function sentence(msg: string, field: string): string {
  const m = /^(must|is|should)\b/.test(msg) ? `${field} ${msg}` : msg
  return /[.!?]$/.test(m) ? m : `${m}.`
}

/** The firmware a profile names (smartyreader-v1.7 when unset). */
export function profileFirmware(p: BoardProfile): FirmwareGeneration {
  return p.settings.firmware ?? 'smartyreader-v1.7'
}

/** The config.h layout for a profile: v1.6 for a v1.6 board, else v1.7 (v1.5 has no config.h; ESPHome uses YAML). */
export function configLayout(p: BoardProfile): ConfigHLayout {
  return profileFirmware(p) === 'smartyreader-v1.6' ? 'v1.6' : 'v1.7'
}

/**
 * What to change in the sketch for this profile (its `#define` switches): SmartyReader_v1_7.ino
 * (defaults GET_NTP_TIME and PUBLISH_COOKED on), SmartyReader_v1_6.ino (GET_NTP_TIME on,
 * PUBLISH_COOKED off; no MQTT_WILL_BIRTH, HOMEASSISTANT or power classes), SmartyReader_v1_5.ino
 * (settings in the sketch itself, no config.h); nothing for ESPHome (the YAML says it all).
 */
export function sketchNotes(p: BoardProfile): string[] {
  const d = p.defines
  const fw = profileFirmware(p)
  const out: string[] = []
  if (fw === 'esphome-dsmr') return out
  if (fw === 'smartyreader-v1.5') {
    out.push(
      'SmartyReader v1.5 keeps its settings in SmartyReader_v1_5.ino itself (WIFI_SSID, KEY_SMARTY, MQTT_SERVER, MQTT_TOPIC, PUBLISH_TIME): copy them there, or flash v1.7 and use this config.h.'
    )
    return out
  }
  const ino = fw === 'smartyreader-v1.6' ? 'SmartyReader_v1_6.ino' : 'SmartyReader_v1_7.ino'
  const cookedDefault = fw !== 'smartyreader-v1.6'
  const want = (name: keyof BoardDefines, on: boolean, why: string): void => {
    out.push(`${on ? 'Uncomment' : 'Comment out'} "#define ${name}" in ${ino} (${why}).`)
  }
  for (const [k, why] of [
    ['OTA', 'over-the-air updates'],
    ['MQTTPASSWORD', 'MQTT user and password'],
    ['MQTT_WILL_BIRTH', 'last will and birth message'],
    ['STATIC', 'static IP address'],
    ['ETHERNET', 'Ethernet instead of Wi-Fi'],
    ['HOMEASSISTANT', 'Home Assistant discovery'],
    ['OLD_HARDWARE', 'board before v2.0']
  ] as const) {
    if (!d[k]) continue
    if (fw === 'smartyreader-v1.6' && (k === 'MQTT_WILL_BIRTH' || k === 'HOMEASSISTANT')) out.push(`SmartyReader v1.6 has no ${k}: ${why} needs v1.7.`)
    else want(k, true, why)
  }
  if (!d.GET_NTP_TIME) want('GET_NTP_TIME', false, 'no NTP time')
  if (d.PUBLISH_COOKED !== cookedDefault)
    want(
      'PUBLISH_COOKED',
      d.PUBLISH_COOKED,
      d.PUBLISH_COOKED ? 'one JSON object of calculated values instead of one topic per field' : 'one MQTT topic per field instead of the JSON object'
    )
  if (fw === 'smartyreader-v1.6')
    out.push('Keep "#define USE_SECRETS" commented out in SmartyReader_v1_6.ino, or the sketch reads secrets.h instead of this config.h.')
  if (!d.MQTTPASSWORD && p.secrets.MY_MQTT_PASS !== '') out.push('An MQTT password is set but MQTTPASSWORD is off: the sketch will connect without it.')
  return out
}

/** "SmartyReader v1.6" etc. for messages. */
export const firmwareLabel = (p: BoardProfile): string => FIRMWARE_LABELS[profileFirmware(p)]

/** The renderer's view: secrets masked (P1 key "••••…4188", passwords "••••••"). */
export function profileView(p: BoardProfile): BoardProfileView {
  const secrets = {} as BoardProfileView['secrets']
  for (const k of BOARD_SECRET_KEYS) {
    const v = p.secrets[k]
    secrets[k] = { set: v !== '', masked: v === '' ? null : k === 'KEY_SMARTY' ? maskKey(v) : '••••••' }
  }
  return {
    id: p.id,
    name: p.name,
    customer: p.customer,
    meterId: p.meterId,
    notes: p.notes,
    board: p.board,
    defines: { ...p.defines },
    settings: structuredClone(p.settings),
    secrets,
    updatedAt: p.updatedAt
  }
}
