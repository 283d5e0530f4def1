/**
 * `config.h` of the SmartyReader v1.6 and v1.7 sketches: writer (the sketch's own layout,
 * order, comments and publish tables, with the profile's values) and parser (any config.h in
 * either layout, hand-edited or not: comments, spacing, `const char*`/`const char *`, CRLF).
 *
 * Layout sources (github.com/weigu1/SmartyReader):
 * - v1.7: Arduino/SmartyReader_P1_WiFi_Ethernet/SmartyReader_v1_7/config.h (2025-05-28): power
 *   classes (`class_kW`, `exceed_money_per_kWh`), will and birth messages, `byte AUTH_DATA[]`,
 *   62 calculated values;
 * - v1.6: Arduino/SmartyReader_P1_WiFi/SmartyReader_v1_6/config.h (2022): none of those,
 *   `uint8_t AUTH_DATA[]`, 45 calculated values (rows 2 and 3 named `…_cumul_day_kWh`).
 * The struct `Dsmr_field` table (54 rows, the same in both) and the `calculated` table are the
 * firmware's (see firmware-fields.ts); their 'y'/'n' publish flags are written as the sketch ships them.
 *
 * Round trip: `parseConfigH(writeConfigH(p))` gives back `p.settings` (with `firmware` from the
 * layout) and `p.secrets`; v1.6 leaves out the v1.7-only settings. An address or MAC not set
 * ('') is written as zeros (the arrays must hold 4 and 6 bytes) and read back as not set.
 * A profile with a secret that cannot be read, or that holds a store token, is refused
 * (secret-guard.ts): config.h never carries anything but the secrets themselves.
 */
import type { BoardSecrets, BoardSettings, ConfigHLayout } from '../../shared/board'
import { CALCULATED_FIELDS, CALCULATED_FIELDS_V16, DSMR_FIELDS, V16_ONLY_CALCULATED, V17_ONLY_CALCULATED } from './firmware-fields'
import { configLayout, type BoardProfile } from './profile'
import { assertSecretsUsable } from './secret-guard'

