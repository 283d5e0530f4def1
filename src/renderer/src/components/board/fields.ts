/**
 * The board profile form's fields, named as the SmartyReader v1.7 config.h names them
 * (SmartyReader_v1_7.ino, config.h in github.com/weigu1/SmartyReader), grouped as the form
 * shows them, with the secrets and the sketch's #define switches.
 */
import type { BoardDefines, BoardSecretKey, BoardSettings } from '@shared/board'

/** One setting of the form: its config.h name, label, input type and a hint shown as placeholder. */
export interface BoardField {
  key: keyof BoardSettings
  label: string
  type?: 'text' | 'number'
  hint?: string
}

/** Settings by group, in form order. */
export const FIELD_GROUPS: { id: string; title: string; fields: BoardField[] }[] = [
  { id: 'wifi', title: 'Wi-Fi', fields: [{ key: 'MY_WIFI_SSID', label: 'SSID' }] },
  {
    id: 'mqtt',
    title: 'MQTT',
    fields: [
      { key: 'MQTT_SERVER', label: 'Broker (IP or host)' },
      { key: 'MY_MQTT_PORT', label: 'Port', type: 'number', hint: '1–32767' },
      { key: 'MY_MQTT_USER', label: 'User' },
      { key: 'MQTT_CLIENT_ID', label: 'Client id (unique)' },
      { key: 'MQTT_TOPIC_OUT', label: 'Topic' },
      { key: 'PUBLISH_TIME', label: 'Publish every (ms)', type: 'number', hint: '≥ 10000' },
      { key: 'SAMPLE_TIME_MIN', label: 'Mean/min/max over (min)', type: 'number', hint: '1–42' },
      { key: 'MQTT_MAXIMUM_PACKET_SIZE', label: 'Max packet (bytes)', type: 'number' }
    ]
  },
  {
    id: 'network',
    title: 'Network and time',
    fields: [
      { key: 'NET_HOSTNAME', label: 'Host name' },
      { key: 'NET_MDNSNAME', label: 'mDNS name' },
      { key: 'NET_LOCAL_IP_BYTES', label: 'Static IP', hint: 'with STATIC' },
      { key: 'NET_GATEWAY_BYTES', label: 'Gateway' },
      { key: 'NET_MASK_BYTES', label: 'Netmask' },
      { key: 'NET_DNS_BYTES', label: 'DNS' },
      { key: 'NTP_SERVER', label: 'NTP server' },
      { key: 'TZ_INFO', label: 'Time zone (POSIX)' },
      { key: 'NET_MAC', label: 'Ethernet MAC', hint: 'with ETHERNET' }
    ]
  },
  {
    id: 'logging',
    title: 'Logging and OTA',
    fields: [
      { key: 'UDP_LOG_PC_IP_BYTES', label: "UDP log to (this computer's IP)" },
      { key: 'UDP_LOG_PORT', label: 'UDP log port', type: 'number' },
      { key: 'MY_OTA_NAME', label: 'OTA name', hint: 'with OTA' }
    ]
  },
  {
    id: 'will',
    title: 'Last will and birth (MQTT_WILL_BIRTH)',
    fields: [
      { key: 'WILL_TOPIC', label: 'Will topic' },
      { key: 'WILL_MESSAGE', label: 'Will message' },
      { key: 'WILL_QOS', label: 'Will QoS', type: 'number' },
      { key: 'BIRTH_TOPIC', label: 'Birth topic' },
      { key: 'BIRTH_MESSAGE', label: 'Birth message' },
      { key: 'AUTH_DATA', label: 'AUTH_DATA (34 hex digits)' }
    ]
  }
]

/** The secret settings (stored encrypted, never shown). */
export const SECRET_FIELDS: { key: BoardSecretKey; label: string }[] = [
  { key: 'KEY_SMARTY', label: 'P1 key (32 hex digits)' },
  { key: 'MY_WIFI_PASSWORD', label: 'Wi-Fi password' },
  { key: 'MY_MQTT_PASS', label: 'MQTT password' },
  { key: 'MY_OTA_PASS_HASH', label: 'OTA password MD5' }
]

/** The sketch's #define switches. */
export const DEFINE_FIELDS: { key: keyof BoardDefines; label: string }[] = [
  { key: 'PUBLISH_COOKED', label: 'PUBLISH_COOKED (one JSON object)' },
  { key: 'GET_NTP_TIME', label: 'GET_NTP_TIME' },
  { key: 'MQTTPASSWORD', label: 'MQTTPASSWORD' },
  { key: 'MQTT_WILL_BIRTH', label: 'MQTT_WILL_BIRTH' },
  { key: 'STATIC', label: 'STATIC (fixed IP)' },
  { key: 'ETHERNET', label: 'ETHERNET' },
  { key: 'OTA', label: 'OTA' },
  { key: 'HOMEASSISTANT', label: 'HOMEASSISTANT' },
  { key: 'OLD_HARDWARE', label: 'OLD_HARDWARE (before v2.0)' }
]
