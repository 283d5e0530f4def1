/**
 * One shape for every error the API client reports: `{ code, message, params }`.
 *
 * Today the main side rejects with a plain-English `Error` (Electron wraps it as
 * "Error invoking remote method 'x': Error: …"; the WebSocket client as `new Error(message)`);
 * a later phase of the contract sends `{ code, message, params }` (issue 13). `toApiError`
 * accepts all of these, so the views word errors from the code once it arrives, with no change.
 */

/** An API error as the renderer handles it. */
export interface ApiError {
  /** Stable code (e.g. "port_busy", "invalid_request"); "unknown" when the main side sent only a message. */
  code: string
  /** The main side's plain-English sentence, without transport prefixes. Never a stack trace. */
  message: string
  /** Figures and names the code's wording needs (e.g. `{ path: "/dev/ttyUSB0" }`). */
  params: Record<string, string | number | boolean | null>
}

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