/** A C string literal (quotes and backslashes escaped; the validator forbids control characters). */
function cstr(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

const hexBytes = (hex: string): string[] => (hex.match(/[0-9A-Fa-f]{2}/g) ?? []).map((b) => `0x${b.toUpperCase()}`)
/** An IPv4 address as the sketch's byte array ('' = not set: zeros). */
const ipBytes = (ip: string, sep = ', '): string => `{${(ip === '' ? '0.0.0.0' : ip).split('.').join(sep)}}`
const num = (n: number): string => (Number.isInteger(n) ? String(n) : String(n))

/** Options of {@link writeConfigH}. */
export interface ConfigHOptions {
  /** Replace secrets by masks (for display): the key bytes by "0x••" except the last two, passwords by "••••••". */
  maskSecrets?: boolean
  /** Layout (default: v1.6 for a profile whose firmware is SmartyReader v1.6, else v1.7). */
  layout?: ConfigHLayout
}

/** Settings only the v1.7 layout has. */
export const V17_ONLY_SETTINGS = [
  'class_kW',
  'exceed_money_per_kWh',
  'WILL_QOS',
  'WILL_TOPIC',
  'WILL_MESSAGE',
  'WILL_RETAIN',
  'BIRTH_TOPIC',
  'BIRTH_MESSAGE',
  'BIRTH_RETAIN'
] as const

/**
 * config.h for the SmartyReader v1.7 or v1.6 sketch.
 * @returns the file's text (LF line ends)
 * @throws SecretUnusableError (secret-guard.ts) when a secret cannot be read or is a store token
 */
export function writeConfigH(p: BoardProfile, opts: ConfigHOptions = {}): string {
  assertSecretsUsable(p)
  const v16 = (opts.layout ?? configLayout(p)) === 'v1.6'
  const s = p.settings
  const mask = opts.maskSecrets === true
  const sec = (v: string): string => (mask && v !== '' ? '••••••' : v)
  let key = hexBytes(p.secrets.KEY_SMARTY || '00'.repeat(16))
  if (mask && p.secrets.KEY_SMARTY) key = key.map((b, i) => (i < 14 ? '0x••' : b))
  const auth = hexBytes(s.AUTH_DATA)
  const mac = hexBytes(s.NET_MAC === '' ? '000000000000' : s.NET_MAC.replace(/[:-]/g, ''))
  const meter = p.meterId || 'SAGxxx'
  const dsmr = DSMR_FIELDS.map((f) => `  {${f.nr},"${f.name}", "${f.obis}", "${f.unit}","NA",'${f.type}','${f.publish}'},`).join('\n')
  const calc = (v16 ? CALCULATED_FIELDS_V16 : CALCULATED_FIELDS).map((f) => `  {${f.nr},"${f.name}",0.0,'${f.publish}'},`).join('\n')
  const classes = v16
    ? ''
    : `/****** Exceed classes and exceed money per kWh (can change over time) ******/
byte class_kW[] = {${s.class_kW.join(',')}};
const double exceed_money_per_kWh[] {${s.exceed_money_per_kWh.map(num).join(', ')}};

`
  const willBirth = v16
    ? ''
    : `// will
const int WILL_QOS = ${s.WILL_QOS};
const char* WILL_TOPIC = ${cstr(s.WILL_TOPIC)};
const char* WILL_MESSAGE = ${cstr(s.WILL_MESSAGE)};
const boolean WILL_RETAIN = ${s.WILL_RETAIN};
//birth
const char* BIRTH_TOPIC = ${cstr(s.BIRTH_TOPIC)};
const char* BIRTH_MESSAGE = ${cstr(s.BIRTH_MESSAGE)};
const boolean BIRTH_RETAIN = ${s.BIRTH_RETAIN};
`
  const authDecl = v16 ? 'uint8_t AUTH_DATA[] = {' : 'byte AUTH_DATA[] = {'
  const authPad = ' '.repeat(authDecl.length)
  return `/*!!!!!! Things you must change: !!!!!!*/

/****** WiFi SSID and PASSWORD ******/
const char *MY_WIFI_SSID = ${cstr(s.MY_WIFI_SSID)};
const char *MY_WIFI_PASSWORD = ${cstr(sec(p.secrets.MY_WIFI_PASSWORD))};

/****** SmartyReader Key ******/
// Key for ${meter} (16 byte!)
uint8_t KEY_SMARTY[] = {${key.slice(0, 8).join(', ')},
                        ${key.slice(8).join(', ')}};

/****** MQTT settings ******/
const char *MQTT_SERVER = ${cstr(s.MQTT_SERVER)};

/*+++++++ Things you can change: +++++++*/

${classes}/****** Publishes every in milliseconds ******/
const long PUBLISH_TIME = ${s.PUBLISH_TIME};
/****** Time used to calculate the mean, min and max values in minutes ******/
const int SAMPLE_TIME_MIN = ${s.SAMPLE_TIME_MIN};

/****** MQTT settings ******/
const int MQTT_MAXIMUM_PACKET_SIZE = ${s.MQTT_MAXIMUM_PACKET_SIZE}; // look in setup()
const char *MQTT_CLIENT_ID = ${cstr(s.MQTT_CLIENT_ID)}; // this must be unique!!!
String MQTT_TOPIC_OUT = ${cstr(s.MQTT_TOPIC_OUT)};
const short MY_MQTT_PORT = ${s.MY_MQTT_PORT}; // or 8883
// only if you use MQTTPASSWORD (uncomment //#define MQTTPASSWORD in ino file)
const char *MY_MQTT_USER = ${cstr(s.MY_MQTT_USER)};
const char *MY_MQTT_PASS = ${cstr(sec(p.secrets.MY_MQTT_PASS))};
${willBirth}
/****** WiFi and network settings ******/
const char *NET_MDNSNAME = ${cstr(s.NET_MDNSNAME)};      // optional (access with SmartyReaderLAM.local)
const char *NET_HOSTNAME = ${cstr(s.NET_HOSTNAME)};      // optional
const word UDP_LOG_PORT = ${s.UDP_LOG_PORT};                    // UDP logging settings if enabled in setup()
const byte UDP_LOG_PC_IP_BYTES[4] = ${ipBytes(s.UDP_LOG_PC_IP_BYTES)};
const char *NTP_SERVER = ${cstr(s.NTP_SERVER)}; // NTP settings
// your time zone (https://remotemonitoringsystems.ca/time-zone-abbreviations.php)
const char *TZ_INFO    = ${cstr(s.TZ_INFO)};

// only if you use OTA (uncomment //#define OTA in ino file)
const char *MY_OTA_NAME = ${cstr(s.MY_OTA_NAME)}; // optional (access with SmartyReader.local)
const char *MY_OTA_PASS_HASH = ${cstr(sec(p.secrets.MY_OTA_PASS_HASH))};  // hash for password

// only if you use a static address (uncomment //#define STATIC in ino file)
const byte NET_LOCAL_IP_BYTES[4] = ${ipBytes(s.NET_LOCAL_IP_BYTES)};
const byte NET_GATEWAY_BYTES[4] = ${ipBytes(s.NET_GATEWAY_BYTES)};
const byte NET_MASK_BYTES[4] = ${ipBytes(s.NET_MASK_BYTES, ',')};
const byte NET_DNS_BYTES[4] = ${ipBytes(s.NET_DNS_BYTES, ',')}; //  second dns (first = gateway), 8.8.8.8 = google

// only if you use ethernet (uncomment //#define ETHERNET in ino file)
byte NET_MAC[6] = {${mac.join(', ')}};  // for ethernet (e.g. Funduino board with W5100)

// Auth data: hard coded in Lux (no need to change it!) but not in Austria :)  (17 byte!)
${authDecl}${auth.slice(0, 8).join(', ')},
${authPad}${auth.slice(8, 16).join(', ')},
${authPad}${auth.slice(16).join(', ')}};

/*------ Things you can change: Define which parameter are published ------*/

// replace in the following tables 'y' with 'n' if you don't want to publish the parameter

// DMSR table:

// DMSR variables
struct Dsmr_field {
  const byte nr;
  const String name;
  const String id;
  const String unit;
  String value;
  const char type;    // string s, double f, integer i
  const char publish; // 'y' to publish item
};

// https://electris.lu/files/Dokumente_und_Formulare/Netz_Tech_Dokumente/SPEC_-_E-Meter_P1_specification_20210305.pdf
Dsmr_field dsmr[] = {
${dsmr}
};

// table with calculated values:

struct calculated {
  const byte nr;
  const String name;
  double value;
  const char publish; // 'y' to publish item
};

calculated calculated_parameter[] = {
${calc}
};
`
}

/** What {@link parseConfigH} found. */
export interface ParsedConfigH {
  /**
   * The layout: v1.7 when the file has power classes, will/birth settings or a v1.7-only
   * calculated value; v1.6 when it has a v1.6-only calculated name or none of the v1.7 settings.
   */
  layout: ConfigHLayout
  settings: Partial<BoardSettings>
  secrets: Partial<BoardSecrets>
  /** Settings names found. */
  found: string[]
  /** Known settings (of its layout) the file does not define. */
  missing: string[]
  /** Publish flags of the tables ('y' = published), by field name. */
  publish: { dsmr: Record<string, boolean>; calculated: Record<string, boolean> }
}

/** Remove // and /* *\/ comments, keeping string and char literals intact. */
function stripComments(src: string): string {
  let out = ''
  for (let i = 0; i < src.length; i++) {
    const c = src[i]
    if (c === '"' || c === "'") {
      let j = i + 1
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1
      out += src.slice(i, j + 1)
      i = j
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2)
      i = end < 0 ? src.length : end + 1
      out += ' '
    } else out += c
  }
  return out
}

