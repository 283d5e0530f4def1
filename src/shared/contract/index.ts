/**
 * The API contract between the main side (Electron main process or `p1studio serve`) and the
 * renderer, as data: one table per namespace (./session, ./source, ./key, ./frames,
 * ./diagnose, ./replay, ./capture, ./files, ./history, ./record, ./board), each method a zod schema of
 * its request and a typed result; the events below. Everything else is derived here: the
 * method and event lists, `P1StudioApi` / `P1StudioClient`, the handler tables the main side
 * fills (src/main/host/session.ts: a missing handler fails `npm run typecheck`), the one
 * request validator (./define.ts parseRequest), the IPC and WebSocket routing
 * (src/main/host/router.ts), the preload and the WebSocket client (./client.ts).
 *
 * Adding a method: one schema entry in its namespace, one handler in its service.
 * Everything here is JSON-serialisable; a P1 key never travels back to the renderer.
 */
import type { DiagnosisProgress } from '../diagnostics'
import type { BoardEvent } from '../board'
import { methodNames, parseRequest, type ApiOf, type Handlers, type MethodSpec, type Namespace } from './define'
import { BOARD, type BoardSnapshot } from './board'
import { CAPTURE } from './capture'
import { DIAGNOSE } from './diagnose'
import { FILES } from './files'
import { FRAMES, type FrameRecord } from './frames'
import { HISTORY, type HistoryImportProgress } from './history'
import { KEY } from './key'
import { RECORD } from './record'
import { REPLAY } from './replay'
import { SESSION, type SessionStatus } from './session'
import { SOURCE } from './source'

export * from './define'
export * from './errors'
export * from './board'
export * from './capture'
export * from './diagnose'
export * from './files'
export * from './frames'
export * from './history'
export * from './key'
export * from './record'
export * from './replay'
export * from './session'
export * from './source'

/** The namespaces of the contract. */
export const NAMESPACES = {
  session: SESSION,
  source: SOURCE,
  key: KEY,
  frames: FRAMES,
  diagnose: DIAGNOSE,
  replay: REPLAY,
  capture: CAPTURE,
  files: FILES,
  history: HISTORY,
  record: RECORD,
  board: BOARD
} as const

export type Namespaces = typeof NAMESPACES
export type NamespaceName = keyof Namespaces

/** Every method of every namespace, by name. */
export const METHODS = {
  ...SESSION.methods,
  ...SOURCE.methods,
  ...KEY.methods,
  ...FRAMES.methods,
  ...DIAGNOSE.methods,
  ...REPLAY.methods,
  ...CAPTURE.methods,
  ...FILES.methods,
  ...HISTORY.methods,
  ...RECORD.methods,
  ...BOARD.methods
}
export type Methods = typeof METHODS
export type ApiMethod = keyof Methods

/** Names of the API methods, for transports. */
export const API_METHODS: ApiMethod[] = Object.values(NAMESPACES)
  .flatMap((ns: Namespace) => methodNames(ns))
  .filter((m): m is ApiMethod => m in METHODS)

/** Methods the renderer can call: all return promises; errors reject with an ApiError ({code, message, params}). */
export type P1StudioApi = ApiOf<Methods>

/** Events pushed to the renderer. */
export interface P1StudioEvents {
  /** A frame of the P1 source was decoded or failed (also appended to the recent-frames history). */
  frame: FrameRecord
  /** Source, key, stats or error changed. Stats-only changes are sent at most every 500 ms. */
  status: SessionStatus
  /** Progress of a running diagnosis (about every 250 ms, and once with phase 'done'). */
  diagnosis: DiagnosisProgress
  /** Progress of a history import (about every 200 ms, and once with done). */
  history: HistoryImportProgress
  /** Boards: flash progress, log lines, listener states, MQTT verify progress (src/shared/board.ts). */
  board: BoardEvent
  /** A board's MQTT data at one publication, for the live view (not a P1 frame). */
  boardSnapshot: BoardSnapshot
}
export type P1StudioEventName = keyof P1StudioEvents

/** Names of the events, for transports. */
export const EVENT_NAMES = ['frame', 'status', 'diagnosis', 'history', 'board', 'boardSnapshot'] as const satisfies readonly P1StudioEventName[]

/** What the renderer's API client offers: the methods plus event subscription. */
export interface P1StudioClient extends P1StudioApi {
  /** Subscribe; returns an unsubscribe function. */
  on<E extends P1StudioEventName>(event: E, listener: (data: P1StudioEvents[E]) => void): () => void
}

/** The handler tables of every namespace, given the main side's caller context `C`. */
export type Routes<C> = { [N in NamespaceName]: Handlers<Namespaces[N], C> }

/** Is `m` a method of the contract? */
export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(METHODS, m)
}

/** The spec of a method. */
export function methodSpec<M extends ApiMethod>(m: M): Methods[M] {
  return METHODS[m]
}

/** Validate the request of `m` (the one validator, ./define.ts parseRequest). @throws ApiError invalid_request. */
export function parseMethodRequest(m: ApiMethod, input: unknown): unknown {
  const spec: MethodSpec = METHODS[m]
  return parseRequest(spec, input)
}

export type { MethodSpec }
