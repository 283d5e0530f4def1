/** A complete board profile as the renderer sees it (secrets masked), for the Board tab's component tests: the defaults with an installer's own network. */
import type { BoardProfileView } from '../../../src/shared/board'
import { DEFAULT_DEFINES, DEFAULT_SETTINGS } from '../../../src/shared/board-defaults'

export const WEBER_PROFILE: BoardProfileView = {
  id: 'weber-1a2b3c',
  name: 'Weber',
  customer: 'M. Weber',
  meterId: 'SAG1030700089067',
  notes: '',
  board: 'esp8266',
  defines: { ...DEFAULT_DEFINES },
  settings: {
    ...DEFAULT_SETTINGS,
    MY_WIFI_SSID: 'Maison',
    MQTT_SERVER: '192.168.1.5',
    MY_MQTT_USER: 'me',
    WILL_TOPIC: 'w',
    BIRTH_TOPIC: 'w',
    UDP_LOG_PC_IP_BYTES: '192.168.1.2',
    NET_LOCAL_IP_BYTES: '192.168.1.77',
    NET_GATEWAY_BYTES: '192.168.1.1',
    NET_MAC: 'DE:AD:BE:EF:FE:01',
    class_kW: [...DEFAULT_SETTINGS.class_kW],
    exceed_money_per_kWh: [...DEFAULT_SETTINGS.exceed_money_per_kWh]
  },
  secrets: {
    KEY_SMARTY: { set: true, masked: '••••…A786' },
    MY_WIFI_PASSWORD: { set: true, masked: '••••••' },
    MY_MQTT_PASS: { set: false, masked: null },
    MY_OTA_PASS_HASH: { set: false, masked: null }
  },
  updatedAt: '2026-11-24T10:00:00Z'
}
