/**
 * What the SmartyReader firmware generations publish over MQTT, and how their names map to
 * OBIS codes. Tables from github.com/weigu1/SmartyReader:
 *
 * - v1.7: config.h (`Dsmr_field dsmr[]`, 54 rows; `calculated calculated_parameter[]`, 62 rows)
 *   and SmartyReader_v1_7.ino (Arduino/SmartyReader_P1_WiFi_Ethernet/SmartyReader_v1_7);
 * - v1.6: the same `dsmr[]` table, 45 calculated rows where rows 2 and 3 are named
 *   `…_cumul_day_kWh` but hold Wh (Arduino/SmartyReader_P1_WiFi/SmartyReader_v1_6/config.h and
 *   SmartyReader_v1_6.ino: `calculated_parameter[2].value = energy_consumption_cumul_day` in Wh);
 * - v1.5: its own 51-row `dsmr[]` in SmartyReader_v1_5.ino (no gas device/valve/id rows,
 *   gas_index before the limiter and the voltages), published without units in the topic.
 *
 * v1.6 and v1.7 publish alike:
 *
 * - `mqtt_publish_all()` (PUBLISH_COOKED off): every DSMR field with a value and publish 'y'
 *   under `TOPIC/<name>_<unit>` (or `TOPIC/<name>` when the unit is empty), e.g.
 *   `lamsmarty/act_pwr_imported_p_plus_kW`; 'f' values as Arduino `String(double)` (2
 *   decimals), 'i' as integers, 's' as text (timestamp as "2020-07-06T10:31:40", meter id
 *   decoded); then every calculated value with 'y' under `TOPIC/<name>`; with GET_NTP_TIME
 *   also `TOPIC/ntp_datetime`.
 * - `mqtt_publish_cooked()` (PUBLISH_COOKED on: v1.7's default, off in v1.6): one JSON object on
 *   `TOPIC`: ntp_datetime (GET_NTP_TIME), smarty_datetime (dsmr[2]), smarty_id (dsmr[3]) and
 *   the calculated values with 'y'. Calculated powers are in W (OBIS kW × 1000), energies kWh.
 */

/** One row of the sketch's `dsmr[]` table. */
export interface DsmrField {
  nr: number
  /** Name as published, e.g. "act_pwr_imported_p_plus". */
  name: string
  /** OBIS code the sketch searches in the telegram ("" for the identification line). */
  obis: string
  unit: string
  /** 's' string, 'f' double, 'i' integer, ' ' raw. */
  type: 's' | 'f' | 'i' | ' '
  publish: 'y' | 'n'
}

