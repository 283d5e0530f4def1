/**
 * A Luxembourg household behind a Sagemcom T210-D "Smarty", as a deterministic model:
 * day-profile base load, appliance switching (kettle, oven, washing machine, heat pump),
 * optional PV export around noon, three phases, voltages drifting around 230 V,
 * counters that integrate power over time. Produces telegrams in the 2020+ Smarty layout
 * (object order, digit counts and units as in the published real telegrams; Luxmetering
 * E-Meter P1 spec v1.1.3 Table 3.1) with a valid CRC-16/ARC (DSMR 5.0.2 §6.12).
 */
import { crc16Arc, formatCrc } from '../p1/crc16'

/** Options of {@link SmartyModel}. */
export interface SmartyModelOptions {
  /** PRNG seed (same seed, same start → same telegrams). */
  seed?: number
  /** Meter ID sent (hex-encoded) in 0-0:42.0.0, 16 characters, e.g. "SAG1030700089067". */
  meterId?: string
  /** Photovoltaic installation on the roof (export around noon), peak kW. 0 = none. */
  pvPeakKW?: number
  /** Add an M-Bus gas meter on channel 1. */
  mbusGas?: boolean
  /** Initial counters, kWh / kvarh / m3. */
  importKWh?: number
  exportKWh?: number
  gasM3?: number
}

/** Per-phase instantaneous values (kW, kvar, V, A). */
export interface PhaseState {
  importKW: number
  exportKW: number
  qImportKvar: number
  qExportKvar: number
  voltageV: number
  currentA: number
}

/** mulberry32: small deterministic PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0))
  return last.getUTCDate() - last.getUTCDay()
}

/** Is this instant in EU summer time (CEST)? Last Sunday of March/October, 01:00 UTC. */
export function isLuxembourgSummerTime(t: Date): boolean {
  const y = t.getUTCFullYear()
  const ms = t.getTime()
  return ms >= Date.UTC(y, 2, lastSundayUtc(y, 2), 1) && ms < Date.UTC(y, 9, lastSundayUtc(y, 9), 1)
}

/** Local Luxembourg wall time as a UTC-based Date plus the DSMR W/S flag. */
export function luxembourgLocal(t: Date): { local: Date; flag: 'S' | 'W' } {
  const summer = isLuxembourgSummerTime(t)
  return { local: new Date(t.getTime() + (summer ? 2 : 1) * 3600_000), flag: summer ? 'S' : 'W' }
}

/** DSMR timestamp `YYMMDDhhmmssX` (X = S summer / W winter) of an instant in Luxembourg. */
export function dsmrTimestamp(t: Date): string {
  const { local, flag } = luxembourgLocal(t)
  const p = (n: number): string => String(n).padStart(2, '0')
  return (
    p(local.getUTCFullYear() % 100) +
    p(local.getUTCMonth() + 1) +
    p(local.getUTCDate()) +
    p(local.getUTCHours()) +
    p(local.getUTCMinutes()) +
    p(local.getUTCSeconds()) +
    flag
  )
}

/** Fixed-width decimal as Smarty prints it: `fixed(6.695, 6, 3)` → "000006.695". */
function fixed(v: number, intDigits: number, decimals: number): string {
  const s = Math.max(0, v).toFixed(decimals)
  const [i, d] = s.split('.')
  return i.padStart(intDigits, '0') + (decimals > 0 ? '.' + d : '')
}

interface Appliance {
  name: string
  kW: number
  phase: 0 | 1 | 2 | 3 // 3 = all three phases
  /** Probability of switching on per hour at a given local hour. */
  onRate: (hour: number) => number
  /** Mean on-time, s. */
  meanOnS: number
  offAt: number
}

