/**
 * "Share anonymised" (issue 15): a copy of a capture that a user can hand to anyone — the
 * meter's identity and P1 key gone, its faults kept. Every DLMS general-glo-ciphering frame
 * (DB 08 …, Luxmetering E-Meter P1 spec v1.1.3 §3.2.5) is decrypted with the meter's key and
 * re-encrypted (src/main/p1/encrypt.ts) with a fresh random key, returned beside the file; in
 * the telegram the meter ids (0-0:96.1.1, 0-0:42.0.0, M-Bus 0-n:96.1.0 / 0-n:96.1.1) are
 * replaced and the telegram CRC recomputed (DSMR 5.0.2 §6.12: CRC-16/ARC over `/`…`!`); the
 * system title is replaced in every frame header. Replacements are consistent within the file
 * (the same input gives the same replacement), keep the length, keep the system title's first
 * 3 bytes (the manufacturer, "SAG") and keep hex-ASCII ids hex-ASCII (digits stay digits,
 * letters letters). Frame counters, receive times, cadence, chunking (one record per record),
 * faults and byte-level damage are kept exactly: a frame that does not decrypt (cut short,
 * corrupted, another key) is copied as is (its system title replaced) and counted in
 * `keptAsIs`; a telegram whose CRC was wrong keeps its wrong CRC. Plain DSMR telegrams (no
 * encryption) get the same id replacement. Capture records that were damaged on disk are
 * skipped by the reader (docs/capture-format.md) and reported as its warning.
 *
 * The capture is read into memory (captures a user shares are minutes to hours: ~1.3 MB per
 * hour at one frame every 10 s).
 */
import { randomBytes, randomInt } from 'node:crypto'
import { basename } from 'node:path'
import { crc16Arc, formatCrc } from '../p1/crc16'
import { decryptGlo } from '../p1/decrypt'
import { GLO_TAG, parseGloHeader, SYSTEM_TITLE_LENGTH } from '../p1/dlms'
import { encryptGlo } from '../p1/encrypt'
import { LUX_AUTH_KEY_HEX } from '../../shared/types'
import { openInput } from './importers'
import { captureWarningInfo, CaptureFormatError, type CaptureWarningInfo, type ReadSummary } from './reader'
import { explainFileError, PendingFile } from './safe-file'
import { CaptureWriter } from './writer'

/** Options of {@link anonymiseCapture}. */
export interface AnonymiseOptions {
  /** The meter's 16-byte P1 key (the frames are decrypted with it). */
  key: Buffer
  /** Authentication key, default Luxembourg's 00112233445566778899AABBCCDDEEFF. */
  authKey?: Buffer
  appVersion: string
  /** Replace an existing `out`. */
  force?: boolean
  /** Random bytes (tests may pin them); default node:crypto. */
  random?: (n: number) => Buffer
}

/** What {@link anonymiseCapture} did. */
export interface AnonymiseResult {
  path: string
  /** The new P1 key of the shared file, hex (upper case): give it with the file. */
  keyHex: string
  /** Frames decrypted, anonymised and re-encrypted. */
  frames: number
  /** DLMS frames that did not decrypt with the key, copied as they were (system title replaced). */
  keptAsIs: number
  /** Plain telegrams whose ids were replaced. */
  plainTelegrams: number
  records: number
  /** Plain words when something deserves attention, null if fine. */
  warning: string | null
  /** The same as codes: `nothing_decoded` {frames, failed, missingKey}, `frames_kept_as_is` {frames}, `capture_torn`, `capture_damaged`. */
  warnings: { code: string; message: string; params: Record<string, string | number | null> }[]
}

/** The OBIS codes whose values identify the meter or an M-Bus device (equipment identifiers). */
const ID_LINE = /(^|\n)(0-0:96\.1\.1|0-0:42\.0\.0|0-\d:96\.1\.[01])\(([^)\r\n]*)\)/g

/** Consistent, length-keeping replacements of one file. */
class Replacer {
  private readonly ids = new Map<string, string>()
  private readonly titles = new Map<string, Buffer>()
  /** Old serial → new serial (6 digits): a Smarty's system title ends with its serial, as its meter id does. */
  private readonly serials = new Map<string, string>()
  constructor(private readonly random: (n: number) => Buffer) {}

  /** Same class of character (digit, upper, lower letter, else kept), at random. */
  private scramble(s: string, keep: number): string {
    let out = s.slice(0, keep)
    for (const c of s.slice(keep)) {
      if (c >= '0' && c <= '9') out += String(randomInt(10))
      else if (c >= 'A' && c <= 'Z') out += String.fromCharCode(65 + randomInt(26))
      else if (c >= 'a' && c <= 'z') out += String.fromCharCode(97 + randomInt(26))
      else out += c
    }
    return out
  }

