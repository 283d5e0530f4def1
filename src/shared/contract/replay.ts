/**
 * Namespace `replay`: pace, pause and seek of the open source when it can be replayed (a
 * capture or dump: the source advertises the replay capability).
 */
import { z } from 'zod'
import { method, namespace, result } from './define'
import type { SessionStatus } from './session'
import { replaySpeedSchema } from './source'

export const replayRequestSchema = z
  .object({
    speed: replaySpeedSchema.optional(),
    paused: z.boolean().optional(),
    /** Jump to a fraction (0…1) of the recorded time. */
    seek: z.number().min(0).max(1).optional()
  })
  .strict()
  .default({})

export const REPLAY = namespace({
  /** @throws no_source if the open source cannot be replayed. */
  setReplay: method(replayRequestSchema, 'replay request', result<SessionStatus>())
})
