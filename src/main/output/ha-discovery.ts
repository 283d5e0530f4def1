/**
 * Home Assistant MQTT discovery documents for a meter's values: one `sensor` per value at
 * `<discovery prefix>/sensor/<node_id>/<object_id>/config`, grouped under one device per
 * meter, available while P1 Studio's `<prefix>/status` says `online` (birth message, and the
 * broker's will `offline` when P1 Studio vanishes). Pure: documents in, no I/O.
 *
 * Schema: Home Assistant "MQTT Discovery" and "MQTT Sensor" (home-assistant.io/integrations/
 * mqtt, /integrations/sensor.mqtt): name, unique_id, state_topic, value_template,
 * unit_of_measurement, device_class, state_class, entity_category, availability_topic,
 * payload_available, payload_not_available, device {identifiers, name, manufacturer, model,
 * serial_number}, origin {name, sw_version, support_url}. Device classes and their units as
 * homeassistant/components/sensor/const.py (DEVICE_CLASS_UNITS) accepts them: energy in kWh or
 * GJ, power in kW, voltage in V, current in A, gas and water in m³; reactive (kvar, kvarh) and
 * apparent (kVA) values get no device class (older Home Assistant accepts only var and VA
 * there) but keep their unit and state class. Counters of the meter (energy, failures, M-Bus
 * indexes) are `total_increasing`, instantaneous values `measurement`.
 */
import type { NamedValue, TelegramIdentity } from './telegram-values'

/** A sensor's discovery document (Home Assistant MQTT sensor schema, full key names). */
export interface HaSensorConfig {
  name: string
  unique_id: string
  state_topic: string
  value_template: string
  unit_of_measurement?: string
  device_class?: string
  state_class?: 'measurement' | 'total_increasing'
  entity_category?: 'diagnostic'
  suggested_display_precision?: number
  availability_topic: string
  payload_available: string
  payload_not_available: string
  device: {
    identifiers: string[]
    name: string
    manufacturer?: string
    model?: string
    serial_number: string
  }
  origin: { name: string; sw_version: string; support_url?: string }
}

/** Where the documents point to. */
export interface HaDiscoveryContext {
  /** Home Assistant's discovery prefix (default "homeassistant"). */
  discoveryPrefix: string
  /** P1 Studio's topic prefix: states at `<prefix>/<name>`, availability at `<prefix>/status`. */
  prefix: string
  appVersion: string
  supportUrl?: string
}

/** Manufacturer FLAG ids (the first three letters of the system title or identification line). */
const FLAG: Record<string, string> = {
  SAG: 'Sagemcom',
  KFM: 'Kaifa',
  ISK: 'Iskraemeco',
  LGZ: 'Landis+Gyr',
  LGF: 'Landis+Gyr',
  KAM: 'Kamstrup',
  ESY: 'EasyMeter',
  EBZ: 'eBZ',
  XMX: 'Xemex',
  ELS: 'Elster',
  ZIV: 'ZIV'
}

/**
 * The manufacturer of a meter from its FLAG id: the system title ("SAG…"), the meter id
 * (0-0:42.0.0 "SAG1030700…" on a Smarty, whose identification line says "Lux") or the
 * identification line ("ISk5…").
 */
export function manufacturerOf(id: TelegramIdentity): string | undefined {
  const fromTitle = id.systemTitle ? Buffer.from(id.systemTitle.slice(0, 6), 'hex').toString('latin1') : ''
  for (const flag of [fromTitle, id.meterId.slice(0, 3), id.identification.slice(0, 3)]) {
    const m = FLAG[flag.toUpperCase()]
    if (m) return m
  }
  return undefined
}

/** A Home Assistant id part: letters, digits, _ and - only. */
export function haId(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'unknown'
}