type D = [string, string, string, DsmrField['type']]
const DSMR: D[] = [
  ['identification', '', '', 's'],
  ['p1_version', '1-3:0.2.8', '', 's'],
  ['timestamp', '0-0:1.0.0', '', 's'],
  ['equipment_id', '0-0:42.0.0', '', 's'],
  ['act_energy_imported_p_plus', '1-0:1.8.0', 'kWh', 'f'],
  ['act_energy_exported_p_minus', '1-0:2.8.0', 'kWh', 'f'],
  ['react_energy_imported_q_plus', '1-0:3.8.0', 'kvarh', 'f'],
  ['react_energy_exported_q_minus', '1-0:4.8.0', 'kvarh', 'f'],
  ['act_pwr_imported_p_plus', '1-0:1.7.0', 'kW', 'f'],
  ['act_pwr_exported_p_minus', '1-0:2.7.0', 'kW', 'f'],
  ['react_pwr_imported_q_plus', '1-0:3.7.0', 'kvar', 'f'],
  ['react_pwr_exported_q_minus', '1-0:4.7.0', 'kvar', 'f'],
  ['active_threshold_smax', '0-0:17.0.0', 'kVA', 'f'],
  ['breaker_ctrl_state_0', '0-0:96.3.10', '', 'i'],
  ['num_pwr_failures', '0-0:96.7.21', '', 'i'],
  ['num_volt_sags_l1', '1-0:32.32.0', '', 'i'],
  ['num_volt_sags_l2', '1-0:52.32.0', '', 'i'],
  ['num_volt_sags_l3', '1-0:72.32.0', '', 'i'],
  ['num_volt_swells_l1', '1-0:32.36.0', '', 'i'],
  ['num_volt_swells_l2', '1-0:52.36.0', '', 'i'],
  ['num_volt_swells_l3', '1-0:72.36.0', '', 'i'],
  ['breaker_ctrl_state_0', '0-0:96.3.10', '', 'i'], // twice in the sketch (nr 13 and 21)
  ['msg_long_e_meter', '0-0:96.13.0', '', 's'],
  ['msg_long_ch2', '0-0:96.13.2', '', 's'],
  ['msg_long_ch3', '0-0:96.13.3', '', 's'],
  ['msg_long_ch4', '0-0:96.13.4', '', 's'],
  ['msg_long_ch5', '0-0:96.13.5', '', 's'],
  ['curr_l1', '1-0:31.7.0', 'A', 'f'],
  ['curr_l2', '1-0:51.7.0', 'A', 'f'],
  ['curr_l3', '1-0:71.7.0', 'A', 'f'],
  ['act_pwr_imp_p_plus_l1', '1-0:21.7.0', 'kW', 'f'],
  ['act_pwr_imp_p_plus_l2', '1-0:41.7.0', 'kW', 'f'],
  ['act_pwr_imp_p_plus_l3', '1-0:61.7.0', 'kW', 'f'],
  ['act_pwr_exp_p_minus_l1', '1-0:22.7.0', 'kW', 'f'],
  ['act_pwr_exp_p_minus_l2', '1-0:42.7.0', 'kW', 'f'],
  ['act_pwr_exp_p_minus_l3', '1-0:62.7.0', 'kW', 'f'],
  ['react_pwr_imp_q_plus_l1', '1-0:23.7.0', 'kvar', 'f'],
  ['react_pwr_imp_q_plus_l2', '1-0:43.7.0', 'kvar', 'f'],
  ['react_pwr_imp_q_plus_l3', '1-0:63.7.0', 'kvar', 'f'],
  ['react_pwr_exp_q_minus_l1', '1-0:24.7.0', 'kvar', 'f'],
  ['react_pwr_exp_q_minus_l2', '1-0:44.7.0', 'kvar', 'f'],
  ['react_pwr_exp_q_minus_l3', '1-0:64.7.0', 'kvar', 'f'],
  ['apparent_export_pwr', '1-0:10.7.0', 'kVA', 'f'],
  ['apparent_import_pwr', '1-0:9.7.0', 'kVA', 'f'],
  ['breaker_ctrl_state_1', '0-1:96.3.10', '', 'i'],
  ['breaker_ctrl_state_2', '0-2:96.3.10', '', 'i'],
  ['limiter_curr_monitor', '1-1:31.4.0', 'A', 'f'],
  ['volt_l1', '1-0:32.7.0', 'V', 'f'],
  ['volt_l2', '1-0:52.7.0', 'V', 'f'],
  ['volt_l3', '1-0:72.7.0', 'V', 'f'],
  ['gas_index', '0-1:24.2.1', 'm3', 'f'],
  ['device_Type', '0-1:24.4.0', '', ' '],
  ['mbus_ch_sw_pos', '0-1:24.1.0', '', ' '],
  ['gas_meter_id_hex', '0-1:96.1.0', '', 's']
]

/** The v1.6/v1.7 sketches' DSMR table (54 rows, nr 0–53), publish flags as shipped (all 'y'). */
export const DSMR_FIELDS: DsmrField[] = DSMR.map(([name, obis, unit, type], nr) => ({ nr, name, obis, unit, type, publish: 'y' }))

/**
 * SmartyReader_v1_5.ino's `dsmr[]` (51 rows): rows 0–45 as in v1.6/v1.7, then gas_index,
 * limiter_curr_monitor, volt_l1…l3. Same names, OBIS codes, units and types; no publish flag
 * (everything with a value is published under PUBLISH_ALL).
 */
export const DSMR_FIELDS_V15: DsmrField[] = [...DSMR.slice(0, 46).map((r) => r[0]), 'gas_index', 'limiter_curr_monitor', 'volt_l1', 'volt_l2', 'volt_l3'].map(
  (name, nr) => ({
    ...DSMR_FIELDS.find((f) => f.name === name)!,
    nr
  })
)

/** One row of the sketch's `calculated_parameter[]` table. */
export interface CalculatedField {
  nr: number
  name: string
  publish: 'y' | 'n'
}

