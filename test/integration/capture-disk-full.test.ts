/**
 * A capture that runs out of space stops with a plain message and stays readable: the
 * writer runs in a child process under `prlimit --fsize` (its writes then fail with EFBIG
 * once the file would grow past the limit, as they fail with ENOSPC on a full disk). Then
 * every write path of the CLI on a really full disk (a tmpfs of a few kB).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCapture, type ReadSummary } from '../../src/main/capture/reader'
import { CaptureWriter } from '../../src/main/capture/writer'
import { VirtualMeter } from '../../src/main/line/virtual-meter'
import { onSmallDisk, smallDiskAvailable } from '../helpers/small-disk'
import { openPtyPair } from '../helpers/pty'

const ROOT = resolve(__dirname, '../..')
const hasPrlimit = !spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).error

it.runIf(hasPrlimit)('no space left: the capture stops with a clear error and the file reads', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'p1s-full-')), 'full.p1cap')
  const r = spawnSync('prlimit', ['--fsize=50000', process.execPath, '--import', 'tsx', resolve(ROOT, 'test/helpers/fill-capture.ts'), file], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000
  })
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

/**
 * Every write path on a really full disk (a private tmpfs of a few kB, test/helpers/small-disk.ts):
 * one plain sentence, exit 1, and nothing left behind — no half file, no 0-byte file, no
 * temporary file.
 */
describe.runIf(smallDiskAvailable)('disk full on every write path: plain words, no file left', () => {
  const KEY = '00112233445566778899AABBCCDDEEF1' // test key, not a meter's
  const dir = mkdtempSync(join(tmpdir(), 'p1s-full-in-'))
  const cap = join(dir, 'in.p1cap')
  const hex = join(dir, 'in.hex')
  {
    const m = new VirtualMeter({ key: Buffer.from(KEY, 'hex'), write: () => undefined })
    const w = new CaptureWriter({ path: cap, source: 'test', appVersion: 'test' })
    const frames: Buffer[] = []
    const t0 = Date.UTC(2026, 3, 1, 8)
    for (let i = 0; i < 40; i++) {
      const f = m.nextFrame(new Date(t0 + i * 10_000))!
      frames.push(f)
      w.write(f, t0 + i * 10_000)
    }
    w.close()
    writeFileSync(
      hex,
      (
        Buffer.concat(frames)
          .toString('hex')
          .match(/.{1,32}/g) ?? []
      ).join('\n')
    )
  }
  const p1s = `"${process.execPath}" "${resolve(ROOT, 'bin/p1studio.mjs')}"`
  const run = (kb: number, cmd: string, fill = false) =>
    onSmallDisk(
      kb,
      `${fill ? 'dd if=/dev/zero of="$DISK/fill" bs=1k count=1024 2>/dev/null\n' : ''}${p1s} ${cmd} 2>"$DISK/../err.txt" >/dev/null; echo "exit=$?"; cat "$DISK/../err.txt" >&2; ls -A "$DISK"`,
      ROOT
    )

  it('import: "The disk is full", nothing imported, no file', () => {
    const r = run(24, `import "${hex}" --out "$DISK/imp.p1cap"`)
    expect(r.stdout.trim().split('\n')).toEqual(['exit=1'])
    expect(r.stderr).toMatch(
      /^p1studio: The disk is full: the capture could not be written to .*imp\.p1cap\. Free some space or choose another disk\. Nothing was imported\.\n$/
    )
  }, 120_000)

  it('export --out: "The disk is full", no file', () => {
    const r = run(24, `export "${cap}" --key ${KEY} --format jsonl --out "$DISK/x.jsonl"`)
    expect(r.stdout.trim().split('\n')).toEqual(['exit=1'])
    expect(r.stderr).toMatch(/^p1studio: The disk is full: the export could not be written to .*x\.jsonl\. Free some space or choose another disk\.\n$/)
  }, 120_000)

  it('diagnose --report: "The disk is full", no report file', () => {
    const r = run(16, `diagnose --capture "${cap}" --key ${KEY} --report "$DISK/r.html"`, true)
    expect(r.stdout.trim().split('\n')).toEqual(['exit=1', 'fill'])
    expect(r.stderr).toMatch(/p1studio: The disk is full: the report could not be written to .*r\.html\. Free some space or choose another disk\.\n$/)
  }, 120_000)

  it('capture on a full disk: the port opens, then "could not be started", no 0-byte file', async () => {
    const p = await openPtyPair()
    try {
      const r = run(16, `capture --port "${p.b}" --out "$DISK/c.p1cap" --duration 1`, true)
      expect(r.stdout.trim().split('\n')).toEqual(['exit=1', 'fill'])
      expect(r.stderr).toMatch(/^p1studio: The disk is full: the capture could not be started \(.*c\.p1cap was not created\)\.\n$/)
    } finally {
      await p.close()
    }
  }, 120_000)

  it('board profiles: "The disk is full" in plain words, no temporary file', () => {
    const script = `import { ProfileStore, memorySecretStore } from '${resolve(ROOT, 'src/main/board/profile-store.ts')}'
const s = new ProfileStore(process.env.DISK, memorySecretStore())
try { await s.save({ name: 'x'.repeat(10), notes: 'n'.repeat(30000) }); console.log('saved') } catch (e) { console.log('error: ' + e.message) }`
    writeFileSync(join(dir, 'profile.mts'), script)
    const r = onSmallDisk(16, `"${process.execPath}" --import tsx "${join(dir, 'profile.mts')}"; ls -A "$DISK"`, ROOT)
    expect(r.stdout).toMatch(/^error: The disk is full: the board profile could not be written to .*\.json\. Free some space or choose another disk\.\n$/)
  }, 120_000)
})
