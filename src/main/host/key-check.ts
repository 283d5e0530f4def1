/**
 * Try a P1 key on the last encrypted frames of the open source (up to 3, newest first) before
 * it goes into a board's configuration: does it decrypt this meter's frames? Pure over the
 * frame records (decoding with node:crypto through the P1 pipeline). Each result carries a
 * stable code and params for the renderer (docs/board.md, "Key check"):
 * `key_ok` / `key_wrong` {meterId, systemTitle}, `key_no_frames`, `key_no_source`,
 * `key_not_hex`, `key_frames_damaged`.
 */
import type { BoardKeyCheck } from '../../shared/board'
import type { FrameRecord } from '../../shared/contract'
import { meterIdOf } from '../../shared/history'
import type { DecodedTelegram } from '../../shared/types'
import { decodeBuffer, type DecodeEvent } from '../p1/pipeline'

/** "meter SAG1030700089067 (system title 5341…)": the meter id as the history names it, and the system title. */
function meterName(t: DecodedTelegram): { words: string; meterId: string | null; systemTitle: string | null } {
  const id = meterIdOf(t.telegram, null)
  const systemTitle = t.dlms?.systemTitle ?? null
  const st = systemTitle ? ` (system title ${systemTitle})` : ''
  return { words: id === 'unknown' ? `the meter${st}` : `meter ${id}${st}`, meterId: id === 'unknown' ? null : id, systemTitle }
}

/**
 * @param frames the recent frames of the P1 source, oldest first
 * @param sourceOpen a P1 source is open (for the wording when no frame was received)
 * @returns checked=false when no encrypted frame was received; ok=true when one decrypts. Never throws; the key is never in a message.
 */
export function tryKeyOnFrames(frames: readonly FrameRecord[], keyHex: string, authKey: string, sourceOpen: boolean): BoardKeyCheck {
  const encrypted = frames
    .filter((r) => r.dlms !== null && r.frameHex.length > 0)
    .slice(-3)
    .reverse()
  if (encrypted.length === 0) {
    return sourceOpen
      ? {
          checked: false,
          ok: false,
          code: 'key_no_frames',
          params: {},
          message: 'The open P1 source has not sent an encrypted frame yet: the key was not tried on the meter.'
        }
      : { checked: false, ok: false, code: 'key_no_source', params: {}, message: 'No P1 source is open: the key was not tried on the meter.' }
  }
  let wrongFor: string | null = null
  let wrongTitle: string | null = null
  for (const f of encrypted) {
    let events: DecodeEvent[]
    try {
      events = decodeBuffer(Buffer.from(f.frameHex, 'hex'), { key: keyHex, authKey }, f.receivedAt)
    } catch {
      return { checked: false, ok: false, code: 'key_not_hex', params: {}, message: 'The P1 key must be 32 hex digits.' }
    }
    for (const ev of events) {
      if (ev.type === 'telegram') {
        const m = meterName(ev.telegram)
        return {
          checked: true,
          ok: true,
          code: 'key_ok',
          params: { meterId: m.meterId, systemTitle: m.systemTitle },
          message: `The P1 key decrypts the frames of ${m.words} on the open source.`
        }
      }
      if (ev.type === 'failure' && ev.failure.code === 'gcm_tag_mismatch') {
        wrongTitle = f.dlms?.systemTitle ?? null
        wrongFor = wrongTitle ? `system title ${wrongTitle}` : 'the meter'
      }
    }
  }
  if (wrongFor) {
    return {
      checked: true,
      ok: false,
      code: 'key_wrong',
      // the meter id is inside the ciphertext: only the system title is known when the key does not fit
      params: { meterId: null, systemTitle: wrongTitle },
      message: `The P1 key does not decrypt the frames of the meter on the open source (${wrongFor}): check the key the grid operator gave for this meter.`
    }
  }
  return {
    checked: false,
    ok: false,
    code: 'key_frames_damaged',
    params: {},
    message: 'The last frames of the open source are damaged: the key could not be tried.'
  }
}
