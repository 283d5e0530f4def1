/**
 * The p1studio CLI as users run it (node bin/p1studio.mjs: the bundle `npm test` builds, or the
 * sources when a source is newer), on published vectors and socat pty pairs. No verdict here
 * depends on how fast the machine is: waits are for output, with generous limits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openPtyPair } from '../helpers/pty'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/p1studio.mjs')
const V = join(ROOT, 'test/fixtures/vectors')
const tmp = mkdtempSync(join(tmpdir(), 'p1s-cli-'))
const E1 = Buffer.from(readFileSync(join(V, 'lu_nexxtlab_go-smarty-reader_frame.hex'), 'utf8').trim(), 'hex')
const e1File = join(tmp, 'e1.bin')
writeFileSync(e1File, Buffer.concat([Buffer.from('noise'), E1, E1]))
const KEY = 'D491470F47126332B07D1923B3504188'

function run(
  args: string[],
  input?: Buffer,
  env: Record<string, string> = {},
  nodeArgs: string[] = []
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], {
    input,
    cwd: ROOT,
    encoding: 'buffer',
    timeout: 120_000,
    env: { ...process.env, ...env }
  })
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

/** A CLI started in the background: its output so far, a wait for a pattern, its exit. */
function start(args: string[]): {
  child: ChildProcess
  out: () => string
  err: () => string
  waitErr(re: RegExp): Promise<void>
  exit: Promise<number | null>
} {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const waiters: { re: RegExp; done: () => void }[] = []
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString()
    for (const w of waiters.splice(0))
      if (w.re.test(err)) w.done()
      else waiters.push(w)
  })
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return {
    child,
    out: () => out,
    err: () => err,
    waitErr: (re) =>
      new Promise<void>((resolveWait, reject) => {
        if (re.test(err)) return resolveWait()
        waiters.push({ re, done: resolveWait })
        void exit.then(() => (re.test(err) ? resolveWait() : reject(new Error(`exited before ${re}: ${err}`))))
      }),
    exit
  }
}

describe('p1studio decode', () => {
  it('prints one JSON line per frame with exact values', () => {
    const r = run(['decode', '--key', KEY, e1File])
    expect(r.status).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(2)
    const t = lines[0]
    expect(t).toMatchObject({ systemTitle: '534147677001BD54', frameCounter: 370915, identification: 'Lux5\\253663629_D', crcOk: true, offset: 5 })
    expect(t.objects['1-0:1.8.0']).toEqual({ value: 6.695, unit: 'kWh', raw: '000006.695*kWh' })
    expect(t.objects['0-0:42.0.0'].value).toBe('SAG1030700114004')
    expect(t.objects['1-0:3.7.0']).toEqual({ value: 0, unit: null, raw: '00.000' })
    expect(t.objects['0-0:1.0.0'].value).toBe('2018-01-30T10:21:22+01:00')
    expect(lines[1].offset).toBe(5 + E1.length)
  })

  it('reads stdin with "-", and reports a wrong key as an error line (exit 1)', () => {
    const r = run(['decode', '--key', 'D491470F47126332B07D1923B3504100', '-'], E1)
    expect(r.status).toBe(1)
    const line = JSON.parse(r.stdout.trim())
    expect(line.error.code).toBe('gcm_tag_mismatch')
    expect(line.offset).toBe(0)
    expect(r.stdout + r.stderr).not.toContain('D491470F47126332B07D1923B3504100')
  })

  it('decodes plain telegrams with M-Bus values and time', () => {
    const r = run(['decode', join(V, 'lu_luxmetering_spec_v1.1.3_appendixA_telegram.txt')])
    const t = JSON.parse(r.stdout.trim())
    expect(t.systemTitle).toBeNull()
    expect(t.objects['0-1:24.2.1']).toMatchObject({ value: 0.006, unit: 'm3', time: '2020-07-06T10:31:40+02:00' })
    expect(t.objects['0-2:24.2.1']).toMatchObject({ value: 0, unit: null, time: null })
    expect(t.objects['1-1:31.4.0'].values).toEqual([
      { value: 100, unit: 'A' },
      { value: -63, unit: 'A' }
    ])
  })

  it('wrong arguments: one line, exit 2, no stack trace', { timeout: 300_000 }, () => {
    for (const args of [['decode'], ['decode', '--key', 'xyz', e1File], ['frobnicate'], ['decode', '--bogus', e1File], ['serve', '--listen', 'nope']]) {
      const r = run(args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/)
    }
    const missing = run(['decode', join(tmp, 'nope.bin')])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('No file at')
  })
})

