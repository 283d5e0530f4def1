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
 *
 * Why one file over 400 lines: one reader per import format (capture, hex dumps, other tools'
 * logs) behind one sniffing entry point; each reader is short.
 */
import { createReadStream } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Deframer, type DeframerEvent } from '../p1/deframer'
import { isoTime } from './format'
import { isCapture, readCapture, type CaptureRecord, type ReadSummary } from './reader'
import { CaptureFormatError } from './reader'
import { explainReadError } from './safe-file'

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

/** Lines longer than this hold no dump layout (offsets, ASCII column): plain hex, streamed. */
const LONG_LINE = 65536
/** File read size when streaming a dump. */
const READ_CHUNK = 1 << 16

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

function isSeparator(c: number): boolean {
  return c === 0x20 || c === 0x2c || (c >= 0x09 && c <= 0x0d)
}

/**
 * Incremental hex dump decoder: lines (or pieces of very long lines) in, bytes out into one
 * preallocated Buffer — a dump's bytes are at most half its characters, so the output never
 * grows. Dump layouts: any whitespace or commas between byte pairs, `0x` prefixes, `xxd`
 * (`00000000: db08 5341 …  ..SAG..`), `hexdump -C` (`00000000  db 08 …  |..SAG|`),
 * `od -Ax -tx1` (`000000 db 08 …`, and its closing line with the total length).
 * Errors: {@link CaptureFormatError} `line N: "tok" is not hex.` / `… has an odd number of hex digits.`
 */
class HexDumpDecoder {
  private readonly out: Buffer
  private n = 0
  private lineNo = 0
  private sawOffsets = false
  /** Token state: digits so far, the high nibble waiting for its pair, the token's first characters. */
  private digits = 0
  private high = 0
  private tokenLen = 0
  private tokenStart = ''
  private tokenBad = false

  /** @param capacity most bytes the dump can hold (half its characters). */
  constructor(capacity: number) {
    this.out = Buffer.allocUnsafe(Math.max(1, capacity))
  }

  /** A whole line (without its LF). @throws CaptureFormatError */
  line(raw: string): void {
    this.lineNo++
    let line = raw
    // hexdump -C and od end with a line holding only the total length
    if (this.sawOffsets && /^\s*[0-9A-Fa-f]{6,8}\s*$/.test(line)) return
    // hexdump -C: "00000000  db 08 …  |..SAG|"
    line = line.replace(/\|.*\|\s*$/, '')
    let m = /^\s*([0-9A-Fa-f]+):\s?(.*)$/.exec(line)
    if (m) {
      // xxd: "00000000: db08 5341 …  ..SAGgp.." — the ASCII column follows two spaces
      line = m[2].split(/\s{2,}/)[0]
      this.sawOffsets = true
    } else if ((m = /^\s*([0-9A-Fa-f]{6,8})\s+(.*)$/.exec(line)) && /^[0-9A-Fa-f]{2}(\s|$)/.test(m[2])) {
      // od -Ax -tx1 / hexdump -C: a 6–8 digit offset, then byte pairs
      line = m[2]
      this.sawOffsets = true
    }
    this.tokens(line)
    this.endToken()
  }

  /** A piece of a line too long for a dump layout: plain hex. `first`: the line starts here. */
  piece(text: string, first: boolean): void {
    if (first) this.lineNo++
    this.tokens(text)
  }

  /** The end of a long line fed with {@link piece}. @throws CaptureFormatError */
  endLine(): void {
    this.endToken()
  }

  private tokens(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (isSeparator(c)) {
        this.endToken()
        continue
      }
      if (this.tokenStart.length < 20) this.tokenStart += text[i]
      this.tokenLen++
      // a "0x" prefix: the "0" read so far was not a digit
      if (this.tokenLen === 2 && (c === 0x78 || c === 0x58) && this.digits === 1 && this.high === 0) {
        this.digits = 0
        continue
      }
      const v = hexValue(c)
      if (v < 0 || this.tokenBad) {
        // reported at the token's end, with its first characters
        this.tokenBad = true
        continue
      }
      if (this.digits % 2 === 0) this.high = v
      else this.out[this.n++] = (this.high << 4) | v
      this.digits++
    }
  }

  private endToken(): void {
    if (this.tokenLen === 0) return
    if (this.tokenBad || this.digits === 0) this.fail('is not hex') // or "0x" alone
    if (this.digits % 2) this.fail('has an odd number of hex digits')
    this.digits = 0
    this.high = 0
    this.tokenLen = 0
    this.tokenStart = ''
    this.tokenBad = false
  }

  private fail(what: string): never {
    throw new CaptureFormatError(`line ${this.lineNo}: "${this.tokenStart}" ${what}.`, this.lineNo)
  }

  /** The bytes decoded. @throws CaptureFormatError for a dump without a single byte. */
  finish(): Buffer {
    this.endToken()
    if (this.n === 0) throw new CaptureFormatError('The hex dump holds no bytes.', 0)
    return this.out.subarray(0, this.n)
  }
}

