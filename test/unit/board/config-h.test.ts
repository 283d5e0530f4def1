/**
 * config.h in the SmartyReader v1.7 and v1.6 layouts: the writer's output compiles as C++
 * (g++ -fsyntax-only against a stub of the Arduino types, with static_asserts on what each
 * sketch indexes) and parses back to the form's values; the parser reads hand-edited files of
 * both layouts and tells them apart; sketch notes per firmware; ESPHome YAML and secrets.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfigH, writeConfigH } from '../../../src/main/board/config-h'
import { writeEsphomeSecrets, writeEsphomeYaml } from '../../../src/main/board/esphome'
import { CALCULATED_FIELDS, DSMR_FIELDS } from '../../../src/main/board/firmware-fields'
import { DEFAULT_DEFINES, DEFAULT_SETTINGS, EMPTY_SECRETS, mergeProfile, type BoardProfile } from '../../../src/main/board/profile'
import { validateProfile } from '../../../src/main/board/profile-rules'
import type { BoardSettings } from '../../../src/shared/board'

const FIX = join(import.meta.dirname, '../../fixtures/board')

function profile(over: Partial<BoardProfile> = {}): BoardProfile {
  const p = mergeProfile(
    {
      name: 'Weber, Rue des Prés 4',
      meterId: 'SAG1030700089067',
      settings: {
        MY_WIFI_SSID: 'Maison "Weber" \\ 2.4',
        MQTT_SERVER: '192.168.1.5',
        MY_MQTT_PORT: 1884,
        MY_MQTT_USER: 'smarty',
        MQTT_CLIENT_ID: 'SmartyReader_Weber',
        MQTT_TOPIC_OUT: 'weber/smarty',
        PUBLISH_TIME: 30000,
        SAMPLE_TIME_MIN: 10,
        UDP_LOG_PORT: 6667,
        UDP_LOG_PC_IP_BYTES: '192.168.1.20',
        NET_LOCAL_IP_BYTES: '192.168.1.77',
        NET_GATEWAY_BYTES: '192.168.1.1',
        NET_MASK_BYTES: '255.255.255.0',
        NET_DNS_BYTES: '1.1.1.1',
        NET_MAC: '02:00:00:AB:CD:EF',
        class_kW: [7, 12, 17],
        exceed_money_per_kWh: [0.1139, 0.125, 0],
        WILL_RETAIN: true,
        TZ_INFO: 'CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00'
      },
      secrets: {
        KEY_SMARTY: '7c2a93e0b8d14f6a5e0c3b9d21f4a786',
        MY_WIFI_PASSWORD: 'correct horse battery',
        MY_MQTT_PASS: 'p@ss"word',
        MY_OTA_PASS_HASH: '5F4DCC3B5AA765D61D8327DEB882CF99'
      },
      defines: { MQTTPASSWORD: true, STATIC: true }
    },
    null,
    'p1'
  )
  return { ...p, ...over }
}

/**
 * What SmartyReader_v1_6.ino expects of its config.h (Arduino/SmartyReader_P1_WiFi/SmartyReader_v1_6):
 * the tables it indexes (dsmr[0..53], calculated_parameter[0..44]) and the names it reads.
 */
const CHECK_V16 = `#include "arduino-stub.h"
#include "config.h"
static_assert(sizeof(KEY_SMARTY) == 16, "KEY_SMARTY must be 16 bytes");
static_assert(sizeof(AUTH_DATA) == 17, "AUTH_DATA must be 17 bytes");
static_assert(sizeof(NET_MAC) == 6, "NET_MAC must be 6 bytes");
static_assert(sizeof(dsmr) / sizeof(dsmr[0]) == 54, "the sketch indexes dsmr[0..53]");
static_assert(sizeof(calculated_parameter) / sizeof(calculated_parameter[0]) == 45, "SmartyReader_v1_6.ino fills calculated_parameter[0..44]");
const int SAMPLES = SAMPLE_TIME_MIN * 6;
#include "config-names.inc"
int packet() { return MQTT_MAXIMUM_PACKET_SIZE; }
const char *id() { return MQTT_CLIENT_ID; }
const char *ntp() { return NTP_SERVER; }
const char *tz() { return TZ_INFO; }
int main() { return SAMPLES > 0 && MQTT_PORT > 0 && UDP_LOG_PORT > 0 && NET_MDNSNAME[0] + NET_HOSTNAME[0] + MQTT_SERVER[0] > 0 && NET_LOCAL_IP_BYTES[0] + NET_GATEWAY_BYTES[0] + NET_MASK_BYTES[0] + NET_DNS_BYTES[0] + UDP_LOG_PC_IP_BYTES[0] >= 0 ? 0 : 1; }
`

