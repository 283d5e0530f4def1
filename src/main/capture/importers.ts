/**
 * Importers: anything a user may have from a meter, as capture records.
 * - P1 Studio captures (format.ts): read as they are;
 * - hex dumps: any whitespace, with or without offsets (`xxd`, `hexdump -C`, `od -Ax -tx1`,
 *   plain pairs), ASCII columns ignored;
 * - plain telegram text (`/…!CRC`, LF or CRLF: lines are normalised to CR LF, which the CRC covers);
 * - raw binary dumps (bytes as received).
 * Dumps have no receive times: each frame found gets one record, 10 s apart (the Smarty's
 * cadence), flagged as synthetic. Errors name the line or byte offset; nothing is imported
 * partially.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Deframer } from '../p1/deframer'
import { isCapture, readCapture, type CaptureRecord, type ReadSummary } from './reader'
import { CaptureFormatError } from './reader'

/** Input formats. */
export type InputFormat = 'capture' | 'hex' | 'text' | 'raw'

/** Largest dump imported in memory. */
export const MAX_DUMP_BYTES = 512 * 1024 * 1024

/** Guess the format from the first bytes (up to 64 kB). */
export function detectFormat(head: Buffer): InputFormat {
  if (isCapture(head)) return 'capture'
  const sample = head.subarray(0, 65536)
  let printable = 0
  for (const b of sample) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++
  if (sample.length === 0 || printable < sample.length) return 'raw'
  const text = sample.toString('latin1')
  if (/^\s*\//.test(text) && /![0-9A-Fa-f]{0,4}\s*(\r?\n|$)/.test(text)) return 'text'
  // a hex dump parses as one (the sample's last line may be cut: leave it out)
  const cut = sample.length === 65536 // the file goes on: drop the last, maybe partial, line or token
  const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf(' '))
  const whole = cut && lastBreak > 0 ? text.slice(0, lastBreak) : text
  try {
    parseHexDump(whole)
    return 'hex'
  } catch {
    // mostly hex with a bad token: still a hex dump (the import then names the line)
    const tokens = whole
      .split(/\r?\n/)
      .map((l) => l.replace(/\|.*\|\s*$/, '').replace(/^\s*[0-9A-Fa-f]+:/, ''))
      .join(' ')
      .split(/[\s,]+/)
      .filter(Boolean)
    const hex = tokens.filter((t) => /^(0x)?[0-9A-Fa-f]{2,}$/.test(t)).length
    if (tokens.length >= 2 && hex / tokens.length >= 0.5 && !/^\s*\//.test(text)) return 'hex'
  }
  if (text.includes('/') && text.includes('!')) return 'text'
  return 'raw'
}

/**
 * Parse a hex dump. @throws CaptureFormatError("line N: …") for a token that is not hex or
 * an odd number of digits.
 */
export function parseHexDump(text: string): Buffer {
  const out: number[] = []
  const lines = text.split(/\r?\n/)
  let sawOffsets = false
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]
    // hexdump -C and od end with a line holding only the total length
    if (sawOffsets && /^\s*[0-9A-Fa-f]{6,8}\s*$/.test(line)) continue
    // hexdump -C: "00000000  db 08 …  |..SAG|"
    line = line.replace(/\|.*\|\s*$/, '')
    let m = /^\s*([0-9A-Fa-f]+):\s?(.*)$/.exec(line)
    if (m) {
      // xxd: "00000000: db08 5341 …  ..SAGgp.." — the ASCII column follows two spaces
      line = m[2].split(/\s{2,}/)[0]
      sawOffsets = true
    } else if ((m = /^\s*([0-9A-Fa-f]{6,8})\s+(.*)$/.exec(line)) && /^[0-9A-Fa-f]{2}(\s|$)/.test(m[2])) {
      // od -Ax -tx1 / hexdump -C: a 6–8 digit offset, then byte pairs
      line = m[2]
      sawOffsets = true
    }
    const tokens = line.trim() ? line.trim().split(/[\s,]+/) : []
    for (const raw of tokens) {
      const t = raw.replace(/^0x/i, '')
      if (!/^[0-9A-Fa-f]+$/.test(t)) throw new CaptureFormatError(`line ${n + 1}: "${raw.slice(0, 20)}" is not hex.`, n + 1)
      if (t.length % 2) throw new CaptureFormatError(`line ${n + 1}: "${raw.slice(0, 20)}" has an odd number of hex digits.`, n + 1)
      for (let i = 0; i < t.length; i += 2) out.push(parseInt(t.slice(i, i + 2), 16))
    }
  }
  if (out.length === 0) throw new CaptureFormatError('The hex dump holds no bytes.', 0)
  return Buffer.from(out)
}

