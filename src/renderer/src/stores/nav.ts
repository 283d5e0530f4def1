/**
 * Which tab is shown: the header's tablist and every "go to…" link (an empty state's "run
 * Diagnose", a wrong key's "open Connect") select a tab here.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The tabs, in order. */
export const TABS = ['connect', 'live', 'raw', 'diagnose', 'capture', 'history', 'board'] as const
export type Tab = (typeof TABS)[number]

export const useNavStore = defineStore('nav', () => {
  const tab = ref<Tab>('connect')
  /** The user chose a tab (the app then stops choosing one for them). */
  const chosen = ref(false)
  function select(id: Tab): void {
    chosen.value = true
    tab.value = id
  }
  return { tab, chosen, select }
})