/** The household. Call {@link step} with the elapsed time, then {@link telegram}. */
export class SmartyModel {
  readonly meterId: string
  readonly phases: [PhaseState, PhaseState, PhaseState]
  /** Counters: kWh, kvarh. */
  importKWh: number
  exportKWh: number
  qImportKvarh: number
  qExportKvarh: number
  /** Gas counter, m3 (M-Bus channel 1), and the time of its last reading (every 5 min). */
  gasM3: number
  gasReadAt: Date | null = null
  powerFailures = 3
  sags: [number, number, number] = [1, 2, 1]
  swells: [number, number, number] = [0, 0, 0]
  private readonly rand: () => number
  private readonly pvPeakKW: number
  private readonly mbusGas: boolean
  private readonly appliances: Appliance[]
  private voltageDrift: [number, number, number] = [0, 0, 0]
  private gasSince = 0

  constructor(opts: SmartyModelOptions = {}) {
    this.rand = prng(opts.seed ?? 1)
    this.meterId = (opts.meterId ?? 'SAG1030700089067').padEnd(16, '0').slice(0, 16)
    this.pvPeakKW = opts.pvPeakKW ?? 0
    this.mbusGas = opts.mbusGas ?? false
    this.importKWh = opts.importKWh ?? 4821.337
    this.exportKWh = opts.exportKWh ?? 1290.102
    this.qImportKvarh = 312.845
    this.qExportKvarh = 1488.02
    this.gasM3 = opts.gasM3 ?? 7261.514
    const evening = (h: number): number => (h >= 17 && h < 21 ? 0.8 : h >= 6 && h < 9 ? 0.6 : h >= 23 || h < 6 ? 0.02 : 0.2)
    this.appliances = [
      { name: 'kettle', kW: 2.2, phase: 1, onRate: evening, meanOnS: 150, offAt: 0 },
      { name: 'oven', kW: 3.4, phase: 3, onRate: (h) => (h >= 11 && h < 13 ? 0.4 : h >= 18 && h < 20 ? 0.7 : 0.01), meanOnS: 2400, offAt: 0 },
      { name: 'washing machine', kW: 2.0, phase: 2, onRate: (h) => (h >= 9 && h < 20 ? 0.12 : 0), meanOnS: 3600, offAt: 0 },
      { name: 'dishwasher', kW: 1.8, phase: 3, onRate: (h) => (h >= 20 && h < 23 ? 0.3 : 0.01), meanOnS: 3000, offAt: 0 },
      { name: 'heat pump', kW: 2.6, phase: 3, onRate: (h) => (h >= 5 && h < 23 ? 0.5 : 0.25), meanOnS: 1800, offAt: 0 },
      { name: 'hob', kW: 1.5, phase: 1, onRate: evening, meanOnS: 900, offAt: 0 }
    ]
    this.phases = [0, 1, 2].map(() => ({ importKW: 0, exportKW: 0, qImportKvar: 0, qExportKvar: 0, voltageV: 230, currentA: 0 })) as [
      PhaseState,
      PhaseState,
      PhaseState
    ]
  }

  /** Total import / export active power now, kW. */
  get importKW(): number {
    return Math.max(0, this.netKW())
  }
  get exportKW(): number {
    return Math.max(0, -this.netKW())
  }
  private netKW(): number {
    return this.phases.reduce((s, p) => s + p.importKW - p.exportKW, 0)
  }

