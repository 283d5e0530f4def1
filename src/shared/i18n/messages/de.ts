/**
 * Deutsche Texte, read from de/*.json (dieselben Schlüssel wie en/*.json). Begriffe wie bei Creos /
 * Luxmetering und im Fach: intelligenter Zähler Smarty, P1-Schnittstelle, P1-Schlüssel,
 * Telegramm, Frame, Referenzleistung und Zuschlag bei Überschreitung (Netztarifstruktur 2025
 * des ILR). The SI byte sizes and the per-phase column symbols come from ./symbols.
 */
import type { Messages } from './en'
import app from './de/app.json'
import board from './de/board.json'
import capture from './de/capture.json'
import diagnose from './de/diagnose.json'
import { PHASE_COLUMN_SYMBOLS, SI_BYTE_SIZES } from './symbols'

/** The de/ files, one per part of the app (each under 400 lines): top-level keys never repeat across them. */
const catalogue = { ...app, ...diagnose, ...capture, ...board }

/** The German catalogue; typed `Messages`, so a key en/*.json has and de/*.json lacks fails the typecheck. */
export const de: Messages = {
  ...catalogue,
  common: { ...catalogue.common, size: SI_BYTE_SIZES },
  live: { ...catalogue.live, columns: PHASE_COLUMN_SYMBOLS }
}
