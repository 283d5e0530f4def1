/**
 * `p1studio simulate --port PATH …`: the virtual Smarty meter (src/main/line/virtual-meter.ts)
 * writing encrypted frames to a serial port at the meter's cadence, optionally with a fault
 * (src/main/line/faults.ts) and the bit-level UART model of the receiving end (`--peer`).
 */
import { VirtualMeter, openSerialWriter } from '../line/virtual-meter'
import { FAULT_HELP, METER_FAULTS, sttyFormat, type MeterFault, type MeterFaultName } from '../line/faults'
import { UsageError, intOpt, keyOpt, parse } from './args'

/** Run `simulate` with its arguments. @returns the exit status. @throws UsageError, Error (port). */
export async function cmdSimulate(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    key: { type: 'string' },
    interval: { type: 'string' },
    'system-title': { type: 'string' },
    count: { type: 'string' },
    'frame-counter': { type: 'string' },
    fault: { type: 'string' },
    every: { type: 'string' },
    'truncate-at': { type: 'string' },
    plain: { type: 'boolean' },
    peer: { type: 'string' }
  })
  if (!values.port) throw new UsageError('simulate needs --port PATH')
  const plain = values.plain === true
  const key = keyOpt(values.key, 'P1 key') ?? (plain ? '00000000000000000000000000000000' : undefined)
  if (!key) throw new UsageError('simulate needs --key HEX (the P1 key the frames are encrypted with), or --plain')
  const faultName = String(values.fault ?? 'none')
  if (!(METER_FAULTS as readonly string[]).includes(faultName)) throw new UsageError(`--fault must be one of ${METER_FAULTS.join(', ')}`)
  const fault: MeterFault = {
    name: faultName as MeterFaultName,
    every: intOpt(values.every, 'every', 1, 1_000_000),
    truncateAt: intOpt(values['truncate-at'], 'truncate-at', 1, 65_535)
  }
  const peer = values.peer === undefined ? null : String(values.peer)
  const interval = intOpt(values.interval, 'interval', 0.01, 3600) ?? 10
  const count = intOpt(values.count, 'count', 1, Number.MAX_SAFE_INTEGER)
  let title: Buffer | undefined
  if (values['system-title'] !== undefined) {
    const t = String(values['system-title'])
    if (!/^[0-9A-Fa-f]{16}$/.test(t)) throw new UsageError('--system-title must be 16 hex digits (8 bytes)')
    title = Buffer.from(t, 'hex')
  }
  const writer = await openSerialWriter(String(values.port))
  const meter = new VirtualMeter({
    key: Buffer.from(key, 'hex'),
    systemTitle: title,
    frameCounter: intOpt(values['frame-counter'], 'frame-counter', 0, 0xffffffff),
    intervalMs: interval * 1000,
    write: (f) => writer.write(f),
    fault,
    plain,
    receiver: peer ? () => sttyFormat(peer) : undefined
  })
  return new Promise<number>((resolveExit) => {
    let sent = 0
    const finish = (code: number): void => {
      meter.stop()
      void writer.close().then(() => resolveExit(code))
    }
    process.once('SIGINT', () => finish(0))
    meter.on('frame', (frame, _t, fc) => {
      process.stderr.write(`frame ${fc}: ${frame.length} bytes\n`)
      if (count !== undefined && ++sent >= count) setTimeout(() => finish(0), 50)
    })
    meter.on('error', (e) => {
      process.stderr.write(e.message + '\n')
      finish(1)
    })
    const what = fault.name === 'none' ? '' : `, fault ${fault.name} (${FAULT_HELP[fault.name]})`
    process.stderr.write(`virtual meter on ${values.port}, a frame every ${interval} s${what} (Ctrl-C to stop)\n`)
    meter.start()
  })
}