  /** An equipment id's replacement: hex-ASCII stays hex-ASCII of the same length, the first 3 letters (maker) kept. */
  id(value: string): string {
    let r = this.ids.get(value)
    if (r !== undefined) return r
    const hex = /^(?:[0-9A-Fa-f]{2})+$/.test(value) ? Buffer.from(value, 'hex').toString('latin1') : null
    const printable = hex !== null && /^[\x20-\x7e]+$/.test(hex)
    const maker = (s: string): number => (/^[A-Za-z]{3}/.test(s) ? 3 : 0)
    if (printable) {
      // the meter id ends with the serial the system title holds: the replaced title's serial
      const serial = [...this.serials.keys()].find((k) => hex.length > k.length && hex.endsWith(k))
      const ascii = serial ? this.scramble(hex.slice(0, -serial.length), maker(hex)) + this.serials.get(serial)! : this.scramble(hex, maker(hex))
      r = Buffer.from(ascii, 'latin1').toString('hex')
      r = value === value.toLowerCase() ? r : r.toUpperCase()
    } else r = this.scramble(value, maker(value))
    // never the value itself (a one-digit id could draw itself)
    if (r === value && value.length > 0) r = this.id(value + '\u0000').slice(0, value.length)
    this.ids.set(value, r)
    return r
  }

  /** A system title's replacement: the manufacturer's 3 bytes kept, 5 random bytes. */
  title(old: Buffer): Buffer {
    const k = old.toString('hex')
    let r = this.titles.get(k)
    if (!r) {
      // maker (3 bytes) kept, 2 random bytes, a random 6-digit serial in the last 3 (as a Smarty's)
      const serialOf = (t: Buffer): string => String(t.readUIntBE(5, 3)).padStart(6, '0')
      do {
        r = Buffer.concat([old.subarray(0, 3), this.random(2), Buffer.alloc(3)])
        r.writeUIntBE(this.random(3).readUIntBE(0, 3) % 1_000_000, 5, 3)
      } while (r.equals(old) || serialOf(r) === serialOf(old))
      this.titles.set(k, r)
      this.serials.set(serialOf(old), serialOf(r))
    }
    return r
  }

  /**
   * The telegram `/`…`!CRC\r\n` with its ids replaced; the CRC recomputed when it was right
   * (a wrong CRC stays wrong). Same length.
   */
  telegram(t: Buffer): Buffer {
    const text = t.toString('latin1')
    const bang = text.lastIndexOf('!')
    if (bang < 0) return t
    const crcText = text.slice(bang + 1, bang + 5)
    const crcWasRight = /^[0-9A-Fa-f]{4}$/.test(crcText) && parseInt(crcText, 16) === crc16Arc(t, 0, bang + 1)
    const body = text.slice(0, bang + 1).replace(ID_LINE, (_m, nl: string, obis: string, v: string) => `${nl}${obis}(${this.id(v)})`)
    const out = Buffer.from(body + text.slice(bang + 1), 'latin1')
    if (crcWasRight) out.write(formatCrc(crc16Arc(out, 0, bang + 1)), bang + 1, 'latin1')
    return out
  }
}

/**
 * Anonymise the byte stream `stream` in place (same length): DLMS frames re-encrypted with
 * `newKey`, plain telegrams' ids replaced.
 */
function anonymiseStream(
  stream: Buffer,
  key: Buffer,
  authKey: Buffer,
  newKey: Buffer,
  rep: Replacer
): { frames: number; keptAsIs: number; plainTelegrams: number } {
  let frames = 0
  let keptAsIs = 0
  let plainTelegrams = 0
  let i = 0
  while (i < stream.length) {
    const b = stream[i]
    if (b === GLO_TAG && stream[i + 1] === SYSTEM_TITLE_LENGTH) {
      const h = parseGloHeader(stream, i)
      if (h.status === 'ok') {
        const end = i + h.totalLength
        const oldTitle = Buffer.from(stream.subarray(i + 2, i + 2 + SYSTEM_TITLE_LENGTH))
        const title = rep.title(oldTitle)
        if (end <= stream.length) {
          const frame = Buffer.from(stream.subarray(i, end))
          const d = decryptGlo(frame, h.header, key, authKey)
          if (d.status === 'ok' && d.tagVerified !== false && d.plaintext[0] === 0x2f /* '/' */) {
            const again = encryptGlo({
              plaintext: rep.telegram(d.plaintext),
              key: newKey,
              authKey,
              systemTitle: title,
              frameCounter: h.header.frameCounter,
              securityControl: h.header.securityControl
            })
            if (again.length === frame.length) {
              again.copy(stream, i)
              frames++
              i = end
              continue
            }
          }
        }
        // cut short, corrupted, another key: as it was, but not the meter's system title
        title.copy(stream, i + 2)
        keptAsIs++
        i += 2 + SYSTEM_TITLE_LENGTH
        continue
      }
    }
    if (b === 0x2f /* '/' */) {
      // a plain DSMR telegram: `/XXX5…` up to `!CRC\r\n`
      const bang = stream.indexOf(0x21, i)
      const next = stream.indexOf(0x2f, i + 1)
      if (bang > 0 && (next < 0 || bang < next || stream.subarray(i, bang).includes(0x0a)) && bang + 5 <= stream.length) {
        const end = Math.min(stream.length, bang + 7)
        const t = stream.subarray(i, end)
        if (/^\/[A-Za-z]{3}\d/.test(t.subarray(0, 5).toString('latin1'))) {
          rep.telegram(Buffer.from(t)).copy(stream, i)
          plainTelegrams++
          i = end
          continue
        }
      }
    }
    i++
  }
  return { frames, keptAsIs, plainTelegrams }
}

