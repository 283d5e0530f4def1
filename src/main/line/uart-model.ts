/**
 * Bit-level UART model: the waveform a transmitter puts on the line for some bytes, and the
 * bytes a receiving UART reads back from a waveform. It produces what a non-inverting
 * USB-serial adapter reads from an inverted P1 line (the Smarty's P1 data line is inverted
 * and open collector: Luxmetering E-Meter P1 spec v1.1.3 §2, DSMR 5.0.2 P1 §5.7), or from a
 * line at another baud rate or character format.
 *
 * Line levels: 1 = mark (idle, stop bit), 0 = space (start bit). An inverted line swaps them,
 * so its idle level is 0.
 *
 * Receiver behaviour (what a 16550-style UART and Linux's tty layer in raw mode deliver):
 * - it hunts for a falling edge (1 → 0); the start bit is confirmed at its middle (a glitch
 *   that is 1 again there is ignored);
 * - data bits (LSB first), the parity bit and the stop bit are sampled at their middles;
 * - a character whose samples are all 0, stop bit included, is a **break**: delivered as a
 *   0x00 byte (termios without IGNBRK/BRKINT/PARMRK); the receiver then waits for the line
 *   to return to 1;
 * - a stop bit sampled 0 is a **framing error**; with INPCK off (raw mode, as serialport
 *   opens ports) the character is delivered as sampled; parity errors likewise;
 * - characters narrower than 8 bits are delivered with the upper bits 0.
 */

/** Character format of a UART. */
export interface UartFormat {
  /** Bit rate, bit/s. */
  baudRate: number
  /** Data bits per character, 5–8. */
  dataBits: 5 | 6 | 7 | 8
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space'
  stopBits: 1 | 1.5 | 2
}

/**
 * A line waveform as run-length segments: the line starts at `initialLevel` and toggles at
 * each instant of `edges` (seconds from the waveform's start, strictly increasing); it
 * holds its last level until `duration` (s).
 */
export interface Waveform {
  initialLevel: 0 | 1
  edges: number[]
  duration: number
}

/** Options of {@link uartEncode}. */
export interface EncodeOptions {
  /** Invert every level (an inverted line: idle 0). Default false. */
  inverted?: boolean
  /** Idle time before the first character, s (default 10 bit times). */
  idleBefore?: number
  /** Idle time after the last character, s (default 0.01 s, longer than any receiver's character). */
  idleAfter?: number
  /** Extra idle time between characters, s (default 0: characters back to back). */
  gap?: number
}

/** What {@link uartDecode} read. */
export interface DecodeResult {
  /** Bytes as delivered to the reading program. */
  bytes: Buffer
  /** Characters with a stop bit sampled 0 (breaks not included). */
  framingErrors: number
  /** Characters whose parity bit was wrong. */
  parityErrors: number
  /** Breaks (delivered as 0x00). */
  breaks: number
}

/** Bit times per character: start + data + parity + stop. */
export function bitsPerChar(f: UartFormat): number {
  return 1 + f.dataBits + (f.parity === 'none' ? 0 : 1) + f.stopBits
}

function parityBit(value: number, f: UartFormat): number {
  let ones = 0
  for (let i = 0; i < f.dataBits; i++) ones += (value >> i) & 1
  switch (f.parity) {
    case 'even':
      return ones & 1
    case 'odd':
      return (ones & 1) ^ 1
    case 'mark':
      return 1
    default:
      return 0
  }
}

/**
 * The waveform a UART transmits for `bytes` in format `f` (bits above `dataBits` are not sent).
 * @throws RangeError for a baud rate ≤ 0 or data bits outside 5–8.
 */
export function uartEncode(bytes: Uint8Array, f: UartFormat, opts: EncodeOptions = {}): Waveform {
  if (!(f.baudRate > 0)) throw new RangeError('baud rate must be positive')
  if (f.dataBits < 5 || f.dataBits > 8) throw new RangeError('data bits must be 5 to 8')
  const bit = 1 / f.baudRate
  const inv = opts.inverted ? 1 : 0
  const idle = (1 ^ inv) as 0 | 1
  const edges: number[] = []
  let level: number = idle
  let t = opts.idleBefore ?? 10 * bit
  const gap = opts.gap ?? 0
  const put = (logical: number, duration: number): void => {
    const l = logical ^ inv
    if (l !== level) {
      edges.push(t)
      level = l
    }
    t += duration
  }
  for (let i = 0; i < bytes.length; i++) {
    const v = bytes[i]
    put(0, bit)
    for (let b = 0; b < f.dataBits; b++) put((v >> b) & 1, bit)
    if (f.parity !== 'none') put(parityBit(v, f), bit)
    put(1, bit * f.stopBits + gap)
  }
  put(1, opts.idleAfter ?? 0.01)
  return { initialLevel: idle, edges, duration: t }
}

