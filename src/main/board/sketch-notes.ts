/**
 * What to change in the sketch (or do with the YAML) for a profile, each note a stable code
 * with params and an English sentence (docs/board.md, "Notes"). Sources: SmartyReader_v1_7.ino
 * (defaults GET_NTP_TIME and PUBLISH_COOKED on), SmartyReader_v1_6.ino (GET_NTP_TIME on,
 * PUBLISH_COOKED off; no MQTT_WILL_BIRTH, HOMEASSISTANT or power classes; USE_SECRETS reads
 * secrets.h), SmartyReader_v1_5.ino (settings in the sketch itself, no config.h); ESPHome's
 * `!secret` and its UART logger. Pure.
 */
import type { BoardConfigFormat, BoardDefines, BoardMessage, BoardParams } from '../../shared/board'
import { profileFirmware, type BoardProfile } from './profile'

const note = (code: string, message: string, params: BoardParams = {}): BoardMessage => ({ code, params, message })

/** Why each switch, in words (the renderer words the switch from its name). */
const WHY: [keyof BoardDefines, string][] = [
  ['OTA', 'over-the-air updates'],
  ['MQTTPASSWORD', 'MQTT user and password'],
  ['MQTT_WILL_BIRTH', 'last will and birth message'],
  ['STATIC', 'static IP address'],
  ['ETHERNET', 'Ethernet instead of Wi-Fi'],
  ['HOMEASSISTANT', 'Home Assistant discovery'],
  ['OLD_HARDWARE', 'board before v2.0']
]

/**
 * The `#define` lines to change in the profile's sketch, and what to mind. Codes:
 * `v15_settings_in_sketch` {sketch}, `define_uncomment` / `define_comment_out` {define, sketch},
 * `v16_lacks_define` {define}, `v16_keep_use_secrets_off` {sketch}, `mqtt_password_unused`.
 * None for ESPHome (the YAML says it all).
 */
export function sketchNotes(p: BoardProfile): BoardMessage[] {
  const d = p.defines
  const fw = profileFirmware(p)
  const out: BoardMessage[] = []
  if (fw === 'esphome-dsmr') return out
  if (fw === 'smartyreader-v1.5') {
    out.push(
      note(
        'v15_settings_in_sketch',
        'SmartyReader v1.5 keeps its settings in SmartyReader_v1_5.ino itself (WIFI_SSID, KEY_SMARTY, MQTT_SERVER, MQTT_TOPIC, PUBLISH_TIME): copy them there, or flash v1.7 and use this config.h.',
        { sketch: 'SmartyReader_v1_5.ino' }
      )
    )
    return out
  }
  const sketch = fw === 'smartyreader-v1.6' ? 'SmartyReader_v1_6.ino' : 'SmartyReader_v1_7.ino'
  const cookedDefault = fw !== 'smartyreader-v1.6'
  const want = (define: keyof BoardDefines, on: boolean, why: string): void => {
    out.push(
      note(on ? 'define_uncomment' : 'define_comment_out', `${on ? 'Uncomment' : 'Comment out'} "#define ${define}" in ${sketch} (${why}).`, { define, sketch })
    )
  }
  for (const [k, why] of WHY) {
    if (!d[k]) continue
    if (fw === 'smartyreader-v1.6' && (k === 'MQTT_WILL_BIRTH' || k === 'HOMEASSISTANT'))
      out.push(note('v16_lacks_define', `SmartyReader v1.6 has no ${k}: ${why} needs v1.7.`, { define: k }))
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
    out.push(
      note(
        'v16_keep_use_secrets_off',
        'Keep "#define USE_SECRETS" commented out in SmartyReader_v1_6.ino, or the sketch reads secrets.h instead of this config.h.',
        { sketch }
      )
    )
  if (!d.MQTTPASSWORD && p.secrets.MY_MQTT_PASS !== '')
    out.push(note('mqtt_password_unused', 'An MQTT password is set but MQTTPASSWORD is off: the sketch will connect without it.', { define: 'MQTTPASSWORD' }))
  return out
}

/** What to do with a generated configuration: the sketch notes (config.h), or ESPHome's (`esphome_secrets_file`, `esphome_no_improv`). */
export function configNotes(p: BoardProfile, format: BoardConfigFormat): BoardMessage[] {
  if (format === 'config.h') return sketchNotes(p)
  return [
    note('esphome_secrets_file', 'Secrets (Wi-Fi, P1 key, MQTT) go into secrets.yaml next to the YAML when saved.'),
    note('esphome_no_improv', 'Improv serial is not enabled: on a SmartyReader UART0 belongs to the meter.')
  ]
}
