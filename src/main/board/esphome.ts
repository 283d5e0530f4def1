/**
 * ESPHome configuration for a SmartyReader board (or any ESP8266/ESP32 on a Smarty P1
 * port) using ESPHome's `dsmr` component with the meter's `decryption_key`.
 *
 * Sources: ESPHome docs "DSMR Component" (esphome.io/components/sensor/dsmr: `uart`
 * rx_buffer_size ≥ 1500, `dsmr.decryption_key` 32 hex digits for Luxembourg,
 * `max_telegram_length`, sensor keys energy_delivered_lux, power_delivered, voltage_l1…, text
 * sensors identification, p1_version, timestamp; names as the docs describe them, see
 * esphome-fields.ts); the SmartyReader sketch for
 * the pins: the meter's data arrive on UART0 RX — GPIO3 on the D1 mini (ESP8266), GPIO1 on
 * the ESP32 MiniKit in the same socket (`Serial.begin(115200, SERIAL_8N1, 1, 3, true)`) —
 * inverted in software on boards from v2.0, by a transistor before (OLD_HARDWARE, where the
 * data request line D3/GPIO0 or GPIO17 must be driven low).
 *
 * Secrets go to `secrets.yaml` (ESPHome's `!secret`) unless written inline; the UART0 logger
 * is off because the meter owns that UART (so Improv serial cannot run on a SmartyReader).
 * A profile with a secret that cannot be read, or that holds a store token, is refused
 * (secret-guard.ts) by both writers.
 */
import { ESPHOME_DSMR_FIELDS } from './esphome-fields'
import type { BoardProfile } from './profile'
import { assertSecretsUsable } from './secret-guard'

const FIELD = new Map(ESPHOME_DSMR_FIELDS.map((f) => [f.key, f]))

/**
 * The dsmr sensors P1 Studio writes, named as the ESPHome docs describe them (esphome-fields.ts),
 * so that the MQTT verifier and the live source recognise their topics. Left out: the reactive
 * powers (2018 Smarty firmware sends 1-0:3.7.0/4.7.0 without a unit, and the dsmr component
 * then rejects the whole telegram), 0-0:17.0.0 (fields.h wants kW, the Smarty sends kVA), and
 * equipment_id (fields.h reads 0-0:96.1.1, which a Smarty does not send).
 */
export const ESPHOME_SENSORS = [
  'energy_delivered_lux',
  'energy_returned_lux',
  'power_delivered',
  'power_returned',
  'power_delivered_l1',
  'power_delivered_l2',
  'power_delivered_l3',
  'power_returned_l1',
  'power_returned_l2',
  'power_returned_l3',
  'voltage_l1',
  'voltage_l2',
  'voltage_l3',
  'current_l1',
  'current_l2',
  'current_l3',
  'electricity_failures',
  'electricity_sags_l1',
  'electricity_sags_l2',
  'electricity_sags_l3',
  'electricity_swells_l1',
  'electricity_swells_l2',
  'electricity_swells_l3'
] as const
/** The dsmr text sensors P1 Studio writes (the timestamp lets the verifier match a telegram). */
export const ESPHOME_TEXT_SENSORS = ['identification', 'p1_version', 'timestamp'] as const

/** Options of {@link writeEsphomeYaml}. */
export interface EsphomeOptions {
  /** 'references' (default): `!secret name`, values in {@link writeEsphomeSecrets}; 'inline': values in the YAML. */
  secrets?: 'references' | 'inline'
}

/** A YAML double-quoted scalar. */
function q(s: string): string {
  return JSON.stringify(s)
}

/** ESPHome node name: lower-case letters, digits and hyphens. */
export function esphomeName(p: BoardProfile): string {
  const n = p.settings.NET_HOSTNAME.toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return n || 'smartyreader'
}

/**
 * The YAML text. Values are quoted; `decryption_key` is the profile's KEY_SMARTY.
 * @returns YAML (LF line ends)
 * @throws SecretUnusableError (secret-guard.ts) when a secret cannot be read or is a store token
 */
