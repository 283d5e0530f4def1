/**
 * What ESPHome's `dsmr` component publishes over MQTT for a Smarty, and how its sensors map to
 * OBIS codes. Sources (github.com/esphome/esphome, esphome/components/dsmr): `fields.h` (the
 * field → OBIS code and unit table, values parsed as fixed-point thousandths and handed out as
 * `float`), `sensor.py` / `text_sensor.py` (keys, `accuracy_decimals`), `dsmr.cpp`
 * (`publish_sensors()`: every configured field present in a telegram, on every telegram); the
 * ESPHome docs page "DSMR Component" (esphome.io/components/sensor/dsmr) for the sensor
 * descriptions, which are the names its examples use ("Energy Consumed Luxembourg",
 * "Power Consumed", "Voltage Phase 1" …) and which P1 Studio writes as the default names.
 *
 * MQTT (ESPHome `mqtt:` component): `<topic_prefix>/sensor/<object id>/state` and
 * `<topic_prefix>/text_sensor/<object id>/state`, retained by default; the object id is the
 * name in snake case with anything but `a-z0-9_-` replaced by `_`. A sensor state is the float
 * printed with its accuracy decimals (`value_accuracy_to_string`, "%.3f" for kWh and kW, "%.1f"
 * for V and A, "%.0f" for counters); a text sensor is the text as sent (the timestamp raw, e.g.
 * "260302120000W"; the M-Bus id as the meter's hex, not decoded). The component also publishes
 * `<topic_prefix>/status` ("online", retained) and its log lines on `<topic_prefix>/debug`.
 */

/** One `dsmr` sensor or text sensor. */
export interface EsphomeDsmrField {
  /** Key in the YAML and in fields.h, e.g. "energy_delivered_lux". */
  key: string
  kind: 'sensor' | 'text_sensor'
  /** OBIS code fields.h reads ("" for the identification line). */
  obis: string
  /** Unit of the published value (fields.h unit; as the OBIS unit in the telegram). */
  unit: string | null
  /** sensor.py `accuracy_decimals` (null for text sensors). */
  decimals: number | null
  /** The ESPHome docs' description, used as the name P1 Studio writes. */
  name: string
  /**
   * A Smarty telegram parses with this field configured. False where fields.h expects another
   * unit than the Smarty sends (0-0:17.0.0 in kW, the per-phase reactive powers without unit):
   * the component then rejects the whole telegram ("Invalid unit" / "Extra data").
   */
  smarty: boolean
}

type Row = [key: string, kind: EsphomeDsmrField['kind'], obis: string, unit: string | null, decimals: number | null, name: string, smarty?: boolean]

/**
 * The L1, L2, L3 sensors of one quantity: key `<key>_l<n>`, OBIS `1-0:<c + 20 n>.<rest>` (IEC
 * 62056-61: a phase's value group C is the total's plus 20, 40, 60: 12 → 32, 52, 72), name with
 * `#` replaced by the phase number.
 */
function phases(key: string, c: number, rest: string, unit: string | null, decimals: number, name: string, smarty?: boolean): Row[] {
  return [1, 2, 3].map((n) => [`${key}_l${n}`, 'sensor', `1-0:${c + 20 * n}.${rest}`, unit, decimals, name.replace('#', String(n)), smarty])
}

