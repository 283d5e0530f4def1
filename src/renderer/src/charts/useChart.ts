/**
 * One chart.js chart bound to a canvas of a component: created on the first draw, updated in
 * place afterwards, destroyed with the component; saved as PNG.
 */
import { markRaw, onBeforeUnmount, type Ref } from 'vue'
import type { ChartConfiguration } from 'chart.js'
import { Chart } from './chart'
import { downloadCanvasPng } from '../util/download'

/** The chart of `canvas`. */
export function useChart(canvas: Ref<HTMLCanvasElement | null>) {
  let chart: Chart | null = null
  onBeforeUnmount(() => {
    chart?.destroy()
    chart = null
  })
  return {
    /**
     * Draw: create the chart with `config()` the first time (or when the canvas changed),
     * else apply `update` to it and redraw without animation.
     */
    upsert(config: () => object, update: (c: Chart) => void): void {
      const el = canvas.value
      if (!el) return
      if (chart && chart.canvas === el) {
        update(chart)
        chart.update('none')
      } else {
        chart?.destroy()
        chart = markRaw(new Chart(el, config() as ChartConfiguration))
      }
    },
    /** The chart object (null before the first draw). */
    get(): Chart | null {
      return chart
    },
    /** Save the chart as a PNG named `name`. */
    png(name: string): void {
      downloadCanvasPng(chart?.canvas, name)
    }
  }
}
