/** Serve mode's persistent access token (src/main/host/serve-token.ts) in a temporary data folder. */
import { chmodSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadServeToken, SERVE_TOKEN_FILE } from '../../../src/main/host/serve-token'

const fresh = () => mkdtempSync(join(tmpdir(), 'p1s-token-'))

describe('serve token', () => {
  it('is created once (0600, 64 hex digits) and the same on every later start', async () => {
    const dir = join(fresh(), 'data')
    const a = await loadServeToken(dir)
    expect(a.state).toBe('created')
    expect(a.token).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(a.path).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(readFileSync(join(dir, SERVE_TOKEN_FILE), 'utf8').trim()).toBe(a.token)
    const b = await loadServeToken(dir)
    expect(b).toMatchObject({ token: a.token, state: 'kept' })
    const c = await loadServeToken(dir, { renew: true })
    expect(c.state).toBe('replaced')
    expect(c.token).not.toBe(a.token)
    expect((await loadServeToken(dir)).token).toBe(c.token)
  })

  it('processes starting together agree on one token', async () => {
    const dir = fresh()
    const all = await Promise.all(Array.from({ length: 12 }, () => loadServeToken(dir)))
    expect(new Set(all.map((x) => x.token)).size).toBe(1)
    expect(readFileSync(join(dir, SERVE_TOKEN_FILE), 'utf8').trim()).toBe(all[0].token)
  })

  it('a token file others can read, a damaged one or a symbolic link is replaced', async () => {
    const dir = fresh()
    const path = join(dir, SERVE_TOKEN_FILE)
    writeFileSync(path, 'b'.repeat(64) + '\n', { mode: 0o644 })
    chmodSync(path, 0o644)
    const r = await loadServeToken(dir)
    expect(r).toMatchObject({ state: 'replaced', reason: 'other users could read the token file' })
    expect(r.token).not.toBe('b'.repeat(64))
    expect(statSync(path).mode & 0o777).toBe(0o600)

    writeFileSync(path, 'not a token', { mode: 0o600 })
    expect(await loadServeToken(dir)).toMatchObject({ state: 'replaced', reason: 'the token file was damaged' })

    const elsewhere = join(fresh(), 'x')
    writeFileSync(elsewhere, 'c'.repeat(64), { mode: 0o600 })
    const dir2 = fresh()
    symlinkSync(elsewhere, join(dir2, SERVE_TOKEN_FILE))
    const s = await loadServeToken(dir2)
    expect(s).toMatchObject({ state: 'replaced', reason: 'the token file was a symbolic link' })
    expect(readFileSync(elsewhere, 'utf8')).toBe('c'.repeat(64)) // the link's target is left alone
  })

  it('a folder that cannot be made is a plain error', async () => {
    const file = join(fresh(), 'a-file')
    writeFileSync(file, '')
    await expect(loadServeToken(join(file, 'data'))).rejects.toThrow(
      /^Cannot keep the serve access token in .*a-file\/data: it cannot be written\. .*--token\.$/
    )
  })
})
