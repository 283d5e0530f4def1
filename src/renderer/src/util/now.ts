/**
 * The current time for "… ago" and "no byte for 14 s" texts: a ref updated every second while
 * the component is mounted. Display only: the main side judges intervals on its own clock.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue'

/** Date.now(), refreshed every `periodMs` (default 1 s) until the component unmounts. */
export function useNow(periodMs = 1000): Ref<number> {
  const now = ref(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), periodMs)
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