/** Read a waveform with a receiving UART of format `f` (see the module comment for the rules). */
export function uartDecode(w: Waveform, f: UartFormat): DecodeResult {
  const bit = 1 / f.baudRate
  const edges = w.edges
  const out: number[] = []
  let framingErrors = 0
  let parityErrors = 0
  let breaks = 0
  // level at time t; `cursor` only moves forward because sampling instants increase
  let cursor = 0
  const levelAt = (t: number): number => {
    while (cursor < edges.length && edges[cursor] <= t) cursor++
    return (w.initialLevel ^ (cursor & 1)) as number
  }
  // index of the first edge at or after t that goes to `to`
  const nextEdge = (t: number, to: number): number => {
    let i = cursor
    while (i < edges.length && edges[i] < t) i++
    while (i < edges.length && (w.initialLevel ^ ((i + 1) & 1)) !== to) i++
    return i
  }
  const nBits = f.dataBits + (f.parity === 'none' ? 0 : 1)
  let t = 0
  for (;;) {
    const i = nextEdge(t, 0)
    if (i >= edges.length) break
    const start = edges[i]
    // sample at the middle of the start bit
    if (start + (1 + nBits + 0.5) * bit > w.duration) break
    if (levelAt(start + bit / 2) !== 0) {
      t = start + bit / 2
      continue
    }
    let value = 0
    let anyOne = false
    for (let b = 0; b < f.dataBits; b++) {
      const s = levelAt(start + (1.5 + b) * bit)
      value |= s << b
      if (s) anyOne = true
    }
    if (f.parity !== 'none') {
      const p = levelAt(start + (1.5 + f.dataBits) * bit)
      if (p) anyOne = true
      if (p !== parityBit(value, f)) parityErrors++
    }
    const stopAt = start + (1.5 + nBits) * bit
    const stop = levelAt(stopAt)
    if (!anyOne && stop === 0) {
      breaks++
      out.push(0)
      // wait for the line to return to mark
      const r = nextEdge(stopAt, 1)
      if (r >= edges.length) break
      t = edges[r]
      continue
    }
    if (stop === 0) framingErrors++
    out.push(value)
    t = stopAt
  }
  return { bytes: Buffer.from(out), framingErrors, parityErrors, breaks }
}

/** Transmitter side of a line: a UART format and whether the line is inverted on the way. */
export interface LineTransmitter extends UartFormat {
  inverted?: boolean
}

/**
 * What a receiver in format `rx` reads when a transmitter in format `tx` (maybe inverted)
 * sends `bytes` as one burst. Same format, not inverted → the bytes themselves (fast path).
 */
export function transmitOverLine(bytes: Uint8Array, tx: LineTransmitter, rx: UartFormat): DecodeResult {
  if (!tx.inverted && sameFormat(tx, rx)) {
    const mask = (1 << rx.dataBits) - 1
    const b = Buffer.from(bytes)
    if (mask !== 0xff) for (let i = 0; i < b.length; i++) b[i] &= mask
    return { bytes: b, framingErrors: 0, parityErrors: 0, breaks: 0 }
  }
  return uartDecode(uartEncode(bytes, tx, { inverted: tx.inverted }), rx)
}

/** true if two formats are the same on the wire. */
export function sameFormat(a: UartFormat, b: UartFormat): boolean {
  return a.baudRate === b.baudRate && a.dataBits === b.dataBits && a.parity === b.parity && a.stopBits === b.stopBits
}

/** "115200 8N1" style label of a format. */
export function formatLabel(f: UartFormat): string {
  return `${f.baudRate} ${f.dataBits}${f.parity[0].toUpperCase()}${f.stopBits}`
}
