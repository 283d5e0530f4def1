/**
 * Renderer-only build (used by `p1studio serve` and the UI tests): the same Vue app that
 * Electron loads, built to out/renderer without needing the Electron runtime.
 */
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  root: resolve(__dirname, 'src/renderer'),
  base: './',
  resolve: {
    alias: {
      '@renderer': resolve(__dirname, 'src/renderer/src'),
      '@shared': resolve(__dirname, 'src/shared')
    }
  },
  plugins: [vue()],
  build: { outDir: resolve(__dirname, 'out/renderer'), emptyOutDir: true }
})
