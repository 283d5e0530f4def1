/**
 * Generates resources/demo/demo-day.bin: one day (8640 frames, one per 10 s, and the frame
 * of the next midnight, so that the day's energy has both ends) of a Smarty with PV and a gas meter, from the virtual meter with a fixed seed and the demo key.
 * Deterministic: running it again gives the same bytes. Usage: npx tsx scripts/make-demo.ts
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { DEMO_KEY_HEX } from '../src/main/line/demo-source'
import { SmartyModel } from '../src/main/line/smarty-model'
import { VirtualMeter } from '../src/main/line/virtual-meter'

const start = Date.UTC(2026, 5, 20, 22, 0, 0) // 2026-06-21 00:00 CEST, a sunny midsummer day
const meter = new VirtualMeter({
  key: Buffer.from(DEMO_KEY_HEX, 'hex'),
  systemTitle: Buffer.from('5341476770DE3001', 'hex'),
  frameCounter: 271_000,
  model: new SmartyModel({ seed: 2026, meterId: 'SAG1030700DEMO01', pvPeakKW: 7.5, mbusGas: true }),
  write: () => undefined
})
const frames: Buffer[] = []
for (let i = 0; i <= 8640; i++) frames.push(meter.nextFrame(new Date(start + i * 10_000))!)
const out = resolve(import.meta.dirname, '../resources/demo/demo-day.bin')
writeFileSync(out, Buffer.concat(frames))
console.log(`wrote ${frames.length} frames, ${Buffer.concat(frames).length} bytes to ${out}`)