describe('p1studio diagnose --capture', () => {
  it('judges a recorded capture on its recorded times: a lost frame is missed_frames (exit 1), with a JSON report file', async () => {
    const { CaptureWriter } = await import('../../src/main/capture/writer')
    const { VirtualMeter } = await import('../../src/main/line/virtual-meter')
    const key = '55AA55AA55AA55AA55AA55AA55AA55AA'
    const meter = new VirtualMeter({ key: Buffer.from(key, 'hex'), write: () => undefined })
    const file = join(tmp, 'lost.p1cap')
    const w = new CaptureWriter({ path: file, source: 'test', appVersion: 't' })
    const t0 = Date.parse('2026-02-02T10:00:00Z')
    for (let i = 0; i < 6; i++) {
      const f = meter.nextFrame(new Date(t0 + i * 10_000))!
      if (i !== 1) w.write(f, t0 + i * 10_000)
    }
    w.close()
    const report = join(tmp, 'lost-report.json')
    const r = run(['diagnose', '--capture', file, '--key', key, '--json', '--report', report])
    expect(r.status, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.verdict).toBe('missed_frames')
    expect(out.checks.find((c: { id: string }) => c.id === 'cadence').evidence.intervalsS).toEqual([20, 10])
    expect(JSON.parse(readFileSync(report, 'utf8')).verdict).toBe('missed_frames')
    expect(readFileSync(report, 'utf8').toUpperCase()).not.toContain(key)
    expect(run(['diagnose', '--capture', file, '--port', '/dev/null']).status).toBe(2)
  })
})

describe('the P1 key without the command line (issue 12: /proc/PID/cmdline is readable by every local user)', () => {
  it('--key-file FILE and P1STUDIO_KEY work wherever --key does, never echo the key, and help says why', { timeout: 300_000 }, () => {
    const keyFile = join(tmp, 'p1.key')
    writeFileSync(keyFile, KEY.toLowerCase() + '\n')
    chmodSync(keyFile, 0o600)
    const byFile = run(['decode', '--key-file', keyFile, e1File])
    expect(byFile.status, byFile.stderr).toBe(0)
    expect(
      byFile.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).frameCounter)
    ).toEqual([370915, 370915])
    const byEnv = run(['decode', e1File], undefined, { P1STUDIO_KEY: KEY })
    expect(byEnv.status, byEnv.stderr).toBe(0)
    expect(JSON.parse(byEnv.stdout.split('\n')[0]).objects['1-0:1.8.0'].value).toBe(6.695)
    // --key wins over the environment
    expect(run(['decode', '--key', KEY, e1File], undefined, { P1STUDIO_KEY: 'D491470F47126332B07D1923B3504100' }).status).toBe(0)
    // the other commands that take --key take --key-file too (diagnose on a capture below)

    const bad = join(tmp, 'bad.key')
    writeFileSync(bad, 'secret-but-not-a-key-0123456789abcdef\n')
    for (const [args, env, said] of [
      [['decode', '--key-file', bad, e1File], {}, /--key-file .*bad\.key must hold the P1 key as 32 hex digits/],
      [['decode', '--key-file', join(tmp, 'none.key'), e1File], {}, /--key-file: no file at/],
      [['decode', '--key', KEY, '--key-file', keyFile, e1File], {}, /--key or with --key-file, not both/],
      [['decode', e1File], { P1STUDIO_KEY: 'nonsense-key' }, /P1STUDIO_KEY must hold the P1 key as 32 hex digits/]
    ] as [string[], Record<string, string>, RegExp][]) {
      const r = run(args, undefined, env)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(said)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).not.toContain('secret-but-not')
      expect(r.stderr).not.toContain('nonsense-key')
    }
    const help = run(['help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--key-file FILE')
    expect(help.stdout).toContain('P1STUDIO_KEY')
    expect(help.stdout).toContain('/proc/PID/cmdline')
  })
})