const CALC_NAMES = [
  'energy_consumption_calc_kWh',
  'energy_production_calc_kWh',
  'energy_consumption_calc_cumul_day_Wh',
  'energy_production_calc_cumul_day_Wh',
  'power_consumption_calc_from_energy_W',
  'power_production_calc_from_energy_W',
  'power_consumption_calc_W',
  'power_consumption_calc_mean_W',
  'power_consumption_calc_max_W',
  'power_consumption_calc_min_W',
  'power_consumption_l1_calc_W',
  'power_consumption_l1_calc_mean_W',
  'power_consumption_l1_calc_max_W',
  'power_consumption_l1_calc_min_W',
  'power_consumption_l2_calc_W',
  'power_consumption_l2_calc_mean_W',
  'power_consumption_l2_calc_max_W',
  'power_consumption_l2_calc_min_W',
  'power_consumption_l3_calc_W',
  'power_consumption_l3_calc_mean_W',
  'power_consumption_l3_calc_max_W',
  'power_consumption_l3_calc_min_W',
  'power_production_calc_W',
  'power_production_calc_mean_W',
  'power_production_calc_max_W',
  'power_production_calc_min_W',
  'power_production_l1_calc_W',
  'power_production_l1_calc_mean_W',
  'power_production_l1_calc_max_W',
  'power_production_l1_calc_min_W',
  'power_production_l2_calc_W',
  'power_production_l2_calc_mean_W',
  'power_production_l2_calc_max_W',
  'power_production_l2_calc_min_W',
  'power_production_l3_calc_W',
  'power_production_l3_calc_mean_W',
  'power_production_l3_calc_max_W',
  'power_production_l3_calc_min_W',
  'power_excess_solar_calc_W',
  'power_excess_solar_calc_mean_W',
  'power_excess_solar_calc_max_W',
  'power_excess_solar_calc_min_W',
  'power_excess_solar_l1_calc_W',
  'power_excess_solar_l2_calc_W',
  'power_excess_solar_l3_calc_W',
  'gas_consumption_calc_m3',
  'gas_consumption_calc_cumul_day_m3',
  'energy_exceed_class_3kW_15min_Wh',
  'energy_exceed_class_7kW_15min_Wh',
  'energy_exceed_class_12kW_15min_Wh',
  'energy_exceed_class_3kW_day_kWh',
  'energy_exceed_class_7kW_day_kWh',
  'energy_exceed_class_12kW_day_kWh',
  'money_exceed_class_3kW_day_euro',
  'money_exceed_class_7kW_day_euro',
  'money_exceed_class_12kW_day_euro',
  'energy_exceed_class_3kW_month_kWh',
  'energy_exceed_class_7kW_month_kWh',
  'energy_exceed_class_12kW_month_kWh',
  'money_exceed_class_3kW_month_euro',
  'money_exceed_class_7kW_month_euro',
  'money_exceed_class_12kW_month_euro'
]
/** Rows the sketch ships with 'n' (the 15-minute values and everything for the 12 kW class). */
const CALC_OFF = new Set([47, 48, 49, 52, 55, 58, 61])

/** The v1.7 sketch's calculated values (62 rows, nr 0–61) with its publish flags. */
export const CALCULATED_FIELDS: CalculatedField[] = CALC_NAMES.map((name, nr) => ({ nr, name, publish: CALC_OFF.has(nr) ? 'n' : 'y' }))

/**
 * The v1.6 sketch's calculated values (45 rows, nr 0–44, all 'y'): v1.7's first 45 with rows 2
 * and 3 named `energy_…_calc_cumul_day_kWh` (their value is in Wh all the same).
 */
export const CALCULATED_FIELDS_V16: CalculatedField[] = CALC_NAMES.slice(0, 45).map((name, nr) => ({
  nr,
  name: nr === 2 ? 'energy_consumption_calc_cumul_day_kWh' : nr === 3 ? 'energy_production_calc_cumul_day_kWh' : name,
  publish: 'y'
}))

/** Calculated names only v1.7 publishes (day energy in Wh, gas, power-class excess). */
export const V17_ONLY_CALCULATED: ReadonlySet<string> = new Set(CALC_NAMES.filter((n, i) => i >= 45 || i === 2 || i === 3))
/** Calculated names only v1.6 publishes. */
export const V16_ONLY_CALCULATED: ReadonlySet<string> = new Set(['energy_consumption_calc_cumul_day_kWh', 'energy_production_calc_cumul_day_kWh'])

/** v1.5 field name → row (names are unique in v1.5 except breaker_ctrl_state_0: first row wins). */
export const V15_FIELD_BY_NAME: ReadonlyMap<string, DsmrField> = new Map([...DSMR_FIELDS_V15].reverse().map((f) => [f.name, f]))

