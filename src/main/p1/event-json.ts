/**
 * One decode event as the JSON line `p1studio decode` prints and the JSON Lines export
 * writes (docs/cli.md): a telegram
 * `{"systemTitle","frameCounter","identification","crcOk","warnings","offset","objects":{…}}`
 * or a failure `{"error":{"code","message"},"offset","systemTitle","frameCounter"}`.
 * Pure, never throws. Objects: OBIS code → `{value, unit, raw[, values, time]}`; a code seen
 * twice in one telegram gets `#2`, `#3`… (DSMR 5.0.2 §6.12 allows repeated M-Bus objects).
 */
import type { CosemObject, DecodedTelegram, DecodeFailure } from '../../shared/types'
import type { DecodeEvent } from './pipeline'

/** Objects as the JSON output shows them: OBIS code → {value, unit, raw[, values, time]}. */
export function objectsJson(objects: CosemObject[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const o of objects) {
    let k = o.obis
    for (let n = 2; k in out; n++) k = `${o.obis}#${n}`
    const e: Record<string, unknown> = { value: o.value, unit: o.unit, raw: o.raw.slice(o.raw.indexOf('(') + 1).replace(/\)$/, '') }
    if (o.values.length > 1) e.values = o.values.map((v) => ({ value: v.value, unit: v.unit }))
    if (o.time !== null || o.values.length > 1) e.time = o.time
    out[k] = e
  }
  return out
}

/** One decode event as a JSON line without the newline (null for skipped bytes). */
export function eventJson(ev: DecodeEvent): string | null {
  if (ev.type === 'skipped') return null
  if (ev.type === 'failure') {
    const f: DecodeFailure = ev.failure
    return JSON.stringify({ error: { code: f.code, message: f.message }, offset: f.offset, systemTitle: f.dlms?.systemTitle ?? null, frameCounter: f.dlms?.frameCounter ?? null })
  }
  const t: DecodedTelegram = ev.telegram
  return JSON.stringify({
    systemTitle: t.dlms?.systemTitle ?? null,
    frameCounter: t.dlms?.frameCounter ?? null,
    identification: t.telegram.identification,
    crcOk: t.telegram.crcOk,
    warnings: t.warnings,
    offset: t.offset,
    objects: objectsJson(t.telegram.objects)
  })
}
