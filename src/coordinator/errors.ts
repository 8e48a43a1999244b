// The Coordinator's own failures, in the shape the admin API answers with (contract §10:
// {"error","error_description","requestId"}): a bearer absent or not accepted (401 with a Bearer
// challenge), a bearer without the lifecycle scope (403), and idempotency keys that are malformed
// or used for another request (409). Descriptions never carry the token or its claims.
import { AdminError } from '../admin/index.js'
import { LIFECYCLE_SCOPE } from '../policy/index.js'

const REALM = 'caracal-mcp-coordinator'

/** 401: no bearer, or one that is not a live bootstrap mandate of this zone. Why goes to `detail` only. */
export class CoordinatorUnauthorizedError extends AdminError {
  readonly code = 'ERR_COORDINATOR_UNAUTHORIZED'
  readonly wireCode = 'invalid_token'
  override readonly status = 401
  constructor(
    readonly missing: boolean,
    /** For logs only. */
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(missing ? 'bearer token required: the application\'s bootstrap mandate (Authorization: Bearer <mandate>)' : 'bearer token not accepted', options)
  }

  override headers(): Record<string, string> {
    // RFC 6750 §3.1: no error attribute when the request carried no credential.
    return { 'WWW-Authenticate': this.missing ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token"` }
  }
}

/** 403: a valid mandate of this zone that is not a bootstrap mandate (no `agent:lifecycle`). */
export class CoordinatorScopeError extends AdminError {
  readonly code = 'ERR_COORDINATOR_SCOPE_INSUFFICIENT'
  readonly wireCode = 'insufficient_scope'
  override readonly status = 403
  constructor() {
    super(`Missing scope: ${LIFECYCLE_SCOPE} (present the application's bootstrap mandate)`)
  }

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${LIFECYCLE_SCOPE}"` }
  }
}

/** 400: an Idempotency-Key header that is not 1–255 visible ASCII characters. */
export class IdempotencyKeyInvalidError extends AdminError {
  readonly code = 'ERR_IDEMPOTENCY_KEY_INVALID'
  readonly wireCode = 'invalid_request'
  override readonly status = 400
  constructor() {
    super('Idempotency-Key is 1–255 visible ASCII characters')
  }
}

/**
 * 409: what the key's first request created is no longer active (a session ended or suspended, an
 * edge revoked or expired): its response is not replayed as if it still stood (contract §5.2).
 */
export class IdempotencyResultInactiveError extends AdminError {
  readonly code = 'ERR_IDEMPOTENCY_RESULT_INACTIVE'
  readonly wireCode = 'idempotency_result_inactive'
  override readonly status = 409
  constructor() {
    super('what this Idempotency-Key created is no longer active; send a new key to create again')
  }
}

/**
 * 409: the key was used for another operation or body, or its first request is still running
 * (then retryable after a second).
 */
export class IdempotencyConflictError extends AdminError {
  readonly code = 'ERR_IDEMPOTENCY_KEY_CONFLICT'
  readonly wireCode = 'idempotency_key_conflict'
  override readonly status = 409
  constructor(readonly inFlight: boolean) {
    super(inFlight ? 'a request with this Idempotency-Key is still in progress; retry' : 'this Idempotency-Key was used for a different request')
  }

  override headers(): Record<string, string> {
    return this.inFlight ? { 'Retry-After': '1' } : {}
  }
}
