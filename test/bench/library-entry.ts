/**
 * What the pipeline benchmark measures of the library, as one module: built into a bundle by
 * library-bundle.ts the same way the app and the command line ship it (vite, ES modules for
 * Node), so the benchmark times the shipped code, not the sources as tsx runs them.
 */
export { P1Decoder } from '../../src/main/p1/pipeline'
export { JsonLineWriter } from '../../src/main/p1/event-json'
export { parseTelegramText } from '../../src/main/p1/telegram'
export { crc16ArcSliced } from '../../src/main/p1/crc16-sliced'
