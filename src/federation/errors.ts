// Why a federated id_token was not believed, one class per failure: the token does not verify
// (the caller's problem, 401), or the issuer's keys cannot be fetched (ours or theirs, 503, worth
// a retry). Messages are safe to show; `detail` says what failed, for logs and audit, and never
// carries the token or its claims.
import { CaracalMcpError } from '../errors.js'

/** 401: the id_token failed verification (format, issuer, signature, algorithm, claims or time). */
export class FederatedTokenInvalidError extends CaracalMcpError {
  readonly code = 'ERR_FEDERATION_TOKEN_INVALID'
  override readonly status = 401
  /** What failed, for logs and audit only (never the token). */
  readonly detail: string

  constructor(detail: string, options?: { cause?: unknown }) {
    super('Federated id_token validation failed', options)
    this.detail = detail
  }
}

/** 503: the trusted issuer's JWK Set could not be fetched or read, so nothing can be verified. */
export class FederationUnavailableError extends CaracalMcpError {
  readonly code = 'ERR_FEDERATION_UNAVAILABLE'
  override readonly status = 503
  /** Which issuer and what failed, for logs and audit only. */
  readonly detail: string

  constructor(detail: string, options?: { cause?: unknown }) {
    super('Federated identity provider unavailable', options)
    this.detail = detail
  }
}
