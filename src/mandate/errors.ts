// Verification failures, one class per code of Caracal's verifier (contract §3.4): the wire
// code, HTTP status, default description and hint are theirs, so adapters answer exactly as
// Caracal's would. Messages never contain the token or its claims.
import { CaracalMcpError } from '../errors.js'

export type VerifierCode =
  | 'missing_token'
  | 'invalid_token'
  | 'invalid_zone'
  | 'session_revoked'
  | 'delegation_stale'
  | 'insufficient_scope'
  | 'session_required'
  | 'delegation_required'
  | 'chain_mismatch'
  | 'hop_count_exceeded'

export interface VerifierErrorBody {
  error: VerifierCode
  error_description: string
  error_hint?: string
}

export abstract class MandateError extends CaracalMcpError {
  abstract readonly wireCode: VerifierCode
  abstract readonly hint: string
  /** Why, for logs and audit only (never the token itself). */
  readonly detail: string | undefined

  constructor(description: string, detail?: string, options?: { cause?: unknown }) {
    super(description, options)
    this.detail = detail
  }

  toBody(): VerifierErrorBody {
    return { error: this.wireCode, error_description: this.message, error_hint: this.hint }
  }
}

export class MissingTokenError extends MandateError {
  readonly code = 'ERR_MANDATE_MISSING'
  readonly wireCode = 'missing_token'
  override readonly status = 401
  readonly hint = 'Send Authorization: Bearer <Caracal mandate>.'
  constructor(detail?: string) {
    super('Missing bearer token', detail)
  }
}

export class TokenInvalidError extends MandateError {
  readonly code = 'ERR_MANDATE_INVALID'
  readonly wireCode = 'invalid_token'
  override readonly status = 401
  readonly hint = 'Check issuer, audience, signature, expiry, token use, scopes, and targets.'
  constructor(detail: string, options?: { cause?: unknown; description?: string }) {
    super(options?.description ?? 'Token validation failed', detail, options)
  }
}

export class ZoneInvalidError extends MandateError {
  readonly code = 'ERR_MANDATE_ZONE_INVALID'
  readonly wireCode = 'invalid_zone'
  override readonly status = 401
  readonly hint = 'Check the configured zoneId and the mandate zone_id claim.'
  constructor(detail: string) {
    super('Token zone validation failed', detail)
  }
}

export class SessionRevokedError extends MandateError {
  readonly code = 'ERR_MANDATE_REVOKED'
  readonly wireCode = 'session_revoked'
  override readonly status = 401
  readonly hint = 'Refresh the mandate or start a new authorized session.'
  constructor(
    /** The revoked anchor (an id, not a secret). */
    readonly anchor: string,
  ) {
    super('Session revoked', `revoked anchor ${anchor}`)
  }
}

export class DelegationStaleError extends MandateError {
  readonly code = 'ERR_MANDATE_DELEGATION_STALE'
  readonly wireCode = 'delegation_stale'
  override readonly status = 401
  readonly hint = 'Refresh the mandate so delegated authority is evaluated against the latest graph.'
  constructor(detail: string) {
    super('Delegation graph changed', detail)
  }
}

export class InsufficientScopeError extends MandateError {
  readonly code = 'ERR_MANDATE_SCOPE_INSUFFICIENT'
  readonly wireCode = 'insufficient_scope'
  override readonly status = 403
  readonly hint = 'Request a mandate that includes every required scope for this route.'
  constructor(readonly missingScope: string) {
    super(`Missing scope: ${missingScope}`)
  }
}

export class SessionRequiredError extends MandateError {
  readonly code = 'ERR_MANDATE_SESSION_REQUIRED'
  readonly wireCode = 'session_required'
  override readonly status = 403
  readonly hint = 'Use a resource mandate issued for a governed Session.'
  constructor() {
    super('Session required')
  }
}

export class DelegationRequiredError extends MandateError {
  readonly code = 'ERR_MANDATE_DELEGATION_REQUIRED'
  readonly wireCode = 'delegation_required'
  override readonly status = 403
  readonly hint = 'Use a mandate produced by a delegated grant flow.'
  constructor() {
    super('Delegation required')
  }
}

export class ChainMismatchError extends MandateError {
  readonly code = 'ERR_MANDATE_CHAIN_MISMATCH'
  readonly wireCode = 'chain_mismatch'
  override readonly status = 403
  readonly hint = 'Check requireChainContains and the mandate delegation chain.'
  constructor(readonly applicationId: string) {
    super(`Delegation chain missing application: ${applicationId}`)
  }
}

export class HopCountExceededError extends MandateError {
  readonly code = 'ERR_MANDATE_HOP_COUNT_EXCEEDED'
  readonly wireCode = 'hop_count_exceeded'
  override readonly status = 403
  readonly hint = 'Reduce delegation depth or raise maxHopCount deliberately.'
  constructor(hopCount: number, maxHopCount: number) {
    super('Hop count exceeded', `hop_count ${hopCount} > ${maxHopCount}`)
  }
}