function gxx(configH: string, check: 'v1.7' | 'v1.6' = 'v1.7'): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-configh-'))
  try {
    writeFileSync(join(dir, 'config.h'), configH)
    const checker = check === 'v1.6' ? join(dir, 'config-check-v1_6.cpp') : join(FIX, 'config-check.cpp')
    if (check === 'v1.6') writeFileSync(checker, CHECK_V16)
    const r = spawnSync('g++', ['-std=gnu++11', '-fsyntax-only', '-Wall', '-Werror', `-I${dir}`, `-I${FIX}`, checker], { encoding: 'utf8' })
    if (r.error) throw new Error('g++ is not installed: apt-get install g++')
    return { ok: r.status === 0, out: r.stderr }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('config.h writer', () => {
  it("the profile is valid and the output compiles as C++ with the sketch's expectations", () => {
    const p = profile()
    expect(validateProfile(p)).toMatchObject({ ok: true, errors: [] })
    const text = writeConfigH(p)
    const r = gxx(text)
    expect(r.out).toBe('')
    expect(r.ok).toBe(true)
  })

  it('the compile check can fail: a 15-byte key or a class above 255 is rejected by g++', () => {
    const bad = writeConfigH(profile()).replace(/0x86\}/, '}')
    expect(gxx(bad).ok).toBe(false)
    const narrowing = writeConfigH(profile()).replace('byte class_kW[] = {7,12,17};', 'byte class_kW[] = {7,12,300};')
    expect(gxx(narrowing).ok).toBe(false)
  })

  it('keeps the sketch layout: sections in order, the two tables with their flags', () => {
    const text = writeConfigH(profile())
    const order = [
      '/*!!!!!! Things you must change: !!!!!!*/',
      'const char *MY_WIFI_SSID',
      'uint8_t KEY_SMARTY[]',
      'const char *MQTT_SERVER',
      '/*+++++++ Things you can change: +++++++*/',
      'byte class_kW[]',
      'const double exceed_money_per_kWh[] {',
      'const long PUBLISH_TIME',
      'const int SAMPLE_TIME_MIN',
      'const int MQTT_MAXIMUM_PACKET_SIZE',
      'String MQTT_TOPIC_OUT',
      'const short MY_MQTT_PORT',
      'const int WILL_QOS',
      'const char *NET_MDNSNAME',
      'const word UDP_LOG_PORT',
      'const char *TZ_INFO    =',
      'const char *MY_OTA_PASS_HASH',
      'const byte NET_LOCAL_IP_BYTES[4]',
      'byte NET_MAC[6]',
      'byte AUTH_DATA[]',
      'struct Dsmr_field {',
      'Dsmr_field dsmr[] = {',
      'struct calculated {',
      'calculated calculated_parameter[] = {'
    ]
    let at = -1
    for (const o of order) {
      const i = text.indexOf(o)
      expect(i, o).toBeGreaterThan(at)
      at = i
    }
    expect(text).toContain(`  {8,"act_pwr_imported_p_plus", "1-0:1.7.0", "kW","NA",'f','y'},`)
    expect(text).toContain(`  {53,"gas_meter_id_hex", "0-1:96.1.0", "","NA",'s','y'},`)
    expect(text).toContain(`  {47,"energy_exceed_class_3kW_15min_Wh",0.0,'n'},`)
    expect(text).toContain(
      'uint8_t KEY_SMARTY[] = {0x7C, 0x2A, 0x93, 0xE0, 0xB8, 0xD1, 0x4F, 0x6A,\n                        0x5E, 0x0C, 0x3B, 0x9D, 0x21, 0xF4, 0xA7, 0x86};'
    )
    expect(text).toContain('const byte NET_LOCAL_IP_BYTES[4] = {192, 168, 1, 77};')
    expect(DSMR_FIELDS).toHaveLength(54)
    expect(CALCULATED_FIELDS).toHaveLength(62)
  })

  it('round trip: parsing the output gives back every setting and secret', () => {
    const p = profile()
    const r = parseConfigH(writeConfigH(p))
    expect(r.missing).toEqual([])
    expect(r.settings).toEqual(p.settings)
    expect(r.secrets).toEqual(p.secrets)
    expect(Object.keys(r.publish.dsmr)).toHaveLength(53) // breaker_ctrl_state_0 twice
    expect(r.publish.calculated.energy_exceed_class_12kW_day_kWh).toBe(false)
    expect(r.publish.calculated.energy_exceed_class_3kW_day_kWh).toBe(true)
  })

  it('round trip with the defaults too', () => {
    const p = mergeProfile({ name: 'x', secrets: { KEY_SMARTY: 'AEBD21B769A6D13C0DF064E383682EFF' } }, null, 'd')
    const r = parseConfigH(writeConfigH(p))
    expect(r.settings).toEqual(DEFAULT_SETTINGS)
    expect(r.secrets).toEqual({ ...EMPTY_SECRETS, KEY_SMARTY: 'AEBD21B769A6D13C0DF064E383682EFF' })
    expect(gxx(writeConfigH(p)).ok).toBe(true)
  })

  it('masked output hides every secret', () => {
    const text = writeConfigH(profile(), { maskSecrets: true })
    expect(text).not.toMatch(/0x7C, 0x2A/)
    expect(text).toContain('0x••, 0x••')
    expect(text).toContain('0xA7, 0x86}')
    expect(text).not.toContain('correct horse')
    expect(text).not.toContain('p@ss')
    expect(text).not.toContain('5F4DCC3B')
  })

  it('parses a hand-edited config.h (comments, spacing, escapes, commented-out lines)', () => {
    const r = parseConfigH(readFileSync(join(FIX, 'config-sample.h.txt'), 'utf8').replace(/\n/g, '\r\n'))
    expect(r.settings).toMatchObject({
      MY_WIFI_SSID: 'Maison Weber',
      MQTT_SERVER: 'broker.weber.lan',
      class_kW: [7, 12, 17],
      exceed_money_per_kWh: [0.1139, 0.12, 0],
      PUBLISH_TIME: 30000,
      SAMPLE_TIME_MIN: 10,
      MY_MQTT_PORT: 8883,
      MQTT_TOPIC_OUT: 'weber/smarty',
      WILL_QOS: 0,
      WILL_RETAIN: true,
      UDP_LOG_PORT: 6667,
      UDP_LOG_PC_IP_BYTES: '10.0.0.20',
      NTP_SERVER: 'ntp.weber.lan',
      NET_MAC: '02:00:00:AB:CD:EF',
      AUTH_DATA: '3000112233445566778899AABBCCDDEEFF'
    })
    expect(r.secrets).toEqual({
      MY_WIFI_PASSWORD: 'p@ss "quoted" word',
      KEY_SMARTY: '7C2A93E0B8D14F6A5E0C3B9D21F4A786',
      MY_MQTT_PASS: 's3cret',
      MY_OTA_PASS_HASH: '5F4DCC3B5AA765D61D8327DEB882CF99'
    })
    expect(r.publish.dsmr).toEqual({ identification: true, act_pwr_imported_p_plus: true, volt_l1: false })
    expect(r.missing).toEqual([])
  })
})

