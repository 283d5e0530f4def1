/**
 * Daily energy and 15-minute demand on generated readings with a DST change day (23 h),
 * a counter gap across midnight, a missing hour and export periods, against values
 * computed independently here (different local-time code, linear scans, and the power
 * profile's own integral).
 */
import { describe, expect, it } from 'vitest'
import { dailyStats, localDate, localMidnight, monthlyStats, quarterStats, type CounterReading } from '../../../src/shared/history'

const TZ = 'Europe/Luxembourg'
const fmt = new Intl.DateTimeFormat('sv-SE', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23'
})
/** "2026-03-29 02:00" local. */
const local = (ms: number): string => fmt.format(new Date(ms)).replace('T', ' ')
const hourOf = (ms: number): number => Number(local(ms).slice(11, 13)) + Number(local(ms).slice(14, 16)) / 60

/** Import and export power (kW) at local hour h: base load, a 9 kW hour at 18:00, PV export 11–14 h. */
function power(h: number): { imp: number; exp: number } {
  if (h >= 11 && h < 14) return { imp: 0, exp: 3 }
  if (h >= 18 && h < 18 + 20 / 60) return { imp: 9, exp: 0 }
  return { imp: 0.4, exp: 0 }
}

const START = Date.parse('2026-03-27T00:00:00+01:00')
const END = Date.parse('2026-03-31T02:00:00+02:00')
const COUNTER_GAP: [number, number] = [Date.parse('2026-03-28T23:50:00+01:00'), Date.parse('2026-03-29T00:20:00+01:00')]
const MISSING_HOUR: [number, number] = [Date.parse('2026-03-30T10:00:00+02:00'), Date.parse('2026-03-30T11:00:00+02:00')]

/** Readings every 10 s; counters integrate the power even while no reading is kept. */
function generate(): { rs: CounterReading[]; integral: (a: number, b: number) => { imp: number; exp: number } } {
  const rs: CounterReading[] = []
  let imp = 1000
  let exp = 200
  const step = 10_000
  const cum: { t: number; imp: number; exp: number }[] = []
  for (let t = START; t <= END; t += step) {
    const inGap = (t >= COUNTER_GAP[0] && t < COUNTER_GAP[1]) || (t >= MISSING_HOUR[0] && t < MISSING_HOUR[1])
    if (!inGap) rs.push({ t, importKWh: Math.round(imp * 1000) / 1000, exportKWh: Math.round(exp * 1000) / 1000 })
    cum.push({ t, imp, exp })
    const p = power(hourOf(t))
    imp += (p.imp * step) / 3_600_000
    exp += (p.exp * step) / 3_600_000
  }
  const at = (t: number): { imp: number; exp: number } => cum[Math.round((t - START) / step)]
  return { rs, integral: (a, b) => ({ imp: at(b).imp - at(a).imp, exp: at(b).exp - at(a).exp }) }
}

