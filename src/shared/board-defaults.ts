/**
 * A new board profile's defaults, shared by the main side (src/main/board/profile.ts, which
 * merges every input over them) and anything that shows or builds a profile without it.
 * Sources: SmartyReader_v1_7.ino (`#define` switches) and
 * Arduino/SmartyReader_P1_WiFi_Ethernet/SmartyReader_v1_7/config.h of
 * github.com/weigu1/SmartyReader (settings). Pure data.
 */
import type { BoardDefines, BoardSettings } from './board'

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

/**
 * config.h defaults: the v1.7 sketch's neutral values; its author's own broker
 * (192.168.178.222), user ("me"), UDP log computer, static addresses (192.168.178.x) and MAC,
 * and the SSID placeholder, are blank (required where the switches need them).
 */
export const DEFAULT_SETTINGS: BoardSettings = {
  firmware: 'smartyreader-v1.7',
  MY_WIFI_SSID: '',
  MQTT_SERVER: '',
  MY_MQTT_PORT: 1883,
  MY_MQTT_USER: '',
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
  UDP_LOG_PC_IP_BYTES: '',
  NTP_SERVER: 'lu.pool.ntp.org',
  TZ_INFO: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
  MY_OTA_NAME: 'SmartyReader',
  NET_LOCAL_IP_BYTES: '',
  NET_GATEWAY_BYTES: '',
  NET_MASK_BYTES: '255.255.255.0',
  NET_DNS_BYTES: '8.8.8.8',
  NET_MAC: '',
  AUTH_DATA: '3000112233445566778899AABBCCDDEEFF',
  class_kW: [3, 7, 12],
  exceed_money_per_kWh: [0.1139, 0.1139, 0.1139]
}