  /**
   * Advance the model to instant `now`, `dtSeconds` after the previous step: switch
   * appliances, recompute per-phase power, voltage, current, and integrate the counters
   * with the power that held during the interval.
   */
  step(now: Date, dtSeconds: number): void {
    const dt = Math.max(0, dtSeconds)
    // counters integrate the power of the elapsed interval (held since the last step)
    for (const p of this.phases) {
      this.importKWh += (p.importKW * dt) / 3600
      this.exportKWh += (p.exportKW * dt) / 3600
      this.qImportKvarh += (p.qImportKvar * dt) / 3600
      this.qExportKvarh += (p.qExportKvar * dt) / 3600
    }
    const { local } = luxembourgLocal(now)
    const hour = local.getUTCHours() + local.getUTCMinutes() / 60
    const t = now.getTime()
    for (const a of this.appliances) {
      if (a.offAt > t) continue
      if (this.rand() < (a.onRate(Math.floor(hour)) * dt) / 3600) {
        a.offAt = t + a.meanOnS * 1000 * (0.5 + this.rand())
      }
    }
    const load = [0.06, 0.05, 0.07]
    // base load: fridge, standby, lights in the evening
    const base = hour < 6 ? 0.25 : hour < 17 ? 0.35 : hour < 23 ? 0.6 : 0.3
    for (let i = 0; i < 3; i++) load[i] += (base / 3) * (0.85 + 0.3 * this.rand())
    for (const a of this.appliances) {
      if (a.offAt <= t) continue
      if (a.phase === 3) for (let i = 0; i < 3; i++) load[i] += a.kW / 3
      else load[a.phase - 1] += a.kW
    }
    // PV: half-sine between sunrise and sunset, season-dependent, with passing clouds
    const doy = Math.floor((t - Date.UTC(local.getUTCFullYear(), 0, 1)) / 86400_000)
    const season = 0.55 + 0.45 * Math.cos(((doy - 172) / 365) * 2 * Math.PI)
    const sunrise = 8 - 2.2 * season
    const sunset = 17 + 4.5 * season
    let pv = 0
    if (this.pvPeakKW > 0 && hour > sunrise && hour < sunset) {
      pv = this.pvPeakKW * season * Math.sin((Math.PI * (hour - sunrise)) / (sunset - sunrise)) * (0.75 + 0.25 * this.rand())
    }
    const vNominal = 230
    for (let i = 0; i < 3; i++) {
      this.voltageDrift[i] = Math.max(-6, Math.min(6, this.voltageDrift[i] + (this.rand() - 0.5) * 0.6))
      const net = load[i] - pv / 3
      const p = this.phases[i]
      p.importKW = round3(Math.max(0, net))
      p.exportKW = round3(Math.max(0, -net))
      // inductive loads draw some reactive power; the inverter pushes a little back
      p.qImportKvar = round3(Math.max(0, net) * 0.12)
      p.qExportKvar = round3(Math.max(0, -net) * 0.03)
      // voltage sags with local load and rises with export
      p.voltageV = Math.round((vNominal + 2 + this.voltageDrift[i] - net * 0.9) * 10) / 10
      const sKVA = Math.hypot(net, p.qImportKvar - p.qExportKvar)
      p.currentA = Math.round((sKVA * 1000) / p.voltageV)
    }
    if (this.mbusGas) {
      const heating = hour >= 5 && hour < 23 ? 0.35 : 0.12 // m3/h
      this.gasM3 += (heating * (1 - 0.5 * season) * dt) / 3600
      this.gasSince += dt
      if (this.gasReadAt === null || this.gasSince >= 300) {
        this.gasSince = 0
        this.gasReadAt = new Date(Math.floor(t / 300_000) * 300_000)
      }
    }
  }

