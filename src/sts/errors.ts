// STS failures, one class each, carrying Caracal's wire code, status and description (contract
// §1.6) so its clients read our answers exactly as theirs. Bodies are
// {"error","error_description","requestId"}; the description never contains a token or secret.
import { CaracalMcpError } from '../errors.js'

export type StsWireCode =
  | 'invalid_token'
  | 'access_denied'
  | 'payload_too_large'
  | 'zone_invalid'
  | 'provider_rate_limited'
  | 'policy_eval_failed'
  | 'internal_error'
  | 'resource_not_found'

export abstract class StsError extends CaracalMcpError {
  abstract readonly wireCode: StsWireCode
  /** For logs and audit only. */
  readonly detail: string | undefined

  constructor(description: string, detail?: string, options?: { cause?: unknown }) {
    super(description, options)
    this.detail = detail
  }

  toBody(requestId: string): { error: StsWireCode; error_description: string; requestId: string } {
    return { error: this.wireCode, error_description: this.message, requestId }
  }
}

/** 400: the request cannot be read as a token request. */
export class TokenRequestInvalidError extends StsError {
  readonly code = 'ERR_STS_REQUEST_INVALID'
  readonly wireCode = 'invalid_token'
  override readonly status = 400
}

/** 405: the token endpoint takes POST only. */
export class TokenMethodNotAllowedError extends StsError {
  readonly code = 'ERR_STS_METHOD_NOT_ALLOWED'
  readonly wireCode = 'invalid_token'
  override readonly status = 405
  constructor() {
    super('method not allowed')
  }
}

/** 413: the body is over 64 KiB. */
export class TokenRequestTooLargeError extends StsError {
  readonly code = 'ERR_STS_PAYLOAD_TOO_LARGE'
  readonly wireCode = 'payload_too_large'
  override readonly status = 413
  constructor() {
    super('request body too large')
  }
}

/** 415: the body is not application/x-www-form-urlencoded. */
export class TokenMediaTypeError extends StsError {
  readonly code = 'ERR_STS_MEDIA_TYPE'
  readonly wireCode = 'invalid_token'
  override readonly status = 415
  constructor() {
    super('content type must be application/x-www-form-urlencoded')
  }
}

/** 401: the application could not be authenticated. Says nothing about which part was wrong. */
export class ClientAuthenticationError extends StsError {
  readonly code = 'ERR_STS_CLIENT_AUTH_FAILED'
  readonly wireCode = 'access_denied'
  override readonly status = 401
  constructor(detail: string) {
    super('invalid client credentials', detail)
  }
}

/** 403: the secret is right but the application belongs to another zone. */
export class ClientZoneError extends StsError {
  readonly code = 'ERR_STS_ZONE_INVALID'
  readonly wireCode = 'zone_invalid'
  override readonly status = 403
  constructor() {
    super('application does not belong to this zone')
  }
}

/** 429: too many failed authentications for this application. */
export class AuthenticationRateLimitedError extends StsError {
  readonly code = 'ERR_STS_AUTH_RATE_LIMITED'
  readonly wireCode = 'provider_rate_limited'
  override readonly status = 429
  constructor(readonly retryAfterSeconds: number) {
    super('too many failed authentications; retry later')
  }
}

/** 403: authenticated, but no requested resource was granted. */
export class ExchangeDeniedError extends StsError {
  readonly code = 'ERR_STS_EXCHANGE_DENIED'
  readonly wireCode = 'access_denied'
  override readonly status = 403
}

/** 503: the policy engine could not decide. */
export class PolicyUnavailableError extends StsError {
  readonly code = 'ERR_STS_POLICY_UNAVAILABLE'
  readonly wireCode = 'policy_eval_failed'
  override readonly status = 503
  constructor(detail?: string) {
    super('policy evaluation failed', detail)
  }
}

/** 500: minting or recording failed after policy allowed; nothing is issued. */
export class StsInternalError extends StsError {
  readonly code = 'ERR_STS_INTERNAL'
  readonly wireCode = 'internal_error'
  override readonly status = 500
  constructor(detail: string, options?: { cause?: unknown }) {
    super('internal error', detail, options)
  }
}

/** 400 on the JWKS endpoint without a zone; 404 for a zone without keys. */
export class JwksZoneRequiredError extends StsError {
  readonly code = 'ERR_STS_REQUEST_INVALID'
  readonly wireCode = 'invalid_token'
  override readonly status = 400
  constructor() {
    super('zone_id required')
  }
}

export class JwksNotFoundError extends StsError {
  readonly code = 'ERR_STS_NOT_FOUND'
  readonly wireCode = 'resource_not_found'
  override readonly status = 404
  constructor() {
    super('no signing keys for this zone')
  }
}
