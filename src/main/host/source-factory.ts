/**
 * The ByteSource of a source request (namespace `source`, src/shared/contract/source.ts): a
 * serial port, raw P1 bytes over TCP (reconnecting with back-off: src/main/line/tcp-source.ts),
 * a raw file, the demo, a capture replayed with its recorded times. Every source stamps its
 * bytes with the session's clock.
 */
import type { ReplaySpeed, SourceRequest } from '../../shared/contract'
import { ReplaySource } from '../capture/replay-source'
import type { Clock } from '../line/clock'
import { DemoSource } from '../line/demo-source'
import { FileSource } from '../line/file-source'
import { SerialSource } from '../line/serial-source'
import type { ByteSource } from '../line/source'
import { TcpSource, type TcpSourceOptions } from '../line/tcp-source'

const speedValue = (s: ReplaySpeed | undefined): number => (s === 'max' ? Infinity : (s ?? 1))

/** Extra options of TCP sources (back-off, idle timeout: tests shorten nothing, they drive the clock). */
export type TcpTuning = Omit<TcpSourceOptions, 'host' | 'port' | 'clock'>

/**
 * The source `req` names, on `clock`. @throws RangeError for a TCP host or port that cannot be
 * used (the contract's schema refuses them first).
 */
export function defaultSourceFactory(req: SourceRequest, clock: Clock, tcp: TcpTuning = {}): ByteSource {
  switch (req.kind) {
    case 'serial':
      return new SerialSource(req.path, req.settings, { clock })
    case 'tcp':
      return new TcpSource({ ...tcp, host: req.host, port: req.port, clock })
    case 'file':
      return new FileSource(req.path, { clock })
    case 'demo':
      return new DemoSource({ clock })
    case 'capture':
      return new ReplaySource(req.path, { speed: speedValue(req.speed), paused: req.paused, clock })
  }
}