describe('config.h in the v1.6 layout', () => {
  const v16 = (): BoardProfile => {
    const p = profile()
    return { ...p, settings: { ...p.settings, firmware: 'smartyreader-v1.6' } }
  }

  it('a v1.6 profile gets the v1.6 layout: no power classes, no will/birth, uint8_t AUTH_DATA, 45 calculated rows; it compiles with what SmartyReader_v1_6.ino expects', () => {
    const text = writeConfigH(v16())
    expect(text).not.toMatch(/class_kW|exceed_money|WILL_|BIRTH_/)
    expect(text).toContain('uint8_t AUTH_DATA[] = {0x30, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,\n                       0x77,')
    expect(text).toContain(`  {2,"energy_consumption_calc_cumul_day_kWh",0.0,'y'},`)
    expect(text).toContain(`  {44,"power_excess_solar_l3_calc_W",0.0,'y'},`)
    expect(text).not.toContain('gas_consumption_calc_m3')
    const r = gxx(text, 'v1.6')
    expect(r.out).toBe('')
    expect(r.ok).toBe(true)
    // the checks can fail: the v1.7 file has 62 calculated rows where v1.6 indexes 45
    expect(gxx(writeConfigH(profile()), 'v1.6').ok).toBe(false)
    expect(gxx(text, 'v1.7').ok).toBe(false)
  })

  it('the layout can be asked for, whatever the profile says', () => {
    expect(writeConfigH(profile(), { layout: 'v1.6' })).toContain('uint8_t AUTH_DATA[]')
    expect(writeConfigH(v16(), { layout: 'v1.7' })).toContain('byte class_kW[] = {7,12,17};')
  })

  it('round trip: the parser recognises v1.6 and gives back its settings (without the v1.7-only ones)', () => {
    const p = v16()
    const r = parseConfigH(writeConfigH(p))
    expect(r.layout).toBe('v1.6')
    expect(r.missing).toEqual([])
    const {
      class_kW: _c,
      exceed_money_per_kWh: _e,
      WILL_QOS: _1,
      WILL_TOPIC: _2,
      WILL_MESSAGE: _3,
      WILL_RETAIN: _4,
      BIRTH_TOPIC: _5,
      BIRTH_MESSAGE: _6,
      BIRTH_RETAIN: _7,
      ...rest
    } = p.settings
    expect(r.settings).toEqual(rest)
    expect(r.secrets).toEqual(p.secrets)
    expect(Object.keys(r.publish.calculated)).toHaveLength(45)
    expect(parseConfigH(writeConfigH(profile())).layout).toBe('v1.7')
  })

  it('parses a hand-edited v1.6 config.h', () => {
    const r = parseConfigH(readFileSync(join(FIX, 'config-sample-v1_6.h.txt'), 'utf8'))
    expect(r.layout).toBe('v1.6')
    expect(r.settings).toMatchObject({
      firmware: 'smartyreader-v1.6',
      MY_WIFI_SSID: 'Atelier Schmit',
      PUBLISH_TIME: 30000,
      MQTT_TOPIC_OUT: 'schmit/smarty',
      UDP_LOG_PC_IP_BYTES: '192.168.10.50',
      NET_DNS_BYTES: '8.8.8.8'
    })
    expect(r.secrets).toMatchObject({ MY_WIFI_PASSWORD: 'zwee-dräi-véier', KEY_SMARTY: 'AEBD21B769A6D13C0DF064E383682EFF' })
    expect(r.publish.calculated).toEqual({ energy_consumption_calc_kWh: true, energy_consumption_calc_cumul_day_kWh: false })
    expect(r.missing).toEqual([])
  })
})

