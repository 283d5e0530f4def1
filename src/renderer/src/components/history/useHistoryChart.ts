/**
 * What every chart card of the History tab starts with: the history store, the words, its
 * canvas and chart (redrawn in a new language), the series' names given to assistive
 * technology with the chart's description, and a redraw whenever its data or canvas change.
 */
import { onMounted, ref, useTemplateRef, watch } from 'vue'
import { useHistoryStore } from '../../stores/history'
import { useChart } from '../../charts/useChart'
import { chartLocale, timeScale, zoomOptions } from '../../charts/series'
import { t } from '../../i18n'

/**
 * @param draw draws the chart from the store (a function declaration of the component)
 * @param sources the store data the chart shows (from the store it is given); a change redraws it after the DOM update
 */
export function useHistoryChart(draw: () => void, sources: (h: ReturnType<typeof useHistoryStore>) => unknown[]) {
  const h = useHistoryStore()
  /** The component's `<canvas ref="canvas">`. */
  const canvas = useTemplateRef<HTMLCanvasElement>('canvas')
  const chart = useChart(canvas, draw)
  /** The series' names, for the canvas's aria-label. */
  const legend = ref<string[]>([])
  onMounted(draw)
  watch(() => [...sources(h), canvas.value], draw, { flush: 'post' })

  /**
   * Draw a line chart over the range shown: time axis in the meter's zone, zoom and pan
   * reporting the new range to the store, `y` as the value axis; `extra` adds chart options
   * and plugins. Min-band datasets stay out of the legend given to assistive technology.
   */
  function drawTime(
    sets: object[],
    range: { from: number; to: number },
    y: { title?: { display: boolean; text: string } } & Record<string, unknown>,
    extra: { options?: object; plugins?: object } = {}
  ): void {
    legend.value = sets.filter((d) => !(d as { isMinBand?: boolean }).isMinBand).map((d) => (d as { label: string }).label)
    const limits = { min: h.meter?.first ?? null, max: h.meter?.last ?? null }
    chart.upsert(
      () => ({
        type: 'line',
        data: { datasets: sets },
        options: {
          ...chartLocale(),
          parsing: false,
          maintainAspectRatio: false,
          ...extra.options,
          scales: { x: timeScale(range.from, range.to), y },
          plugins: { zoom: zoomOptions(limits, h.requestRange), ...extra.plugins }
        }
      }),
      (c) => {
        c.data.datasets = sets as never
        Object.assign(c.options.scales!.x!, { min: range.from, max: range.to })
        if (y.title) (c.options.scales!.y as { title: { text: string } }).title.text = y.title.text
      }
    )
  }
  return { h, t, chart, legend, drawTime }
}