function unquote(lit: string): string {
  return lit.slice(1, -1).replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r', '0': '\0' })[ch] ?? ch)
}

const STRING_SETTINGS = [
  'MY_WIFI_SSID',
  'MQTT_SERVER',
  'MQTT_CLIENT_ID',
  'MQTT_TOPIC_OUT',
  'MY_MQTT_USER',
  'WILL_TOPIC',
  'WILL_MESSAGE',
  'BIRTH_TOPIC',
  'BIRTH_MESSAGE',
  'NET_MDNSNAME',
  'NET_HOSTNAME',
  'NTP_SERVER',
  'TZ_INFO',
  'MY_OTA_NAME'
] as const
const STRING_SECRETS = ['MY_WIFI_PASSWORD', 'MY_MQTT_PASS', 'MY_OTA_PASS_HASH'] as const
const INT_SETTINGS = ['PUBLISH_TIME', 'SAMPLE_TIME_MIN', 'MQTT_MAXIMUM_PACKET_SIZE', 'MY_MQTT_PORT', 'WILL_QOS', 'UDP_LOG_PORT'] as const
const BOOL_SETTINGS = ['WILL_RETAIN', 'BIRTH_RETAIN'] as const
const IP_SETTINGS = ['UDP_LOG_PC_IP_BYTES', 'NET_LOCAL_IP_BYTES', 'NET_GATEWAY_BYTES', 'NET_MASK_BYTES', 'NET_DNS_BYTES'] as const

/** Every setting the writer emits (for `missing`). */
export const CONFIG_H_NAMES: string[] = [
  ...STRING_SETTINGS,
  ...STRING_SECRETS,
  ...INT_SETTINGS,
  ...BOOL_SETTINGS,
  ...IP_SETTINGS,
  'KEY_SMARTY',
  'NET_MAC',
  'AUTH_DATA',
  'class_kW',
  'exceed_money_per_kWh'
]

/** The brace list of an array definition `NAME[…] = {…}` or `NAME[] {…}`, null if absent. */
function arrayItems(src: string, name: string): string[] | null {
  const m = new RegExp(`\\b${name}\\s*\\[[^\\]]*\\]\\s*=?\\s*\\{([^}]*)\\}`).exec(src)
  if (!m) return null
  return m[1]
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
}

function cNumber(tok: string): number {
  const t = tok.replace(/[uUlL]+$/, '')
  return /^0x/i.test(t) ? parseInt(t, 16) : Number(t)
}

