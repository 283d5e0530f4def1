/**
 * The rules of a board profile, each error with a stable code, its params and an English
 * sentence (issue 16: the renderer words the code; docs/board.md lists them). Pure; never throws.
 *
 * - {@link formatErrors}: malformed values (what a draft may not contain), one per field, every field;
 * - {@link validateProfile}: those plus what a configuration needs, following the sketch's
 *   switches (SmartyReader_v1_7.ino: MQTTPASSWORD, OTA, STATIC, ETHERNET), and the sketch notes.
 *
 * The limits the sketch imposes without saying so: the MQTT port is a `short` (≤ 32767), the
 * mean/min/max window is counted in a `byte` loop over SAMPLE_TIME_MIN × 6 samples (≤ 42 min),
 * power classes are bytes, PUBLISH_TIME below 10 s makes no sense (the meter sends every 10 s).
 * A host name's last label is never all digits (RFC 3696 §2), so "192.168.1.300" is a bad
 * IPv4 address, not a host. The meter id is the meter's logical device name (0-0:42.0.0,
 * Luxmetering E-Meter P1 specification v1.1.3 Table 3.1: S32 = 16 bytes as hex in the telegram),
 * e.g. SAG1030700114004: the manufacturer's 3-letter FLAG id and 13 more characters.
 */
import {
  BOARD_SECRET_KEYS,
  FIRMWARE_GENERATIONS,
  type BoardDefines,
  type BoardFieldError,
  type BoardParams,
  type BoardSettings,
  type BoardValidation
} from '../../shared/board'
import type { BoardProfile } from './profile'
import { SECRET_WORDS, isStoreToken } from './secret-guard'
import { sketchNotes } from './sketch-notes'

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const METER_ID = /^[A-Z]{3}[0-9A-Z]{13}$/
/** A Smarty's meter id, as the examples name it. */
export const METER_ID_EXAMPLE = 'SAG1030700114004'

/** A dotted-quad IPv4 address, each number 0–255. */
export const isIpv4 = (s: string): boolean => IPV4.test(s)

/** A host name (letters, digits, hyphens, dots; the last label not all digits) or an IPv4 address. */
export const isHostOrIpv4 = (s: string): boolean => IPV4.test(s) || (HOST.test(s) && !/^\d+$/.test(s.slice(s.lastIndexOf('.') + 1)))

/** A contiguous IPv4 netmask such as 255.255.255.0. */
export function isNetmask(s: string): boolean {
  if (!IPV4.test(s)) return false
  const n = ipNumber(s)
  const inv = ~n >>> 0
  return n !== 0 && (inv & (inv + 1)) === 0
}

const ipNumber = (ip: string): number => ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0

/** One problem of a field. */
type Issue = { code: string; params: BoardParams; message: string } | null
type Rule = (v: unknown) => Issue

const issue = (code: string, message: string, params: BoardParams = {}): Issue => ({ code, params, message })
// characters a C string literal in config.h can hold as written (quotes and backslashes are escaped)
const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)

const text =
  (max: number, what: string, extra?: (s: string) => Issue): Rule =>
  (v) => {
    if (typeof v !== 'string') return issue('not_text', `${what} must be text.`)
    if (v.length > max) return issue('too_long', `${what} is too long (at most ${max} characters).`, { max })
    if (hasControl(v)) return issue('control_characters', `${what} must not contain line breaks or control characters.`)
    return extra ? extra(v) : null
  }

const int =
  (min: number, max: number, what: string): Rule =>
  (v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return issue('not_number', `${what} must be a number.`)
    if (!Number.isInteger(v)) return issue('not_integer', `${what} must be a whole number.`)
    if (v < min) return issue('too_small', `${what} must be at least ${min}.`, { min })
    if (v > max) return issue('too_large', `${what} must be at most ${max}.`, { max })
    return null
  }

