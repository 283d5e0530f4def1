/**
 * chart.js set-up for the History tab: time axis (date-fns adapter), zoom and pan
 * (chartjs-plugin-zoom, hammerjs for dragging), line, bar and filler. Helpers to save a
 * chart as PNG and a table as CSV.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TimeScale,
  Tooltip
} from 'chart.js'
import 'chartjs-adapter-date-fns'
import 'hammerjs'
import zoomPlugin from 'chartjs-plugin-zoom'

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, TimeScale, Filler, Legend, Tooltip, zoomPlugin)
Chart.defaults.animation = false
Chart.defaults.font.family = 'system-ui, sans-serif'

export { Chart }

/** Offer `data` as a file download named `name`. */
export function download(name: string, data: Blob | string, type = 'text/plain'): void {
  const blob = typeof data === 'string' ? new Blob([data], { type }) : data
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

/** Save a chart as PNG (white background). */
export function savePng(chart: Chart | null, name: string): void {
  if (!chart) return
  const c = chart.canvas
  const out = document.createElement('canvas')
  out.width = c.width
  out.height = c.height
  const ctx = out.getContext('2d')!
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, out.width, out.height)
  ctx.drawImage(c, 0, 0)
  out.toBlob((b) => b && download(name, b))
}

/** Rows → CSV text (RFC 4180 quoting, CR LF). */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null): string => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}
