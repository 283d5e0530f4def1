/**
 * What a line has delivered so far, for `p1studio monitor`'s running status on stderr: the
 * session's own line monitor (src/main/line/line-monitor.ts) — bytes, bursts, frames found,
 * telegrams decoded, the share of zero bytes, the meter, the line state and the last failure
 * with its reason (issue 15: "1,158 bytes in 1 burst, no frame" tells an inverted line from a
 * silent one and from a wrong key). The same counters as the app's status bar.
 */
import { LineMonitor } from '../line/line-monitor'

export { BURST_GAP_MS, SILENCE_CADENCES } from '../line/line-monitor'

/** Counters of one line since monitoring began: a {@link LineMonitor} fed by `monitor`. */
export class LineCounters extends LineMonitor {}