/**
 * Parse a hex dump held in memory. @throws CaptureFormatError("line N: …") for a token that
 * is not hex or an odd number of digits.
 */
export function parseHexDump(text: string): Buffer {
  const d = new HexDumpDecoder(Math.floor(text.length / 2))
  let start = 0
  for (;;) {
    const nl = text.indexOf('\n', start)
    const end = nl < 0 ? text.length : nl
    d.line(text.slice(start, end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end))
    if (nl < 0) break
    start = nl + 1
  }
  return d.finish()
}

/**
 * A hex dump as a stream of reads: {@link push} each read as it comes (any split: inside a
 * token, a CR LF, a line), {@link end} for the bytes. Memory: the decoded bytes (one Buffer of
 * `capacity`, at most half the dump's size) plus the line being read; a line longer than 64 kB
 * (plain hex without line breaks) is decoded piece by piece.
 */
export class HexDumpReader {
  private readonly d: HexDumpDecoder
  /** The line being read: pieces of text without a LF yet (joined once the line ends). */
  private parts: string[] = []
  private partsLen = 0
  /** Within a line too long for a layout: its pieces went straight to the token decoder. */
  private long = false

  /** @param capacity most bytes the dump can hold: half its size in characters. */
  constructor(capacity: number) {
    this.d = new HexDumpDecoder(capacity)
  }

  /** One read. @throws CaptureFormatError for a bad token (naming its line). */
  push(chunk: Buffer): void {
    const s = chunk.toString('latin1')
    let start = 0
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      this.lineEnds(s.slice(start, nl))
      start = nl + 1
    }
    if (start < s.length) {
      this.parts.push(start === 0 ? s : s.slice(start))
      this.partsLen += s.length - start
    }
    if (this.partsLen > LONG_LINE) {
      // a line of plain hex: decode what is there, keep the last (maybe partial) token
      const text = this.parts.join('')
      let cut = text.length
      while (cut > 0 && !isSeparator(text.charCodeAt(cut - 1))) cut--
      if (cut === 0) cut = text.length - (text.length % 2) // one long token: whole pairs
      this.d.piece(text.slice(0, cut), !this.long)
      this.long = true
      this.parts = cut < text.length ? [text.slice(cut)] : []
      this.partsLen = text.length - cut
    }
  }

  /** End of the dump. @returns the bytes (a view of the preallocated Buffer). @throws CaptureFormatError */
  end(): Buffer {
    if (this.long || this.partsLen > 0) this.lineEnds('')
    return this.d.finish()
  }

  private lineEnds(tail: string): void {
    const text = this.parts.length ? this.parts.join('') + tail : tail
    this.parts = []
    this.partsLen = 0
    if (this.long) {
      this.d.piece(text, false)
      this.d.endLine()
      this.long = false
    } else this.d.line(text.length > 0 && text.charCodeAt(text.length - 1) === 0x0d ? text.slice(0, -1) : text)
  }
}

/**
 * Parse a hex dump file as a stream ({@link HexDumpReader}): memory is the decoded bytes (at
 * most half the file, in one preallocated Buffer) plus one read, whatever the file size.
 * @param chunkBytes read size (default 1 MB).
 * @throws CaptureFormatError as {@link parseHexDump}; Error if the file cannot be read.
 */
export async function parseHexDumpFile(path: string, chunkBytes = READ_CHUNK): Promise<Buffer> {
  const r = new HexDumpReader(Math.floor((await stat(path)).size / 2))
  for await (const chunk of createReadStream(path, { highWaterMark: Math.max(1, chunkBytes) }) as AsyncIterable<Buffer>) r.push(chunk)
  return r.end()
}

/**
 * Plain telegram text with every line ending made CR LF (as the meter sends it; `\r*\n` →
 * `\r\n`), in one pass into one Buffer.
 */
export function normaliseTelegramText(text: Buffer): Buffer {
  let lf = 0
  for (let i = text.indexOf(0x0a); i >= 0; i = text.indexOf(0x0a, i + 1)) lf++
  const out = Buffer.allocUnsafe(text.length + lf)
  let n = 0
  let crs = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === 0x0d) {
      crs++
      continue
    }
    if (c === 0x0a) {
      out[n++] = 0x0d
      out[n++] = 0x0a
    } else {
      for (; crs > 0; crs--) out[n++] = 0x0d
      out[n++] = c
    }
    crs = 0
  }
  for (; crs > 0; crs--) out[n++] = 0x0d
  return out.subarray(0, n)
}

