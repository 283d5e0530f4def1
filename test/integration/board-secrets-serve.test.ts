/**
 * Board secrets across a restart of `p1studio serve` (issue 15): real serve processes on a
 * temporary data folder, the contract over the page's WebSocket. The P1 key and the Wi-Fi
 * password saved by one run are read by the next (encrypted file, key beside the data folder;
 * the keyring is switched off so that the test does not depend on a desktop session); the
 * config.h written after the restart compiles with g++ and carries the real values (a program
 * built from it prints them). With the key file gone, the secrets are errors with their code,
 * never values, and nothing is written.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import { DEMO_KEY_HEX } from '../../src/main/line/demo-source'
import type { BoardConfigOutput, BoardProfileView } from '../../src/shared/board'
import { pageSocket, ROOT, startServe, stopServe, wsCall, type ServeProcess } from '../helpers/serve'

// serve --demo replays the demo meter: its (public) key passes the key check before a file is written
const KEY = DEMO_KEY_HEX
// quotes, a backslash and non-ASCII: what a C string literal must escape or keep as UTF-8
const WIFI = 'zwee "dräi" \\ véier'

let parent: string
let data: string
let env: NodeJS.ProcessEnv
const running: ServeProcess[] = []
const sockets: WebSocket[] = []

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'p1s-secrets-'))
  data = join(parent, 'P1Studio')
  env = { P1STUDIO_DATA_DIR: data, P1STUDIO_KEYRING: 'off' }
})
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close()
  for (const s of running.splice(0)) await stopServe(s)
})
afterAll(() => rmSync(parent, { recursive: true, force: true }))

async function serve(): Promise<{
  s: ServeProcess
  call: (method: string, params?: unknown) => Promise<{ result?: unknown; error?: { message: string; code?: string; params?: Record<string, unknown> } }>
}> {
  const s = await startServe(['--demo', '--listen', '127.0.0.1:0', '--capture-dir', join(data, 'captures')], env)
  running.push(s)
  const ws = await pageSocket(s)
  sockets.push(ws)
  let id = 0
  return { s, call: (method, params) => wsCall(ws, ++id, method, params) }
}

/** Build a program from the config.h that prints the key's bytes and the Wi-Fi password; @returns what it printed. */
function runConfigH(configH: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-secrets-gxx-'))
  try {
    writeFileSync(join(dir, 'config.h'), configH)
    writeFileSync(
      join(dir, 'print.cpp'),
      `#include <stdio.h>
#include "arduino-stub.h"
#include "config.h"
int main() {
  for (unsigned i = 0; i < sizeof(KEY_SMARTY); i++) printf("%02X", KEY_SMARTY[i]);
  printf("\\n%s\\n", MY_WIFI_PASSWORD);
  return 0;
}
`
    )
    const fix = join(ROOT, 'test/fixtures/board')
    // the sketch's own expectations (sizes, types) as in config-h.test.ts, then a program
    const check = spawnSync('g++', ['-std=gnu++11', '-fsyntax-only', '-Wall', '-Werror', `-I${dir}`, `-I${fix}`, join(fix, 'config-check.cpp')], {
      encoding: 'utf8'
    })
    if (check.error) throw new Error('g++ is not installed: apt-get install g++')
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
    const exe = join(dir, 'print')
    const build = spawnSync('g++', ['-std=gnu++11', '-Wall', '-Wno-unused-variable', `-I${dir}`, `-I${fix}`, '-o', exe, join(dir, 'print.cpp')], {
      encoding: 'utf8'
    })
    expect(build.stderr).toBe('')
    expect(build.status).toBe(0)
    return spawnSync(exe, { encoding: 'utf8' }).stdout
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('board secrets across a serve restart', () => {
  it('the P1 key and the Wi-Fi password survive the restart; config.h compiles with them; a lost key file is an error, never a value', async () => {
    const keyFile = join(parent, '.P1Studio-secret.key')
    const protection = {
      kind: 'encrypted-file',
      label: `encrypted file, key in ${keyFile}`,
      keyFile,
      note: 'P1STUDIO_KEYRING=off: the OS keyring is not used.'
    }

    const first = await serve()
    expect(first.s.output()).toContain(`board secrets: encrypted file, key in ${keyFile}`)
    const saved = await first.call('boardSaveProfile', {
      name: 'Schmit',
      meterId: 'SAG1030700114004',
      settings: { MY_WIFI_SSID: 'Atelier Schmit', MQTT_SERVER: '192.168.10.2', MQTT_TOPIC_OUT: 'schmit' },
      secrets: { KEY_SMARTY: KEY, MY_WIFI_PASSWORD: WIFI }
    })
    expect(saved.error).toBeUndefined()
    const view = saved.result as BoardProfileView
    expect(view.secretProtection).toEqual(protection)
    expect(view.secrets.KEY_SMARTY).toEqual({ set: true, masked: '••••…0E0F', error: null })
    // on disk: the key file beside the data folder (0600, 32 bytes), the profile without a plain secret
    expect(basename(dirname(keyFile))).toBe(basename(parent))
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(statSync(keyFile).size).toBe(32)
    const stored = readFileSync(join(data, 'boards', `${view.id}.json`), 'utf8')
    expect(stored).not.toContain(KEY)
    expect(stored).not.toContain('dräi')
    expect(JSON.parse(stored).profile.secrets.KEY_SMARTY).toMatch(/^p1sec:1:f:[0-9a-f]{8}:[A-Za-z0-9_-]+$/)
    await stopServe(first.s)

    const second = await serve()
    const [after] = (await second.call('boardProfiles')).result as BoardProfileView[]
    expect(after.id).toBe(view.id)
    expect(after.secrets.KEY_SMARTY).toEqual({ set: true, masked: '••••…0E0F', error: null })
    expect(after.secrets.MY_WIFI_PASSWORD).toEqual({ set: true, masked: '••••••', error: null })
    const copied = await second.call('boardConfigSecretText', { id: view.id, format: 'config.h', confirm: true })
    expect(copied.error).toBeUndefined()
    const copy = copied.result as BoardConfigOutput
    expect(copy.secretsIncluded).toBe(true)
    const written = await second.call('boardSaveConfig', { id: view.id, format: 'config.h' })
    expect(written.error).toBeUndefined()
    const path = (written.result as { path: string }).path
    expect(path).toBe(join(data, 'boards', view.id, 'config.h'))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const configH = readFileSync(path, 'utf8')
    expect(configH).toBe(copy.text)
    expect(configH).not.toContain('mem:')
    expect(configH).not.toContain('p1sec:')
    expect(runConfigH(configH)).toBe(`${KEY}\n${WIFI}\n`)
    await stopServe(second.s)

    // the key file is gone: the secrets are errors with their code, nothing is written
    rmSync(keyFile)
    rmSync(path)
    const third = await serve()
    const [lost] = (await third.call('boardProfiles')).result as BoardProfileView[]
    expect(lost.secrets.KEY_SMARTY).toMatchObject({
      set: true,
      masked: null,
      error: { code: 'secret_key_missing', params: { field: 'KEY_SMARTY', keyFile } }
    })
    expect(lost.secrets.KEY_SMARTY.error?.message).toBe(
      `The P1 key cannot be read: the key file ${keyFile} is missing. Restore the key file from a backup, or enter the secret again.`
    )
    expect(lost.secrets.MY_WIFI_PASSWORD.error?.code).toBe('secret_key_missing')
    const refused = await third.call('boardSaveConfig', { id: view.id, format: 'config.h' })
    expect(refused.error).toMatchObject({ code: 'secret_key_missing', params: { field: 'MY_WIFI_PASSWORD', fields: 'MY_WIFI_PASSWORD,KEY_SMARTY', count: 2 } })
    expect((await third.call('boardConfigSecretText', { id: view.id, format: 'config.h', confirm: true })).error?.code).toBe('secret_key_missing')
    expect(existsSync(path)).toBe(false)
    // the stored values are kept for a run that has the key again: saving the profile does not drop them
    await third.call('boardSaveProfile', { id: view.id, name: 'Schmit (renamed)' })
    expect(JSON.parse(readFileSync(join(data, 'boards', `${view.id}.json`), 'utf8')).profile.secrets.KEY_SMARTY).toBe(
      JSON.parse(stored).profile.secrets.KEY_SMARTY
    )
  }, 240_000)
})
