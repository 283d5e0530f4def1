/// <reference types="vite/client" />
import type { P1StudioClient } from '../../shared/contract'

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

declare global {
  interface Window {
    /** Present in the Electron window (preload, contextBridge); absent in serve mode. */
    p1studio?: P1StudioClient
  }
}
