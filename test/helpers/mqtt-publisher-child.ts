/**
 * A P1 Studio publishing one virtual-meter telegram to MQTT, run as a child process so that a
 * test can kill it (-9) and watch the broker send its will (`<prefix>/status` = offline).
 * Usage: node --import tsx mqtt-publisher-child.ts BROKER_URL PREFIX
 * Prints "published" once the broker acknowledged the birth and the telegram was sent.
 */
import { MqttPublisher } from '../../src/main/output/mqtt-publish'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { P1Decoder } from '../../src/main/p1/pipeline'

const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's
const [url, prefix] = process.argv.slice(2)
const pub = new MqttPublisher({ url, prefix, appVersion: 'test', homeAssistant: true, reconnectMs: 200 })
pub.once('status', (s) => {
  if (!s.connected) {
    process.stderr.write(s.message + '\n')
    process.exit(1)
  }
  const meter = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
  for (const ev of new P1Decoder({ key: KEY }).push(meter.nextFrame(new Date('2026-03-28T12:00:00Z'))!, Date.now()))
    if (ev.type === 'telegram') pub.publish(ev.telegram)
  process.stdout.write('published\n')
})
pub.start()
setInterval(() => undefined, 60_000) // stay alive until killed
