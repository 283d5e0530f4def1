/**
 * chart.js set-up for the History tab: time axis in the meter's zone (./zoned-adapter),
 * zoom and pan (chartjs-plugin-zoom, hammerjs for dragging), line, bar and filler.
 */
import { CategoryScale, Chart, TimeScale, Tooltip } from 'chart.js'
import { LINE_BAR_CHART_PARTS } from '@shared/chart-parts'
import './zoned-adapter'
import 'hammerjs'
import zoomPlugin from 'chartjs-plugin-zoom'

Chart.register(...LINE_BAR_CHART_PARTS, CategoryScale, TimeScale, Tooltip, zoomPlugin)
Chart.defaults.animation = false
Chart.defaults.font.family = 'system-ui, sans-serif'

export { Chart }
