// Failures of the proxy's HTTP front door, one class each. They are answered before the MCP
// transport sees the request, as a JSON-RPC error body with id null (the shape the SDK's own
// transport uses for HTTP-level refusals) and, for 401 and 403, a Bearer challenge (RFC 6750 §3,
// RFC 9728 §5.1). Messages never carry a token.
import { CaracalMcpError } from '../errors.js'

/** JSON-RPC error codes of refusals at the HTTP level (the SDK uses -32000 for these too). */
export const JSONRPC_SERVER_ERROR = -32000
export const JSONRPC_PARSE_ERROR = -32700
export const JSONRPC_INVALID_REQUEST = -32600

export abstract class ProxyHttpError extends CaracalMcpError {
  /** The JSON-RPC error code of the body. */
  get rpcCode(): number {
    return JSONRPC_SERVER_ERROR
  }

  /** Headers besides the body's; the challenge of 401/403 is added by the front door. */
  headers(): Record<string, string> {
    return {}
  }

  body(): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
    return { jsonrpc: '2.0', error: { code: this.rpcCode, message: this.expose ? this.message : 'Internal error' }, id: null }
  }
}

/**
 * 401: no bearer, or one that does not authenticate (bad signature, expired, revoked, an ended
 * session). `error` is absent when no token was sent, as RFC 6750 §3.1 asks.
 */
export class UnauthenticatedError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_UNAUTHENTICATED'
  override readonly status = 401
  /** For logs and audit only: why the token failed. */
  readonly detail: string | undefined
  constructor(readonly tokenPresented: boolean, detail?: string) {
    super(tokenPresented ? 'Invalid or expired token' : 'Authorization required: send an agent mandate as Authorization: Bearer')
    this.detail = detail
  }
}

/** 403: the caller could obtain the tool's scopes but its mandate lacks them; the challenge names them all. */
export class ScopeInsufficientError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_SCOPE_INSUFFICIENT'
  override readonly status = 403
  constructor(readonly scopes: readonly string[]) {
    super(`This tool needs the scopes: ${scopes.join(' ')}`)
  }
}

/** 403: a Host header this server does not answer to (DNS rebinding). */
export class HostNotAllowedError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_HOST_NOT_ALLOWED'
  override readonly status = 403
  constructor() {
    super('Host header not allowed')
  }
}

/** 403: a browser Origin this server does not answer to (DNS rebinding, cross-site requests). */
export class OriginNotAllowedError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_ORIGIN_NOT_ALLOWED'
  override readonly status = 403
  constructor() {
    super('Origin not allowed')
  }
}

/**
 * 404: an MCP session id we do not know, that was closed, or that another principal opened (a
 * session is never revealed to anyone but its owner, so all three answer alike).
 */
export class SessionUnknownError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_SESSION_UNKNOWN'
  override readonly status = 404
  constructor() {
    super('Session not found')
  }
}

/** 400: a request other than initialize without an Mcp-Session-Id. */
export class SessionRequiredError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_SESSION_REQUIRED'
  override readonly status = 400
  constructor() {
    super('Bad Request: Mcp-Session-Id header is required')
  }
}

/** 400: a body that is not one JSON-RPC message. */
export class RequestInvalidError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_REQUEST_INVALID'
  override readonly status = 400
  constructor(message: string, readonly parseFailure = false) {
    super(message)
  }
  override get rpcCode(): number {
    return this.parseFailure ? JSONRPC_PARSE_ERROR : JSONRPC_INVALID_REQUEST
  }
}

/** 413: a body over the configured limit. */
export class PayloadTooLargeError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_PAYLOAD_TOO_LARGE'
  override readonly status = 413
  constructor(limit: number) {
    super(`Request body larger than ${limit} bytes`)
  }
}

/** 405: MCP endpoints take POST, GET and DELETE. */
export class MethodNotAllowedError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_METHOD_NOT_ALLOWED'
  override readonly status = 405
  constructor() {
    super('Method not allowed')
  }
  override headers(): Record<string, string> {
    return { Allow: 'GET, POST, DELETE' }
  }
}

/** 406: a POST whose Accept does not name both application/json and text/event-stream (transport spec). */
export class NotAcceptableError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_NOT_ACCEPTABLE'
  override readonly status = 406
  constructor() {
    super('Not Acceptable: Client must accept both application/json and text/event-stream')
  }
}

/** 415: a POST that is not application/json (transport spec). */
export class UnsupportedMediaTypeError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_MEDIA_TYPE'
  override readonly status = 415
  constructor() {
    super('Unsupported Media Type: Content-Type must be application/json')
  }
}

/** 404: /mcp/<server> for a server that is not configured and protected. */
export class EndpointNotFoundError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_NOT_FOUND'
  override readonly status = 404
  constructor() {
    super('No such MCP endpoint')
  }
}

/** 503: what authentication needs (the store, the revocation feed) is failing; nothing is allowed meanwhile. */
export class ProxyUnavailableError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_UNAVAILABLE'
  override readonly status = 503
  override get expose(): boolean {
    return true
  }
  constructor(options?: { cause?: unknown }) {
    super('Authorization temporarily unavailable', options)
  }
}

/**
 * 429: the application (or the proxy as a whole) has as many open sessions as it may. New ones are
 * refused rather than other principals' sessions closed to make room.
 */
export class SessionLimitError extends ProxyHttpError {
  readonly code = 'ERR_PROXY_SESSION_LIMIT'
  override readonly status = 429
  constructor(what: string) {
    super(`Too many open sessions (${what}); close some with DELETE`)
  }
  override headers(): Record<string, string> {
    return { 'Retry-After': '60' }
  }
}

/** An upstream that cannot be reached or is restarting; answered as a JSON-RPC error of the call. */
export class UpstreamUnavailableError extends CaracalMcpError {
  readonly code = 'ERR_UPSTREAM_UNAVAILABLE'
  override readonly status = 502
  constructor(readonly server: string, detail: string, options?: { cause?: unknown }) {
    super(`upstream ${server} is unavailable: ${detail}`, options)
  }
}

/** An upstream's answer to a use that is not what that use returns (the call fails as the upstream's). */
export class UpstreamResultError extends CaracalMcpError {
  readonly code = 'ERR_UPSTREAM_RESULT_INVALID'
  override readonly status = 502
}

/**
 * A call whose session was closed (DELETE, expiry, revocation) while the call was being decided:
 * nothing is sent upstream, and no upstream session is opened for a session that is gone.
 */
export class SessionClosedError extends CaracalMcpError {
  readonly code = 'ERR_PROXY_SESSION_CLOSED'
  override readonly status = 404
  constructor() {
    super('The session was closed; the request was not forwarded.')
  }
}
