/** Both renderer builds (Electron's and serve's) compile vue-i18n with the same flags: composition API only, no devtools. */
import { describe, expect, it } from 'vitest'
import electronConfig from '../../../electron.vite.config'
import webConfig, { VUE_I18N_DEFINE } from '../../../vite.web.config'

describe('renderer builds', () => {
  it("Electron's renderer and the renderer-only build define the vue-i18n flags", () => {
    expect(VUE_I18N_DEFINE).toEqual({ __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false })
    expect((webConfig as { define?: object }).define).toEqual(VUE_I18N_DEFINE)
    expect((electronConfig as { renderer?: { define?: object } }).renderer?.define).toEqual(VUE_I18N_DEFINE)
  })
})
