/**
 * What a board profile makes (for the board service): config.h (SmartyReader v1.6/v1.7
 * layouts) or ESPHome YAML, its notes, the files with secrets in the profile's folder, and the
 * MQTT connection and expectations a profile implies for the verifier and the field source.
 * A secret that cannot be read stops every one of them with its code (secret-guard.ts).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { BoardConfigFormat, BoardKeyCheck, BoardMessage, ConfigHLayout } from '../../shared/board'
import { ApiError, type MqttVerifyRequest } from '../../shared/contract'
import { fileError, writeFileSafely } from '../capture/safe-file'
import { writeConfigH } from '../board/config-h'
import { esphomeName, writeEsphomeSecrets, writeEsphomeYaml } from '../board/esphome'
import { configLayout, profileFirmware, type BoardProfile } from '../board/profile'
import { validateProfile } from '../board/profile-rules'
import { usableSecret } from '../board/secret-guard'
import { configNotes as notesFor } from '../board/sketch-notes'

/**
 * @throws ApiError `profile_incomplete` listing every field to fix (params {field: the first,
 * fields: all, comma-separated, count}); unreadable secrets alone, all with one code
 * (secret_key_missing…), keep that code so the renderer can say what happened to them.
 */
export function assertComplete(p: BoardProfile): void {
  const v = validateProfile(p)
  if (v.ok) return
  const first = v.errors[0]
  const fields = v.errors.map((e) => e.field).join(',')
  // unreadable secrets alone, all for one reason (a key file gone): that reason's code
  const code = first.code?.startsWith('secret_') && v.errors.every((e) => e.code === first.code) ? first.code : 'profile_incomplete'
  throw new ApiError(code, `Complete the profile first: ${v.errors.map((e) => `${e.field}: ${e.message}`).join(' ')}`, {
    field: first.field,
    fields,
    count: v.errors.length
  })
}

/**
 * The configuration file's name and text. `secrets`: 'masked' (a preview), 'files' (config.h
 * with them; ESPHome YAML with `!secret` references, values in secrets.yaml), 'inline' (what
 * compiles on its own: config.h with them, ESPHome YAML with them inline).
 * @throws SecretUnusableError when a secret cannot be read
 */
export function renderConfig(
  p: BoardProfile,
  format: BoardConfigFormat,
  secrets: 'masked' | 'files' | 'inline',
  layout?: ConfigHLayout
): { fileName: string; text: string } {
  if (format === 'config.h') return { fileName: 'config.h', text: writeConfigH(p, { maskSecrets: secrets === 'masked', layout: layout ?? configLayout(p) }) }
  return { fileName: `${esphomeName(p)}.yaml`, text: writeEsphomeYaml(p, { secrets: secrets === 'inline' ? 'inline' : 'references' }) }
}

/** What to do in the sketch (config.h) or with the YAML, as codes and English. */
export function configNotes(p: BoardProfile, format: BoardConfigFormat): BoardMessage[] {
  return notesFor(p, format)
}

/**
 * Write the configuration with its secrets (0600, atomically: a temporary name, then renamed
 * over the previous one) into `dir` (the profile's folder inside the data folder), and
 * secrets.yaml beside an ESPHome YAML. @returns the file's path. @throws Error in plain words
 * (disk full…), SecretUnusableError when a secret cannot be read
 */
export async function writeConfigFiles(dir: string, p: BoardProfile, format: BoardConfigFormat, layout?: ConfigHLayout): Promise<string> {
  // render both first: nothing is written when a secret cannot be used
  const { fileName, text } = renderConfig(p, format, 'files', layout)
  const secretsYaml = format === 'esphome' ? writeEsphomeSecrets(p) : null
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (e) {
    throw fileError(join(dir, fileName), e, 'the configuration')
  }
  writeFileSafely(join(dir, fileName), text, { force: true, what: 'the configuration' })
  if (secretsYaml !== null) writeFileSafely(join(dir, 'secrets.yaml'), secretsYaml, { force: true, what: 'secrets.yaml' })
  return join(dir, fileName)
}

/**
 * A profile's MQTT side: the request it implies and its broker ("host:port", which a browser may reach).
 * `urlGiven`: the broker URL of the request, which stands in for a profile that names none.
 * @throws ApiError invalid_request {field: 'MQTT_SERVER'} when neither the profile nor the request names a broker;
 *   SecretUnusableError when its MQTT password (MQTTPASSWORD) cannot be read
 */
export function profileMqtt(p: BoardProfile, urlGiven?: string): { request: MqttVerifyRequest & { ntp: boolean }; broker: string | null } {
  const s = p.settings
  const noBroker = s.MQTT_SERVER.trim() === ''
  if (noBroker && !urlGiven)
    throw new ApiError('invalid_request', `The profile "${p.name}" names no broker (MQTT_SERVER): enter it in the profile, or give the broker URL.`, {
      field: 'MQTT_SERVER'
    })
  // PUBLISH_TIME and PUBLISH_COOKED are config.h's (v1.6/v1.7); v1.5 publishes every 20 s, ESPHome every telegram
  const configH = ['smartyreader-v1.6', 'smartyreader-v1.7'].includes(profileFirmware(p))
  return {
    broker: noBroker ? null : `${s.MQTT_SERVER}:${s.MY_MQTT_PORT}`,
    request: {
      url: urlGiven ?? `${s.MY_MQTT_PORT === 8883 ? 'mqtts' : 'mqtt'}://${s.MQTT_SERVER}:${s.MY_MQTT_PORT}`,
      username: p.defines.MQTTPASSWORD ? s.MY_MQTT_USER : undefined,
      password: p.defines.MQTTPASSWORD ? usableSecret(p, 'MY_MQTT_PASS') : undefined,
      topic: s.MQTT_TOPIC_OUT,
      intervalS: configH ? s.PUBLISH_TIME / 1000 : undefined,
      mode: configH ? (p.defines.PUBLISH_COOKED ? 'cooked' : 'fields') : 'auto',
      ntp: p.defines.GET_NTP_TIME,
      firmware: profileFirmware(p)
    }
  }
}

/**
 * Try the profile's P1 key on the open P1 source with `checkKey` (absent: not tried). Codes
 * besides key-check.ts's: `key_missing`, `key_unreadable` {reason}, `key_check_failed`. Never throws.
 */
export function tryProfileKey(p: BoardProfile, checkKey: ((keyHex: string) => BoardKeyCheck) | undefined): BoardKeyCheck {
  const u = p.unreadableSecrets?.KEY_SMARTY
  if (u) return { checked: false, ok: false, code: 'key_unreadable', params: { reason: u.code }, message: u.message }
  if (!p.secrets.KEY_SMARTY) return { checked: false, ok: false, code: 'key_missing', params: {}, message: 'The profile has no P1 key.' }
  if (!checkKey) return { checked: false, ok: false, code: 'key_no_source', params: {}, message: 'No P1 source is open: the key was not tried on the meter.' }
  try {
    return checkKey(p.secrets.KEY_SMARTY)
  } catch (e) {
    return { checked: false, ok: false, code: 'key_check_failed', params: {}, message: `The key could not be tried: ${(e as Error).message}` }
  }
}