/**
 * Read the settings out of a SmartyReader config.h (v1.6 or v1.7 layout, told apart by what it
 * defines). Unknown lines are ignored; values that cannot be read are left out (and named in
 * `missing`). Never throws.
 */
export function parseConfigH(text: string): ParsedConfigH {
  const src = stripComments(text.replace(/\r\n?/g, '\n'))
  const settings: Record<string, unknown> = {}
  const secrets: Record<string, string> = {}
  const found: string[] = []
  const scalar = (name: string): string | null => {
    const m = new RegExp(`\\b${name}\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|[^;]+);`).exec(src)
    return m ? m[1].trim() : null
  }
  for (const k of STRING_SETTINGS) {
    const v = scalar(k)
    if (v?.startsWith('"')) {
      settings[k] = unquote(v)
      found.push(k)
    }
  }
  for (const k of STRING_SECRETS) {
    const v = scalar(k)
    if (v?.startsWith('"')) {
      secrets[k] = unquote(v)
      found.push(k)
    }
  }
  for (const k of INT_SETTINGS) {
    const v = scalar(k)
    if (v !== null && Number.isFinite(cNumber(v))) {
      settings[k] = cNumber(v)
      found.push(k)
    }
  }
  for (const k of BOOL_SETTINGS) {
    const v = scalar(k)
    if (v === 'true' || v === 'false' || v === '1' || v === '0') {
      settings[k] = v === 'true' || v === '1'
      found.push(k)
    }
  }
  for (const k of IP_SETTINGS) {
    const items = arrayItems(src, k)
    if (items?.length === 4 && items.every((x) => Number.isInteger(cNumber(x)))) {
      const ip = items.map(cNumber).join('.')
      settings[k] = ip === '0.0.0.0' ? '' : ip
      found.push(k)
    }
  }
  const key = arrayItems(src, 'KEY_SMARTY')
  if (key?.length === 16) {
    secrets.KEY_SMARTY = key.map((b) => cNumber(b).toString(16).padStart(2, '0').toUpperCase()).join('')
    found.push('KEY_SMARTY')
  }
  const mac = arrayItems(src, 'NET_MAC')
  if (mac?.length === 6) {
    const text = mac.map((b) => cNumber(b).toString(16).padStart(2, '0').toUpperCase()).join(':')
    settings.NET_MAC = text === '00:00:00:00:00:00' ? '' : text
    found.push('NET_MAC')
  }
  const auth = arrayItems(src, 'AUTH_DATA')
  if (auth?.length === 17) {
    settings.AUTH_DATA = auth.map((b) => cNumber(b).toString(16).padStart(2, '0').toUpperCase()).join('')
    found.push('AUTH_DATA')
  }
  const classes = arrayItems(src, 'class_kW')
  if (classes) {
    settings.class_kW = classes.map(cNumber)
    found.push('class_kW')
  }
  const money = arrayItems(src, 'exceed_money_per_kWh')
  if (money) {
    settings.exceed_money_per_kWh = money.map(cNumber)
    found.push('exceed_money_per_kWh')
  }
  const publish = { dsmr: {} as Record<string, boolean>, calculated: {} as Record<string, boolean> }
  for (const m of src.matchAll(/\{\s*\d+\s*,\s*"([^"]+)"\s*,\s*"[^"]*"\s*,\s*"[^"]*"\s*,\s*"[^"]*"\s*,\s*'.'\s*,\s*'(.)'\s*\}/g))
    publish.dsmr[m[1]] = m[2] === 'y'
  for (const m of src.matchAll(/\{\s*\d+\s*,\s*"([^"]+)"\s*,\s*[-\d.eE]+\s*,\s*'(.)'\s*\}/g)) publish.calculated[m[1]] = m[2] === 'y'
  const calcNames = Object.keys(publish.calculated)
  const v17 = calcNames.some((n) => V17_ONLY_CALCULATED.has(n)) || (V17_ONLY_SETTINGS as readonly string[]).some((n) => found.includes(n))
  const layout: ConfigHLayout = v17 || (!calcNames.some((n) => V16_ONLY_CALCULATED.has(n)) && found.length === 0) ? 'v1.7' : 'v1.6'
  if (found.length > 0) settings.firmware = layout === 'v1.6' ? 'smartyreader-v1.6' : 'smartyreader-v1.7'
  const names = layout === 'v1.6' ? CONFIG_H_NAMES.filter((n) => !(V17_ONLY_SETTINGS as readonly string[]).includes(n)) : CONFIG_H_NAMES
  return {
    layout,
    settings: settings as Partial<BoardSettings>,
    secrets: secrets as Partial<BoardSecrets>,
    found,
    missing: names.filter((n) => !found.includes(n)),
    publish
  }
}
