/**
 * Evidence as the diagnostics runner records it, without a port or a clock: the virtual
 * meter's frames, each pushed in 256-byte chunks 3 ms apart (as a UART delivers it) with
 * receive times a cadence apart, into AttemptEvidence. For the tests of the pure checks
 * (test/unit/diagnostics/checks.test.ts) and of their wording (test/unit/renderer/wording.test.ts).
 */
import { AttemptEvidence } from '../../src/main/diagnostics/evidence'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { SmartyModel } from '../../src/main/line/smarty-model'
import type { MeterFault } from '../../src/main/line/faults'

/** The meter's P1 key (a test key, not a meter's). */
export const HEARD_KEY = 'C0FFEE00112233445566778899AABBCC'
/** When the attempt starts: 2026-03-29 00:59:40 UTC, across the CET → CEST change. */
export const HEARD_T0 = Date.parse('2026-03-29T00:59:40Z')
/** The Smarty's line settings, 115200 8N1. */
export const SETTINGS_8N1 = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const

/** How {@link heard} plays the meter. */
export interface HeardOptions {
  /** Frames sent (default 4). */
  frames?: number
  /** The fault's period (`drop`: every Nth frame counter is lost, default 3). */
  every?: number
  /** The key the evidence decrypts with: undefined → HEARD_KEY, null → none given. */
  key?: string | null
  /** Seconds after frame i before the next one (default 10 s, the Smarty's cadence). */
  gapS?: (i: number) => number
  /** Plain DSMR telegrams instead of encrypted frames. */
  plain?: boolean
}

/**
 * An attempt that heard the virtual meter (SmartyModel seed 7) with `fault`, from
 * HEARD_T0 + 1 s, finished after the last gap.
 * @returns the finished AttemptEvidence, ready for evaluateChecks.
 */
export function heard(fault: MeterFault['name'], opts: HeardOptions = {}): AttemptEvidence {
  const meter = new VirtualMeter({
    key: Buffer.from(HEARD_KEY, 'hex'),
    plain: opts.plain,
    fault: { name: fault, every: opts.every },
    model: new SmartyModel({ seed: 7 }),
    write: () => undefined
  })
  const ev = new AttemptEvidence(
    { settings: { ...SETTINGS_8N1 }, key: opts.key === undefined ? HEARD_KEY : opts.key, burstGapMs: 500, idleGapMs: 2000 },
    HEARD_T0
  )
  let t = HEARD_T0 + 1000
  for (let i = 0; i < (opts.frames ?? 4); i++) {
    const frame = meter.nextFrame(new Date(t))!
    const dropped = fault === 'drop' && meter.lastFrameCounter! % (opts.every ?? 3) === 0
    if (!dropped) {
      // as a UART delivers it: a few chunks a few ms apart
      for (let o = 0, k = 0; o < frame.length; o += 256, k++) ev.push(frame.subarray(o, o + 256), t + k * 3)
    }
    t += (opts.gapS?.(i) ?? 10) * 1000
  }
  ev.finish(t)
  return ev
}
