/**
 * Languages of P1 Studio (English, French, German): message catalogues, the pure lookup,
 * `Intl` formatting in the meter's time zone, OBIS object names and the wording of
 * diagnostics results, the line state and enumerated values. Shared by the renderer (through vue-i18n) and the main process
 * (HTML report, CLI). No I/O, no DOM.
 */
export * from './translate'
export * from './format'
export * from './obis-names'
export * from './wording'
export * from './line-state'
export * from './enumerations'
export * from './report'
export type { Messages } from './messages/en'
