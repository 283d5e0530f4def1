/**
 * The Live and Raw tabs' store: the last 100 frame records (decoded or failed) and the last
 * decoded telegram, as the main side pushes them ('frame' events) and lists them
 * (getRecentFrames). No protocol logic here.
 */
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { FrameRecord } from '@shared/contract'
import { RECENT_FRAMES_LIMIT } from '@shared/contract'

/** A frame record that decoded into a telegram. */
export type OkRecord = Extract<FrameRecord, { ok: true }>

export const useFramesStore = defineStore('frames', () => {
  const frames = shallowRef<FrameRecord[]>([])
  const lastTelegram = shallowRef<OkRecord | null>(null)

  /** Append one record (oldest dropped beyond {@link RECENT_FRAMES_LIMIT}). */
  function add(rec: FrameRecord): void {
    const next = frames.value.length >= RECENT_FRAMES_LIMIT ? frames.value.slice(1) : frames.value.slice()
    next.push(rec)
    frames.value = next
    if (rec.ok) lastTelegram.value = rec
  }

  /** Replace the list with the main side's recent frames, oldest first. */
  function load(recent: FrameRecord[]): void {
    frames.value = recent.slice(-RECENT_FRAMES_LIMIT)
    lastTelegram.value = (recent.filter((r) => r.ok).pop() as OkRecord | undefined) ?? null
  }

  /** Forget every frame (a new source was opened). */
  function clear(): void {
    frames.value = []
    lastTelegram.value = null
  }

  return { frames, lastTelegram, add, load, clear }
})
