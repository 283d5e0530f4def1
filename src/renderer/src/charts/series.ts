/**
 * chart.js options and datasets of the History tab's time charts: the time axis, min/max
 * bands of decimated series, and wheel/pinch zoom and pan reporting the range shown.
 */
import type { Chart } from 'chart.js'
import type { HistorySeries } from '@shared/contract'
import { fmt } from '../i18n'

/**
 * Dataset colours, in order: eight that stay apart for colour-blind readers too (Okabe & Ito's
 * palette, without its yellow, plus grey), so no chart of up to eight series repeats one.
 */
export const COLORS = ['#D55E00', '#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999']

/** The x axis of a time chart over [from, to] (ms), in the meter's zone and the language shown (./zoned-adapter). */
export function timeScale(from: number, to: number) {
  const f = fmt.value
  return {
    type: 'time' as const,
    min: from,
    max: to,
    adapters: { date: { zone: f.zone, locale: f.intlLocale } },
    time: { tooltipFormat: 'datetime' },
    ticks: { maxRotation: 0, autoSkip: true }
  }
}

/** Chart options of the language shown: chart.js formats tick and tooltip numbers with `locale` (decimal comma in French and German). */
export function chartLocale(): { locale: string } {
  return { locale: fmt.value.intlLocale }
}

/**
 * Line datasets of a series: the max per bucket for each column, and with `fillBand` a
 * "(min)" dataset filled up to it (only when decimated: raw readings have min = max).
 * Gaps (null points) stay gaps.
 */
export function seriesDatasets(s: HistorySeries, labels: string[], fillBand: boolean): object[] {
  const raw = s.bucketMs <= 10_000
  const sets: object[] = []
  s.columns.forEach((_, i) => {
    const color = COLORS[i % COLORS.length]
    sets.push({
      label: labels[i],
      data: s.points.map((p) => ({ x: p.t, y: p.max[i] })),
      borderColor: color,
      backgroundColor: color + '33',
      borderWidth: 1.2,
      pointRadius: 0,
      spanGaps: false,
      fill: false
    })
    if (!raw && fillBand) {
      sets.push({
        label: `${labels[i]} (min)`,
        data: s.points.map((p) => ({ x: p.t, y: p.min[i] })),
        borderColor: color + '88',
        backgroundColor: color + '33',
        borderWidth: 0.8,
        pointRadius: 0,
        spanGaps: false,
        fill: '-1',
        isMinBand: true
      })
    }
  })
  return sets
}

/** Zoom (wheel, pinch) and pan on x, limited to [min, max] and ranges of at least a minute; `onRange` gets the range shown. */
export function zoomOptions(limits: { min: number | null; max: number | null }, onRange: (from: number, to: number) => void) {
  const done = ({ chart }: { chart: Chart }): void => onRange(chart.scales.x.min, chart.scales.x.max)
  return {
    zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: 'x' as const, onZoomComplete: done },
    pan: { enabled: true, mode: 'x' as const, onPanComplete: done },
    limits: { x: { min: limits.min ?? ('original' as const), max: limits.max ?? ('original' as const), minRange: 60_000 } }
  }
}
