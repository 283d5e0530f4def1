/**
 * A double of the ESP8266/ESP32 ROM serial bootloader (and of esptool's flasher stub once
 * it is "started") on one end of a pty pair, with the flash kept in a Buffer.
 *
 * Protocol as Espressif documents it (esptool docs, "Serial Protocol"):
 * - SLIP framing (0xC0 ends, 0xDB 0xDC / 0xDB 0xDD escapes); requests `00 op len16 chk32 data`,
 *   responses `01 op len16 value32 data status` with 2 status bytes (ESP8266 ROM, any stub) or
 *   4 (ESP32 ROM); failure status `01 05` = "Received message is invalid" for commands a ROM
 *   does not know (ESP8266 ROM: no SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE, compressed
 *   writes or SPI_FLASH_MD5; neither ROM knows GET_SECURITY_INFO 0x14).
 * - SYNC 0x08 (payload 07 07 12 20 + 32×0x55): the ROM answers 8 times with a non-zero value
 *   (0x55551207, as in a published ESP32 trace), the stub once with 0.
 * - READ_REG 0x0A / WRITE_REG 0x09 on a register map: chip-detect magic at 0x40001000
 *   (ESP8266 0xFFF0C101, ESP32 0x00F01D83), eFuse words (MAC, package, revision), UART
 *   clock divider (crystal), and the SPI controller: writing SPI_CMD with the USR bit runs the
 *   command in SPI_USR2 (0x9F RDID → JEDEC id in SPI_W0), which is how esptool reads the
 *   flash size.
 * - MEM_BEGIN/MEM_DATA/MEM_END load the flasher stub; MEM_END with an entry inside what was
 *   loaded "starts" it: the double sends the unsolicited `OHAI` packet and answers as the stub
 *   from then on (2 status bytes, MD5 as 16 raw bytes, ERASE_FLASH 0xD0…).
 * - FLASH_BEGIN/FLASH_DATA/FLASH_END (the ROM erases at FLASH_BEGIN; the stub erases 4 kB
 *   sectors just in time), FLASH_DEFL_* (zlib, as esptool sends), SPI_FLASH_MD5 0x13
 *   (ESP32 ROM: 32 hex ASCII; stub: 16 raw bytes), CHANGE_BAUDRATE 0x0F (ptys accept any baud).
 * - `_DATA` checksums (seed 0xEF, XOR of the data) and sequence numbers are checked.
 *
 * Faults for tests: `silent` (never answers), `corruptBlock` (one bit of the flash flips after
 * writing that block: the MD5 must then differ), `onBlock` (hook after each data block, e.g.
 * to kill the pty pair mid-write), `dropAfterBlock` (close the port instead of answering).
 */
import { createHash } from 'node:crypto'
import { constants, inflateSync } from 'node:zlib'
import { SerialPort } from 'serialport'

export type RomChip = 'esp8266' | 'esp32'

export interface RomDoubleOptions {
  chip: RomChip
  /** Flash size, bytes (power of two; default 4 MiB). */
  flashSize?: number
  /** Station MAC "aa:bb:cc:dd:ee:ff". */
  mac?: string
  /** Fill byte of the flash before anything is written (default 0xA5: "old firmware"). */
  fill?: number
  silent?: boolean
  corruptBlock?: number
  dropAfterBlock?: number
  onBlock?: (seq: number, d: RomDouble) => void
}

const OP = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  RUN_USER_CODE: 0xd3
} as const

const SECTOR = 0x1000

/** Chip constants (esptool targets esp8266.py / esp32.py). */
const CHIPS = {
  esp8266: { magic: 0xfff0c101, spiBase: 0x60000200, w0: 0x40, uartClkdiv: 0x60000014, clkdiv: 0x1c4, romStatusLen: 2 },
  esp32: { magic: 0x00f01d83, spiBase: 0x3ff42000, w0: 0x80, uartClkdiv: 0x3ff40014, clkdiv: 0x15b, romStatusLen: 4 }
} as const

