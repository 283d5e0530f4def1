/**
 * Adding a method to a namespace without a handler fails the typecheck (issue 13): the fixture
 * (test/fixtures/contract/handlers.ts, a namespace of two methods and a handler table) is
 * compiled with TypeScript as `npm run typecheck` does — complete, it compiles; with one handler
 * left out, tsc fails naming the missing method.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
const FIXTURE = join(ROOT, 'test/fixtures/contract/handlers.ts')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

/** tsc --noEmit on one file with the project's compiler options; resolves with its exit status and output. */
async function typecheck(file: string): Promise<{ status: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'p1s-contract-tsc-'))
  const config = join(dir, 'tsconfig.json')
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2023'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        isolatedModules: true
      },
      files: [file]
    })
  )
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [TSC, '--noEmit', '-p', config], { cwd: ROOT })
    return { status: 0, output: stdout }
  } catch (e) {
    const x = e as { code?: number; stdout?: string }
    return { status: x.code ?? 1, output: x.stdout ?? '' }
  }
}

describe('a namespace and its handler table', () => {
  it('compiles when every method has its handler, and fails naming the method when one is missing', async () => {
    const complete = await typecheck(FIXTURE)
    expect(complete, complete.output).toMatchObject({ status: 0 })

    // the same file in the fixture folder (its imports resolve alike), without fixtureB's handler
    const missing = join(ROOT, 'test/fixtures/contract', `.missing-${process.pid}.ts`)
    writeFileSync(missing, readFileSync(FIXTURE, 'utf8').replace(/^.*\/\/ HANDLER_B$/m, ''))
    try {
      const r = await typecheck(missing)
      expect(r.status).not.toBe(0)
      expect(r.output).toMatch(/error TS2741: Property 'fixtureB' is missing in type .* but required in type 'Handlers<Namespace<\{/)
    } finally {
      rmSync(missing, { force: true })
    }
  }, 120_000)
})
