/**
 * English messages: the reference catalogue, read from en/*.json (one key per sentence of the
 * app, as translators' tools and vue-i18n take locale messages). French (fr/*.json) and German
 * (de/*.json) have exactly the same keys: the `Messages` type below makes the typecheck fail when
 * one lacks a key, and test/unit/renderer/i18n-catalogue.test.ts fails on a missing or extra
 * key. Syntax: src/shared/i18n/translate.ts. Diagnostics sentences (`diag.*`) are worded as
 * src/main/diagnostics/checks.ts and runner.ts word them, from the check's code and evidence
 * (a unit test compares them). The untranslated symbol tables (live.columns, common.size) are
 * not in the JSON: they come once from ./symbols.
 */
import app from './en/app.json'
import board from './en/board.json'
import capture from './en/capture.json'
import diagnose from './en/diagnose.json'
import { PHASE_COLUMN_SYMBOLS, SI_BYTE_SIZES } from './symbols'

/** The en/ files, one per part of the app (each under 400 lines): top-level keys never repeat across them. */
const catalogue = { ...app, ...diagnose, ...capture, ...board }

/** The English catalogue: en/*.json with the per-phase column symbols and the SI byte sizes. */
export const en = {
  ...catalogue,
  common: { ...catalogue.common, size: SI_BYTE_SIZES },
  live: { ...catalogue.live, columns: PHASE_COLUMN_SYMBOLS }
}

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> }
/** The shape every catalogue has: the English keys, any wording. */
export type Messages = Widen<typeof en>
