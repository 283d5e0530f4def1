/**
 * Namespace `frames`: the last 100 frames of the P1 source (decoded or failed), as the raw
 * view lists them; each new one is pushed as the 'frame' event.
 */
import type { DecodedTelegram, DecodeFailure } from '../types'
import { method, namespace, noParams, result } from './define'

/** One entry of the raw view's history (last 100 frames). */
export type FrameRecord = ({ ok: true; seq: number } & DecodedTelegram) | ({ ok: false; seq: number } & DecodeFailure)

/** Number of frames kept for the raw view. */
export const RECENT_FRAMES_LIMIT = 100

export const FRAMES = namespace({
  /** Up to the last 100 frames, oldest first. */
  getRecentFrames: method(noParams, 'request', result<FrameRecord[]>())
})
