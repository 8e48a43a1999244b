// The base of every error this product raises on purpose: a stable code, an HTTP status, and
// whether the message may be shown to a caller. Causes and details stay in logs and audit.

export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_CLI_USAGE'
  | 'ERR_POLICY_BUNDLE_INVALID'
  | 'ERR_POLICY_DATA_INVALID'
  | 'ERR_POLICY_EVAL_FAILED'
  | 'ERR_MANDATE_MISSING'
  | 'ERR_MANDATE_INVALID'
  | 'ERR_MANDATE_ZONE_INVALID'
  | 'ERR_MANDATE_REVOKED'
  | 'ERR_MANDATE_DELEGATION_STALE'
  | 'ERR_MANDATE_SCOPE_INSUFFICIENT'
  | 'ERR_MANDATE_SESSION_REQUIRED'
  | 'ERR_MANDATE_DELEGATION_REQUIRED'
  | 'ERR_MANDATE_CHAIN_MISMATCH'
  | 'ERR_MANDATE_HOP_COUNT_EXCEEDED'
  | 'ERR_KEY_UNAVAILABLE'
  | 'ERR_STORE_SCHEMA_TOO_NEW'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STS_REQUEST_INVALID'
  | 'ERR_STS_METHOD_NOT_ALLOWED'
  | 'ERR_STS_PAYLOAD_TOO_LARGE'
  | 'ERR_STS_MEDIA_TYPE'
  | 'ERR_STS_CLIENT_AUTH_FAILED'
  | 'ERR_STS_ZONE_INVALID'
  | 'ERR_STS_AUTH_RATE_LIMITED'
  | 'ERR_STS_EXCHANGE_DENIED'
  | 'ERR_STS_POLICY_UNAVAILABLE'
  | 'ERR_STS_INTERNAL'
  | 'ERR_STS_NOT_FOUND'
  | 'ERR_STS_SUBJECT_TOKEN_INVALID'
  | 'ERR_STS_AUTHORITY_INACTIVE'
  | 'ERR_STS_SESSION_REFERENCE'
  | 'ERR_STS_GATEWAY_REQUIRED'
  | 'ERR_STS_APPROVAL_REQUIRED'
  | 'ERR_STS_APPROVAL_INVALID'
  | 'ERR_STS_APPROVAL_REJECTED'
  | 'ERR_STS_APPROVAL_CONSUMED'
  | 'ERR_STS_DEPENDENCY_FAILED'
  | 'ERR_STS_UNAVAILABLE'
  | 'ERR_SESSION_INPUT_INVALID'
  | 'ERR_APPROVAL_APPROVER_CONFLICT'
  | 'ERR_APPROVAL_NOT_FOUND'
  | 'ERR_APPROVAL_NOT_PENDING'
  | 'ERR_APPROVAL_DECISION_INVALID'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_SESSION_NOT_LIVE'
  | 'ERR_SESSION_EXCEEDS_PARENT'
  | 'ERR_SESSION_LIMIT'
  | 'ERR_SESSION_ACTION_DENIED'
  | 'ERR_DELEGATION_REFUSED'
  | 'ERR_DELEGATION_INVALID'
  | 'ERR_AUTHORITY_REVOCATION_INVALID'
  | 'ERR_AUTHORITY_ENDED'
  | 'ERR_FEDERATION_TOKEN_INVALID'
  | 'ERR_FEDERATION_UNAVAILABLE'
  | 'ERR_ADMIN_UNAUTHORIZED'
  | 'ERR_ADMIN_BODY_INVALID'
  | 'ERR_ADMIN_QUERY_INVALID'
  | 'ERR_ADMIN_INPUT_INVALID'
  | 'ERR_ADMIN_MEDIA_TYPE'
  | 'ERR_ADMIN_PAYLOAD_TOO_LARGE'
  | 'ERR_ADMIN_NOT_FOUND'
  | 'ERR_ADMIN_APPROVER_MISMATCH'
  | 'ERR_ADMIN_INTERNAL'
  | 'ERR_ADMIN_UNAVAILABLE'
  | 'ERR_REVOCATION_FEED_FAILED'
  | 'ERR_COORDINATOR_UNAUTHORIZED'
  | 'ERR_COORDINATOR_SCOPE_INSUFFICIENT'
  | 'ERR_IDEMPOTENCY_KEY_INVALID'
  | 'ERR_IDEMPOTENCY_KEY_CONFLICT'

export abstract class CaracalMcpError extends Error {
  abstract readonly code: ErrorCode
  /** HTTP status a wire surface answers with. */
  readonly status: number = 500
  /** Whether `message` may be shown to the caller (only below 500). */
  get expose(): boolean {
    return this.status < 500
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A configuration file or option that cannot be used; raised at startup, never to a client. */
export class ConfigError extends CaracalMcpError {
  readonly code = 'ERR_CONFIG_INVALID'
}

/** A command line that cannot be run as written. */
export class CliUsageError extends CaracalMcpError {
  readonly code = 'ERR_CLI_USAGE'
}
