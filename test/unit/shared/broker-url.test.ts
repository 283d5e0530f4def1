/** A broker URL in messages never carries its credentials (src/shared/broker-url.ts). */
import { describe, expect, it } from 'vitest'
import { redactBrokerUrl } from '../../../src/shared/broker-url'

describe('redactBrokerUrl', () => {
  it('drops user and password, keeps scheme, host, port and path', () => {
    expect(redactBrokerUrl('mqtt://smarty:s3cr%40t@192.168.1.5:1883')).toBe('mqtt://192.168.1.5:1883')
    expect(redactBrokerUrl('wss://u:p@broker.example:8884/mqtt')).toBe('wss://broker.example:8884/mqtt')
    expect(redactBrokerUrl('mqtt://192.168.1.5:1883')).toBe('mqtt://192.168.1.5:1883')
  })
  it('a URL that does not parse still loses its user:password@ part', () => {
    expect(redactBrokerUrl('mqtt://u:p@[bad')).toBe('mqtt://[bad')
  })
})