describe('plain messages and exit statuses (issues 12 and 15)', () => {
  it('a negative number reaches the range check: --duration -5 is "must be a number from …", never a parser message', { timeout: 300_000 }, () => {
    for (const args of [
      ['capture', '--port', join(tmp, 'no-port'), '--out', join(tmp, 'neg.p1cap'), '--duration', '-5'],
      ['diagnose', '--capture', e1File, '--duration', '-5']
    ]) {
      const r = run(args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/--duration must be a number from/)
      expect(r.stderr).not.toMatch(/ambiguous|Option '/)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    expect(existsSync(join(tmp, 'neg.p1cap'))).toBe(false)
    const missing = run(['decode', '--key'])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/^p1studio: --key needs a value/)
    const unknown = run(['decode', '--bogus', e1File])
    expect(unknown.stderr).toMatch(/^p1studio: unknown option --bogus \(see: p1studio help\)\n$/)
  })

  it('decode … | head -1: the reader goes away, decode ends quietly with status 0 (EPIPE)', { timeout: 120_000 }, async () => {
    const many = join(tmp, 'many.bin')
    writeFileSync(many, Buffer.concat(Array.from({ length: 3000 }, () => E1)))
    const child = spawn(process.execPath, [BIN, 'decode', '--key', KEY, many], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    let first = ''
    child.stdout.on('data', (d: Buffer) => {
      first += d.toString()
      // like head -1: take the first line, close the pipe
      if (first.includes('\n')) child.stdout.destroy()
    })
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    expect(JSON.parse(first.split('\n')[0]).frameCounter).toBe(370915)
    expect(err).toBe('')
    expect(code).toBe(0)
  })
})

describe('p1studio monitor on a pty pair', () => {
  async function withPty<T>(fn: (p: { a: string; b: string }, write: (b: Buffer) => Promise<void>) => Promise<T>): Promise<T> {
    const { openSerialWriter } = await import('../../src/main/line/virtual-meter')
    const p = await openPtyPair()
    const w = await openSerialWriter(p.a)
    try {
      return await fn(p, (b) => w.write(b))
    } finally {
      await w.close()
      await p.close()
    }
  }

  it('--count 1: the telegram on stdout, the line counters on stderr, exit 0', { timeout: 120_000 }, async () => {
    await withPty(async (p, write) => {
      const m = start(['monitor', '--port', p.b, '--key', KEY, '--count', '1'])
      await m.waitErr(/monitoring /)
      await write(E1)
      expect(await m.exit, m.err()).toBe(0)
      expect(JSON.parse(m.out().trim()).frameCounter).toBe(370915)
      expect(m.err()).toContain(`${E1.length.toLocaleString('en-US')} bytes in 1 burst · 1 frame found · 1 decoded`)
    })
  })

  it(
    'bytes but no frame (an inverted line) and a wrong key show in the counters as they come; Ctrl-C exits 0; a vanished port exits 1',
    { timeout: 120_000 },
    async () => {
      await withPty(async (p, write) => {
        const m = start(['monitor', '--port', p.b, '--key', 'D491470F47126332B07D1923B3504100'])
        await m.waitErr(/monitoring /)
        await write(Buffer.alloc(1158, 0x80))
        // unreadable bytes (what an inverted line delivers): no frame, and the state says what to check
        await m.waitErr(/1,158 bytes in 1 burst · 0 frames found · 0 decoded · bytes but no frame: the line may be inverted, or the line settings are wrong\n/)
        // the next burst comes after a pause longer than a burst gap, as a meter's next frame would
        await new Promise((r) => setTimeout(r, 1500))
        await write(E1)
        await m.waitErr(
          /bursts · 1 frame found · 0 decoded · 0\.2 % zero bytes · meter 534147677001BD54 · frames that do not decode: check the P1 key · last failure: gcm_tag_mismatch \(/
        )
        expect(m.err()).toMatch(new RegExp(`${(1158 + E1.length).toLocaleString('en-US')} bytes in 2 bursts`))
        m.child.kill('SIGINT')
        expect(await m.exit).toBe(0)
        expect(m.err()).not.toContain('D491470F47126332B07D1923B3504100')
      })
      const gone = await openPtyPair()
      const m = start(['monitor', '--port', gone.b])
      await m.waitErr(/monitoring /)
      await gone.close()
      expect(await m.exit).toBe(1)
      expect(m.err()).toMatch(/disconnected|Closed/)
    }
  )
})

describe('commands load only their own modules', () => {
  const hooks = join(tmp, 'hooks')
  mkdirSync(hooks, { recursive: true })
  writeFileSync(
    join(hooks, 'resolve.mjs'),
    `import { appendFileSync } from 'node:fs'
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (process.env.P1S_LOADED_LOG) appendFileSync(process.env.P1S_LOADED_LOG, r.url + '\\n')
  return r
}
`
  )
  writeFileSync(join(hooks, 'register.mjs'), `import { register } from 'node:module'\nregister('./resolve.mjs', import.meta.url)\n`)
  const HEAVY = /node_modules\/(@duckdb|mqtt|esptool-js|ws|serialport|@serialport|zod|nodemailer|prom-client|@napi-rs)\//

  function loaded(args: string[]): { status: number | null; urls: string[] } {
    const log = join(hooks, `${args[0]}-${Date.now()}.log`)
    const r = run(args, undefined, { P1S_LOADED_LOG: log }, ['--import', join(hooks, 'register.mjs')])
    return { status: r.status, urls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] }
  }

  it('help and decode load no board flasher, MQTT, DuckDB, web server, serial port or zod; board does (the check can fail)', { timeout: 300_000 }, () => {
    const help = loaded(['help'])
    expect(help.status).toBe(0)
    expect(help.urls.some((u) => /out\/cli\/cli\.mjs$|src\/main\/cli\.ts$/.test(u))).toBe(true)
    expect(help.urls.filter((u) => HEAVY.test(u))).toEqual([])
    expect(help.urls.filter((u) => /out\/cli\/chunks\/|src\/main\/(p1|host|board|history|capture|diagnostics)\//.test(u))).toEqual([])

    const decode = loaded(['decode', '--key', KEY, e1File])
    expect(decode.status).toBe(0)
    expect(decode.urls.some((u) => /chunks\/decode-|src\/main\/cli\/decode\.ts$/.test(u))).toBe(true)
    expect(decode.urls.filter((u) => HEAVY.test(u))).toEqual([])
    expect(
      decode.urls.filter((u) => /chunks\/(serve|board|history|capture|diagnose|monitor|simulate)|src\/main\/(host|board|history|capture|diagnostics)\//.test(u))
    ).toEqual([])

    // the control: a command that does load one (board's profiles: zod, its ports: serialport;
    // esptool-js, MQTT.js and DuckDB only when a board, a broker or the history is reached)
    const board = loaded(['board'])
    expect(board.status).toBe(2)
    expect(board.urls.filter((u) => HEAVY.test(u))).not.toEqual([])
  })

  it('the built bundle: each command is its own chunk, and the chunks decode and help reach import nothing heavy', { timeout: 120_000 }, () => {
    const out = join(tmp, 'cli-bundle')
    const b = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'error', '--outDir', out],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 }
    )
    expect(b.status, b.stderr).toBe(0)
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.inputs).toContain('src/main/cli.ts')
    expect(manifest.inputs).toContain('src/main/cli/decode.ts')
    const chunks = readdirSync(join(out, 'chunks'))
    // NAME-HASH.mjs, the hash 8 characters: serve-token-….mjs is not serve's chunk
    const chunkOf = (name: string): string | undefined => chunks.find((f) => new RegExp(`^${name}-[\\w-]{8}\\.mjs$`).test(f))
    for (const c of ['decode', 'monitor', 'simulate', 'serve', 'board-commands', 'history-commands', 'capture-commands', 'diagnose-commands'])
      expect(chunkOf(c), c).toBeDefined()
    // static imports reachable from a file (dynamic import() excluded: those load on demand)
    const reach = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen
      seen.add(file)
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/^import\s[^'"]*?['"]([^'"]+)['"]/gm)) {
        const spec = m[1]
        if (spec.startsWith('.')) reach(resolve(file, '..', spec), seen)
        else seen.add(spec)
      }
      return seen
    }
    const heavy = (s: Set<string>): string[] =>
      [...s].filter((x) => /^(@duckdb|mqtt|esptool-js|ws|serialport|@serialport|zod)/.test(x) || /chunks\/(serve|board|history|capture|diagnose)/.test(x))
    expect(heavy(reach(join(out, 'cli.mjs')))).toEqual([])
    /** The heavy imports reachable from the bundle's chunk of the `name` command. */
    const heavyInChunk = (name: string): string[] => heavy(reach(join(out, 'chunks', chunkOf(name)!)))
    expect(heavyInChunk('decode')).toEqual([])
    expect(heavyInChunk('serve')).toContain('ws')
    // the bundle runs by itself: help and decode from this copy
    const dec = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(join(out, 'cli.mjs'))}); process.exitCode = await main(['decode', '--key', '${KEY}', ${JSON.stringify(e1File)}])`
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }
    )
    expect(dec.status, dec.stderr).toBe(0)
    expect(dec.stdout.trim().split('\n')).toHaveLength(2)
  })

  it('bin/p1studio.mjs runs the bundle only while no source it was built from is newer', { timeout: 300_000 }, () => {
    // a copy of bin/ and a fake bundle beside a copy of one source: no build needed, nothing shared touched
    const root = join(tmp, 'binroot')
    mkdirSync(join(root, 'bin'), { recursive: true })
    mkdirSync(join(root, 'out/cli'), { recursive: true })
    mkdirSync(join(root, 'src/main'), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'p1studio', type: 'module' }))
    writeFileSync(join(root, 'bin/p1studio.mjs'), readFileSync(BIN))
    writeFileSync(join(root, 'src/main/cli.ts'), `export async function main() { process.stdout.write('from sources\\n'); return 0 }\n`)
    writeFileSync(join(root, 'out/cli/cli.mjs'), `export async function main() { process.stdout.write('from the bundle\\n'); return 0 }\n`)
    const t = Date.now()
    writeFileSync(join(root, 'out/cli/manifest.json'), JSON.stringify({ builtAt: t, entry: 'cli.mjs', inputs: ['src/main/cli.ts'] }))
    const via = (): string =>
      spawnSync(process.execPath, [join(root, 'bin/p1studio.mjs'), 'help'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 }).stdout.trim()
    utimesSync(join(root, 'src/main/cli.ts'), new Date(t - 60_000), new Date(t - 60_000))
    expect(via()).toBe('from the bundle')
    utimesSync(join(root, 'src/main/cli.ts'), new Date(t + 1000), new Date(t + 1000))
    expect(via()).toBe('from sources')
    expect(statSync(join(root, 'out/cli/cli.mjs')).size).toBeGreaterThan(0)
  })
})

describe('serve builds the user interface when it is missing or stale (ui-build)', () => {
  /** A tiny Vite project beside the real node_modules: its UI builds in about a second. */
  function miniProject(name: string, withTools = true): { paths: import('../../src/main/cli/ui-build').UiBuildPaths; main: string } {
    const root = join(tmp, name)
    mkdirSync(join(root, 'web'), { recursive: true })
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'mini', private: true, type: 'module' }))
    if (withTools) symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
    writeFileSync(join(root, 'web', 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n')
    const main = join(root, 'web', 'main.js')
    writeFileSync(main, "document.body.textContent = 'one'\n")
    writeFileSync(join(root, 'mini.config.mjs'), `export default { root: ${JSON.stringify(join(root, 'web'))}, base: './', logLevel: 'error' }\n`)
    return { paths: { root, outDir: join(root, 'out', 'renderer'), sources: [join(root, 'web')], config: join(root, 'mini.config.mjs') }, main }
  }
  const scripts = (outDir: string): string[] => [...readFileSync(join(outDir, 'index.html'), 'utf8').matchAll(/assets\/([^"]+\.js)/g)].map((m) => m[1])

  it('builds when missing, leaves a current build alone, rebuilds a stale one keeping the assets pages already loaded', { timeout: 300_000 }, async () => {
    const { ensureUiBuilt } = await import('../../src/main/cli/ui-build')
    const { paths, main } = miniProject('ui-a')
    const said: string[] = []
    const first = await ensureUiBuilt(paths, (l) => said.push(l))
    expect(first.state).toBe('built')
    expect(said.join('\n')).toMatch(/building the user interface/)
    const [oldJs] = scripts(paths.outDir)
    expect(readFileSync(join(paths.outDir, 'assets', oldJs), 'utf8')).toMatch(/textContent\s*=\s*.one./)
    expect((await ensureUiBuilt(paths, () => undefined)).state).toBe('fresh')

    writeFileSync(main, "document.body.textContent = 'two'\n")
    utimesSync(main, new Date(Date.now() + 2000), new Date(Date.now() + 2000))
    const again = await ensureUiBuilt(paths, (l) => said.push(l))
    expect(again.state).toBe('built')
    const [newJs] = scripts(paths.outDir)
    expect(newJs).not.toBe(oldJs)
    expect(readFileSync(join(paths.outDir, 'assets', newJs), 'utf8')).toMatch(/textContent\s*=\s*.two./)
    // a page loaded before the swap still finds its script
    expect(existsSync(join(paths.outDir, 'assets', oldJs))).toBe(true)
    expect(readdirSync(join(paths.outDir, '..')).filter((f) => f.startsWith('.renderer'))).toEqual([])
  })

  it("another live process building: serve the UI there; a dead builder's lock is taken over; no build tools: says how", { timeout: 300_000 }, async () => {
    const { ensureUiBuilt } = await import('../../src/main/cli/ui-build')
    const { paths, main } = miniProject('ui-b')
    expect((await ensureUiBuilt(paths, () => undefined)).state).toBe('built')
    utimesSync(main, new Date(Date.now() + 2000), new Date(Date.now() + 2000))
    const lock = join(paths.outDir, '..', '.renderer-build.lock')
    mkdirSync(lock)
    writeFileSync(join(lock, 'pid'), String(process.pid)) // alive: this test process
    expect(await ensureUiBuilt(paths, () => undefined)).toEqual({ state: 'stale', reason: 'another P1 Studio process is rebuilding it' })
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout
    writeFileSync(join(lock, 'pid'), dead)
    expect((await ensureUiBuilt(paths, () => undefined)).state).toBe('built')
    expect(existsSync(lock)).toBe(false)

    const bare = miniProject('ui-c', false)
    const r = await ensureUiBuilt(bare.paths, () => undefined)
    expect(r.state).toBe('missing')
    expect(r.state === 'missing' && r.message).toMatch(/npm install.*npm run build:renderer/)
  })
})
