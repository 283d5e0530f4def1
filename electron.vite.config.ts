import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { rendererBase } from './vite.web.config'

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') } }
    }
  },
  preload: {
    build: {
      externalizeDeps: true,
      // sandboxed preloads must be CommonJS
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    // the renderer-only build's root, aliases, Vue plugin and vue-i18n flags (vite.web.config.ts)
    ...rendererBase(),
    build: { rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') } } }
  }
})
