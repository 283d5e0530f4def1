import type { P1StudioClient } from '../shared/contract'

declare global {
  interface Window {
    p1studio?: P1StudioClient
  }
}