describe('profile validation', () => {
  const errs = (p: BoardProfile): Record<string, string> => Object.fromEntries(validateProfile(p).errors.map((e) => [e.field, e.message]))

  it('names each bad field in a plain sentence', () => {
    const p = profile()
    const bad: BoardProfile = {
      ...p,
      settings: {
        ...p.settings,
        MQTT_SERVER: 'bad host!',
        MY_MQTT_PORT: 40000,
        NET_MASK_BYTES: '255.0.255.0',
        UDP_LOG_PC_IP_BYTES: '192.168.1.300',
        SAMPLE_TIME_MIN: 60,
        PUBLISH_TIME: 5000,
        MQTT_TOPIC_OUT: 'a/#',
        class_kW: [3, 7]
      },
      secrets: { ...p.secrets, KEY_SMARTY: '1234', MY_WIFI_PASSWORD: 'short' }
    }
    const e = errs(bad)
    expect(e.MQTT_SERVER).toMatch(/IPv4 address or a host name/)
    expect(e.MY_MQTT_PORT).toMatch(/at most 32767/)
    expect(e.NET_MASK_BYTES).toMatch(/netmask/)
    expect(e.UDP_LOG_PC_IP_BYTES).toMatch(/IPv4 address/)
    expect(e.SAMPLE_TIME_MIN).toMatch(/at most 42/)
    expect(e.PUBLISH_TIME).toMatch(/at least 10000/)
    expect(e.MQTT_TOPIC_OUT).toMatch(/wildcards/)
    expect(e.class_kW).toMatch(/three power classes/)
    expect(e.KEY_SMARTY).toMatch(/32 hex digits/)
    expect(e.MY_WIFI_PASSWORD).toMatch(/8 to 63/)
    for (const m of Object.values(e)) expect(m).toMatch(/\.$/)
  })

  it('cross-field rules follow the sketch switches', () => {
    const p = profile()
    expect(errs({ ...p, secrets: { ...p.secrets, MY_MQTT_PASS: '' } }).MY_MQTT_PASS).toMatch(/MQTTPASSWORD/)
    expect(errs({ ...p, settings: { ...p.settings, NET_GATEWAY_BYTES: '10.0.0.1' } }).NET_GATEWAY_BYTES).toMatch(/same network/)
    expect(errs({ ...p, secrets: { ...p.secrets, KEY_SMARTY: '' } }).KEY_SMARTY).toMatch(/missing/)
    const notes = validateProfile({ ...p, defines: { ...DEFAULT_DEFINES, MQTTPASSWORD: true, PUBLISH_COOKED: false } }).notes
    expect(notes).toContain('Uncomment "#define MQTTPASSWORD" in SmartyReader_v1_7.ino (MQTT user and password).')
    expect(notes.some((n) => /Comment out "#define PUBLISH_COOKED"/.test(n))).toBe(true)
  })

  it('sketch notes follow the firmware: v1.6 (PUBLISH_COOKED off by default, no will/birth), v1.5 (no config.h), ESPHome (none)', () => {
    const p = profile()
    const notes = (firmware: BoardSettings['firmware'], defines = {}): string[] =>
      validateProfile({ ...p, settings: { ...p.settings, firmware }, defines: { ...DEFAULT_DEFINES, ...defines } }).notes
    expect(notes('smartyreader-v1.6', { PUBLISH_COOKED: true, MQTT_WILL_BIRTH: true })).toEqual([
      'SmartyReader v1.6 has no MQTT_WILL_BIRTH: last will and birth message needs v1.7.',
      'Uncomment "#define PUBLISH_COOKED" in SmartyReader_v1_6.ino (one JSON object of calculated values instead of one topic per field).',
      'Keep "#define USE_SECRETS" commented out in SmartyReader_v1_6.ino, or the sketch reads secrets.h instead of this config.h.',
      'An MQTT password is set but MQTTPASSWORD is off: the sketch will connect without it.'
    ])
    expect(notes('smartyreader-v1.6', { PUBLISH_COOKED: false }).some((n) => /PUBLISH_COOKED/.test(n))).toBe(false)
    expect(notes('smartyreader-v1.5')[0]).toMatch(/^SmartyReader v1\.5 keeps its settings in SmartyReader_v1_5\.ino itself/)
    expect(notes('esphome-dsmr')).toEqual([])
    // a new v1.6 profile (e.g. read from a v1.6 config.h) starts from that sketch's #defines: PUBLISH_COOKED off
    const fromFile = mergeProfile(
      { name: 'v1.6 file', settings: parseConfigH(readFileSync(join(FIX, 'config-sample-v1_6.h.txt'), 'utf8')).settings },
      null,
      'f'
    )
    expect(fromFile.defines.PUBLISH_COOKED).toBe(false)
    expect(validateProfile(fromFile).notes.some((n) => /PUBLISH_COOKED/.test(n))).toBe(false)
    expect(mergeProfile({ name: 'x' }, null, 'x').defines.PUBLISH_COOKED).toBe(true)
    expect(errs({ ...p, settings: { ...p.settings, firmware: 'tasmota' as never } }).firmware).toMatch(
      /must be one of smartyreader-v1\.5, smartyreader-v1\.6, smartyreader-v1\.7, esphome-dsmr/
    )
  })
})

