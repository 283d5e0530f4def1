/** Serve mode's front door (src/main/host/web-guard.ts): pure checks of Host, Origin, token and targets. */
import { describe, expect, it } from 'vitest'
import {
  checkRequest,
  hostAllowed,
  originAllowed,
  parseHostHeader,
  parseTarget,
  requestToken,
  tokenCookieName,
  tokenMatches,
  type GuardConfig
} from '../../../src/main/host/web-guard'

const TOKEN = 'a'.repeat(64)
const cfg: GuardConfig = { port: 8417, token: TOKEN, hostNames: ['pi.local'], localAddresses: ['192.168.1.20', 'fd00::20'] }
const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers: { host: '127.0.0.1:8417', ...headers } })

describe('request targets', () => {
  it('takes origin-form paths and refuses what is not one, without throwing', () => {
    expect(parseTarget('/ws?token=x')).toMatchObject({ pathname: '/ws' })
    expect(parseTarget('/ws?token=x')!.query.get('token')).toBe('x')
    for (const bad of ['//', '//evil.example/x', 'http://evil/', '*', '', undefined, '/' + 'a'.repeat(9000)]) expect(parseTarget(bad)).toBeNull()
    expect(parseTarget('/%E0%A4%A')).not.toBeNull() // decoding the path is the static server's job (400 there)
  })
})

describe('Host', () => {
  it('parses names, IPv6 literals and ports; refuses junk', () => {
    expect(parseHostHeader('LocalHost:8417')).toEqual({ name: 'localhost', port: 8417 })
    expect(parseHostHeader('[::1]:8417')).toEqual({ name: '::1', port: 8417 })
    expect(parseHostHeader('pi.local')).toEqual({ name: 'pi.local', port: null })
    for (const bad of ['', 'a b', 'x:99999', 'x:0', 'evil.example:8417/', 'user@host', '[::1', undefined]) expect(parseHostHeader(bad)).toBeNull()
  })

  it('loopback literals and this machine’s addresses with the server port; configured names; nothing else', () => {
    for (const ok of ['127.0.0.1:8417', 'localhost:8417', '[::1]:8417', '192.168.1.20:8417', '[fd00::20]:8417', 'pi.local', 'pi.local:443', 'PI.LOCAL:8417'])
      expect(hostAllowed(ok, cfg), ok).toBe(true)
    for (const bad of [
      '127.0.0.1:8418',
      'localhost',
      'evil.example:8417',
      'rebind.evil.example:8417',
      '127.0.0.2:8417',
      '10.0.0.1:8417',
      'localhost.:8417',
      undefined
    ])
      expect(hostAllowed(bad, cfg), String(bad)).toBe(false)
  })
})

describe('Origin', () => {
  it('must be the origin the browser addressed: same host and port, http or https', () => {
    expect(originAllowed('http://127.0.0.1:8417', '127.0.0.1:8417')).toBe(true)
    expect(originAllowed('http://localhost:8417', 'localhost:8417')).toBe(true)
    expect(originAllowed('http://[::1]:8417', '[::1]:8417')).toBe(true)
    expect(originAllowed('https://pi.local', 'pi.local')).toBe(true)
    expect(originAllowed('http://pi.local', 'pi.local:80')).toBe(true)
    for (const [o, h] of [
      ['http://127.0.0.1:9999', '127.0.0.1:8417'], // another port on the same host: same site, not same origin
      ['http://localhost:8417', '127.0.0.1:8417'],
      ['http://evil.example', '127.0.0.1:8417'],
      ['null', '127.0.0.1:8417'],
      ['file://', '127.0.0.1:8417'],
      ['chrome-extension://abc', '127.0.0.1:8417'],
      ['http://127.0.0.1:8417/path', '127.0.0.1:8417'],
      ['not a url', '127.0.0.1:8417']
    ])
      expect(originAllowed(o, h), `${o} vs ${h}`).toBe(false)
    expect(originAllowed(undefined, '127.0.0.1:8417')).toBe(false)
  })
})

describe('token', () => {
  it('from the query, a Bearer header or our cookie; a damaged cookie is reported, others are not decoded', () => {
    const none = new URLSearchParams()
    expect(requestToken({}, new URLSearchParams('token=q'), 8417)).toEqual({ token: 'q', from: 'query' })
    expect(requestToken({ authorization: 'Bearer abc' }, none, 8417)).toEqual({ token: 'abc', from: 'header' })
    expect(requestToken({ cookie: `other=%E0%A4%A; ${tokenCookieName(8417)}=tok%20en` }, none, 8417)).toEqual({ token: 'tok en', from: 'cookie' })
    expect(requestToken({ cookie: `${tokenCookieName(8417)}=%E0%A4%A` }, none, 8417)).toEqual({ malformed: true })
    expect(requestToken({ cookie: `${tokenCookieName(9000)}=x` }, none, 8417)).toEqual({ token: null, from: null })
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true)
    for (const bad of [null, undefined, '', 'a', TOKEN + 'a', TOKEN.slice(1) + 'b']) expect(tokenMatches(TOKEN, bad)).toBe(false)
  })
})

describe('checkRequest', () => {
  it('HTTP: 400 before 403 before 401; the token in the query is flagged (the page gets the cookie)', () => {
    expect(checkRequest(req('//'), cfg, false)).toMatchObject({ ok: false, status: 400 })
    expect(checkRequest(req('/', { host: 'evil.example:8417' }), cfg, false)).toMatchObject({ ok: false, status: 403 })
    expect(checkRequest(req('/'), cfg, false)).toMatchObject({ ok: false, status: 401 })
    expect(checkRequest(req('/', { cookie: `${tokenCookieName(8417)}=%E0%A4%A` }), cfg, false)).toMatchObject({ ok: false, status: 400 })
    expect(checkRequest(req(`/?token=${TOKEN}`), cfg, false)).toMatchObject({ ok: true, pathname: '/', tokenInQuery: true })
    expect(checkRequest(req('/assets/x.js', { cookie: `${tokenCookieName(8417)}=${TOKEN}` }), cfg, false)).toMatchObject({ ok: true, tokenInQuery: false })
    expect(checkRequest(req('/metrics', { authorization: `Bearer ${TOKEN}` }), cfg, false)).toMatchObject({ ok: true, pathname: '/metrics' })
  })

  it('upgrades also need the server’s own Origin and /ws', () => {
    const cookie = `${tokenCookieName(8417)}=${TOKEN}`
    expect(checkRequest(req('/ws', { cookie }), cfg, true)).toMatchObject({ ok: false, status: 403 })
    expect(checkRequest(req('/ws', { cookie, origin: 'http://127.0.0.1:9999' }), cfg, true)).toMatchObject({ ok: false, status: 403 })
    expect(checkRequest(req('/x', { cookie, origin: 'http://127.0.0.1:8417' }), cfg, true)).toMatchObject({ ok: false, status: 404 })
    expect(checkRequest(req('/ws', { origin: 'http://127.0.0.1:8417' }), cfg, true)).toMatchObject({ ok: false, status: 401 })
    expect(checkRequest(req('/ws', { cookie, origin: 'http://127.0.0.1:8417' }), cfg, true)).toMatchObject({ ok: true })
  })
})
