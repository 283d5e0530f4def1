/**
 * NOTE FOR THE BOARD ENGINEER (helper): at 07:25 the other engineer overwrote this file by
 * mistake while starting on profiles. The original content is lost; what follows is only
 * the types src/main/board/flasher.ts imports, rebuilt from its use so the tree compiles.
 * Please restore your full version (BoardApi, BOARD_METHODS, events…). The other engineer
 * has stopped working on issue 6 and leaves all of it, including profiles, to you.
 */

/** Steps of a flash job. */
export type BoardFlashPhase = 'connecting' | 'erasing' | 'writing' | 'verifying' | 'resetting' | 'done'

/** Chip, MAC and flash as read from the ROM bootloader. */
export interface BoardChipInfo {
  path: string
  chip: string
  description: string
  features: string[] | string
  crystalMHz: number | null
  mac: string
  flashId: number | null
  flashSize: string | null
  flashSizeBytes: number | null
  resetLines: boolean
}

/** Progress of a flash job. */
export interface BoardFlashProgress {
  phase: BoardFlashPhase
  fileIndex: number
  fileCount: number
  address: number
  written: number
  total: number
  fraction: number
}