describe('daily energy and 15-minute demand', () => {
  const { rs, integral } = generate()
  const days = dailyStats(rs, 7, 0.1139)

  it('local midnights: 24 h days, a 23 h DST day', () => {
    expect(localMidnight('2026-03-29')).toBe(Date.parse('2026-03-29T00:00:00+01:00'))
    expect(localMidnight('2026-03-30')).toBe(Date.parse('2026-03-30T00:00:00+02:00'))
    expect(localMidnight('2026-03-30') - localMidnight('2026-03-29')).toBe(23 * 3600_000)
    expect(localMidnight('2026-10-26') - localMidnight('2026-10-25')).toBe(25 * 3600_000)
    expect(localDate(Date.parse('2026-03-29T01:59:59+01:00'))).toBe('2026-03-29')
    expect(days.map((d) => d.date)).toEqual(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30', '2026-03-31'])
  })

  it('each day equals the counter difference between the first readings at or after its midnights (independent scan)', () => {
    for (const d of days) {
      // independent: first reading whose local date is >= the day, and >= the next day
      const a = rs.find((r) => local(r.t).slice(0, 10) >= d.date)!
      const b = rs.find((r) => local(r.t).slice(0, 10) > d.date)
      const expImp = b ? Math.round((b.importKWh! - a.importKWh!) * 1e6) / 1e6 : null
      const expExp = b ? Math.round((b.exportKWh! - a.exportKWh!) * 1e6) / 1e6 : null
      if (expImp === null) expect(d.importKWh, d.date).toBeNull()
      else expect(d.importKWh, d.date).toBeCloseTo(expImp, 6)
      if (expExp === null) expect(d.exportKWh, d.date).toBeNull()
      else expect(d.exportKWh, d.date).toBeCloseTo(expExp, 6)
    }
  })

  it('matches the physics: the power profile integrated over the day (23 h on the DST day)', () => {
    const dst = days.find((d) => d.date === '2026-03-29')!
    // 23 h: base 0.4 kW for 23 h − 3 h PV − 20 min, 9 kW for 20 min, no import during PV
    const expected = 0.4 * (23 - 3 - 1 / 3) + 9 / 3
    // the counter gap ends at 00:20: the first reading at or after midnight is 20 min late,
    // so 20 min of base load (0.133 kWh) count in the 28th's difference, not the 29th's
    expect(dst.importKWh!).toBeCloseTo(integral(COUNTER_GAP[1], localMidnight('2026-03-30')).imp, 2)
    expect(dst.importKWh!).toBeCloseTo(expected - 0.4 / 3, 2)
    const d28 = days.find((d) => d.date === '2026-03-28')!
    expect(d28.importKWh!).toBeCloseTo(0.4 * (24 - 3 - 1 / 3) + 3 + 0.4 / 3, 2)
    expect(dst.exportKWh!).toBeCloseTo(9, 3) // 3 kW × 3 h
    const d27 = days.find((d) => d.date === '2026-03-27')!
    expect(d27.importKWh!).toBeCloseTo(0.4 * (24 - 3 - 1 / 3) + 3, 2)
  })

  it('a missing hour keeps the day right (counter difference) but leaves its quarters as gaps', () => {
    const d30 = days.find((d) => d.date === '2026-03-30')!
    expect(d30.importKWh!).toBeCloseTo(integral(localMidnight('2026-03-30'), localMidnight('2026-03-31')).imp, 2)
    const qs = quarterStats(rs, MISSING_HOUR[0], MISSING_HOUR[1] + 900_000, 7)
    expect(qs.slice(0, 4).map((q) => q.demandKW)).toEqual([null, null, null, null])
    expect(qs[4].demandKW).toBeCloseTo(0, 6) // 11:00–11:15: PV, no import
  })

  it('15-minute demand and energy above the class, against an independent scan', () => {
    for (const d of days.slice(0, 4)) {
      const m1 = localMidnight(d.date)
      let peak = -Infinity
      let above = 0
      for (
        let q = m1;
        q < localMidnight(d.date === '2026-03-29' ? '2026-03-30' : new Date(Date.parse(d.date) + 86_400_000).toISOString().slice(0, 10));
        q += 900_000
      ) {
        const a = rs.find((r) => r.t >= q)
        const b = rs.find((r) => r.t >= q + 900_000)
        if (!a || !b || a.t - q > 60_000 || b.t - (q + 900_000) > 60_000) continue
        const e = b.importKWh! - a.importKWh!
        peak = Math.max(peak, e / 0.25)
        above += Math.max(0, e - 7 * 0.25)
      }
      expect(d.peakDemandKW!, d.date).toBeCloseTo(peak, 3)
      expect(d.aboveClassKWh, d.date).toBeCloseTo(above, 3)
      expect(d.aboveClassCost, d.date).toBeCloseTo(above * 0.1139, 3)
    }
    // the 9 kW hour: 18:00–18:15 at 9 kW → 0.5 kWh above 7 kW; 18:15–18:30 at 9 kW for 5 min
    const d27 = days[0]
    expect(d27.peakDemandKW!).toBeCloseTo(9, 2)
    expect(d27.aboveClassKWh).toBeCloseTo(0.5, 2)
    // with a 12 kW class nothing is above
    expect(dailyStats(rs, 12).every((d) => d.aboveClassKWh === 0)).toBe(true)
  })

  it('a day without any reading is a gap, not zero; months add up the days', () => {
    const two = rs.filter((r) => local(r.t).slice(0, 10) !== '2026-03-28')
    const d = dailyStats(two, 7).find((x) => x.date === '2026-03-28')!
    expect(d.importKWh).toBeNull()
    const m = monthlyStats(days)
    expect(m).toHaveLength(1)
    expect(m[0].importKWh).toBeCloseTo(
      days.reduce((s, x) => s + (x.importKWh ?? 0), 0),
      6
    )
  })
})