export function writeEsphomeYaml(p: BoardProfile, opts: EsphomeOptions = {}): string {
  assertSecretsUsable(p)
  const s = p.settings
  const d = p.defines
  const inline = opts.secrets === 'inline'
  const secret = (name: string, value: string): string => (inline ? q(value) : `!secret ${name}`)
  const esp32 = p.board === 'esp32'
  const rxPin = esp32 ? 'GPIO1' : 'GPIO3'
  const lines: string[] = [
    `# ESPHome configuration for ${p.name || 'a SmartyReader board'} (P1 Studio).`,
    `# Meter ${p.meterId || '(id not set)'}; board ${esp32 ? 'ESP32 MiniKit' : 'LOLIN/WEMOS D1 mini (pro)'}.`,
    '# The meter owns UART0, so the UART logger is off (logs: Wi-Fi / web_server / API).',
    'esphome:',
    `  name: ${esphomeName(p)}`,
    `  friendly_name: ${q(p.name || s.NET_HOSTNAME)}`,
    ''
  ]
  if (esp32) lines.push('esp32:', '  board: mhetesp32minikit', '  framework:', '    type: arduino', '')
  else lines.push('esp8266:', '  board: d1_mini_pro', '')
  lines.push('logger:', '  baud_rate: 0', '')
  if (d.ETHERNET) {
    lines.push('# ETHERNET is set in the profile: ESPHome needs an ethernet: block for your module here (W5500 is not supported on ESP8266).', '')
  }
  lines.push('wifi:', `  ssid: ${secret('wifi_ssid', s.MY_WIFI_SSID)}`, `  password: ${secret('wifi_password', p.secrets.MY_WIFI_PASSWORD)}`)
  if (d.STATIC) {
    lines.push(
      '  manual_ip:',
      `    static_ip: ${s.NET_LOCAL_IP_BYTES}`,
      `    gateway: ${s.NET_GATEWAY_BYTES}`,
      `    subnet: ${s.NET_MASK_BYTES}`,
      `    dns1: ${s.NET_DNS_BYTES}`
    )
  }
  lines.push('')
  if (d.OTA) lines.push('ota:', '  - platform: esphome', `    password: ${secret('ota_password', '')}  # ESPHome wants the password itself, not its MD5`, '')
  lines.push('time:', '  - platform: sntp', '    servers:', `      - ${q(s.NTP_SERVER)}`, `    timezone: ${q(s.TZ_INFO)}`, '')
  lines.push('mqtt:', `  broker: ${q(s.MQTT_SERVER)}`, `  port: ${s.MY_MQTT_PORT}`)
  if (d.MQTTPASSWORD) lines.push(`  username: ${secret('mqtt_username', s.MY_MQTT_USER)}`, `  password: ${secret('mqtt_password', p.secrets.MY_MQTT_PASS)}`)
  lines.push(`  client_id: ${q(s.MQTT_CLIENT_ID)}`, `  topic_prefix: ${q(s.MQTT_TOPIC_OUT)}`)
  if (d.MQTT_WILL_BIRTH) {
    lines.push(
      '  will_message:',
      `    topic: ${q(s.WILL_TOPIC)}`,
      `    payload: ${q(s.WILL_MESSAGE)}`,
      `    qos: ${s.WILL_QOS}`,
      `    retain: ${s.WILL_RETAIN}`
    )
    lines.push('  birth_message:', `    topic: ${q(s.BIRTH_TOPIC)}`, `    payload: ${q(s.BIRTH_MESSAGE)}`, `    retain: ${s.BIRTH_RETAIN}`)
  }
  lines.push('')
  lines.push(
    'uart:',
    '  id: uart_p1',
    '  rx_pin:',
    `    number: ${rxPin}`,
    `    inverted: ${d.OLD_HARDWARE ? 'false' : 'true'}`,
    '  baud_rate: 115200',
    '  rx_buffer_size: 1800',
    ''
  )
  if (d.OLD_HARDWARE) {
    lines.push(
      '# boards before v2.0: the data request line must be low',
      'output:',
      '  - platform: gpio',
      '    id: p1_data_request',
      `    pin: ${esp32 ? 'GPIO17' : 'GPIO0'}`,
      ''
    )
  }
  lines.push('dsmr:', '  uart_id: uart_p1', `  decryption_key: ${secret('p1_decryption_key', p.secrets.KEY_SMARTY)}`, '  max_telegram_length: 1800', '')
  lines.push('sensor:', '  - platform: dsmr')
  for (const k of ESPHOME_SENSORS) lines.push(`    ${k}:`, `      name: ${q(FIELD.get(k)!.name)}`)
  lines.push(
    '    # gas_delivered: only with an M-Bus gas meter on channel 1 — an empty channel sends its',
    '    # value without a unit, and ESPHome then rejects the whole telegram.',
    `    # gas_delivered:`,
    `    #   name: ${q(FIELD.get('gas_delivered')!.name)}`
  )
  lines.push('', 'text_sensor:', '  - platform: dsmr')
  for (const k of ESPHOME_TEXT_SENSORS) lines.push(`    ${k}:`, `      name: ${q(FIELD.get(k)!.name)}`)
  if (d.OLD_HARDWARE) {
    lines.push('', 'switch:', '  - platform: output', '    output: p1_data_request', '    name: "P1 data request (active low)"', '    restore_mode: ALWAYS_OFF')
  }
  return lines.join('\n') + '\n'
}

/**
 * ESPHome `secrets.yaml` for {@link writeEsphomeYaml} with references.
 * @throws SecretUnusableError (secret-guard.ts) when a secret cannot be read or is a store token
 */
export function writeEsphomeSecrets(p: BoardProfile): string {
  assertSecretsUsable(p)
  const rows: [string, string][] = [
    ['wifi_ssid', p.settings.MY_WIFI_SSID],
    ['wifi_password', p.secrets.MY_WIFI_PASSWORD],
    ['p1_decryption_key', p.secrets.KEY_SMARTY]
  ]
  if (p.defines.MQTTPASSWORD) rows.push(['mqtt_username', p.settings.MY_MQTT_USER], ['mqtt_password', p.secrets.MY_MQTT_PASS])
  if (p.defines.OTA) rows.push(['ota_password', ''])
  return `# ESPHome secrets for ${p.name || 'this board'} (P1 Studio). Keep this file private.\n` + rows.map(([k, v]) => `${k}: ${q(v)}`).join('\n') + '\n'
}