const ROWS: Row[] = [
  ['energy_delivered_lux', 'sensor', '1-0:1.8.0', 'kWh', 3, 'Energy Consumed Luxembourg'],
  ['energy_returned_lux', 'sensor', '1-0:2.8.0', 'kWh', 3, 'Energy Produced Luxembourg'],
  ['total_imported_energy', 'sensor', '1-0:3.8.0', 'kvarh', 3, 'Total Imported Energy'],
  ['total_exported_energy', 'sensor', '1-0:4.8.0', 'kvarh', 3, 'Total Exported Energy'],
  ['power_delivered', 'sensor', '1-0:1.7.0', 'kW', 3, 'Power Consumed'],
  ['power_returned', 'sensor', '1-0:2.7.0', 'kW', 3, 'Power Produced'],
  ['reactive_power_delivered', 'sensor', '1-0:3.7.0', 'kvar', 3, 'Reactive Power Consumed'],
  ['reactive_power_returned', 'sensor', '1-0:4.7.0', 'kvar', 3, 'Reactive Power Produced'],
  ['electricity_threshold', 'sensor', '0-0:17.0.0', 'kW', 3, 'Electricity Threshold', false],
  ['electricity_switch_position', 'sensor', '0-0:96.3.10', null, 3, 'Electricity Switch Position'],
  ['electricity_failures', 'sensor', '0-0:96.7.21', null, 0, 'Electricity Failures'],
  ['electricity_long_failures', 'sensor', '0-0:96.7.9', null, 0, 'Long Electricity Failures'],
  ...phases('electricity_sags', 12, '32.0', null, 0, 'Number of voltage sags in phase L#'),
  ...phases('electricity_swells', 12, '36.0', null, 0, 'Number of voltage swells in phase L#'),
  ...phases('current', 11, '7.0', 'A', 1, 'Current Phase #'),
  ...phases('power_delivered', 1, '7.0', 'kW', 3, 'Power Consumed Phase #'),
  ...phases('power_returned', 2, '7.0', 'kW', 3, 'Power Produced Phase #'),
  ...phases('reactive_power_delivered', 3, '7.0', 'kvar', 3, 'Reactive Power Consumed Phase #', false),
  ...phases('reactive_power_returned', 4, '7.0', 'kvar', 3, 'Reactive Power Produced Phase #', false),
  ...phases('voltage', 12, '7.0', 'V', 1, 'Voltage Phase #'),
  ['gas_delivered', 'sensor', '0-1:24.2.1', 'm3', 3, 'Gas Consumed'],
  ['identification', 'text_sensor', '', null, null, 'DSMR Identification'],
  ['p1_version', 'text_sensor', '1-3:0.2.8', null, null, 'DSMR Version'],
  ['timestamp', 'text_sensor', '0-0:1.0.0', null, null, 'Timestamp'],
  ['message_long', 'text_sensor', '0-0:96.13.0', null, null, 'Message Long'],
  ['gas_equipment_id', 'text_sensor', '0-1:96.1.0', null, null, 'Gas Equipment ID']
]

/** The dsmr fields a Smarty telegram can fill, with their OBIS codes, units and accuracy. */
export const ESPHOME_DSMR_FIELDS: readonly EsphomeDsmrField[] = ROWS.map(([key, kind, obis, unit, decimals, name, smarty]) => ({
  key,
  kind,
  obis,
  unit,
  decimals,
  name,
  smarty: smarty !== false
}))

/**
 * ESPHome's object id of an entity name (`str_sanitize(str_snake_case(name))`): lower case,
 * spaces to `_`, anything but `a-z0-9_-` to `_`. "Voltage Phase 1" → "voltage_phase_1".
 */
export function esphomeObjectId(name: string): string {
  return name
    .toLowerCase()
    .replace(/ /g, '_')
    .replace(/[^a-z0-9_-]/g, '_')
}

/**
 * Object id → field, for the names P1 Studio writes (the docs' descriptions), the bare keys
 * (a common choice: `name: energy_delivered_lux`) and the keys with a "dsmr_" prefix (the docs'
 * DSMR 2.2 example).
 */
export const ESPHOME_FIELD_BY_OBJECT_ID: ReadonlyMap<string, EsphomeDsmrField> = new Map(
  ESPHOME_DSMR_FIELDS.flatMap((f) => [
    [esphomeObjectId(f.name), f],
    [f.key, f],
    [`dsmr_${f.key}`, f]
  ])
)

/**
 * A sensor state as ESPHome prints it: the fixed-point reading as a 32-bit float
 * (`FixedValue::val()`), then "%.*f" with the accuracy decimals.
 */
export function esphomeState(value: number, decimals: number): string {
  return Math.fround(value).toFixed(decimals)
}
