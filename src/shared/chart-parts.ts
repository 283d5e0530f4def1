/**
 * The chart.js pieces every P1 Studio chart draws with: line and bar datasets (LineController,
 * LineElement, PointElement, BarController, BarElement) on linear scales, filled areas
 * (Filler) and a legend. The History tab's charts (src/renderer/src/charts/chart.ts) and the
 * nightly report's day chart (src/main/output/report-chart.ts) register these plus their own
 * (time axis, tooltip and zoom; title). chart.js only: no I/O, no DOM access at import.
 */
import { BarController, BarElement, Filler, Legend, LinearScale, LineController, LineElement, PointElement } from 'chart.js'

/** Pass to `Chart.register(...LINE_BAR_CHART_PARTS, …)`. */
export const LINE_BAR_CHART_PARTS = [LineController, LineElement, PointElement, BarController, BarElement, LinearScale, Filler, Legend] as const
