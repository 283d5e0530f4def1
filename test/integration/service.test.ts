/**
 * `p1studio service install|uninstall|status` as users run it (node bin/p1studio.mjs), with
 * XDG_CONFIG_HOME and P1STUDIO_DATA_DIR in a temporary folder. This machine has systemd's
 * tools but no user manager (a container): install writes the unit and prints it, and
 * systemd's own `systemd-analyze verify --user` accepts the file. The enable/start path runs
 * against a recording stand-in for systemctl (P1STUDIO_SYSTEMCTL), which logs the calls.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { systemdWord, unitText } from '../../src/main/cli/service-commands'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/p1studio.mjs')
const KEY = 'A0A1A2A3A4A5A6A7A8A9AAABACADAEAF' // test key, not a meter's

function cli(args: string[], env: Record<string, string>, cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function sandbox(): { env: Record<string, string>; config: string; data: string; unit: string } {
  const d = mkdtempSync(join(tmpdir(), 'p1s-svc-'))
  const config = join(d, 'config')
  const data = join(d, 'data')
  return {
    env: { XDG_CONFIG_HOME: config, P1STUDIO_DATA_DIR: data, P1STUDIO_SYSTEMCTL: '' },
    config,
    data,
    unit: join(config, 'systemd', 'user', 'p1studio.service')
  }
}

// each CLI run starts node (and tsx when the bundle is stale): seconds under load, never a verdict
describe('p1studio service', { timeout: 240_000 }, () => {
  it('--dry-run prints the unit: absolute node and bin, serve --record with the options, the key in a file, nothing written', () => {
    const s = sandbox()
    const work = mkdtempSync(join(tmpdir(), 'p1s-svc-cwd-'))
    const r = cli(
      ['service', 'install', '--dry-run', '--port', '/dev/ttyUSB0', '--key', KEY, '--mqtt-publish', 'mqtt://p1:pw@broker.lan:1883', '--listen', '0.0.0.0:8417'],
      s.env,
      work
    )
    expect(r.status).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines).toContain(
      `ExecStart=${process.execPath} ${BIN} serve --port /dev/ttyUSB0 --mqtt-publish mqtt://p1:pw@broker.lan:1883 --listen 0.0.0.0:8417 --record --key-file ${join(s.data, 'p1-key')}`
    )
    expect(lines).toContain(`WorkingDirectory=${work}`)
    expect(lines).toContain(`Environment=P1STUDIO_DATA_DIR=${s.data}`)
    expect(lines).toContain('Restart=on-failure')
    expect(lines).toContain('WantedBy=default.target')
    expect(r.stdout).not.toContain(KEY)
    expect(r.stderr).toContain(`(dry run: nothing written; the unit would go to ${s.unit} and the P1 key to ${join(s.data, 'p1-key')})`)
    expect(existsSync(s.config)).toBe(false)
    expect(existsSync(s.data)).toBe(false)
  })

  it('install writes the unit (0600) and the key file (0600); systemd-analyze verifies the unit; without a user manager it says how to start it', () => {
    const s = sandbox()
    const r = cli(['service', 'install', '--port', 'tcp://192.168.1.20:2000', '--key', KEY], s.env)
    expect(r.status).toBe(0)
    expect(statSync(s.unit).mode & 0o777).toBe(0o600)
    const text = readFileSync(s.unit, 'utf8')
    expect(r.stdout).toBe(text) // printed, as systemd does not run here
    expect(r.stderr).toContain('systemd does not run for this user here, so nothing was started.')
    expect(r.stderr).toContain('systemctl --user daemon-reload && systemctl --user enable --now p1studio')
    expect(r.stderr).toContain('sudo loginctl enable-linger $USER')
    expect(text).not.toContain(KEY)
    const keyFile = join(s.data, 'p1-key')
    expect(readFileSync(keyFile, 'utf8')).toBe(KEY + '\n')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    // systemd's own check of the file (user mode needs a runtime folder)
    const rt = mkdtempSync(join(tmpdir(), 'p1s-rt-'))
    chmodSync(rt, 0o700)
    const v = spawnSync('systemd-analyze', ['verify', '--user', s.unit], {
      encoding: 'utf8',
      env: { ...process.env, XDG_RUNTIME_DIR: rt, XDG_CONFIG_HOME: s.config }
    })
    expect(v.stdout + v.stderr).toBe('')
    expect(v.status).toBe(0)
    // and it does complain about a damaged unit: the check is real
    const bad = join(rt, 'bad.service')
    writeFileSync(bad, text.replace('Restart=on-failure', 'Restartt=on-failure').replace(/^WorkingDirectory=.*$/m, 'WorkingDirectory=relative'))
    expect(spawnSync('systemd-analyze', ['verify', '--user', bad], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: rt } }).status).not.toBe(0)
  })

  it('enables and starts through systemctl --user where a user manager runs; status and uninstall follow', () => {
    const s = sandbox()
    const d = mkdtempSync(join(tmpdir(), 'p1s-sysctl-'))
    const log = join(d, 'calls.log')
    const fake = join(d, 'systemctl')
    // a stand-in for systemctl: logs its arguments, answers like a user manager would
    writeFileSync(fake, `#!/bin/sh\necho "$*" >> ${log}\ncase "$*" in\n  *is-active*) echo active ;;\n  *is-enabled*) echo enabled ;;\nesac\nexit 0\n`, {
      mode: 0o755
    })
    const env = { ...s.env, P1STUDIO_SYSTEMCTL: fake }
    mkdirSync(s.data, { recursive: true })
    writeFileSync(join(s.data, 'my-key'), KEY, { mode: 0o600 })
    const r = cli(['service', 'install', '--name', 'p1-meter', '--port', '/dev/ttyUSB0', '--key-file', join(s.data, 'my-key')], env)
    expect(r.status).toBe(0)
    expect(r.stderr).toContain('p1-meter is enabled and started')
    const unit = join(s.config, 'systemd', 'user', 'p1-meter.service')
    expect(readFileSync(unit, 'utf8')).toContain(`serve --port /dev/ttyUSB0 --record --key-file ${join(s.data, 'my-key')}`)
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['--user show-environment', '--user daemon-reload', '--user enable --now p1-meter.service'])
    const st = cli(['service', 'status', '--name', 'p1-meter', '--json'], env)
    expect(st.status).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ name: 'p1-meter', unit, installed: true, systemd: true, active: 'active', enabled: 'enabled' })
    expect(JSON.parse(st.stdout).execStart).toContain(`${BIN} serve --port /dev/ttyUSB0 --record`)
    const u = cli(['service', 'uninstall', '--name', 'p1-meter'], env)
    expect(u.status).toBe(0)
    expect(existsSync(unit)).toBe(false)
    expect(readFileSync(log, 'utf8')).toContain('--user disable --now p1-meter.service\n--user daemon-reload')
    expect(cli(['service', 'status', '--name', 'p1-meter'], env)).toMatchObject({ status: 3, stdout: expect.stringContaining('p1-meter: not installed') })
  })

  it('refuses what does not belong in a unit, in plain words', () => {
    const s = sandbox()
    expect(cli(['service', 'install', '--dry-run', '--token', 'abcdefabcdefabcdef'], s.env).stderr).toBe(
      'p1studio: --token does not belong in the unit: serve keeps its token in the data folder (p1studio token prints it) (see: p1studio help)\n'
    )
    expect(cli(['service', 'install', '--dry-run', '--key', 'nothex'], s.env).status).toBe(2)
    expect(cli(['service', 'install', '--name', 'a b'], s.env).stderr).toMatch(/--name must be letters/)
    expect(cli(['service', 'restart'], s.env)).toMatchObject({
      status: 2,
      stderr: 'p1studio: unknown service command "restart" (install, uninstall, status) (see: p1studio help)\n'
    })
  })
})

describe('unit text', () => {
  it('quotes words as systemd reads them', () => {
    expect(systemdWord('/dev/ttyUSB0')).toBe('/dev/ttyUSB0')
    expect(systemdWord('/home/pi/my captures')).toBe('"/home/pi/my captures"')
    expect(systemdWord('50%')).toBe('50%%')
    expect(systemdWord('a$b')).toBe('"a$$b"')
    expect(systemdWord('say "hi"')).toBe('"say \\"hi\\""')
    const t = unitText({
      name: 'p1studio',
      node: '/usr/bin/node',
      bin: '/opt/p1 studio/bin/p1studio.mjs',
      args: ['--record'],
      workingDirectory: '/home/pi',
      dataDir: null
    })
    expect(t).toContain('ExecStart=/usr/bin/node "/opt/p1 studio/bin/p1studio.mjs" serve --record')
    expect(t).not.toContain('Environment=')
  })
})
