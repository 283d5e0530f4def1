/**
 * One owner per serial device: a part of the app leases a port before it opens it, and gives
 * it back when it closes it. Who may take a port from whom is one explicit policy
 * ({@link PORT_POLICY}) instead of services releasing each other's ports through callbacks:
 *
 * - opening the P1 port stops the board's serial monitor on it;
 * - a board operation (flash, chip check, Improv, monitor) closes the session's own P1 port;
 * - a diagnosis on a port closes the P1 source and the board monitor there (the diagnosis
 *   reopens the P1 source afterwards);
 * - nothing takes a port from a running diagnosis or board operation: the answer is
 *   ApiError `port_in_use` with params {path, owner} ("in use by the diagnosis").
 */
import { EventEmitter } from 'node:events'
import { ApiError } from '../../shared/contract'

/** The parts of the app that open serial devices. */
export type PortOwner = 'p1-source' | 'diagnosis' | 'board-monitor' | 'board-flash' | 'board-info' | 'improv'

/** How each owner is named to the user ("in use by the board monitor"). */
export const PORT_OWNER_NAMES: Record<PortOwner, string> = {
  'p1-source': 'the P1 source',
  diagnosis: 'the diagnosis',
  'board-monitor': 'the board monitor',
  'board-flash': 'the board flash',
  'board-info': 'the chip check',
  improv: 'the Improv provisioning'
}

/** Whom each owner may take a port from (the holder is asked to let go first). Everyone else gets `port_in_use`. */
export const PORT_POLICY: Record<PortOwner, readonly PortOwner[]> = {
  'p1-source': ['p1-source', 'board-monitor'],
  diagnosis: ['p1-source', 'board-monitor'],
  'board-monitor': ['p1-source', 'board-monitor'],
  'board-flash': ['p1-source', 'board-monitor'],
  'board-info': ['p1-source', 'board-monitor'],
  improv: ['p1-source', 'board-monitor']
}

/** A port held by one owner until {@link release}. */
export interface PortLease {
  readonly path: string
  readonly owner: PortOwner
  /** Give the port back (idempotent). */
  release(): void
}

interface Holder {
  lease: PortLease
  /** How the holder lets go when the policy gives the port to another (it releases its lease). */
  yieldPort: (() => Promise<void>) | null
}

/** Events: 'change' (path, owner or null) whenever a port changes hands. */
export class PortRegistry extends EventEmitter<{ change: [path: string, owner: PortOwner | null] }> {
  private readonly held = new Map<string, Holder>()

  constructor(private readonly policy: Record<PortOwner, readonly PortOwner[]> = PORT_POLICY) {
    super()
  }

  /** Who holds `path`, null if nobody. */
  holder(path: string): PortOwner | null {
    return this.held.get(path)?.lease.owner ?? null
  }

  /**
   * Lease `path` to `owner`. A holder the policy lets `owner` displace is asked to let go
   * (`yieldPort` of its lease) first.
   * @param yieldPort how this owner lets go when another takes the port (absent: it cannot be displaced… but the policy decides)
   * @throws ApiError `port_in_use` {path, owner: holder} when the holder keeps it.
   */
  async lease(path: string, owner: PortOwner, yieldPort?: () => Promise<void>): Promise<PortLease> {
    const current = this.held.get(path)
    if (current) {
      const holder = current.lease.owner
      if (!this.policy[owner].includes(holder)) {
        throw new ApiError('port_in_use', `${path} is in use by ${PORT_OWNER_NAMES[holder]}: wait until it has finished, or stop it first.`, {
          path,
          owner: holder
        })
      }
      await current.yieldPort?.().catch(() => undefined)
      // whatever the holder did, the port is taken over now
      if (this.held.get(path) === current) this.held.delete(path)
      if (this.held.has(path)) return this.lease(path, owner, yieldPort)
    }
    let released = false
    const lease: PortLease = {
      path,
      owner,
      release: () => {
        if (released) return
        released = true
        if (this.held.get(path)?.lease === lease) {
          this.held.delete(path)
          this.emit('change', path, null)
        }
      }
    }
    this.held.set(path, { lease, yieldPort: yieldPort ?? null })
    this.emit('change', path, owner)
    return lease
  }
}
