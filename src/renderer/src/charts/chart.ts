/**
 * chart.js set-up for the History tab: time axis in the meter's zone (./zoned-adapter),
 * zoom and pan (chartjs-plugin-zoom, hammerjs for dragging), line, bar and filler.
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
import './zoned-adapter'
import 'hammerjs'
import zoomPlugin from 'chartjs-plugin-zoom'

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, TimeScale, Filler, Legend, Tooltip, zoomPlugin)
Chart.defaults.animation = false
Chart.defaults.font.family = 'system-ui, sans-serif'

export { Chart }