/**
 * Write an anonymised copy of the capture (or dump) `input` to the new capture `out` (0600,
 * under a temporary name until complete, nothing left on failure). See the module comment.
 * @returns the new key and what was done; `nothing_decoded` when no frame decrypted with `key`.
 * @throws CaptureFormatError for a file that is no capture/dump; Error in plain words when
 * `out` exists (without `force`) or cannot be written.
 */
export async function anonymiseCapture(input: string, out: string, opts: AnonymiseOptions): Promise<AnonymiseResult> {
  const random = opts.random ?? randomBytes
  const authKey = opts.authKey ?? Buffer.from(LUX_AUTH_KEY_HEX, 'hex')
  const opened = await openInput(input)
  const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
  const records: { time: number; bytes: Buffer }[] = []
  let lineSettings: string | null = null
  for await (const r of opened.records(summary)) {
    if (r.type === 'metadata') {
      if (typeof r.meta.lineSettings === 'string') lineSettings ??= r.meta.lineSettings
    } else records.push({ time: r.time, bytes: r.bytes })
  }
  if (records.length === 0) throw new CaptureFormatError(`${basename(input)} holds no data.`, 0)
  const stream = Buffer.concat(records.map((r) => r.bytes))
  const newKey = random(16)
  const did = anonymiseStream(stream, opts.key, authKey, newKey, new Replacer(random))

  const pending = new PendingFile(out, 'the shared capture', false)
  const writer = new CaptureWriter({
    path: pending.tempPath,
    source: 'shared anonymised',
    lineSettings,
    appVersion: opts.appVersion,
    header: { syntheticTimes: opened.syntheticTimes, note: 'anonymised: meter ids, system title and P1 key replaced' }
  })
  try {
    let at = 0
    for (const r of records) {
      writer.write(stream.subarray(at, at + r.bytes.length), r.time)
      at += r.bytes.length
      if (writer.error) throw writer.error
    }
    writer.close()
    if (writer.error) throw writer.error
    pending.commit(opts.force === true)
  } catch (e) {
    writer.close()
    pending.abort()
    const errno = ((e as Error).cause ?? e) as NodeJS.ErrnoException
    if (errno.code && errno.code !== 'EEXIST') throw new Error(`${explainFileError(out, errno, 'the shared capture')} Nothing was written.`, { cause: e })
    throw e
  }

  const warnings: AnonymiseResult['warnings'] = []
  if (did.frames === 0 && did.plainTelegrams === 0)
    warnings.push({
      code: 'nothing_decoded',
      message: `No frame opened with this P1 key (a wrong key, or every frame cut short or damaged): ${did.keptAsIs === 1 ? 'the frame was copied as it was' : `the ${did.keptAsIs} frames were copied as they were`}, with the system title replaced. Set the meter's P1 key to anonymise inside the frames.`,
      params: { frames: did.keptAsIs, failed: did.keptAsIs, missingKey: 0 }
    })
  else if (did.keptAsIs > 0)
    warnings.push({
      code: 'frames_kept_as_is',
      message: `${did.keptAsIs === 1 ? '1 frame' : `${did.keptAsIs} frames`} did not open with the key (cut short or damaged) and ${did.keptAsIs === 1 ? 'was' : 'were'} copied as ${did.keptAsIs === 1 ? 'it was' : 'they were'}, with the system title replaced.`,
      params: { frames: did.keptAsIs }
    })
  const read: CaptureWarningInfo | null = captureWarningInfo(summary)
  if (read) warnings.push(read as AnonymiseResult['warnings'][number])
  return {
    path: out,
    keyHex: newKey.toString('hex').toUpperCase(),
    ...did,
    records: records.length,
    warning: warnings.length ? warnings.map((w) => w.message).join(' ') : null,
    warnings
  }
}
