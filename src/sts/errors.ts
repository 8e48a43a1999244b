// STS failures, one class each, carrying Caracal's wire code, status and description (contract
// §1.6) so its clients read our answers exactly as theirs. Bodies are
// {"error","error_description","requestId"}; the description never contains a token or secret.
import { CaracalMcpError, type ErrorCode } from '../errors.js'

export type StsWireCode =
  | 'invalid_token'
  | 'access_denied'
  | 'payload_too_large'
  | 'zone_invalid'
  | 'provider_rate_limited'
  | 'policy_eval_failed'
  | 'internal_error'
  | 'resource_not_found'
  | 'interaction_required'
  | 'approval_consumed'
  | 'sts_unavailable'
  | 'http_request_failed'

export abstract class StsError extends CaracalMcpError {
  abstract readonly wireCode: StsWireCode
  /** For logs and audit only. */
  readonly detail: string | undefined

  constructor(description: string, detail?: string, options?: { cause?: unknown }) {
    super(description, options)
    this.detail = detail
  }

  toBody(requestId: string): { error: StsWireCode; error_description: string; requestId: string } & Record<string, unknown> {
    return { error: this.wireCode, error_description: this.message, requestId }
  }

  /** Extra response headers (a challenge, Retry-After). */
  headers(): Record<string, string> {
    return {}
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

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) }
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

/** 401: the subject token does not verify (signature, issuer, audience, expiry, zone, class). */
export class SubjectTokenInvalidError extends StsError {
  readonly code: ErrorCode = 'ERR_STS_SUBJECT_TOKEN_INVALID'
  readonly wireCode = 'invalid_token'
  override readonly status = 401
  constructor(detail: string, options?: { cause?: unknown }) {
    super('invalid subject_token', detail, options)
  }
}

/** 401: a single-use (gateway) mandate presented again. */
export class TokenReplayedError extends SubjectTokenInvalidError {
  override readonly code = 'ERR_STS_TOKEN_REPLAYED'
  constructor() {
    super('token replay detected')
  }
}

/** 403: the subject token verifies, but the authority it was minted under has ended. */
export class AuthorityInactiveError extends StsError {
  readonly code = 'ERR_STS_AUTHORITY_INACTIVE'
  readonly wireCode = 'access_denied'
  override readonly status = 403
  constructor(detail: string) {
    super('authority record is not active', detail)
  }
}

/** 403: an agent session or delegation reference is unknown, ended, or not the caller's. */
export class SessionReferenceError extends StsError {
  readonly code: ErrorCode = 'ERR_STS_SESSION_REFERENCE'
  readonly wireCode = 'access_denied'
  override readonly status = 403
}

/**
 * 403: the delegation a mint stands on does not admit it (contract §5.3: revoked, expired, or
 * narrower than the request). On the wire it is Caracal's session-reference refusal; our proxy
 * tells it apart, because a delegation that does not cover one tool group is a deny of that
 * group, not the end of the caller's authority.
 */
export class DelegationReferenceError extends SessionReferenceError {
  override readonly code = 'ERR_STS_DELEGATION_REFERENCE'
  constructor(detail: string | undefined) {
    super('delegation reference invalid', detail)
  }
}

/** 403: a client-secret exchange carrying a mandate as subject token; only our gateway may. */
export class GatewayRequiredError extends StsError {
  readonly code = 'ERR_STS_GATEWAY_REQUIRED'
  readonly wireCode = 'access_denied'
  override readonly status = 403
  constructor() {
    super('resource exchanges must use the Gateway')
  }
}

/** The facts of a hold a caller needs to wait for it (contract §6.6). */
export interface HoldChallenge {
  approvalId: string
  state: string
  tier: string
  binding: string
  expiresAt: number
}

/** 401: the mint waits for a human decision; the body names the hold. */
export class ApprovalRequiredError extends StsError {
  readonly code = 'ERR_STS_APPROVAL_REQUIRED'
  readonly wireCode = 'interaction_required'
  override readonly status = 401
  constructor(readonly hold: HoldChallenge) {
    super('Human approval required for this request')
  }

  override toBody(requestId: string): ReturnType<StsError['toBody']> {
    return {
      error: this.wireCode,
      error_description: this.message,
      approval_id: this.hold.approvalId,
      approval_type: 'human_approval',
      state: this.hold.state,
      tier: this.hold.tier,
      binding: this.hold.binding,
      approval_expires_at: new Date(this.hold.expiresAt).toISOString(),
      requestId,
    }
  }

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer error="interaction_required"' }
  }
}

/** 401: the named approval does not exist for this request, or it expired. */
export class ApprovalInvalidError extends StsError {
  readonly code = 'ERR_STS_APPROVAL_INVALID'
  readonly wireCode = 'access_denied'
  override readonly status = 401
}

/** 403: an approver rejected the hold. */
export class ApprovalRejectedError extends StsError {
  readonly code = 'ERR_STS_APPROVAL_REJECTED'
  readonly wireCode = 'access_denied'
  override readonly status = 403
  constructor() {
    super('approval rejected')
  }
}

/** 409: the approval was spent by another request. */
export class ApprovalConsumedError extends StsError {
  readonly code = 'ERR_STS_APPROVAL_CONSUMED'
  readonly wireCode = 'approval_consumed'
  override readonly status = 409
  constructor() {
    super('approval already consumed')
  }
}

/** 502: an HTTP dependency (a trusted issuer's JWKS) could not be reached. */
export class DependencyUnavailableError extends StsError {
  readonly code = 'ERR_STS_DEPENDENCY_FAILED'
  readonly wireCode = 'http_request_failed'
  override readonly status = 502
}

/** 503: the store is busy beyond its wait; retry. */
export class StsUnavailableError extends StsError {
  readonly code = 'ERR_STS_UNAVAILABLE'
  readonly wireCode = 'sts_unavailable'
  override readonly status = 503
  constructor(detail: string, options?: { cause?: unknown }) {
    super('service temporarily unavailable', detail, options)
  }
}

/** 404 on the approval endpoint: not a hold (or not a UUID). */
export class ApprovalNotFoundError extends StsError {
  readonly code = 'ERR_STS_NOT_FOUND'
  readonly wireCode = 'resource_not_found'
  override readonly status = 404
  constructor() {
    super('approval not found')
  }
}

/** 401 at the decision endpoint: the bearer is not a valid user session mandate of the hold's zone. */
export class DeciderTokenInvalidError extends StsError {
  readonly code = 'ERR_STS_SUBJECT_TOKEN_INVALID'
  readonly wireCode = 'invalid_token'
  override readonly status = 401
  constructor(detail: string, options?: { cause?: unknown }) {
    super('a user session mandate of this zone is required', detail, options)
  }

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer error="invalid_token"' }
  }
}

/** 409 at the decision endpoint: the hold is not pending, or the binding is not the hold's. */
export class DecisionConflictError extends StsError {
  readonly code = 'ERR_APPROVAL_NOT_PENDING'
  readonly wireCode = 'access_denied'
  override readonly status = 409
}