  /** The telegram of instant `now` (`/Lux5…` … `!CRC\r\n`, CR LF line ends). */
  telegram(now: Date): Buffer {
    const hexId = Buffer.from(this.meterId, 'latin1').toString('hex').toUpperCase()
    const [l1, l2, l3] = this.phases
    const sum = (f: (p: PhaseState) => number): number => (l1 ? f(l1) + f(l2) + f(l3) : 0)
    const kw = (v: number): string => fixed(v, 2, 3)
    const impKW = sum((p) => p.importKW)
    const expKW = sum((p) => p.exportKW)
    const lines = [
      '/Lux5\\253663653_B',
      '',
      '1-3:0.2.8(42)',
      `0-0:1.0.0(${dsmrTimestamp(now)})`,
      `0-0:42.0.0(${hexId})`,
      `1-0:1.8.0(${fixed(this.importKWh, 6, 3)}*kWh)`,
      `1-0:2.8.0(${fixed(this.exportKWh, 6, 3)}*kWh)`,
      `1-0:3.8.0(${fixed(this.qImportKvarh, 6, 3)}*kvarh)`,
      `1-0:4.8.0(${fixed(this.qExportKvarh, 6, 3)}*kvarh)`,
      `1-0:1.7.0(${kw(impKW)}*kW)`,
      `1-0:2.7.0(${kw(expKW)}*kW)`,
      `1-0:3.7.0(${kw(sum((p) => p.qImportKvar))}*kvar)`,
      `1-0:4.7.0(${kw(sum((p) => p.qExportKvar))}*kvar)`,
      '0-0:17.0.0(069.0*kVA)',
      `1-0:9.7.0(${kw(
        Math.hypot(
          impKW,
          sum((p) => p.qImportKvar)
        )
      )}*kVA)`,
      `1-0:10.7.0(${kw(
        Math.hypot(
          expKW,
          sum((p) => p.qExportKvar)
        )
      )}*kVA)`,
      '1-1:31.4.0(100*A)(-100*A)',
      '0-0:96.3.10(1)',
      '0-1:96.3.10(0)',
      '0-2:96.3.10(0)',
      `0-0:96.7.21(${fixed(this.powerFailures, 5, 0)})`,
      `1-0:32.32.0(${fixed(this.sags[0], 5, 0)})`,
      `1-0:52.32.0(${fixed(this.sags[1], 5, 0)})`,
      `1-0:72.32.0(${fixed(this.sags[2], 5, 0)})`,
      `1-0:32.36.0(${fixed(this.swells[0], 5, 0)})`,
      `1-0:52.36.0(${fixed(this.swells[1], 5, 0)})`,
      `1-0:72.36.0(${fixed(this.swells[2], 5, 0)})`,
      '0-0:96.13.0()',
      '0-0:96.13.2()',
      '0-0:96.13.3()',
      '0-0:96.13.4()',
      '0-0:96.13.5()',
      `1-0:32.7.0(${fixed(l1.voltageV, 3, 1)}*V)`,
      `1-0:52.7.0(${fixed(l2.voltageV, 3, 1)}*V)`,
      `1-0:72.7.0(${fixed(l3.voltageV, 3, 1)}*V)`,
      `1-0:31.7.0(${fixed(l1.currentA, 3, 0)}*A)`,
      `1-0:51.7.0(${fixed(l2.currentA, 3, 0)}*A)`,
      `1-0:71.7.0(${fixed(l3.currentA, 3, 0)}*A)`,
      ...this.phases.map((p, i) => `1-0:${21 + 20 * i}.7.0(${kw(p.importKW)}*kW)`),
      ...this.phases.map((p, i) => `1-0:${22 + 20 * i}.7.0(${kw(p.exportKW)}*kW)`),
      ...this.phases.map((p, i) => `1-0:${23 + 20 * i}.7.0(${kw(p.qImportKvar)}*kvar)`),
      ...this.phases.map((p, i) => `1-0:${24 + 20 * i}.7.0(${kw(p.qExportKvar)}*kvar)`)
    ]
    if (this.mbusGas) {
      lines.push(
        '0-1:24.1.0(003)',
        `0-1:96.1.0(${Buffer.from('FLO1823701' + this.meterId.slice(-5), 'latin1')
          .toString('hex')
          .toUpperCase()})`,
        `0-1:24.2.1(${dsmrTimestamp(this.gasReadAt ?? now)})(${fixed(this.gasM3, 5, 3)}*m3)`,
        '0-1:24.4.0(1)'
      )
    }
    const body = Buffer.from(lines.join('\r\n') + '\r\n!', 'latin1')
    return Buffer.concat([body, Buffer.from(formatCrc(crc16Arc(body)) + '\r\n', 'latin1')])
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000
}
