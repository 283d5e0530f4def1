/**
 * One shape for every error the API client reports: `{ code, message, params }` (issue 13,
 * src/shared/contract/errors.ts). The WebSocket client rejects with an ApiError (an Error with
 * `code` and `params`); the Electron bridge with the plain `{code, message, params}` object (a
 * contextBridge keeps only an Error's message); an error Electron raised itself still reads
 * "Error invoking remote method 'x': Error: …". `toApiError` accepts all of these.
 */
import type { WireError } from '@shared/contract'

/**
 * An API error as the renderer handles it: a stable code ("port_in_use", "forbidden_path",
 * "invalid_request"…; "unknown" when only a message came), the main side's plain-English
 * sentence without transport prefixes (never a stack trace), and the figures and names the
 * code's wording needs (e.g. `{ path: "/dev/ttyUSB0", owner: "diagnosis" }`).
 */
export type ApiError = WireError

/** Code of an error that carried no code. */
export const UNKNOWN_ERROR_CODE = 'unknown'

const ELECTRON_PREFIX = /^Error invoking remote method '[^']+': (?:[A-Za-z]*Error: )?/

type Params = ApiError['params']

function cleanParams(p: unknown): Params {
  const out: Params = {}
  if (!p || typeof p !== 'object') return out
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v
  }
  return out
}

/** `{code, message, params}` from a JSON text, e.g. a structured error Electron carried as its message. */
function fromJson(text: string): ApiError | null {
  if (!text.startsWith('{')) return null
  try {
    const o = JSON.parse(text) as unknown
    return fromObject(o)
  } catch {
    return null
  }
}

function fromObject(o: unknown): ApiError | null {
  if (!o || typeof o !== 'object') return null
  const r = o as { code?: unknown; message?: unknown; params?: unknown }
  if (typeof r.code !== 'string' && typeof r.message !== 'string') return null
  const message = typeof r.message === 'string' ? r.message.replace(ELECTRON_PREFIX, '') : ''
  return { code: typeof r.code === 'string' && r.code ? r.code : UNKNOWN_ERROR_CODE, message, params: cleanParams(r.params) }
}

/**
 * Any rejection of the API client → {@link ApiError}.
 * Accepts: an `Error` (its message with Electron's "Error invoking remote method …" prefix
 * removed, its `code`/`params` properties when set), a plain `{code, message, params}` object,
 * a message that is such an object as JSON, or a string. Never throws.
 */
export function toApiError(e: unknown): ApiError {
  if (typeof e === 'string')
    return fromJson(e.replace(ELECTRON_PREFIX, '')) ?? { code: UNKNOWN_ERROR_CODE, message: e.replace(ELECTRON_PREFIX, ''), params: {} }
  if (e instanceof Error) {
    const message = e.message.replace(ELECTRON_PREFIX, '')
    const structured = fromJson(message)
    if (structured) return structured
    const extra = e as Error & { code?: unknown; params?: unknown }
    return { code: typeof extra.code === 'string' && extra.code ? extra.code : UNKNOWN_ERROR_CODE, message, params: cleanParams(extra.params) }
  }
  return fromObject(e) ?? { code: UNKNOWN_ERROR_CODE, message: String(e), params: {} }
}

/** An error the renderer itself raises (no main side involved), with a stable code. */
export function localError(code: string, message: string, params: Params = {}): ApiError {
  return { code, message, params }
}