/** Device class, unit, state class… of a value. */
function sensorMeta(
  v: NamedValue,
  values: NamedValue[]
): Pick<HaSensorConfig, 'unit_of_measurement' | 'device_class' | 'state_class' | 'entity_category' | 'suggested_display_precision'> {
  const unit = v.unit ?? undefined
  switch (v.kind) {
    case 'energy':
      return unit === 'kWh' || unit === 'GJ'
        ? { unit_of_measurement: unit, device_class: 'energy', state_class: 'total_increasing', suggested_display_precision: 3 }
        : { unit_of_measurement: unit, state_class: 'total_increasing' }
    case 'reactive_energy':
      return { unit_of_measurement: unit, state_class: 'total_increasing', suggested_display_precision: 3 }
    case 'power':
      return unit === 'kW'
        ? { unit_of_measurement: 'kW', device_class: 'power', state_class: 'measurement', suggested_display_precision: 3 }
        : { unit_of_measurement: unit, state_class: 'measurement' }
    case 'reactive_power':
      return { unit_of_measurement: unit, state_class: 'measurement', suggested_display_precision: 3 }
    case 'apparent_power':
      // SMAX is the connection's limit, not a measurement
      return v.name === 'power_limit'
        ? { unit_of_measurement: unit, entity_category: 'diagnostic' }
        : { unit_of_measurement: unit, state_class: 'measurement', suggested_display_precision: 3 }
    case 'voltage':
      return { unit_of_measurement: 'V', device_class: 'voltage', state_class: 'measurement', suggested_display_precision: 1 }
    case 'current':
      return { unit_of_measurement: 'A', device_class: 'current', state_class: 'measurement' }
    case 'frequency':
      return { unit_of_measurement: unit ?? 'Hz', device_class: 'frequency', state_class: 'measurement' }
    case 'power_factor':
      return { device_class: 'power_factor', state_class: 'measurement' }
    case 'count':
      return { state_class: 'total_increasing', entity_category: 'diagnostic' }
    case 'timestamp':
      return { device_class: 'timestamp', entity_category: 'diagnostic' }
    case 'mbus_reading': {
      if (unit === 'GJ') return { unit_of_measurement: 'GJ', device_class: 'energy', state_class: 'total_increasing', suggested_display_precision: 3 }
      if (unit !== 'm3') return { unit_of_measurement: unit, state_class: 'total_increasing' }
      // DSMR device types (0-n:24.1.0): 3 gas, 7 and 8 water
      const type = Number(values.find((x) => x.channel === v.channel && x.name.endsWith('device_type'))?.value)
      return {
        unit_of_measurement: 'm³',
        device_class: type === 7 || type === 8 ? 'water' : 'gas',
        state_class: 'total_increasing',
        suggested_display_precision: 3
      }
    }
    case 'state':
      return { entity_category: 'diagnostic' }
    case 'text':
      return v.name.startsWith('message') ? {} : { entity_category: 'diagnostic' }
  }
}

/** The node id of a meter's device: "p1studio_<meter id>". */
export function haNodeId(meterId: string): string {
  return `p1studio_${haId(meterId)}`
}

/**
 * Discovery documents for the values of one meter.
 * @returns topic (`<discoveryPrefix>/sensor/<node_id>/<object_id>/config`) and document per value.
 */
export function haDiscoveryConfigs(id: TelegramIdentity, values: NamedValue[], ctx: HaDiscoveryContext): { topic: string; config: HaSensorConfig }[] {
  const nodeId = haNodeId(id.meterId)
  const manufacturer = manufacturerOf(id)
  const device: HaSensorConfig['device'] = {
    identifiers: [nodeId],
    name: `${manufacturer ?? 'P1'} meter ${id.meterId}`,
    ...(manufacturer ? { manufacturer } : {}),
    ...(id.identification ? { model: id.identification } : {}),
    serial_number: id.meterId
  }
  const origin = { name: 'P1 Studio', sw_version: ctx.appVersion, ...(ctx.supportUrl ? { support_url: ctx.supportUrl } : {}) }
  return values.map((v) => {
    const objectId = haId(v.name)
    const config: HaSensorConfig = {
      name: v.label,
      unique_id: `${nodeId}_${objectId}`,
      state_topic: `${ctx.prefix}/${v.name}`,
      value_template: '{{ value }}',
      ...sensorMeta(v, values),
      availability_topic: `${ctx.prefix}/status`,
      payload_available: 'online',
      payload_not_available: 'offline',
      device,
      origin
    }
    for (const k of Object.keys(config) as (keyof HaSensorConfig)[]) if (config[k] === undefined) delete config[k]
    return { topic: `${ctx.discoveryPrefix}/sensor/${nodeId}/${objectId}/config`, config }
  })
}
