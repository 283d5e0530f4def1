/**
 * The message catalogues as data files (src/shared/i18n/messages/{en,fr,de}/*.json, issue 13):
 * a key en/*.json has and fr/*.json or de/*.json lacks fails the typecheck — the real modules compiled
 * with TypeScript and tsconfig.node.json's options, the JSON served from memory with one key
 * taken out — and the untranslated symbol tables of ./symbols are held once, in no JSON file.
 * An extra key in fr/*.json or de/*.json fails i18n-catalogue.test.ts ("have the same keys").
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { PHASE_COLUMN_SYMBOLS, SI_BYTE_SIZES } from '../../../src/shared/i18n/messages/symbols'
import { MESSAGES } from '../../../src/shared/i18n/translate'

const ROOT = resolve(import.meta.dirname, '../../..')
const DIR = join(ROOT, 'src/shared/i18n/messages')
type Tree = { [k: string]: string | Tree }
/** The parts each language's catalogue is kept in (messages/<locale>/<part>.json, each under 400 lines). */
const PARTS = ['app', 'diagnose', 'capture', 'board'] as const
const part = (locale: string, name: string): Tree => JSON.parse(readFileSync(join(DIR, locale, `${name}.json`), 'utf8')) as Tree
/** A language's whole catalogue as its files hold it. */
const json = (locale: string): Tree => Object.assign({}, ...PARTS.map((p) => part(locale, p))) as Tree

/** The project's compiler options (tsconfig.node.json) without @types/node: the catalogues need none. */
function compilerOptions(): ts.CompilerOptions {
  const file = join(ROOT, 'tsconfig.node.json')
  const config = ts.readConfigFile(file, (f) => ts.sys.readFile(f))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, file)
  return { ...parsed.options, types: [], noEmit: true }
}

/** Errors of fr.ts and de.ts (and what they import) when the files named in `replaced` read as given; one line each. */
function typeErrors(replaced: Record<string, string>): string[] {
  const options = compilerOptions()
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  host.readFile = (f) => replaced[resolve(f)] ?? readFile(f)
  const program = ts.createProgram([join(DIR, 'fr.ts'), join(DIR, 'de.ts')], options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? d.file.fileName.slice(ROOT.length + 1) : ''} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' / ')}`)
}

/** The file of `locale` holding the message at `path` (dotted), and its JSON text without that message. */
function without(locale: string, path: string): Record<string, string> {
  const parts = path.split('.')
  const name = PARTS.find((p) => parts[0] in part(locale, p))
  expect(name, path).toBeDefined()
  const copy = part(locale, name!)
  let node = copy
  for (const p of parts.slice(0, -1)) node = node[p] as Tree
  expect(typeof node[parts.at(-1)!], path).toBe('string')
  delete node[parts.at(-1)!]
  return { [join(DIR, locale, `${name}.json`)]: JSON.stringify(copy, null, 2) }
}

describe('catalogue files', () => {
  it('typecheck as they are, and fail naming the key when fr/*.json or de/*.json lacks one en/*.json has', () => {
    expect(typeErrors({})).toEqual([])

    const errors = typeErrors({ ...without('fr', 'live.meterTime'), ...without('de', 'diag.tcp.lineAdvice') })
    expect(errors, errors.join('\n')).toHaveLength(2)
    const fr = errors.find((e) => e.includes('/fr.ts'))
    const de = errors.find((e) => e.includes('/de.ts'))
    expect(fr).toMatch(/Property '"meterTime"' is missing/)
    expect(de).toMatch(/Property '"lineAdvice"' is missing/)
  }, 120_000)

  it('hold the untranslated symbol tables nowhere: ./symbols gives live.columns to all and common.size to English and German', () => {
    for (const l of ['en', 'fr', 'de'] as const) {
      const file = json(l)
      expect((file.live as Tree).columns, `${l}/*.json live.columns`).toBeUndefined()
      expect(MESSAGES[l].live.columns, `${l} live.columns`).toBe(PHASE_COLUMN_SYMBOLS)
    }
    expect((json('en').common as Tree).size).toBeUndefined()
    expect((json('de').common as Tree).size).toBeUndefined()
    expect(MESSAGES.en.common.size).toBe(SI_BYTE_SIZES)
    expect(MESSAGES.de.common.size).toBe(SI_BYTE_SIZES)
    // French writes octets: its own table, in fr/*.json
    expect((json('fr').common as Tree).size).toEqual({ B: '{n} o', kB: '{n} ko', MB: '{n} Mo', GB: '{n} Go' })
    expect(MESSAGES.fr.common.size).toEqual((json('fr').common as Tree).size)
  })
})