/** The sub-topic a DSMR field is published under: "<name>_<unit>" or "<name>". */
export function fieldTopic(f: DsmrField): string {
  return f.unit ? `${f.name}_${f.unit}` : f.name
}

/** Sub-topic → DSMR field (first row wins for the duplicated breaker_ctrl_state_0). */
export const FIELD_BY_TOPIC: ReadonlyMap<string, DsmrField> = new Map([...DSMR_FIELDS].reverse().map((f) => [fieldTopic(f), f]))

/** OBIS code → DSMR field. */
export const FIELD_BY_OBIS: ReadonlyMap<string, DsmrField> = new Map(
  [...DSMR_FIELDS]
    .filter((f) => f.obis)
    .reverse()
    .map((f) => [f.obis, f])
)

/**
 * Calculated (cooked) values that are a telegram value in other units: name → OBIS code and
 * factor (calculated = OBIS value × factor), from calculate_energy_and_power() in the sketch.
 * Only the plain copies: means, min/max, day sums and class excess are the board's own.
 */
export const COOKED_TO_OBIS: Readonly<Record<string, { obis: string; factor: number; unit: string }>> = {
  energy_consumption_calc_kWh: { obis: '1-0:1.8.0', factor: 1, unit: 'kWh' },
  energy_production_calc_kWh: { obis: '1-0:2.8.0', factor: 1, unit: 'kWh' },
  power_consumption_calc_W: { obis: '1-0:1.7.0', factor: 1000, unit: 'kW' },
  power_production_calc_W: { obis: '1-0:2.7.0', factor: 1000, unit: 'kW' },
  power_consumption_l1_calc_W: { obis: '1-0:21.7.0', factor: 1000, unit: 'kW' },
  power_consumption_l2_calc_W: { obis: '1-0:41.7.0', factor: 1000, unit: 'kW' },
  power_consumption_l3_calc_W: { obis: '1-0:61.7.0', factor: 1000, unit: 'kW' },
  power_production_l1_calc_W: { obis: '1-0:22.7.0', factor: 1000, unit: 'kW' },
  power_production_l2_calc_W: { obis: '1-0:42.7.0', factor: 1000, unit: 'kW' },
  power_production_l3_calc_W: { obis: '1-0:62.7.0', factor: 1000, unit: 'kW' },
  gas_consumption_calc_m3: { obis: '0-1:24.2.1', factor: 1, unit: 'm3' }
}

/** Cooked JSON keys that carry telegram text. */
export const COOKED_TEXT_TO_OBIS: Readonly<Record<string, string>> = {
  smarty_datetime: '0-0:1.0.0',
  smarty_id: '0-0:42.0.0'
}

/**
 * A meter timestamp as the sketch publishes it: "YYYY-MM-DDThh:mm:ss" (no offset; it copies
 * the telegram's YYMMDDhhmmss). From an ISO instant with offset (the pipeline's form) the
 * local part is kept.
 */
export function firmwareTimestamp(iso: string): string {
  return iso.slice(0, 19)
}

/**
 * The meter time of a decoded telegram as the firmware names it ("YYYY-MM-DDThh:mm:ss", the
 * meter's own wall clock), from 0-0:1.0.0: its raw line when known (`0-0:1.0.0(260302120000W)`,
 * DSMR 5.0.2 §6.4 format YYMMDDhhmmssX), else the local part of the decoded ISO value. Null
 * when the telegram has none.
 */
export function meterTimeOf(objs: readonly { obis: string; value: number | string | null; raw?: string }[]): string | null {
  const o = objs.find((x) => x.obis === '0-0:1.0.0')
  if (!o) return null
  const m = o.raw ? /\((\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})[SW]?\)/.exec(o.raw) : null
  if (m) return `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`
  return typeof o.value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(o.value) ? o.value.slice(0, 19) : null
}

/**
 * The DSMR fields and cooked keys the verifier requires: the meter's id, time, and energy
 * and power in both directions (every Smarty sends them).
 */
export const REQUIRED_FIELD_TOPICS = [
  'timestamp',
  'equipment_id',
  'act_energy_imported_p_plus_kWh',
  'act_energy_exported_p_minus_kWh',
  'act_pwr_imported_p_plus_kW',
  'act_pwr_exported_p_minus_kW'
]
export const REQUIRED_COOKED_KEYS = [
  'smarty_datetime',
  'smarty_id',
  'energy_consumption_calc_kWh',
  'energy_production_calc_kWh',
  'power_consumption_calc_W',
  'power_production_calc_W'
]
