/**
 * One chart.js chart bound to a canvas of a component: created on the first draw, updated in
 * place afterwards, recreated in the new language when the language changes (axis labels,
 * numbers, legends), destroyed with the component; saved as PNG.
 */
import { markRaw, onBeforeUnmount, watch, type Ref } from 'vue'
import type { ChartConfiguration } from 'chart.js'
import { Chart } from './chart'
import { downloadCanvasPng } from '../util/download'
import { locale } from '../i18n'

/** The chart of `canvas`; `redraw` draws it again from the current data (called after a language switch). */
export function useChart(canvas: Ref<HTMLCanvasElement | null>, redraw: () => void) {
  let chart: Chart | null = null
  const destroy = (): void => {
    chart?.destroy()
    chart = null
  }
  onBeforeUnmount(destroy)
  watch(locale, () => {
    destroy()
    redraw()
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
        destroy()
        const c = new Chart(el, config() as ChartConfiguration)
        // no 2D context (a canvas-less test DOM): chart.js logs and leaves the chart unusable
        chart = c.ctx ? markRaw(c) : null
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
