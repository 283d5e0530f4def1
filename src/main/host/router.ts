/**
 * One route for every call, whatever carries it (IPC, WebSocket, the session's own API for the
 * desktop and the CLI): the method is looked up in the contract's tables, the request
 * validated by the contract's one validator, and the namespace's handler called with the
 * parsed request and the caller. Failures become `{code, message, params}`
 * (src/shared/contract/errors.ts).
 */
import {
  ApiError,
  NAMESPACES,
  isApiMethod,
  methodNames,
  parseMethodRequest,
  parseRequest,
  toWireError,
  type ApiMethod,
  type ApiOf,
  type Envelope,
  type Handlers,
  type Namespace,
  type NamespaceName,
  type Routes
} from '../../shared/contract'
import type { Caller } from './caller'

/** Which namespace each method belongs to. */
const NAMESPACE_OF = new Map<string, NamespaceName>()
for (const [ns, spec] of Object.entries(NAMESPACES)) for (const m of Object.keys(spec.methods)) NAMESPACE_OF.set(m, ns as NamespaceName)

/** Calls contract methods on a set of handler tables. */
export class Router {
  constructor(private readonly routes: Routes<Caller>) {}

  /**
   * Validate and run one call.
   * @throws ApiError `unknown_method`, `invalid_request`, or whatever the handler throws.
   */
  async call(method: unknown, params: unknown, caller: Caller): Promise<unknown> {
    if (!isApiMethod(method)) {
      throw new ApiError('unknown_method', `Unknown method ${typeof method === 'string' ? method.slice(0, 60) : String(method)}.`, {})
    }
    const req = parseMethodRequest(method, params)
    return this.handler(method)(req, caller)
  }

  /** The same, never throwing: `{result}` or `{error: {code, message, params}}` (IPC's envelope, the WebSocket answer's body). */
  async envelope(method: unknown, params: unknown, caller: Caller): Promise<Envelope> {
    try {
      const result = await this.call(method, params, caller)
      return { result: result ?? null }
    } catch (e) {
      return { error: toWireError(e) }
    }
  }

  private handler(method: ApiMethod): (req: unknown, caller: Caller) => Promise<unknown> {
    const ns = NAMESPACE_OF.get(method)!
    const table: Record<string, (req: never, caller: Caller) => Promise<unknown>> = this.routes[ns]
    const fn = table[method]
    return (req, caller) => fn.call(table, req as never, caller)
  }
}

/**
 * One namespace's handlers as its caller-facing API, each request validated first (what the
 * router does for a whole session): for a service used on its own (the CLI, tests).
 */
export function namespaceApi<N extends Namespace>(ns: N, handlers: Handlers<N, Caller>, caller: Caller): ApiOf<N['methods']> {
  const table: Record<string, (req: never, caller: Caller) => Promise<unknown>> = handlers
  const api: Record<string, (req?: unknown) => Promise<unknown>> = {}
  for (const m of methodNames(ns)) api[m] = async (req?: unknown) => table[m].call(handlers, parseRequest(ns.methods[m], req) as never, caller)
  // each entry validates its own method's request and returns its handler's result
  return api as ApiOf<N['methods']>
}
