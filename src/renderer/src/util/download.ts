/**
 * Browser helpers that hand files to the user: a download of text or a Blob, and a chart
 * canvas as PNG. DOM code lives here, never in a store.
 */

/**
 * Offer `data` as a file download named `name`.
 * @param type MIME type when `data` is text, e.g. "text/csv".
 */
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

/** Save a canvas (e.g. a chart's) as a PNG named `name`, on a white background. No-op without a canvas. */
export function downloadCanvasPng(canvas: HTMLCanvasElement | null | undefined, name: string): void {
  if (!canvas) return
  const out = document.createElement('canvas')
  out.width = canvas.width
  out.height = canvas.height
  const ctx = out.getContext('2d')
  if (!ctx) return
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, out.width, out.height)
  ctx.drawImage(canvas, 0, 0)
  out.toBlob((b) => b && download(name, b))
}

/** Rows → CSV text (RFC 4180 quoting, CR LF line ends). `null` cells are empty. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null): string => {
    if (v === null || v === undefined) return ''
    const s = String(v)
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}
