// Admin API failures, one class each, carrying the wire code and status of Caracal's catalogue
// (contract §10). Bodies are {"error","error_description","requestId"} plus `details` for a body
// or query that fails validation; a description never contains a token or a secret.
import type { DelegationWireCode } from '../delegation/index.js'
import { CaracalMcpError } from '../errors.js'

/** Caracal's codes the admin API and the Coordinator answer with (the Coordinator shares this shape). */
export type AdminWireCode =
  | 'invalid_token'
  | 'invalid_body'
  | 'invalid_request'
  | 'resource_not_found'
  | 'conflict'
  | 'access_denied'
  | 'payload_too_large'
  | 'internal_error'
  | 'service_unavailable'
  | 'rate_limited'
  | 'insufficient_scope'
  | 'idempotency_key_conflict'
  | 'idempotency_result_inactive'
  | DelegationWireCode

/** One failed check of a body or query: where (a `$.field[0]` path) and why. */
export interface InputIssue {
  path: string
  message: string
}

export type AdminErrorBody = { error: string; error_description: string; requestId: string; details?: { issues: InputIssue[] } }

export abstract class AdminError extends CaracalMcpError {
  abstract readonly wireCode: AdminWireCode

  toBody(requestId: string): AdminErrorBody {
    return { error: this.wireCode, error_description: this.message, requestId }
  }

  /** Extra response headers (a challenge). */
  headers(): Record<string, string> {
    return {}
  }
}

/** 401: no admin token, or not the one configured. Which of the two is not said. */
export class AdminUnauthorizedError extends AdminError {
  readonly code = 'ERR_ADMIN_UNAUTHORIZED'
  readonly wireCode = 'invalid_token'
  override readonly status = 401
  constructor(readonly missing: boolean) {
    super(missing ? 'admin token required (Authorization: Bearer <token>)' : 'admin token not accepted')
  }

  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Bearer realm="caracal-mcp-admin"' }
  }
}

/** 400: the JSON body is malformed or fails its schema; `issues` name each field. */
export class AdminBodyInvalidError extends AdminError {
  readonly code = 'ERR_ADMIN_BODY_INVALID'
  readonly wireCode = 'invalid_body'
  override readonly status = 400
  constructor(readonly issues: InputIssue[]) {
    super(issues.length === 1 ? `invalid body at ${issues[0]!.path}: ${issues[0]!.message}` : `invalid body: ${issues.length} problems`)
  }

  override toBody(requestId: string): AdminErrorBody {
    return { ...super.toBody(requestId), details: { issues: this.issues } }
  }
}

/** 400: a query parameter fails its schema. */
export class AdminQueryInvalidError extends AdminError {
  readonly code = 'ERR_ADMIN_QUERY_INVALID'
  readonly wireCode = 'invalid_request'
  override readonly status = 400
  constructor(readonly issues: InputIssue[]) {
    super(issues.length === 1 ? `invalid query at ${issues[0]!.path}: ${issues[0]!.message}` : `invalid query: ${issues.length} problems`)
  }

  override toBody(requestId: string): AdminErrorBody {
    return { ...super.toBody(requestId), details: { issues: this.issues } }
  }
}

/** 400: an admin operation's input that cannot be used as given (CLI and API alike). */
export class AdminInputError extends AdminError {
  readonly code = 'ERR_ADMIN_INPUT_INVALID'
  readonly wireCode = 'invalid_request'
  override readonly status = 400
}

/** 415: a request body that is not JSON. */
export class AdminMediaTypeError extends AdminError {
  readonly code = 'ERR_ADMIN_MEDIA_TYPE'
  readonly wireCode = 'invalid_request'
  override readonly status = 415
  constructor() {
    super('content type must be application/json')
  }
}

/** 413: the body is over 64 KiB. */
export class AdminPayloadTooLargeError extends AdminError {
  readonly code = 'ERR_ADMIN_PAYLOAD_TOO_LARGE'
  readonly wireCode = 'payload_too_large'
  override readonly status = 413
  constructor() {
    super('request body too large')
  }
}

/** 404: no such route, or a zone id that cannot name a zone. */
export class AdminNotFoundError extends AdminError {
  readonly code = 'ERR_ADMIN_NOT_FOUND'
  readonly wireCode = 'resource_not_found'
  override readonly status = 404
}

/** 403: the hold is for its subject to decide (approver class `subject`), not an operator. */
export class ApproverMismatchError extends AdminError {
  readonly code = 'ERR_ADMIN_APPROVER_MISMATCH'
  readonly wireCode = 'access_denied'
  override readonly status = 403
  constructor(readonly approvalId: string) {
    super(`approval ${approvalId} is for its subject to decide, not an operator`)
  }
}

/** 500: anything unexpected; the description says nothing more. */
export class AdminInternalError extends AdminError {
  readonly code = 'ERR_ADMIN_INTERNAL'
  readonly wireCode = 'internal_error'
  override readonly status = 500
  constructor(options?: { cause?: unknown }) {
    super('internal error', options)
  }
}

/** 503: the database is held by another process beyond the wait; retry. */
export class AdminUnavailableError extends AdminError {
  readonly code = 'ERR_ADMIN_UNAVAILABLE'
  readonly wireCode = 'service_unavailable'
  override readonly status = 503
  constructor(options?: { cause?: unknown }) {
    super('database busy; retry', options)
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': '1' }
  }
}
