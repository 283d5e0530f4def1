import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

/** Unit test files that replace a module with vi.mock: each runs in a module graph of its own. */
const ISOLATED = ['test/unit/host/desktop-guard.test.ts']

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@renderer': resolve(import.meta.dirname, 'src/renderer/src'),
      '@shared': resolve(import.meta.dirname, 'src/shared')
    }
  },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // pty, serve and Chromium tests share the machine's cores: keep files in few workers. Three
    // on two cores, because about a third of the suite's wall time is spent waiting on real
    // time (a meter's 10 s cadence, 12 s of silence, a stalled board): measured on 2 cores at
    // idle, clean checkout, 647 tests: 2 workers 277 s, 3 workers 227 s (issue 11)
    maxWorkers: 3,
    // captures and the history database of sessions under test (and the serve processes they
    // spawn) go to a temporary folder, never into the user's ~/P1Studio
    env: { P1STUDIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'p1studio-test-data-')) },
    // The unit tests share their workers' modules (isolate: false): a unit file then costs its
    // tests, not a fresh import of vue, happy-dom and the sources (0.7–0.9 s of each file's
    // 1 s). The files that start serve, Chromium, ptys and brokers still run each in a process
    // of its own (the forks pool's isolation): the ports, child processes and native handles
    // one of them might leave behind die with it instead of meeting the next file.
    // Measured on 2 cores at idle, 652 tests, 3 workers: everything isolated 264 s (import 84 s
    // summed); unit tests shared 201 s (issue 11). Safe for the unit tests because none leaves
    // state behind (process.env, timers and listeners are put back in `finally`; the module
    // variables of src/ are memos of pure results) — except a file that replaces a module
    // with vi.mock, which would reach the files after it in its worker: it stays isolated.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: ISOLATED, isolate: false } },
      { extends: true, test: { name: 'isolated', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', ...ISOLATED], isolate: true } }
    ]
  }
})