/** A dump cut into records. */
export interface DumpRecords {
  records: { time: number; bytes: Buffer }[]
  /** Frames found: complete DLMS frames and telegrams, and DLMS frames cut short (header intact). */
  frames: number
}

/**
 * Cut a dump into one record per frame (bytes between frames go with the next frame),
 * receive times 10 s apart ending at `endTime`. Every byte is kept, in order; records are
 * views of `bytes` (no copy).
 */
export function recordsFromDump(bytes: Buffer, endTime: number, cadenceMs = 10_000): DumpRecords {
  const d = new Deframer({ copyFrames: false })
  const cuts: number[] = []
  let frames = 0
  const take = (evs: DeframerEvent[]): void => {
    for (const ev of evs) {
      if (ev.type === 'frame') {
        frames++
        cuts.push(ev.offset + ev.bytes.length)
      } else if (ev.type === 'error' && ev.kind !== null) {
        if (ev.kind === 'dlms' && ev.bytes.length >= 18) frames++
        cuts.push(ev.offset + ev.length)
      }
    }
  }
  // in reads of 64 kB; only offsets are kept (no frame copies)
  for (let i = 0; i < bytes.length; i += READ_CHUNK) take(d.push(bytes.subarray(i, i + READ_CHUNK), 0))
  take(d.end(0))
  const pieces: Buffer[] = []
  let prev = 0
  for (const c of cuts) {
    if (c <= prev) continue
    pieces.push(bytes.subarray(prev, c))
    prev = c
  }
  if (prev < bytes.length) {
    // trailing bytes go with the last record
    if (pieces.length) pieces[pieces.length - 1] = bytes.subarray(prev - pieces[pieces.length - 1].length)
    else pieces.push(bytes.subarray(prev))
  }
  const start = endTime - (pieces.length - 1) * cadenceMs
  return { records: pieces.map((b, i) => ({ time: start + i * cadenceMs, bytes: b })), frames }
}

/** An opened input: its format, header-like description and records. */
export interface OpenedInput {
  format: InputFormat
  /** "dump.hex (hex dump)". */
  description: string
  syntheticTimes: boolean
  /** Frames found in a dump (0 = no P1 data at all); null for captures (not counted up front). */
  frames: number | null
  /** Records in order (data and metadata); for captures, streamed from disk. */
  records(summary?: ReadSummary): AsyncGenerator<CaptureRecord>
}

/**
 * Open any importable file. Captures are streamed; dumps (≤ 512 MB) are decoded into one
 * Buffer: a hex dump streamed into at most half its size, a raw dump as read, telegram text
 * with one extra byte per line end.
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
    throw new Error(explainReadError(path, e), { cause: e })
  }
  if (size === 0) throw new CaptureFormatError(`${basename(path)} is empty.`, 0)
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
    return { format, description: `${name} (P1 Studio capture)`, syntheticTimes: false, frames: null, records: (summary) => readCapture(path, summary) }
  }
  if (size > MAX_DUMP_BYTES) throw new Error(`${name} is ${Math.round(size / 1e6)} MB: dumps up to 512 MB can be imported.`)
  let bytes: Buffer
  if (format === 'hex') bytes = await parseHexDumpFile(path)
  else if (format === 'text') bytes = normaliseTelegramText(await readFile(path))
  else bytes = await readFile(path)
  const { records: recs, frames } = recordsFromDump(bytes, Math.floor(mtime))
  const label = { hex: 'hex dump', text: 'telegram text', raw: 'raw binary dump' }[format]
  return {
    format,
    description: `${name} (${label})`,
    syntheticTimes: true,
    frames,
    records: async function* (summary?: ReadSummary) {
      yield {
        type: 'metadata',
        time: recs[0]?.time ?? mtime,
        offset: 0,
        meta: {
          format: 'p1studio-capture',
          version: 1,
          source: `imported from ${name} (${label})`,
          lineSettings: null,
          appVersion: '',
          startedAt: isoTime(recs[0]?.time ?? mtime),
          syntheticTimes: true
        }
      }
      let offset = 0
      for (const r of recs) {
        if (summary) summary.records++
        yield { type: 'data', time: r.time, offset, bytes: r.bytes }
        offset += r.bytes.length
      }
    }
  }
}
