/**
 * The day's power chart as a PNG, drawn in the main process (chart.js 4 on an @napi-rs/canvas
 * canvas, no browser): import power above the axis, export (PV) below it, the 15-minute
 * average import as bars and the power class as a line — what the 2025 Luxembourg grid tariff
 * compares. The x axis is the meter-local day (Europe/Luxembourg; 23 or 25 hours on DST
 * days), labelled in local time. Gaps in the history stay gaps (no line drawn across them).
 */
import { createCanvas } from '@napi-rs/canvas'
import { Chart, Title, type ChartConfiguration } from 'chart.js'
import { LINE_BAR_CHART_PARTS } from '../../shared/chart-parts'
import { HISTORY_TIME_ZONE } from '../../shared/history'

Chart.register(...LINE_BAR_CHART_PARTS, Title)

/** What the chart shows. Times ms since the epoch, powers kW. */
export interface DayChartInput {
  /** Start and end of the local day (its two midnights), ms. */
  from: number
  to: number
  /** Power samples (e.g. the highest of each 5 minutes); null = gap. */
  power: { t: number; importKW: number | null; exportKW: number | null }[]
  /** 15-minute average import power per quarter (null = gap). */
  quarters: { start: number; demandKW: number | null }[]
  classKW: number
  /** Texts (already translated): title, legend entries, axis titles. */
  labels: { title: string; import: string; export: string; demand: string; powerClass: string; axisKW: string; axisTime: string }
  /** Locale for numbers on the axes (e.g. "en-GB", "fr-LU"). */
  locale?: string
  timeZone?: string
}

/** Size of the PNG, px. */
export interface DayChartSize {
  width: number
  height: number
}

/**
 * Draw the chart. @returns PNG bytes.
 * @throws Error only if the canvas cannot be created (no memory).
 */
export async function renderDayChartPng(input: DayChartInput, size: DayChartSize = { width: 1200, height: 600 }): Promise<Buffer> {
  const canvas = createCanvas(size.width, size.height)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, size.width, size.height)
  const h = (t: number): number => (t - input.from) / 3_600_000
  const hours = h(input.to)
  const timeFmt = new Intl.DateTimeFormat(input.locale ?? 'en-GB', {
    timeZone: input.timeZone ?? HISTORY_TIME_ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23'
  })
  const num = new Intl.NumberFormat(input.locale ?? 'en-GB', { maximumFractionDigits: 1 })
  const line = (key: 'importKW' | 'exportKW', sign: number): { x: number; y: number | null }[] =>
    input.power.map((p) => ({ x: h(p.t), y: p[key] === null ? null : sign * p[key]! }))
  const config: ChartConfiguration<'line' | 'bar', { x: number; y: number | null }[]> = {
    type: 'line',
    data: {
      datasets: [
        {
          type: 'bar',
          label: input.labels.demand,
          data: input.quarters.map((q) => ({ x: h(q.start) + 0.125, y: q.demandKW })),
          backgroundColor: 'rgba(255, 159, 64, 0.35)',
          borderWidth: 0,
          barPercentage: 1,
          categoryPercentage: 1,
          order: 3
        },
        {
          type: 'line',
          label: input.labels.import,
          data: line('importKW', 1),
          borderColor: '#d62728',
          backgroundColor: 'rgba(214, 39, 40, 0.15)',
          fill: 'origin',
          pointRadius: 0,
          borderWidth: 1.5,
          spanGaps: false,
          order: 1
        },
        {
          type: 'line',
          label: input.labels.export,
          data: line('exportKW', -1),
          borderColor: '#2ca02c',
          backgroundColor: 'rgba(44, 160, 44, 0.15)',
          fill: 'origin',
          pointRadius: 0,
          borderWidth: 1.5,
          spanGaps: false,
          order: 2
        },
        {
          type: 'line',
          label: input.labels.powerClass,
          data: [
            { x: 0, y: input.classKW },
            { x: hours, y: input.classKW }
          ],
          borderColor: '#1f77b4',
          borderDash: [8, 4],
          pointRadius: 0,
          borderWidth: 2,
          order: 0
        }
      ]
    },
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      parsing: false,
      normalized: true,
      plugins: {
        title: { display: true, text: input.labels.title, font: { size: 18 } },
        legend: { position: 'bottom' }
      },
      scales: {
        x: {
          type: 'linear',
          min: 0,
          max: hours,
          title: { display: true, text: input.labels.axisTime },
          ticks: { stepSize: 2, callback: (v) => timeFmt.format(new Date(input.from + Number(v) * 3_600_000)) }
        },
        y: { type: 'linear', title: { display: true, text: input.labels.axisKW }, ticks: { callback: (v) => num.format(Number(v)) } }
      }
    }
  }
  // chart.js takes any 2D context with the canvas API; @napi-rs/canvas provides one
  const chart = new Chart(ctx as unknown as ConstructorParameters<typeof Chart>[0], config as ChartConfiguration)
  try {
    return await canvas.encode('png')
  } finally {
    chart.destroy()
  }
}