export class RomDouble {
  /** The flash memory. */
  readonly flash: Buffer
  /** Commands seen, e.g. "SYNC", "FLASH_BEGIN 0x0 16384×1". */
  readonly events: string[] = []
  /** The stub was uploaded and started. */
  stub = false
  /** Left the bootloader (FLASH_END reboot / RUN_USER_CODE): stays silent. */
  running = false
  baudRate = 115200
  erasedAll = false
  private regs = new Map<number, number>()
  private rx: number[] = []
  private inPacket = false
  private esc = false
  private ram = new Map<number, Buffer>()
  private mem: { size: number; blocks: number; blockSize: number; offset: number; seq: number } | null = null
  private fl: {
    offset: number
    size: number
    blockSize: number
    blocks: number
    seq: number
    written: number
    compressed: Buffer[] | null
    inflated: number
  } | null = null
  private erased = new Set<number>()
  private closed = false

  private constructor(
    readonly port: SerialPort,
    readonly opts: RomDoubleOptions
  ) {
    this.flash = Buffer.alloc(opts.flashSize ?? 4 * 1048576, opts.fill ?? 0xa5)
    this.initRegs()
    port.on('data', (chunk: Buffer) => this.onData(chunk))
  }

  /** Open `path` (one end of a pty pair) and start answering. */
  static async start(path: string, opts: RomDoubleOptions): Promise<RomDouble> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false })
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())))
    port.on('error', () => undefined)
    return new RomDouble(port, opts)
  }

  /**
   * Back to the ROM bootloader, as after the EN pulse plus GPIO0 low that a real board gets
   * through RTS/DTR (which a pty cannot carry): stub gone, 115200 baud, nothing loaded.
   */
  async reset(): Promise<void> {
    this.stub = false
    this.running = false
    this.mem = null
    this.fl = null
    this.ram.clear()
    this.rx = []
    this.inPacket = false
    this.baudRate = 115200
    this.events.push('RESET')
    // no port.update(): ptys ignore the baud rate, and its tcflush would drop unread output
  }

  /** Close the double's end. */
  async stop(): Promise<void> {
    this.closed = true
    if (!this.port.isOpen) return
    await new Promise<void>((res) => this.port.close(() => res()))
  }

  private get c(): (typeof CHIPS)[RomChip] {
    return CHIPS[this.opts.chip]
  }

  private initRegs(): void {
    const mac = (this.opts.mac ?? (this.opts.chip === 'esp8266' ? '5c:cf:7f:12:34:56' : '24:0a:c4:12:34:56')).split(':').map((h) => parseInt(h, 16))
    this.regs.set(0x40001000, this.c.magic)
    this.regs.set(this.c.uartClkdiv, this.c.clkdiv)
    if (this.opts.chip === 'esp8266') {
      // esptool ESP8266ROM.read_mac: mac3 holds the OUI, mac1 bytes 3–4, mac0 byte 5
      this.regs.set(0x3ff00050, (mac[5] << 24) >>> 0)
      this.regs.set(0x3ff00054, (mac[3] << 8) | mac[4])
      this.regs.set(0x3ff00058, 0)
      this.regs.set(0x3ff0005c, (mac[0] << 16) | (mac[1] << 8) | mac[2])
    } else {
      // esptool ESP32ROM: eFuse BLK0 words 1–2 hold the MAC; word 3: package 0 (D0WDQ6),
      // rev bit 0 (bit 15), 240 MHz rated (bit 13); word 5 bit 20 and APB_CTL_DATE bit 31:
      // revision 3; word 4: ADC vref calibrated
      this.regs.set(0x3ff5a004, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0)
      this.regs.set(0x3ff5a008, (mac[0] << 8) | mac[1])
      this.regs.set(0x3ff5a00c, (1 << 15) | (1 << 13))
      this.regs.set(0x3ff5a010, 0x0c << 8)
      this.regs.set(0x3ff5a014, 1 << 20)
      this.regs.set(0x3ff5a018, 0)
      this.regs.set(0x3ff6607c, 0x80000000)
    }
  }

  /** JEDEC RDID answer: Winbond (0xEF), device 0x40, capacity log2(size). */
  private get flashId(): number {
    return 0xef | (0x40 << 8) | (Math.log2(this.flash.length) << 16)
  }

  private onData(chunk: Buffer): void {
    for (const b of chunk) {
      if (b === 0xc0) {
        if (this.inPacket && this.rx.length > 0) {
          const pkt = Buffer.from(this.rx)
          this.rx = []
          this.inPacket = false
          this.handle(pkt)
        } else {
          this.inPacket = true
          this.rx = []
        }
        continue
      }
      if (!this.inPacket) continue
      if (this.esc) {
        this.esc = false
        this.rx.push(b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b)
      } else if (b === 0xdb) this.esc = true
      else this.rx.push(b)
    }
  }

  private send(bytes: Buffer): void {
    if (this.closed || !this.port.isOpen) return
    const out: number[] = [0xc0]
    for (const b of bytes) {
      if (b === 0xc0) out.push(0xdb, 0xdc)
      else if (b === 0xdb) out.push(0xdb, 0xdd)
      else out.push(b)
    }
    out.push(0xc0)
    this.port.write(Buffer.from(out))
  }

  private reply(op: number, value = 0, data: Buffer = Buffer.alloc(0), status: [number, number] = [0, 0]): void {
    const statusLen = this.stub ? 2 : this.c.romStatusLen
    const st = Buffer.alloc(statusLen)
    st[0] = status[0]
    st[1] = status[1]
    const body = Buffer.concat([data, st])
    const h = Buffer.alloc(8)
    h[0] = 0x01
    h[1] = op
    h.writeUInt16LE(body.length, 2)
    h.writeUInt32LE(value >>> 0, 4)
    this.send(Buffer.concat([h, body]))
  }

  private fail(op: number, err: number): void {
    this.reply(op, 0, Buffer.alloc(0), [1, err])
  }

  private handle(p: Buffer): void {
    if (this.opts.silent || this.running || p.length < 8 || p[0] !== 0x00) return
    const op = p[1]
    const len = p.readUInt16LE(2)
    const chk = p.readUInt32LE(4)
    const data = p.subarray(8, 8 + len)
    if (data.length !== len) return this.fail(op, 0x05)
    const rom8266 = !this.stub && this.opts.chip === 'esp8266'
    switch (op) {
      case OP.SYNC: {
        const ok = len === 36 && data[0] === 0x07 && data[1] === 0x07 && data[2] === 0x12 && data[3] === 0x20 && data.subarray(4).every((b) => b === 0x55)
        if (!ok) return this.fail(op, 0x05)
        this.events.push('SYNC')
        if (this.stub) return this.reply(op, 0)
        for (let i = 0; i < 8; i++) this.reply(op, 0x55551207)
        return
      }
      case OP.READ_REG: {
        const addr = data.readUInt32LE(0)
        return this.reply(op, this.regs.get(addr) ?? 0)
      }
      case OP.WRITE_REG: {
        for (let i = 0; i + 16 <= data.length; i += 16) this.writeReg(data.readUInt32LE(i), data.readUInt32LE(i + 4), data.readUInt32LE(i + 8))
        return this.reply(op)
      }
      case OP.MEM_BEGIN: {
        const [size, blocks, blockSize, offset] = [0, 4, 8, 12].map((o) => data.readUInt32LE(o))
        this.mem = { size, blocks, blockSize, offset, seq: 0 }
        this.ram.set(offset, Buffer.alloc(0))
        this.events.push(`MEM_BEGIN 0x${offset.toString(16)} ${size}`)
        return this.reply(op)
      }
      case OP.MEM_DATA: {
        const block = this.dataBlock(op, data, chk)
        if (!block || !this.mem) return
        if (block.seq !== this.mem.seq || block.data.length > this.mem.blockSize) return this.fail(op, 0x05)
        this.mem.seq++
        this.ram.set(this.mem.offset, Buffer.concat([this.ram.get(this.mem.offset)!, block.data]))
        return this.reply(op)
      }
      case OP.MEM_END: {
        const execute = data.readUInt32LE(0) === 0
        const entry = data.readUInt32LE(4)
        this.events.push(`MEM_END 0x${entry.toString(16)}`)
        this.reply(op)
        const inside = [...this.ram].some(([start, buf]) => entry >= start && entry < start + buf.length)
        if (execute && inside) {
          this.stub = true
          this.events.push('STUB')
          this.send(Buffer.from('OHAI'))
        } else if (execute) this.running = true // jumped into nowhere
        return
      }
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN: {
        if (op === OP.FLASH_DEFL_BEGIN && rom8266) return this.fail(op, 0x05)
        const [size, blocks, blockSize, offset] = [0, 4, 8, 12].map((o) => data.readUInt32LE(o))
        if (offset + (op === OP.FLASH_BEGIN ? size : 0) > this.flash.length || offset >= this.flash.length) return this.fail(op, 0x05)
        this.fl = { offset, size, blockSize, blocks, seq: 0, written: 0, compressed: op === OP.FLASH_DEFL_BEGIN ? [] : null, inflated: 0 }
        this.erased.clear()
        if (!this.stub) this.eraseRange(offset, op === OP.FLASH_BEGIN ? size : size) // the ROM erases up front
        this.events.push(`${op === OP.FLASH_BEGIN ? 'FLASH_BEGIN' : 'FLASH_DEFL_BEGIN'} 0x${offset.toString(16)} ${size} ${blocks}×${blockSize}`)
        return this.reply(op)
      }
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA: {
        const block = this.dataBlock(op, data, chk)
        if (!block) return
        const f = this.fl
        if (!f || (op === OP.FLASH_DEFL_DATA) !== (f.compressed !== null)) return this.fail(op, 0x05)
        if (block.seq !== f.seq) return this.fail(op, 0x05)
        f.seq++
        const start = f.offset + f.written
        if (f.compressed) {
          f.compressed.push(block.data)
          let out: Buffer
          try {
            out = inflateSync(Buffer.concat(f.compressed), { finishFlush: constants.Z_SYNC_FLUSH })
          } catch {
            return this.fail(op, 0x0b)
          }
          const fresh = out.subarray(f.inflated)
          f.inflated = out.length
          this.program(start, fresh)
          f.written += fresh.length
        } else {
          const n = this.stub ? Math.min(block.data.length, Math.max(0, f.size - f.written)) : block.data.length
          this.program(start, block.data.subarray(0, n))
          f.written += n
        }
        this.events.push(`${op === OP.FLASH_DATA ? 'FLASH_DATA' : 'FLASH_DEFL_DATA'} ${block.seq}`)
        if (this.opts.corruptBlock === block.seq) {
          this.flash[start] ^= 0x01
          this.events.push(`CORRUPTED 0x${start.toString(16)}`)
        }
        this.opts.onBlock?.(block.seq, this)
        if (this.opts.dropAfterBlock === block.seq) {
          void this.stop()
          return
        }
        return this.reply(op)
      }
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END: {
        this.events.push(op === OP.FLASH_END ? 'FLASH_END' : 'FLASH_DEFL_END')
        this.reply(op)
        const reboot = len >= 4 && data.readUInt32LE(0) === 0
        if (!this.stub || reboot) this.running = true
        return
      }
      case OP.SPI_FLASH_MD5: {
        if (rom8266) return this.fail(op, 0x05)
        const [addr, size] = [data.readUInt32LE(0), data.readUInt32LE(4)]
        const digest = createHash('md5')
          .update(this.flash.subarray(addr, addr + size))
          .digest()
        this.events.push(`MD5 0x${addr.toString(16)} ${size}`)
        return this.reply(op, 0, this.stub ? digest : Buffer.from(digest.toString('hex'), 'ascii'))
      }
      case OP.SPI_ATTACH:
      case OP.SPI_SET_PARAMS:
        if (rom8266) return this.fail(op, 0x05)
        this.events.push(op === OP.SPI_ATTACH ? 'SPI_ATTACH' : 'SPI_SET_PARAMS')
        return this.reply(op)
      case OP.CHANGE_BAUDRATE: {
        if (rom8266) return this.fail(op, 0x05)
        const baud = data.readUInt32LE(0)
        this.events.push(`CHANGE_BAUDRATE ${baud}`)
        this.reply(op)
        // A pty carries any baud rate, so the double's end is left as it is: serialport's
        // update() does tcflush(TCIOFLUSH), which on a pty slave also discards the reply
        // socat has not read yet (under load the reply was lost and esptool timed out).
        this.baudRate = baud
        return
      }
      case OP.ERASE_FLASH:
        if (!this.stub) return this.fail(op, 0x05)
        this.flash.fill(0xff)
        this.erasedAll = true
        this.events.push('ERASE_FLASH')
        return this.reply(op)
      case OP.ERASE_REGION: {
        if (!this.stub) return this.fail(op, 0x05)
        this.eraseRange(data.readUInt32LE(0), data.readUInt32LE(4))
        return this.reply(op)
      }
      case OP.RUN_USER_CODE:
        if (!this.stub) return this.fail(op, 0x05)
        this.running = true
        return
      default:
        // GET_SECURITY_INFO and everything else: unknown to the ESP8266/ESP32 ROM (and the stub)
        this.events.push(`UNSUPPORTED 0x${op.toString(16)}`)
        return this.fail(op, this.stub ? 0xff : 0x05)
    }
  }

  /** Parse a `_DATA` payload (len, seq, 0, 0, data) and check its checksum. */
  private dataBlock(op: number, data: Buffer, chk: number): { seq: number; data: Buffer } | null {
    const n = data.readUInt32LE(0)
    const seq = data.readUInt32LE(4)
    const block = data.subarray(16, 16 + n)
    if (block.length !== n) {
      this.fail(op, 0x05)
      return null
    }
    let sum = 0xef
    for (const b of block) sum ^= b
    if (sum !== (chk & 0xff)) {
      this.fail(op, this.stub ? 0xc1 : 0x07)
      return null
    }
    return { seq, data: block }
  }

  private eraseRange(offset: number, size: number): void {
    const start = offset - (offset % SECTOR)
    const end = Math.min(this.flash.length, Math.ceil((offset + size) / SECTOR) * SECTOR)
    this.flash.fill(0xff, start, end)
  }

  /** NOR flash: erase each 4 kB sector before its first write in this session (stub), then program. */
  private program(addr: number, bytes: Buffer): void {
    if (bytes.length === 0) return
    if (this.stub) {
      for (let s = addr - (addr % SECTOR); s < addr + bytes.length; s += SECTOR) {
        if (!this.erased.has(s)) {
          this.flash.fill(0xff, s, Math.min(this.flash.length, s + SECTOR))
          this.erased.add(s)
        }
      }
    }
    // programming can only clear bits
    for (let i = 0; i < bytes.length && addr + i < this.flash.length; i++) this.flash[addr + i] &= bytes[i]
  }

  private writeReg(addr: number, value: number, mask: number): void {
    const old = this.regs.get(addr) ?? 0
    let v = ((old & ~mask) | (value & mask)) >>> 0
    const base = this.c.spiBase
    if (addr === base && v & (1 << 18)) {
      // SPI_CMD_REG with SPI_USR: run the command held in SPI_USR2 (low byte)
      const cmd = (this.regs.get(base + 0x24) ?? 0) & 0xff
      this.regs.set(base + this.c.w0, cmd === 0x9f ? this.flashId : 0)
      this.events.push(`SPI_CMD 0x${cmd.toString(16)}`)
      v &= ~(1 << 18)
    }
    this.regs.set(addr, v >>> 0)
  }
}