const topic = (what: string): Rule =>
  text(200, what, (t) => {
    if (t === '') return issue('empty', `${what} must not be empty.`)
    if (/[+#]/.test(t)) return issue('topic_wildcard', `${what} must not contain the MQTT wildcards + or #.`)
    if (t.startsWith('/') || t.endsWith('/')) return issue('topic_slash', `${what} must not start or end with /.`)
    return null
  })

/** An IPv4 address, blank allowed (what needs it says so in validateProfile). */
const ipv4 =
  (what: string): Rule =>
  (v) =>
    typeof v !== 'string'
      ? issue('not_text', `${what} must be text.`)
      : v === '' || IPV4.test(v)
        ? null
        : issue('not_ipv4', `${what} must be an IPv4 address such as 192.168.1.10 (four numbers 0–255).`, { example: '192.168.1.10' })

/** An IPv4 address or a host name, blank allowed. */
const host =
  (what: string): Rule =>
  (v) => {
    if (typeof v !== 'string') return issue('not_text', `${what} must be text.`)
    if (v === '' || isHostOrIpv4(v)) return null
    if (/^[\d.]+$/.test(v)) return issue('not_ipv4', `${what} "${v}" is not an IPv4 address: each of its four numbers is 0–255.`, { example: '192.168.1.10' })
    return issue('not_host', `${what} must be an IPv4 address or a host name (letters, digits, dots, hyphens).`)
  }

const label =
  (what: string): Rule =>
  (v) =>
    typeof v === 'string' && LABEL.test(v)
      ? null
      : issue('not_label', `${what} must be a single name of letters, digits and hyphens (no dots), up to 63 characters.`, { max: 63 })

const bool =
  (what: string): Rule =>
  (v) =>
    typeof v === 'boolean' ? null : issue('not_boolean', `${what} must be true or false.`)

const TZ = /^[A-Za-z<>+\-0-9:,./]{3,64}$/
const HEX32 = /^[0-9A-Fa-f]{32}$/

/** Per-field rules of {@link BoardSettings}. */
const SETTINGS: Record<keyof BoardSettings, Rule> = {
  firmware: (v) =>
    v === undefined || (FIRMWARE_GENERATIONS as readonly unknown[]).includes(v)
      ? null
      : issue('firmware_unknown', `The firmware must be one of ${FIRMWARE_GENERATIONS.join(', ')}.`, { allowed: FIRMWARE_GENERATIONS.join(', ') }),
  MY_WIFI_SSID: text(32, 'The Wi-Fi SSID', (s) =>
    Buffer.byteLength(s) > 32 ? issue('too_long_bytes', 'The Wi-Fi SSID is at most 32 bytes.', { max: 32 }) : null
  ),
  MQTT_SERVER: host('The broker'),
  MY_MQTT_PORT: int(1, 32767, 'The MQTT port'),
  MY_MQTT_USER: text(64, 'The MQTT user'),
  MQTT_CLIENT_ID: text(64, 'The client id', (s) =>
    s === ''
      ? issue('empty', 'The client id must not be empty (it must be unique per board).')
      : /^[^\s"\\]+$/.test(s)
        ? null
        : issue('client_id_characters', 'The client id must not contain spaces, quotes or backslashes.')
  ),
  MQTT_TOPIC_OUT: topic('The topic'),
  MQTT_MAXIMUM_PACKET_SIZE: int(256, 16384, 'The MQTT packet size'),
  PUBLISH_TIME: int(10000, 86_400_000, 'The publish interval (ms)'),
  SAMPLE_TIME_MIN: int(1, 42, 'The sample time (minutes)'),
  WILL_QOS: int(0, 2, 'The will QoS'),
  WILL_TOPIC: topic('The will topic'),
  WILL_MESSAGE: text(64, 'The will message'),
  WILL_RETAIN: bool('WILL_RETAIN'),
  BIRTH_TOPIC: topic('The birth topic'),
  BIRTH_MESSAGE: text(64, 'The birth message'),
  BIRTH_RETAIN: bool('BIRTH_RETAIN'),
  NET_MDNSNAME: label('The mDNS name'),
  NET_HOSTNAME: label('The host name'),
  UDP_LOG_PORT: int(1, 65535, 'The UDP log port'),
  UDP_LOG_PC_IP_BYTES: ipv4('The UDP log address'),
  NTP_SERVER: (v) => (v === '' ? issue('empty', 'The NTP server must not be empty.') : host('The NTP server')(v)),
  TZ_INFO: (v) =>
    typeof v === 'string' && TZ.test(v)
      ? null
      : issue('not_time_zone', 'The time zone must be a POSIX time zone such as CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00.', {
          example: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00'
        }),
  MY_OTA_NAME: label('The OTA name'),
  NET_LOCAL_IP_BYTES: ipv4('The static IP'),
  NET_GATEWAY_BYTES: ipv4('The gateway'),
  NET_MASK_BYTES: (v) =>
    typeof v === 'string' && (v === '' || isNetmask(v))
      ? null
      : issue('not_netmask', 'The netmask must be a netmask such as 255.255.255.0.', { example: '255.255.255.0' }),
  NET_DNS_BYTES: ipv4('The DNS server'),
  NET_MAC: (v) =>
    typeof v === 'string' && (v === '' || /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(v))
      ? null
      : issue('not_mac', 'The Ethernet MAC must be six hex bytes such as 02:00:00:AB:CD:EF.', { example: '02:00:00:AB:CD:EF' }),
  AUTH_DATA: (v) =>
    typeof v === 'string' && /^[0-9A-Fa-f]{34}$/.test(v)
      ? null
      : issue('not_auth_data', 'AUTH_DATA must be 34 hex digits (17 bytes: 30 followed by the authentication key).', { digits: 34 }),
  class_kW: (v) => {
    if (!Array.isArray(v) || v.length !== 3) return issue('classes_count', 'There must be three power classes (kW).', { count: 3 })
    for (const x of v) {
      const e = int(1, 255, 'A power class (kW)')(x)
      if (e) return e
    }
    return null
  },
  exceed_money_per_kWh: (v) => {
    if (!Array.isArray(v) || v.length !== 3) return issue('prices_count', 'There must be three prices (one per power class).', { count: 3 })
    for (const x of v) {
      if (typeof x !== 'number' || !Number.isFinite(x)) return issue('not_number', 'A price must be a number.')
      if (x < 0) return issue('price_negative', 'A price must not be negative.')
      if (x > 100) return issue('price_too_high', 'A price above 100 per kWh is surely a typo.', { max: 100 })
    }
    return null
  }
}

/** Per-field rules of the secrets ('' = not set). */
const SECRETS: Record<keyof BoardProfile['secrets'], Rule> = {
  MY_WIFI_PASSWORD: text(63, 'The Wi-Fi password', (s) =>
    s === '' || s.length >= 8
      ? null
      : issue('wifi_password_length', 'The Wi-Fi password must have 8 to 63 characters (WPA2), or be empty for an open network.', { min: 8, max: 63 })
  ),
  KEY_SMARTY: (v) =>
    v === '' || (typeof v === 'string' && HEX32.test(v))
      ? null
      : issue('p1_key_format', 'The P1 key must be 32 hex digits (16 bytes), as the network operator gives it.', { digits: 32 }),
  MY_MQTT_PASS: text(64, 'The MQTT password'),
  MY_OTA_PASS_HASH: (v) =>
    v === '' || (typeof v === 'string' && HEX32.test(v))
      ? null
      : issue('ota_hash_format', "The OTA password hash must be the 32 hex digits of the password's MD5.", { digits: 32 })
}

/** Collects one error per field (the first found wins). */
class Errors {
  readonly list: BoardFieldError[] = []
  add(field: string, i: Issue): void {
    if (i && !this.list.some((e) => e.field === field)) this.list.push({ field, code: i.code, params: { field, ...i.params }, message: i.message })
  }
}

function collectFormat(p: BoardProfile, out: Errors): void {
  if (!p.name) out.add('name', issue('name_missing', 'Give the profile a name (e.g. the customer and address).'))
  for (const [k, rule] of Object.entries(SETTINGS)) out.add(k, rule((p.settings as unknown as Record<string, unknown>)[k]))
  for (const k of BOARD_SECRET_KEYS) {
    const v = p.secrets[k]
    if (isStoreToken(v)) out.add(k, issue('secret_is_token', `${SECRET_WORDS[k]} is a stored reference, not the secret itself: enter it again.`))
    else out.add(k, SECRETS[k](v))
  }
  if (p.meterId && !METER_ID.test(p.meterId))
    out.add(
      'meterId',
      issue(
        'meter_id_format',
        `The meter id is the 16 characters of the meter's logical device name (0-0:42.0.0): 3 letters and 13 digits or letters, e.g. ${METER_ID_EXAMPLE}.`,
        { length: 16, example: METER_ID_EXAMPLE }
      )
    )
}

/**
 * Malformed values only (what a draft may not contain): every field's format, and a name —
 * every malformed field, one error each. Empty required values (key, SSID, broker…) and
 * unreadable stored secrets are not errors here: see {@link validateProfile}.
 */
export function formatErrors(p: BoardProfile): BoardFieldError[] {
  const out = new Errors()
  collectFormat(p, out)
  return out.list
}

/** Fields a switch of the sketch needs. */
const NEEDED_BY: [keyof BoardDefines, (keyof BoardSettings)[]][] = [
  ['STATIC', ['NET_LOCAL_IP_BYTES', 'NET_GATEWAY_BYTES', 'NET_MASK_BYTES', 'NET_DNS_BYTES']],
  ['ETHERNET', ['NET_MAC']]
]

/**
 * Check every field; a stored secret that cannot be read is an error on its field (its code:
 * one of SECRET_READ_CODES, params {field, keyFile}); cross-field rules follow the sketch's
 * switches (MQTTPASSWORD needs a user and password, OTA a password hash, STATIC consistent
 * addresses, ETHERNET a MAC, Wi-Fi an SSID unless ETHERNET). Every field's error is returned.
 * `notes`/`noteCodes` say what to change in the sketch (sketch-notes.ts). Pure; never throws.
 */
export function validateProfile(p: BoardProfile): BoardValidation {
  const out = new Errors()
  for (const k of BOARD_SECRET_KEYS) {
    const u = p.unreadableSecrets?.[k]
    if (u) out.add(k, issue(u.code, u.message, { keyFile: u.keyFile }))
  }
  collectFormat(p, out)
  const d = p.defines
  const s = p.settings
  if (!d.ETHERNET && s.MY_WIFI_SSID.trim() === '') out.add('MY_WIFI_SSID', issue('ssid_missing', 'The Wi-Fi SSID is empty.'))
  if (s.MQTT_SERVER.trim() === '')
    out.add('MQTT_SERVER', issue('broker_missing', 'The broker (MQTT_SERVER) is empty: give the IPv4 address or host name of the MQTT broker.'))
  if (p.secrets.KEY_SMARTY === '')
    out.add('KEY_SMARTY', issue('p1_key_missing', 'The P1 key is missing: ask the network operator (Creos, Sudstroum…) for the 32 hex digits of this meter.'))
  if (d.MQTTPASSWORD) {
    const needs = issue('mqtt_credentials_missing', 'MQTT with password (MQTTPASSWORD) needs a user and a password.', { define: 'MQTTPASSWORD' })
    if (s.MY_MQTT_USER === '') out.add('MY_MQTT_USER', needs)
    if (p.secrets.MY_MQTT_PASS === '') out.add('MY_MQTT_PASS', needs)
  }
  if (d.OTA && p.secrets.MY_OTA_PASS_HASH === '')
    out.add('MY_OTA_PASS_HASH', issue('ota_hash_missing', 'OTA needs the MD5 hash of the OTA password.', { define: 'OTA' }))
  for (const [define, fields] of NEEDED_BY) {
    if (!d[define]) continue
    for (const f of fields) if (s[f] === '') out.add(f, issue('required_for_define', `${f} is needed with ${define}.`, { define }))
  }
  if (d.STATIC && isIpv4(s.NET_LOCAL_IP_BYTES) && isIpv4(s.NET_GATEWAY_BYTES) && isNetmask(s.NET_MASK_BYTES)) {
    const mask = ipNumber(s.NET_MASK_BYTES)
    if ((ipNumber(s.NET_LOCAL_IP_BYTES) & mask) !== (ipNumber(s.NET_GATEWAY_BYTES) & mask))
      out.add('NET_GATEWAY_BYTES', issue('gateway_other_network', 'The gateway is not in the same network as the static IP (check the netmask).'))
    if (s.NET_LOCAL_IP_BYTES === s.NET_GATEWAY_BYTES) out.add('NET_LOCAL_IP_BYTES', issue('static_ip_is_gateway', "The static IP must not be the gateway's."))
  }
  const notes = sketchNotes(p)
  return { ok: out.list.length === 0, errors: out.list, notes: notes.map((n) => n.message), noteCodes: notes }
}
