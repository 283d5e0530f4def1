/** A complete board profile as the renderer sees it (secrets masked), for the Board tab's component tests. */
import type { BoardProfileView } from '../../../src/shared/board'

export const WEBER_PROFILE: BoardProfileView = {
  id: 'weber-1a2b3c',
  name: 'Weber',
  customer: 'M. Weber',
  meterId: 'SAG1030700089067',
  notes: '',
  board: 'esp8266',
  defines: {
    OTA: false,
    MQTTPASSWORD: false,
    MQTT_WILL_BIRTH: false,
    STATIC: false,
    ETHERNET: false,
    GET_NTP_TIME: true,
    PUBLISH_COOKED: true,
    HOMEASSISTANT: false,
    OLD_HARDWARE: false
  },
  settings: {
    MY_WIFI_SSID: 'Maison',
    MQTT_SERVER: '192.168.1.5',
    MY_MQTT_PORT: 1883,
    MY_MQTT_USER: 'me',
    MQTT_CLIENT_ID: 'SmartyReader_LAM_1',
    MQTT_TOPIC_OUT: 'lamsmarty',
    MQTT_MAXIMUM_PACKET_SIZE: 2560,
    PUBLISH_TIME: 60000,
    SAMPLE_TIME_MIN: 15,
    WILL_QOS: 1,
    WILL_TOPIC: 'w',
    WILL_MESSAGE: '0',
    WILL_RETAIN: false,
    BIRTH_TOPIC: 'w',
    BIRTH_MESSAGE: '1',
    BIRTH_RETAIN: false,
    NET_MDNSNAME: 'smartyReader',
    NET_HOSTNAME: 'smartyReader',
    UDP_LOG_PORT: 6666,
    UDP_LOG_PC_IP_BYTES: '192.168.1.2',
    NTP_SERVER: 'lu.pool.ntp.org',
    TZ_INFO: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00',
    MY_OTA_NAME: 'SmartyReader',
    NET_LOCAL_IP_BYTES: '192.168.1.77',
    NET_GATEWAY_BYTES: '192.168.1.1',
    NET_MASK_BYTES: '255.255.255.0',
    NET_DNS_BYTES: '8.8.8.8',
    NET_MAC: 'DE:AD:BE:EF:FE:01',
    AUTH_DATA: '3000112233445566778899AABBCCDDEEFF',
    class_kW: [3, 7, 12],
    exceed_money_per_kWh: [0.1139, 0.1139, 0.1139]
  },
  secrets: {
    KEY_SMARTY: { set: true, masked: '••••…A786' },
    MY_WIFI_PASSWORD: { set: true, masked: '••••••' },
    MY_MQTT_PASS: { set: false, masked: null },
    MY_OTA_PASS_HASH: { set: false, masked: null }
  },
  updatedAt: '2026-11-24T10:00:00Z'
}
