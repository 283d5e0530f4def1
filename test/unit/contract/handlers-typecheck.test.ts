/**
 * Adding a method to a namespace without a handler fails the typecheck (issue 13): the fixture
 * (test/fixtures/contract/handlers.ts, a namespace of two methods and a handler table) is
 * compiled with the TypeScript compiler, strict, as `npm run typecheck` does — complete, it
 * compiles; with one handler left out, the compiler fails naming the missing method. Both
 * versions are checked in one program (in process: the compiler and the contract's zod types
 * are loaded once); the incomplete one is served from memory beside the fixture, so its
 * imports resolve alike.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
const FIXTURE = join(ROOT, 'test/fixtures/contract/handlers.ts')
const MISSING = join(ROOT, 'test/fixtures/contract/handlers-missing-b.ts')

/** The compiler's errors per file, `error TS<code>: <message>` as tsc prints them. */
function typecheck(files: Record<string, string>): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    isolatedModules: true
  }
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  host.readFile = (f) => files[resolve(f)] ?? readFile(f)
  host.fileExists = (f) => resolve(f) in files || fileExists(f)
  const program = ts.createProgram(Object.keys(files), options, host)
  const errors = new Map<string, string[]>(Object.keys(files).map((f) => [f, []]))
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? resolve(d.file.fileName) : ''
    const list = errors.get(file) ?? []
    list.push(`error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
    errors.set(file, list)
  }
  return errors
}

describe('a namespace and its handler table', () => {
  it('compiles when every method has its handler, and fails naming the method when one is missing', () => {
    const source = readFileSync(FIXTURE, 'utf8')
    const withoutB = source.replace(/^.*\/\/ HANDLER_B$/m, '')
    expect(withoutB).not.toBe(source)

    const errors = typecheck({ [FIXTURE]: source, [MISSING]: withoutB })
    expect(errors.get(FIXTURE)).toEqual([])
    expect(errors.get(''), 'errors outside the two files').toBeUndefined()
    const missing = errors.get(MISSING)!
    expect(missing.length, missing.join('\n')).toBeGreaterThan(0)
    expect(missing.join('\n')).toMatch(/error TS2741: Property 'fixtureB' is missing in type .* but required in type 'Handlers<Namespace<\{/)
  }, 120_000)
})
