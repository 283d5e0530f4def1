/**
 * The layers of docs/architecture.md are kept by the linter (eslint.config.js,
 * eslint-plugin-boundaries): shared ← p1 ← line ← capture ← {history, diagnostics, board} ←
 * output ← host ← cli ← shell (the files at the root of src/main); no I/O in shared, p1 and
 * the check modules. Code linted as if it were a file of a layer (ESLint's lintText with a
 * filePath): an upward import fails, a downward one passes.
 */
import { join, resolve } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')

async function lint(code: string, file: string): Promise<{ ruleId: string | null; message: string }[]> {
  const eslint = new ESLint({ cwd: ROOT })
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) })
  return result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }))
}

describe('the linter keeps the layers', () => {
  it('fails on an upward import from the protocol core, passes a downward one', async () => {
    const up = await lint("import { StudioSession } from '../host/session'\nexport const s = StudioSession\n", 'src/main/p1/layer-fixture.ts')
    expect(up).toContainEqual({ ruleId: 'boundaries/dependencies', message: expect.stringMatching(/"p1" to elements of type "host"/) })
    const down = await lint("import { LUX_AUTH_KEY_HEX } from '../../shared/types'\nexport const k = LUX_AUTH_KEY_HEX\n", 'src/main/p1/layer-fixture.ts')
    expect(down).toEqual([])
  }, 120_000)

  it('fails on I/O in shared, and on a line module reaching up into captures', async () => {
    const io = await lint("import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n", 'src/shared/io-fixture.ts')
    expect(io.map((m) => m.ruleId)).toContain('@typescript-eslint/no-restricted-imports')
    const lineUp = await lint("import { ReplaySource } from '../capture/replay-source'\nexport const r = ReplaySource\n", 'src/main/line/layer-fixture.ts')
    expect(lineUp.map((m) => m.ruleId)).toContain('boundaries/dependencies')
  }, 120_000)

  it('types the files at the root of src/main as the shell: they reach the host, a command module does not reach them', async () => {
    const shell = await lint("import { StudioSession } from './host/session'\nexport const s = StudioSession\n", 'src/main/shell-fixture.ts')
    expect(shell).toEqual([])
    const cliUp = await lint("import { currentKeychain } from '../keystore'\nexport const k = currentKeychain\n", 'src/main/cli/layer-fixture.ts')
    expect(cliUp).toContainEqual({ ruleId: 'boundaries/dependencies', message: expect.stringMatching(/"cli" to elements of type "shell"/) })
    const hostUp = await lint("import { safeStorageKeyStore } from '../keystore'\nexport const k = safeStorageKeyStore\n", 'src/main/host/layer-fixture.ts')
    expect(hostUp).toContainEqual({ ruleId: 'boundaries/dependencies', message: expect.stringMatching(/"host" to elements of type "shell"/) })
  }, 120_000)
})