describe('ESPHome', () => {
  it('dsmr with the decryption key by reference; secrets.yaml holds the values', () => {
    const p = profile()
    const y = writeEsphomeYaml(p)
    expect(y).toContain('dsmr:\n  uart_id: uart_p1\n  decryption_key: !secret p1_decryption_key\n')
    expect(y).toContain('esp8266:\n  board: d1_mini_pro')
    expect(y).toContain('    number: GPIO3\n    inverted: true')
    expect(y).toContain('logger:\n  baud_rate: 0')
    expect(y).toContain('  manual_ip:\n    static_ip: 192.168.1.77')
    expect(y).toContain('  topic_prefix: "weber/smarty"')
    expect(y).toContain('  password: !secret mqtt_password')
    // the ESPHome docs' names, which the MQTT verifier and the live source recognise
    expect(y).toContain('    energy_delivered_lux:\n      name: "Energy Consumed Luxembourg"')
    expect(y).toContain('    voltage_l1:\n      name: "Voltage Phase 1"')
    expect(y).toContain('    timestamp:\n      name: "Timestamp"')
    // left out: fields.h reads 0-0:96.1.1 for equipment_id (a Smarty sends 0-0:42.0.0); gas only as a comment
    // (an empty M-Bus channel's value has no unit and makes the dsmr component reject the telegram)
    expect(y).not.toMatch(/^ {4}equipment_id:/m)
    expect(y).not.toMatch(/^ {4}reactive_power_delivered:/m)
    expect(y).toContain('    # gas_delivered:')
    expect(y).not.toContain('7C2A93E0')
    const sec = writeEsphomeSecrets(p)
    expect(sec).toContain('p1_decryption_key: "7C2A93E0B8D14F6A5E0C3B9D21F4A786"')
    expect(sec).toContain('mqtt_password: "p@ss\\"word"')
  })

  it('inline secrets and the ESP32 MiniKit pin', () => {
    const y = writeEsphomeYaml({ ...profile(), board: 'esp32' }, { secrets: 'inline' })
    expect(y).toContain('  decryption_key: "7C2A93E0B8D14F6A5E0C3B9D21F4A786"')
    expect(y).toContain('esp32:\n  board: mhetesp32minikit')
    expect(y).toContain('    number: GPIO1')
  })
})
