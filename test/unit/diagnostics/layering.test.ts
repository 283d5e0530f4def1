/**
 * The diagnostics' pure half stays pure (docs/architecture.md, issue 13): checks.ts,
 * evidence.ts and report.ts, with everything they import, load no serial port binding and
 * no I/O module — they judge evidence, the runner does the I/O. Line settings as text live
 * in src/shared/line-settings.ts for that reason.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatLineSettings, parseLineLabel } from '../../../src/shared/line-settings'
import * as serialSource from '../../../src/main/line/serial-source'

const ROOT = resolve(__dirname, '../../..')
/** Packages and Node modules that do I/O (node:crypto is computation, allowed). */
const IO = /^(serialport|@serialport\/.*|node:(fs|fs\/promises|child_process|net|dgram|http|https|tls|os|worker_threads)|fs|child_process|net)$/

/** Every module reachable from `entry` through static and dynamic imports: relative files and bare specifiers. */
function importGraph(entry: string): { files: Set<string>; bare: Map<string, string> } {
  const files = new Set<string>()
  const bare = new Map<string, string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    files.add(file)
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g
    )) {
      const spec = m[1] ?? m[2] ?? m[3]
      if (spec.startsWith('.')) {
        // a module file, a data file (src/shared/i18n/messages/en/app.json: no imports), or a folder's index.ts (src/shared/i18n/report)
        const base = resolve(dirname(file), spec)
        visit(/\.(ts|json)$/.test(spec) ? base : existsSync(`${base}.ts`) ? `${base}.ts` : join(base, 'index.ts'))
      } else if (!bare.has(spec)) bare.set(spec, file.slice(ROOT.length + 1))
    }
  }
  visit(entry)
  return { files, bare }
}

describe('layering of the diagnostics', () => {
  for (const name of ['checks', 'evidence', 'report']) {
    it(`${name}.ts imports no serial port binding and no I/O module`, () => {
      const { files, bare } = importGraph(resolve(ROOT, `src/main/diagnostics/${name}.ts`))
      const io = [...bare].filter(([spec]) => IO.test(spec)).map(([spec, from]) => `${spec} (from ${from})`)
      expect(io).toEqual([])
      expect([...files].some((f) => f.endsWith('serial-source.ts'))).toBe(false)
    })
  }

  it('the walker sees what the runner loads (so the checks above can fail)', () => {
    const { bare } = importGraph(resolve(ROOT, 'src/main/diagnostics/runner.ts'))
    expect(bare.has('serialport')).toBe(true)
  })
})

describe('line settings as text', () => {
  it('formats and parses every setting a P1 port uses, both ways', () => {
    for (const baudRate of [9600, 115200])
      for (const dataBits of [5, 6, 7, 8] as const)
        for (const parity of ['none', 'even', 'odd', 'mark', 'space'] as const)
          for (const stopBits of [1, 1.5, 2] as const) {
            const s = { baudRate, dataBits, parity, stopBits }
            expect(parseLineLabel(formatLineSettings(s))).toEqual(s)
          }
    expect(formatLineSettings({ baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 })).toBe('115200 8N1')
    expect(parseLineLabel('9600 7E1')).toEqual({ baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 })
  })

  it('refuses labels that are not line settings', () => {
    for (const bad of ['', '115200', '115200 9N1', '115200 8X1', '115200 8N3', ' 9600 7E1', '9600 7E1 ', 'fast 8N1'])
      expect(parseLineLabel(bad), bad).toBeNull()
  })

  it('is still exported beside the serial port for the modules that import it there', () => {
    expect(serialSource.formatLineSettings).toBe(formatLineSettings)
  })
})
