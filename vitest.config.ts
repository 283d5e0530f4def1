import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@renderer': resolve(import.meta.dirname, 'src/renderer/src'),
      '@shared': resolve(import.meta.dirname, 'src/shared')
    }
  },
  test: {
    include: ['test/**/*.test.ts'],
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
    env: { P1STUDIO_DATA_DIR: mkdtempSync(join(tmpdir(), 'p1studio-test-data-')) }
  }
})
