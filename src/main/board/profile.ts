/**
 * Board profiles: a board's settings as the SmartyReader v1.7 sketch names them (config.h),
 * the sketch's `#define` switches, the firmware the board runs (`settings.firmware`: SmartyReader
 * v1.5, v1.6, v1.7 or ESPHome dsmr), and the profile's own fields (name, customer, meter).
 * Defaults (src/shared/board-defaults.ts) are the v1.7 sketch's neutral values (Arduino/SmartyReader_P1_WiFi_Ethernet/
 * SmartyReader_v1_7/config.h of github.com/weigu1/SmartyReader: ports, intervals, topics, NTP,
 * time zone, authentication data); what is personal to the sketch's author — his broker, MQTT
 * user, UDP log computer, network addresses and Ethernet MAC — starts blank, as does the Wi-Fi
 * SSID. v1.6 takes the same names (SmartyReader_v1_6.ino, config.h) without the will/birth
 * settings and the power classes.
 *
 * Field rules with codes: profile-rules.ts; sketch notes: sketch-notes.ts. The shape of a
 * profile input from a transport is the contract's (src/shared/contract/board.ts).
 */
import {
  BOARD_SECRET_KEYS,
  FIRMWARE_GENERATIONS,
  FIRMWARE_LABELS,
  maskKey,
  type ConfigHLayout,
  type FirmwareGeneration,
  type BoardDefines,
  type BoardFamily,
  type BoardProfileFields,
  type BoardProfileInput,
  type BoardProfileView,
  type BoardSecretKey,
  type BoardSecrets,
  type BoardSettings,
  type SecretProtection
} from '../../shared/board'
import { DEFAULT_DEFINES, DEFAULT_SETTINGS } from '../../shared/board-defaults'
import type { UnreadableSecret } from './secret-guard'

export { DEFAULT_DEFINES, DEFAULT_SETTINGS }

/** A full profile as the main side keeps it (secrets in clear, in memory only). */
export interface BoardProfile extends BoardProfileFields {
  secrets: BoardSecrets
  /**
   * Secrets stored but unreadable now (key file gone, keyring locked, damaged): their value in
   * `secrets` is '' and must not be used; saving keeps their stored form; every writer refuses
   * the profile (secret-guard.ts).
   */
  unreadableSecrets?: Partial<Record<BoardSecretKey, UnreadableSecret>>
}

/** The `#define` defaults of a firmware's sketch: v1.6 ships with PUBLISH_COOKED commented out (SmartyReader_v1_6.ino), v1.7 with it on. */
export function defaultDefines(firmware: FirmwareGeneration): BoardDefines {
  return firmware === 'smartyreader-v1.6' ? { ...DEFAULT_DEFINES, PUBLISH_COOKED: false } : DEFAULT_DEFINES
}

export const EMPTY_SECRETS: BoardSecrets = { MY_WIFI_PASSWORD: '', KEY_SMARTY: '', MY_MQTT_PASS: '', MY_OTA_PASS_HASH: '' }

/**
 * Merge an input over a stored profile (or the defaults): settings and defines field by
 * field, secrets: string sets, null clears, absent keeps (an unreadable stored secret stays
 * unreadable until set or cleared). The meter id is upper-cased (its FLAG id is).
 */
export function mergeProfile(input: BoardProfileInput, stored: BoardProfile | null, id: string): BoardProfile {
  const firmware = input.settings?.firmware
  const base: BoardProfile = stored ?? {
    id,
    name: '',
    customer: '',
    meterId: '',
    notes: '',
    board: 'esp8266' as BoardFamily,
    defines: defaultDefines(
      typeof firmware === 'string' && (FIRMWARE_GENERATIONS as readonly string[]).includes(firmware) ? (firmware as FirmwareGeneration) : 'smartyreader-v1.7'
    ),
    settings: DEFAULT_SETTINGS,
    secrets: EMPTY_SECRETS,
    updatedAt: ''
  }
  const secrets: BoardSecrets = { ...base.secrets }
  const unreadable = { ...base.unreadableSecrets }
  for (const k of BOARD_SECRET_KEYS) {
    const v = input.secrets?.[k]
    if (v === null || typeof v === 'string') delete unreadable[k]
    if (v === null) secrets[k] = ''
    else if (typeof v === 'string') secrets[k] = k === 'KEY_SMARTY' || k === 'MY_OTA_PASS_HASH' ? v.replace(/\s+/g, '').toUpperCase() : v
  }
  const settings = { ...base.settings } as BoardSettings
  for (const [k, v] of Object.entries(input.settings ?? {})) {
    if (k in DEFAULT_SETTINGS && v !== undefined) (settings as unknown as Record<string, unknown>)[k] = v
  }
  return {
    id,
    name: input.name.trim(),
    customer: (input.customer ?? base.customer).trim(),
    meterId: (input.meterId ?? base.meterId).trim().toUpperCase(),
    notes: input.notes ?? base.notes,
    board: input.board ?? base.board,
    defines: { ...base.defines, ...input.defines },
    settings,
    secrets,
    updatedAt: new Date().toISOString(),
    ...(Object.keys(unreadable).length ? { unreadableSecrets: unreadable } : {})
  }
}

/** The firmware a profile names (smartyreader-v1.7 when unset). */
export function profileFirmware(p: BoardProfile): FirmwareGeneration {
  return p.settings.firmware ?? 'smartyreader-v1.7'
}

/** The config.h layout for a profile: v1.6 for a v1.6 board, else v1.7 (v1.5 has no config.h; ESPHome uses YAML). */
export function configLayout(p: BoardProfile): ConfigHLayout {
  return profileFirmware(p) === 'smartyreader-v1.6' ? 'v1.6' : 'v1.7'
}

/** "SmartyReader v1.6" etc. for messages. */
export const firmwareLabel = (p: BoardProfile): string => FIRMWARE_LABELS[profileFirmware(p)]

/**
 * The renderer's view: secrets masked (P1 key "••••…4188", passwords "••••••"); an unreadable
 * one as set, without a mask, with its error ({code, params: {field, keyFile}, message}).
 */
export function profileView(p: BoardProfile, protection?: SecretProtection): BoardProfileView {
  const secrets = {} as BoardProfileView['secrets']
  for (const k of BOARD_SECRET_KEYS) {
    const v = p.secrets[k]
    const u = p.unreadableSecrets?.[k]
    secrets[k] = u
      ? { set: true, masked: null, error: { code: u.code, params: { field: k, keyFile: u.keyFile }, message: u.message } }
      : { set: v !== '', masked: v === '' ? null : k === 'KEY_SMARTY' ? maskKey(v) : '••••••', error: null }
  }
  return {
    id: p.id,
    name: p.name,
    customer: p.customer,
    meterId: p.meterId,
    notes: p.notes,
    board: p.board,
    defines: { ...p.defines },
    settings: structuredClone(p.settings),
    secrets,
    updatedAt: p.updatedAt,
    ...(protection ? { secretProtection: protection } : {})
  }
}
