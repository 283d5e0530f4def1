/**
 * A broker URL as P1 Studio shows it in messages, logs and reports: without `user:password@`
 * (MQTT.js accepts credentials in the URL; they must never be printed). Pure; never throws.
 * @param url e.g. "mqtt://user:secret@192.168.1.5:1883"
 * @returns e.g. "mqtt://192.168.1.5:1883"; a URL that does not parse loses its `…@` part as text
 */
export function redactBrokerUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//')
  }
}
