/**
 * Line settings as text: "115200 8N1" (a Smarty, DSMR 5), "9600 7E1" (DSMR 2.2/3). Pure, so
 * the diagnostics checks, the capture header and the renderer can name settings without
 * loading the serial port binding (src/main/line/serial-source.ts re-exports these).
 */
import type { LineSettings } from './types'

const PARITY_LETTER: Record<LineSettings['parity'], string> = { none: 'N', even: 'E', odd: 'O', mark: 'M', space: 'S' }
const LETTER_PARITY = { N: 'none', E: 'even', O: 'odd', M: 'mark', S: 'space' } as const

/** "115200 8N1" style summary of line settings: baud rate, data bits, parity letter, stop bits. */
export function formatLineSettings(s: LineSettings): string {
  return `${s.baudRate} ${s.dataBits}${PARITY_LETTER[s.parity]}${s.stopBits}`
}

/**
 * "9600 7E1" → line settings, the inverse of {@link formatLineSettings}.
 * @returns null if `label` is not in that form (baud rate, 5–8 data bits, N/E/O/M/S, 1/1.5/2 stop bits).
 */
export function parseLineLabel(label: string): LineSettings | null {
  const m = /^(\d+) ([5-8])([NEOMS])(1|1\.5|2)$/.exec(label)
  if (!m) return null
  return {
    baudRate: Number(m[1]),
    dataBits: Number(m[2]) as LineSettings['dataBits'],
    parity: LETTER_PARITY[m[3] as keyof typeof LETTER_PARITY],
    stopBits: Number(m[4]) as LineSettings['stopBits']
  }
}