/** Plain telegram text with every line ending made CR LF (as the meter sends it). */
export function normaliseTelegramText(text: Buffer): Buffer {
  return Buffer.from(text.toString('latin1').replace(/\r*\n/g, '\r\n'), 'latin1')
}

/**
 * Cut a dump into one record per frame (bytes between frames go with the next frame),
 * receive times 10 s apart ending at `endTime`. Every byte is kept, in order.
 */
export function recordsFromDump(bytes: Buffer, endTime: number, cadenceMs = 10_000): { time: number; bytes: Buffer }[] {
  const d = new Deframer()
  const cuts: number[] = []
  for (const ev of [...d.push(bytes, 0), ...d.end(0)]) {
    if (ev.type === 'frame') cuts.push(ev.offset + ev.bytes.length)
    else if (ev.type === 'error' && ev.kind !== null) cuts.push(ev.offset + ev.bytes.length)
  }
  const pieces: Buffer[] = []
  let prev = 0
  for (const c of cuts) {
    if (c <= prev) continue
    pieces.push(bytes.subarray(prev, c))
    prev = c
  }
  if (prev < bytes.length) {
    if (pieces.length) pieces[pieces.length - 1] = Buffer.concat([pieces[pieces.length - 1], bytes.subarray(prev)])
    else pieces.push(bytes.subarray(prev))
  }
  const start = endTime - (pieces.length - 1) * cadenceMs
  return pieces.map((b, i) => ({ time: start + i * cadenceMs, bytes: b }))
}

/** An opened input: its format, header-like description and records. */
export interface OpenedInput {
  format: InputFormat
  /** "dump.hex (hex dump)". */
  description: string
  syntheticTimes: boolean
  /** Records in order (data and metadata); for captures, streamed from disk. */
  records(summary?: ReadSummary): AsyncGenerator<CaptureRecord>
}

/**
 * Open any importable file. Captures are streamed; dumps are read in memory (≤ 512 MB).
 * @throws CaptureFormatError (bad file, with line/offset) or Error (missing, unreadable, empty).
 */
export async function openInput(path: string): Promise<OpenedInput> {
  let size: number
  let mtime: number
  try {
    const st = await stat(path)
    if (!st.isFile()) throw new Error(`${path} is not a file.`)
    size = st.size
    mtime = st.mtimeMs
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    if (err.code === 'ENOENT') throw new Error(`No file at ${path}.`)
    throw new Error(err.code ? `Cannot read ${path} (${err.code}).` : err.message)
  }
  if (size === 0) throw new CaptureFormatError(`${basename(path)} is empty.`, 0)
  const { open } = await import('node:fs/promises')
  const fh = await open(path, 'r')
  const head = Buffer.alloc(Math.min(size, 65536))
  try {
    await fh.read(head, 0, head.length, 0)
  } finally {
    await fh.close()
  }
  const format = detectFormat(head)
  const name = basename(path)
  if (format === 'capture') {
    return { format, description: `${name} (P1 Studio capture)`, syntheticTimes: false, records: (summary) => readCapture(path, summary) }
  }
  if (size > MAX_DUMP_BYTES) throw new Error(`${name} is ${Math.round(size / 1e6)} MB: dumps up to 512 MB can be imported.`)
  const data = await readFile(path)
  let bytes: Buffer
  if (format === 'hex') bytes = parseHexDump(data.toString('latin1'))
  else if (format === 'text') bytes = normaliseTelegramText(data)
  else bytes = data
  const recs = recordsFromDump(bytes, Math.floor(mtime))
  const label = { hex: 'hex dump', text: 'telegram text', raw: 'raw binary dump' }[format]
  return {
    format,
    description: `${name} (${label})`,
    syntheticTimes: true,
    records: async function* (summary?: ReadSummary) {
      yield { type: 'metadata', time: recs[0]?.time ?? mtime, offset: 0, meta: { format: 'p1studio-capture', version: 1, source: `imported from ${name} (${label})`, lineSettings: null, appVersion: '', startedAt: new Date(recs[0]?.time ?? mtime).toISOString(), syntheticTimes: true } }
      let offset = 0
      for (const r of recs) {
        if (summary) summary.records++
        yield { type: 'data', time: r.time, offset, bytes: r.bytes }
        offset += r.bytes.length
      }
    }
  }
}
