// ESLint (flat config): typescript-eslint, eslint-plugin-vue, and the layers of
// docs/architecture.md enforced with eslint-plugin-boundaries. `npm run lint`; part of `npm test`.
//
// Layers, lowest first (a layer imports only itself and the layers below it):
//   shared  ←  p1  ←  line  ←  capture  ←  {history, diagnostics, board}  ←  output  ←  host  ←  cli  ←  shell
// The renderer sees only `shared` (and its own files); the preload only `shared`.
// `shared` and `p1` do no I/O (no fs, net, serial, MQTT, DuckDB, Electron).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import boundaries from 'eslint-plugin-boundaries'
import globals from 'globals'

/**
 * Element types and where they live: each a folder, matched from the project root
 * (`partialMatch: false`), the first match deciding (`stopMatching`). The files at the root of
 * src/main — the Electron shell and cli.ts, the command line's dispatcher (both may import
 * the same layers) — are the folder src/main itself, so it comes after all its subfolders.
 */
const ELEMENTS = [
  ['shared', 'src/shared'],
  ['p1', 'src/main/p1'],
  ['line', 'src/main/line'],
  ['capture', 'src/main/capture'],
  ['history', 'src/main/history'],
  ['diagnostics', 'src/main/diagnostics'],
  ['board', 'src/main/board'],
  ['output', 'src/main/output'],
  ['host', 'src/main/host'],
  ['cli', 'src/main/cli'],
  ['shell', 'src/main'],
  ['preload', 'src/preload'],
  ['renderer', 'src/renderer']
].map(([type, pattern]) => ({ type, pattern, partialMatch: false, stopMatching: true }))

/** Who may import whom (besides itself). */
const ALLOWED = {
  shared: [],
  p1: ['shared'],
  line: ['shared', 'p1'],
  capture: ['shared', 'p1', 'line'],
  history: ['shared', 'p1', 'line', 'capture'],
  diagnostics: ['shared', 'p1', 'line', 'capture'],
  board: ['shared', 'p1', 'line', 'capture'],
  output: ['shared', 'p1', 'line', 'capture', 'history'],
  host: ['shared', 'p1', 'line', 'capture', 'history', 'diagnostics', 'board', 'output'],
  cli: ['shared', 'p1', 'line', 'capture', 'history', 'diagnostics', 'board', 'output', 'host'],
  // the root of src/main: the Electron shell and cli.ts, which dispatches to the commands in cli/
  shell: ['shared', 'p1', 'line', 'capture', 'history', 'diagnostics', 'board', 'output', 'host', 'cli'],
  preload: ['shared'],
  renderer: ['shared']
}

/** Modules that do I/O: not in `shared`, `p1` or the pure checks. */
const IO_MODULES = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'net',
  'node:net',
  'dgram',
  'node:dgram',
  'http',
  'node:http',
  'child_process',
  'node:child_process',
  'serialport',
  '@serialport/*',
  'mqtt',
  '@duckdb/*',
  'ws',
  'electron',
  'esptool-js',
  'nodemailer'
]
const noIo = (what, extra = []) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: IO_MODULES, message: `${what} does no I/O (docs/architecture.md).` },
        ...extra.map((group) => ({ group: [group], allowTypeImports: true, message: `${what} is pure: evidence in, results out (docs/architecture.md).` }))
      ]
    }
  ]
})

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**', 'resources/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } }
  },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // formatting is Prettier's
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multi-word-component-names': 'off'
    }
  },
  { files: ['src/renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  {
    files: ['src/**/*.ts', 'src/**/*.vue'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS,
      'boundaries/include': ['src/**/*'],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.vue', '.json'] } }
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: Object.entries(ALLOWED).map(([from, to]) => ({
            from: { element: { type: from } },
            allow: { to: { element: { types: { anyOf: [from, ...to] } } } }
          }))
        }
      ]
    }
  },
  { files: ['src/shared/**'], rules: noIo('src/shared') },
  { files: ['src/main/p1/**'], rules: noIo('src/main/p1') },
  { files: ['src/main/diagnostics/checks.ts', 'src/main/board/mqtt-checks.ts'], rules: noIo('A check module', ['**/line/*', '**/capture/*', '**/host/*']) },
  {
    files: ['test/**', 'scripts/**', 'bin/**', '*.config.*', 'eslint.config.js'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' }
  }
)
