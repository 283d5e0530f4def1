/**
 * Serve mode's front door, pure: which HTTP requests and WebSocket upgrades may reach the
 * session. Nothing here throws; every refusal is a status code and a plain sentence.
 *
 * Rules (issue 12, "a serve mode that no web page can drive"):
 * - the request target must be an origin-form path (`/…`); anything unparsable → 400;
 * - `Host` must be a loopback literal (`127.0.0.1`, `[::1]`, `localhost`) or an address of
 *   this machine with the server's port, or a name the operator configured (`--host-name`):
 *   a DNS-rebinding page sends its own name → 403;
 * - every WebSocket upgrade carries an `Origin` equal to the server's own origin as the browser
 *   addressed it (`http://` + Host); missing or foreign → 403 (RFC 6455 §10.2: the server
 *   must check Origin, browsers always send it);
 * - a token on every request: `?token=`, the `p1s_token_<port>` cookie (SameSite=Strict,
 *   HttpOnly) or `Authorization: Bearer TOKEN`; compared in constant time; a cookie whose
 *   value is not valid percent-encoding → 400.
 */
import { timingSafeEqual } from 'node:crypto'

/** What {@link checkRequest} needs of a request (node's IncomingMessage fits). */
export interface RequestLike {
  url?: string
  headers: Record<string, string | string[] | undefined>
}

/** Configuration of the guard. */
export interface GuardConfig {
  /** TCP port the server listens on. */
  port: number
  /** The access token (always set). */
  token: string
  /**
   * Host names the operator configured (`--host-name NAME`, e.g. `pi.local` or
   * `p1.example.org`), accepted with any port (reverse proxies drop or change it).
   */
  hostNames?: readonly string[]
  /**
   * IP literals of this machine a browser may use as Host with the server's port (the bound
   * address, or every interface's address when bound to 0.0.0.0 / ::). IPv6 without brackets.
   * An IP literal cannot be rebound by DNS.
   */
  localAddresses?: readonly string[]
}

/** A refusal: HTTP status and a sentence for the user (no internals). */
export interface Refusal {
  status: 400 | 401 | 403 | 404
  message: string
}

/** A request that passed: its path and query, and whether the token came in the query. */
export interface Admitted {
  pathname: string
  query: URLSearchParams
  /** The token came as `?token=` (the page then gets the cookie and drops it from its address). */
  tokenInQuery: boolean
}

/** Verdict of {@link checkRequest}. */
export type GuardVerdict = ({ ok: true } & Admitted) | ({ ok: false } & Refusal)

const LOOPBACK_NAMES = ['127.0.0.1', '::1', 'localhost']

/** Name of the token cookie for a server port (cookies are shared by every port of a host). */
export function tokenCookieName(port: number): string {
  return `p1s_token_${port}`
}

/**
 * Parse a request target. Only origin-form (`/path?query`) is accepted; `//…`, absolute
 * (`http://…`) and authority forms are refused.
 * @returns null when unparsable (→ 400). Never throws.
 */
export function parseTarget(url: string | undefined): { pathname: string; query: URLSearchParams } | null {
  // `//…` is a scheme-relative reference, not a path of ours (new URL('//', base) threw here)
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.length > 8192) return null
  try {
    // concatenation, not new URL(url, base): a target starting with // would be read as a host
    const u = new URL('http://p1studio.invalid' + url)
    return { pathname: u.pathname, query: u.searchParams }
  } catch {
    return null
  }
}

/** Split a Host header into a lower-case name (IPv6 without brackets) and a port (null if none). Null if malformed. */
export function parseHostHeader(value: string | undefined): { name: string; port: number | null } | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) return null
  const v = value.toLowerCase()
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/.exec(v)
  if (!m) return null
  const port = m[3] === undefined ? null : Number(m[3])
  if (port !== null && (port < 1 || port > 65535)) return null
  return { name: m[1] ?? m[2], port }
}

/** Host header → allowed? (see the module's rules). */
export function hostAllowed(value: string | undefined, cfg: GuardConfig): boolean {
  const h = parseHostHeader(value)
  if (!h) return false
  if ((cfg.hostNames ?? []).some((n) => n.toLowerCase() === h.name)) return true
  const port = h.port ?? 80
  if (port !== cfg.port) return false
  return LOOPBACK_NAMES.includes(h.name) || (cfg.localAddresses ?? []).some((a) => a.toLowerCase() === h.name)
}

/**
 * Origin header of an upgrade → the server's own origin? It must name the same host and port
 * the browser sent as Host (which {@link hostAllowed} checked), over http or https.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (typeof origin !== 'string' || origin === 'null') return false
  const h = parseHostHeader(hostHeader)
  if (!h) return false
  let o: URL
  try {
    o = new URL(origin)
  } catch {
    return false
  }
  if (o.protocol !== 'http:' && o.protocol !== 'https:') return false
  if (o.username || o.password || (o.pathname !== '/' && o.pathname !== '')) return false
  const oName = o.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const oPort = o.port === '' ? (o.protocol === 'https:' ? 443 : 80) : Number(o.port)
  const hPort = h.port ?? (o.protocol === 'https:' ? 443 : 80)
  return oName === h.name && oPort === hPort
}

/** Constant-time token comparison. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The token a request carries: query, then `Authorization: Bearer`, then the cookie.
 * @returns `{token}` (null when none) or `{malformed: true}` when our cookie's value is not
 *   valid percent-encoding. Other cookies are never decoded (they belong to other local apps).
 */
export function requestToken(
  headers: RequestLike['headers'],
  query: URLSearchParams,
  port: number
): { token: string | null; from: 'query' | 'header' | 'cookie' | null } | { malformed: true } {
  const q = query.get('token')
  if (q) return { token: q, from: 'query' }
  const auth = headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(auth)
    if (m) return { token: m[1], from: 'header' }
  }
  const cookie = headers.cookie
  if (typeof cookie !== 'string') return { token: null, from: null }
  const name = tokenCookieName(port)
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    try {
      return { token: decodeURIComponent(part.slice(eq + 1).trim()), from: 'cookie' }
    } catch {
      return { malformed: true }
    }
  }
  return { token: null, from: null }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)

/**
 * Check an HTTP request (`upgrade: false`) or a WebSocket upgrade (`upgrade: true`, which
 * also needs the server's own Origin and the path `/ws`). Never throws.
 */
export function checkRequest(req: RequestLike, cfg: GuardConfig, upgrade: boolean): GuardVerdict {
  const target = parseTarget(req.url)
  if (!target) return { ok: false, status: 400, message: 'Bad request.' }
  const host = first(req.headers.host)
  if (!hostAllowed(host, cfg)) {
    return {
      ok: false,
      status: 403,
      message: 'P1 Studio answers only to its own address (127.0.0.1, localhost, or a name given with --host-name).'
    }
  }
  if (upgrade && !originAllowed(first(req.headers.origin), host)) {
    return { ok: false, status: 403, message: 'P1 Studio accepts connections only from its own pages.' }
  }
  if (upgrade && target.pathname !== '/ws') return { ok: false, status: 404, message: 'Not found.' }
  const t = requestToken(req.headers, target.query, cfg.port)
  if ('malformed' in t)
    return { ok: false, status: 400, message: 'Bad request: the access cookie is damaged. Open the address printed by `p1studio serve` again.' }
  if (!tokenMatches(cfg.token, t.token)) {
    return {
      ok: false,
      status: 401,
      message: 'P1 Studio needs its access token: open the address printed by `p1studio serve` (or run `p1studio token`).'
    }
  }
  return { ok: true, pathname: target.pathname, query: target.query, tokenInQuery: t.from === 'query' }
}
