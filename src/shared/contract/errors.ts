/**
 * Errors cross the contract as `{code, message, params}` (issue 13): a stable code the
 * renderer words in the user's language, the main side's plain-English sentence (never a stack
 * trace, never a key), and the figures and names the wording needs.
 *
 * - IPC: Electron keeps only the message of an Error it carries, so the handler returns an
 *   envelope (`{result}` | `{error}`, {@link Envelope}), the preload unwraps it and rejects
 *   with the plain `{code, message, params}` object (a contextBridge copies objects whole), and
 *   the renderer's client throws it as an {@link ApiError}.
 * - WebSocket: `{id, error: {code, message, params}}`.
 *
 * Pure, no I/O.
 */

/**
 * Stable codes of the contract's own errors (docs/architecture.md). Codes of the layers below
 * travel as they are: the decode codes (docs/verdict-codes.md), port open codes
 * (`port_not_found`, `port_permission_denied`, `port_busy`, `port_error`), flash codes
 * (src/main/board/flasher.ts).
 */
export const API_ERROR_CODES = [
  /** The request does not fit its schema. params: {field}. */
  'invalid_request',
  /** No such method. */
  'unknown_method',
  /** Too many requests at once on one connection. */
  'busy',
  /** Another operation of the same kind runs (a diagnosis, an import, a flash…). */
  'already_running',
  /** The port is leased to another part of the app. params: {path, owner}. */
  'port_in_use',
  /** Another program holds the port. params: {path}. */
  'port_busy',
  /** Nothing is open that the request could act on. */
  'no_source',
  /** No such file, profile or upload. params: {name}. */
  'not_found',
  /** The disk (or quota) is full. */
  'disk_full',
  /** A browser named a file outside the app's folders, or a device not offered to it. params: {path}. */
  'forbidden_path',
  /** A browser asked for a broker the operator did not allow. params: {host, port}. */
  'broker_not_allowed',
  /** Too large (an upload over its cap). params: {limit}. */
  'too_large',
  /** Anything else: the message says what. */
  'failed'
] as const

/** One of {@link API_ERROR_CODES}, or a code of a lower layer (decode, port, flash). */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number] | (string & {})

/** Values a renderer may put into its wording. */
export type ApiErrorParams = Record<string, string | number | boolean | null>

/** An error as it crosses a transport. */
export interface WireError {
  code: ApiErrorCode
  message: string
  params: ApiErrorParams
}

/** What an IPC handler returns (the WebSocket answer adds its `id`). */
export type Envelope = { result: unknown } | { error: WireError }

/** A contract error: a stable code, one plain-English sentence, and params for other languages. */
export class ApiError extends Error implements WireError {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly params: ApiErrorParams = {}
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The wire form. */
  toWire(): WireError {
    return { code: this.code, message: this.message, params: { ...this.params } }
  }
}

const CODE = /^[a-z][a-z0-9_]{1,48}$/
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT'])

function errnoOf(e: unknown): string | null {
  for (let x: unknown = e, depth = 0; x && typeof x === 'object' && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const c = (x as { code?: unknown }).code
    if (typeof c === 'string' && /^E[A-Z]+$/.test(c)) return c
  }
  return null
}

/**
 * Any failure of a handler → {@link WireError}. An ApiError keeps its code; a lower layer's
 * error with a lower-case `code` property (PortOpenError, FlashError…) keeps that code and the
 * plain values of its `params` property (PortOpenError's `{path}`); an
 * errno of ENOSPC/EDQUOT anywhere in its causes is `disk_full`; everything else is `failed`.
 * The message is the error's own (the layers below speak plain English), never a stack.
 */
export function toWireError(e: unknown): WireError {
  if (e instanceof ApiError) return e.toWire()
  const message = e instanceof Error && e.message ? e.message : 'The request failed.'
  const own = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined
  if (typeof own === 'string' && CODE.test(own)) return { code: own, message, params: paramsOf((e as { params?: unknown }).params) }
  const errno = errnoOf(e)
  if (errno && DISK_FULL.has(errno)) return { code: 'disk_full', message, params: {} }
  return { code: 'failed', message, params: {} }
}

/** A lower layer's `params` (e.g. PortOpenError's `{path}`): its string, number, boolean and null values, nothing else. */
function paramsOf(p: unknown): ApiErrorParams {
  const out: ApiErrorParams = {}
  if (!p || typeof p !== 'object') return out
  for (const [k, v] of Object.entries(p)) if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
  return out
}

/** Rebuild an ApiError from its wire form (clients). */
export function fromWire(w: WireError): ApiError {
  return new ApiError(w.code, w.message, w.params)
}

/** The value of an envelope, or its error thrown as an {@link ApiError}. */
export function unwrapEnvelope(env: Envelope): unknown {
  if ('error' in env) throw fromWire(env.error)
  return env.result
}
