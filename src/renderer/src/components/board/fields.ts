/**
 * The board profile form's fields, named as the SmartyReader v1.7 config.h names them
 * (SmartyReader_v1_7.ino, config.h in github.com/weigu1/SmartyReader), grouped as the form
 * shows them, with the secrets and the sketch's #define switches. Labels and help are in the
 * catalogues (board.profile.fields.<key>, board.profile.help.<key>, board.profile.defines.<key>).
 */
import type { BoardDefines, BoardSecretKey, BoardSettings } from '@shared/board'

/** One setting of the form: its config.h name, input type and a placeholder hint (figures only). */
export interface BoardField {
  key: keyof BoardSettings
  type?: 'text' | 'number'
  hint?: string
}

/** Settings by group (words: board.profile.groups.<id>), in form order. */
export const FIELD_GROUPS: { id: 'wifi' | 'mqtt' | 'network' | 'logging' | 'will'; fields: BoardField[] }[] = [
  { id: 'wifi', fields: [{ key: 'MY_WIFI_SSID' }] },
  {
    id: 'mqtt',
    fields: [
      { key: 'MQTT_SERVER' },
      { key: 'MY_MQTT_PORT', type: 'number', hint: '1–32767' },
      { key: 'MY_MQTT_USER' },
      { key: 'MQTT_CLIENT_ID' },
      { key: 'MQTT_TOPIC_OUT' },
      { key: 'PUBLISH_TIME', type: 'number', hint: '≥ 10000' },
      { key: 'SAMPLE_TIME_MIN', type: 'number', hint: '1–42' },
      { key: 'MQTT_MAXIMUM_PACKET_SIZE', type: 'number' }
    ]
  },
  {
    id: 'network',
    fields: [
      { key: 'NET_HOSTNAME' },
      { key: 'NET_MDNSNAME' },
      { key: 'NET_LOCAL_IP_BYTES', hint: '192.168.1.77' },
      { key: 'NET_GATEWAY_BYTES' },
      { key: 'NET_MASK_BYTES' },
      { key: 'NET_DNS_BYTES' },
      { key: 'NTP_SERVER' },
      { key: 'TZ_INFO' },
      { key: 'NET_MAC', hint: 'DE:AD:BE:EF:FE:01' }
    ]
  },
  {
    id: 'logging',
    fields: [{ key: 'UDP_LOG_PC_IP_BYTES' }, { key: 'UDP_LOG_PORT', type: 'number' }, { key: 'MY_OTA_NAME' }]
  },
  {
    id: 'will',
    fields: [
      { key: 'WILL_TOPIC' },
      { key: 'WILL_MESSAGE' },
      { key: 'WILL_QOS', type: 'number' },
      { key: 'BIRTH_TOPIC' },
      { key: 'BIRTH_MESSAGE' },
      { key: 'AUTH_DATA' }
    ]
  }
]

/** The secret settings (stored encrypted, never shown). */
export const SECRET_FIELDS: BoardSecretKey[] = ['KEY_SMARTY', 'MY_WIFI_PASSWORD', 'MY_MQTT_PASS', 'MY_OTA_PASS_HASH']

/** The sketch's #define switches. */
export const DEFINE_FIELDS: (keyof BoardDefines)[] = [
  'PUBLISH_COOKED',
  'GET_NTP_TIME',
  'MQTTPASSWORD',
  'MQTT_WILL_BIRTH',
  'STATIC',
  'ETHERNET',
  'OTA',
  'HOMEASSISTANT',
  'OLD_HARDWARE'
]
