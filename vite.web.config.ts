/**
 * Renderer-only build (used by `p1studio serve` and the UI tests): the same Vue app that
 * Electron loads, built to out/renderer without needing the Electron runtime.
 */
import { resolve } from 'node:path'
import { defineConfig, type UserConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

/** vue-i18n esm-bundler flags: composition API only (no legacy API code), no devtools in production. Electron's build uses the same (electron.vite.config.ts). */
export const VUE_I18N_DEFINE = { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false }

/**
 * What both renderer builds share (this one and Electron's renderer in electron.vite.config.ts):
 * the app's root, the `@renderer` and `@shared` aliases, the Vue plugin and the vue-i18n flags.
 */
export function rendererBase(): UserConfig {
  return {
    root: resolve(import.meta.dirname, 'src/renderer'),
    resolve: {
      alias: {
        '@renderer': resolve(import.meta.dirname, 'src/renderer/src'),
        '@shared': resolve(import.meta.dirname, 'src/shared')
      }
    },
    plugins: [vue()],
    define: VUE_I18N_DEFINE
  }
}

export default defineConfig({
  ...rendererBase(),
  base: './',
  build: { outDir: resolve(import.meta.dirname, 'out/renderer'), emptyOutDir: true }
})
