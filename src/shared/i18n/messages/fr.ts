/**
 * Messages en français, read from fr/*.json (mêmes clés que en/*.json). Termes du métier et de
 * Creos / Luxmetering : compteur intelligent Smarty, port P1, clé P1, trame, télégramme,
 * puissance de référence et frais de dépassement (structure tarifaire 2025 de l'ILR). Espaces
 * insécables avant (: ; ? !). French writes its own byte units (o, ko, Mo, Go: common.size in
 * fr/*.json); the per-phase column symbols come from ./symbols.
 */
import type { Messages } from './en'
import app from './fr/app.json'
import board from './fr/board.json'
import capture from './fr/capture.json'
import diagnose from './fr/diagnose.json'
import { PHASE_COLUMN_SYMBOLS } from './symbols'

/** The fr/ files, one per part of the app (each under 400 lines): top-level keys never repeat across them. */
const catalogue = { ...app, ...diagnose, ...capture, ...board }

/** The French catalogue; typed `Messages`, so a key en/*.json has and fr/*.json lacks fails the typecheck. */
export const fr: Messages = { ...catalogue, live: { ...catalogue.live, columns: PHASE_COLUMN_SYMBOLS } }
