/**
 * A capture that runs out of space stops with a plain message and stays readable: the
 * writer runs in a child process under `prlimit --fsize` (its writes then fail with EFBIG
 * once the file would grow past the limit, as they fail with ENOSPC on a full disk).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { readCapture, type ReadSummary } from '../../src/main/capture/reader'

const ROOT = resolve(__dirname, '../..')
const hasPrlimit = !spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).error

it.runIf(hasPrlimit)('no space left: the capture stops with a clear error and the file reads', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'p1s-full-')), 'full.p1cap')
  const r = spawnSync('prlimit', ['--fsize=50000', process.execPath, '--import', 'tsx', resolve(ROOT, 'test/helpers/fill-capture.ts'), file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })
  expect(r.status, r.stderr).toBe(0)
  const out = JSON.parse(r.stdout.trim()) as { error: string; written: number }
  expect(out.error).toMatch(/largest file size|disk is full/)
  expect(out.error).toMatch(/valid up to the last record written/)
  expect(out.written).toBeGreaterThan(40)
  const summary: ReadSummary = { records: 0, tornAt: null, warning: null }
  let data = 0
  for await (const rec of readCapture(file, summary)) {
    if (rec.type !== 'data') continue
    expect(rec.bytes.length).toBe(1000)
    expect(rec.bytes[0]).toBe(data & 0xff)
    data++
  }
  // every record reported written is there; at most the one being written is torn
  expect(data).toBe(out.written)
})
