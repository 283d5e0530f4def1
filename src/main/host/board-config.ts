/**
 * What a board profile makes (for the board service): config.h (SmartyReader v1.6/v1.7
 * layouts) or ESPHome YAML, its notes, the files with secrets in the profile's folder, and the
 * MQTT connection and expectations a profile implies for the verifier and the field source.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BoardConfigFormat, BoardKeyCheck, ConfigHLayout } from '../../shared/board'
import type { MqttVerifyRequest } from '../../shared/contract'
import { writeConfigH } from '../board/config-h'
import { esphomeName, writeEsphomeSecrets, writeEsphomeYaml } from '../board/esphome'
import { configLayout, profileFirmware, validateProfile, type BoardProfile } from '../board/profile'

/** @throws Error naming the first invalid field when the profile cannot make a configuration. */
export function assertComplete(p: BoardProfile): void {
  const v = validateProfile(p)
  if (!v.ok) throw new Error(`Complete the profile first: ${v.errors[0].field}: ${v.errors[0].message}`)
}

/** The configuration file's name and text (`masked`: secrets shown as in a preview). */
export function renderConfig(p: BoardProfile, format: BoardConfigFormat, masked: boolean, layout?: ConfigHLayout): { fileName: string; text: string } {
  if (format === 'config.h') return { fileName: 'config.h', text: writeConfigH(p, { maskSecrets: masked, layout: layout ?? configLayout(p) }) }
  return { fileName: `${esphomeName(p)}.yaml`, text: writeEsphomeYaml(p, { secrets: 'references' }) }
}

/** What to do in the sketch (config.h) or with the YAML. */
export function configNotes(p: BoardProfile, format: BoardConfigFormat): string[] {
  return format === 'config.h'
    ? validateProfile(p).notes
    : [
        'Secrets (Wi-Fi, P1 key, MQTT) go into secrets.yaml next to the YAML when saved.',
        'Improv serial is not enabled: on a SmartyReader UART0 belongs to the meter.'
      ]
}

/**
 * Write the configuration with its secrets (0600) into `dir` (the profile's folder inside the
 * data folder), and secrets.yaml beside an ESPHome YAML. @returns the file's path. @throws Error in plain words.
 */
export async function writeConfigFiles(dir: string, p: BoardProfile, format: BoardConfigFormat, layout?: ConfigHLayout): Promise<string> {
  const { fileName, text } = renderConfig(p, format, false, layout)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, fileName), text, { mode: 0o600 })
    if (format === 'esphome') await writeFile(join(dir, 'secrets.yaml'), writeEsphomeSecrets(p), { mode: 0o600 })
  } catch (e) {
    throw new Error(`Cannot write into ${dir}: ${(e as Error).message}`, { cause: e })
  }
  return join(dir, fileName)
}

/** A profile's MQTT side: the request it implies and its broker ("host:port", which a browser may reach). */
export function profileMqtt(p: BoardProfile): { request: MqttVerifyRequest & { ntp: boolean }; broker: string } {
  const s = p.settings
  // PUBLISH_TIME and PUBLISH_COOKED are config.h's (v1.6/v1.7); v1.5 publishes every 20 s, ESPHome every telegram
  const configH = ['smartyreader-v1.6', 'smartyreader-v1.7'].includes(profileFirmware(p))
  return {
    broker: `${s.MQTT_SERVER}:${s.MY_MQTT_PORT}`,
    request: {
      url: `${s.MY_MQTT_PORT === 8883 ? 'mqtts' : 'mqtt'}://${s.MQTT_SERVER}:${s.MY_MQTT_PORT}`,
      username: p.defines.MQTTPASSWORD ? s.MY_MQTT_USER : undefined,
      password: p.defines.MQTTPASSWORD ? p.secrets.MY_MQTT_PASS : undefined,
      topic: s.MQTT_TOPIC_OUT,
      intervalS: configH ? s.PUBLISH_TIME / 1000 : undefined,
      mode: configH ? (p.defines.PUBLISH_COOKED ? 'cooked' : 'fields') : 'auto',
      ntp: p.defines.GET_NTP_TIME,
      firmware: profileFirmware(p)
    }
  }
}

/** Try the profile's P1 key on the open P1 source with `checkKey` (absent: not tried). Never throws. */
export function tryProfileKey(p: BoardProfile, checkKey: ((keyHex: string) => BoardKeyCheck) | undefined): BoardKeyCheck {
  if (!p.secrets.KEY_SMARTY) return { checked: false, ok: false, message: 'The profile has no P1 key.' }
  if (!checkKey) return { checked: false, ok: false, message: 'No P1 source is open: the key was not tried on the meter.' }
  try {
    return checkKey(p.secrets.KEY_SMARTY)
  } catch (e) {
    return { checked: false, ok: false, message: `The key could not be tried: ${(e as Error).message}` }
  }
}
