/**
 * The Live and Raw tabs' store: the last 100 frame records (decoded or failed) and the last
 * decoded telegram, as the main side pushes them ('frame' events) and lists them
 * (getRecentFrames). A board's MQTT data ('boardSnapshot' events) shows in the Live tab as
 * the latest values, never in the Raw tab's frames. No protocol logic here.
 */
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { BoardSnapshot, FrameRecord } from '@shared/contract'
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

  /**
   * Show a board's MQTT publication in the Live tab: its values as a telegram without frame
   * bytes, identified "MQTT <topic> (board)". Not added to the frames (they are the P1 port's).
   */
  function showSnapshot(s: BoardSnapshot): void {
    const objects = s.objects.map((o) => {
      const inner = `${o.value === null ? '' : String(o.value)}${o.unit ? `*${o.unit}` : ''}`
      return {
        obis: o.obis,
        value: o.value,
        unit: o.unit,
        time: null,
        values: [{ value: o.value, unit: o.unit, raw: inner }],
        raw: o.raw ?? `${o.obis}(${inner})`
      }
    })
    const time = s.objects.find((o) => o.obis === '0-0:1.0.0')?.value
    lastTelegram.value = {
      ok: true,
      seq: lastTelegram.value?.seq ?? 0,
      kind: 'plain',
      receivedAt: s.receivedAt,
      offset: 0,
      frameHex: '',
      dlms: null,
      tagVerified: null,
      text: objects.map((o) => o.raw).join('\r\n'),
      telegram: {
        identification: `MQTT ${s.topic} (board)`,
        objects,
        crcSent: null,
        crcComputed: 0,
        crcOk: null,
        malformedLines: [],
        meterTime: typeof time === 'string' ? time : null
      },
      warnings: []
    }
  }

  /** Forget every frame (a new source was opened). */
  function clear(): void {
    frames.value = []
    lastTelegram.value = null
  }

  return { frames, lastTelegram, add, load, clear, showSnapshot }
})
