/**
 * A small disk for disk-full tests: a shell command runs in a private mount namespace
 * (`unshare --mount`, as an unprivileged user with `--user --map-root-user`) with a tmpfs of
 * a few kB mounted at `$DISK`, so writes there fail with ENOSPC exactly as on a full disk,
 * without touching the machine's disks. The tmpfs disappears with the command; the command
 * itself lists what is left in it (`ls -A "$DISK"`).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const unshareArgs = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount']

/** Can this machine mount a private tmpfs (unshare and user namespaces available)? */
export const smallDiskAvailable: boolean = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-disk-probe-'))
  const r = spawnSync('unshare', [...unshareArgs, 'sh', '-c', 'mount -t tmpfs -o size=16k tmpfs "$DISK"'], {
    env: { ...process.env, DISK: dir },
    stdio: 'ignore',
    timeout: 10_000
  })
  return !r.error && r.status === 0
})()

/**
 * Run `script` (sh) with a `kb` kB tmpfs mounted at `$DISK`. The environment is this
 * process's plus DISK. @returns the exit status and output of the script.
 */
export function onSmallDisk(kb: number, script: string, cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-disk-'))
  const r = spawnSync('unshare', [...unshareArgs, 'sh', '-c', `mount -t tmpfs -o size=${kb}k tmpfs "$DISK" || exit 97\n${script}`], {
    env: { ...process.env, DISK: dir },
    cwd,
    encoding: 'utf8',
    timeout: 120_000
  })
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}
