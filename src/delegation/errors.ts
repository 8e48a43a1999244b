// Delegation failures, one class per rule, with the wire code and status of Caracal's
// Coordinator (contract §5.2) so its clients read our refusals as theirs.
import { CaracalMcpError } from '../errors.js'

export type DelegationWireCode =
  | 'invalid_body'
  | 'delegation_expiry_required'
  | 'issuer_ownership_required'
  | 'self_delegation_denied'
  | 'delegation_broad_denied'
  | 'delegation_endpoint_not_found'
  | 'delegation_application_mismatch'
  | 'resource_not_found'
  | 'delegation_resource_scope_mismatch'
  | 'delegation_scopes_exceed_resource'
  | 'parent_delegation_not_active'
  | 'parent_delegation_ambiguous'
  | 'delegation_exceeds_parent_authority'
  | 'delegation_cycle_denied'
  | 'delegation_expired'
  | 'delegation_depth_exceeded'
  | 'delegation_not_found'
  | 'delegation_not_pending'
  | 'access_denied'

const STATUS: Record<DelegationWireCode, number> = {
  invalid_body: 400,
  delegation_expiry_required: 400,
  issuer_ownership_required: 403,
  self_delegation_denied: 400,
  delegation_broad_denied: 403,
  delegation_endpoint_not_found: 404,
  delegation_application_mismatch: 409,
  resource_not_found: 404,
  delegation_resource_scope_mismatch: 400,
  delegation_scopes_exceed_resource: 403,
  parent_delegation_not_active: 403,
  parent_delegation_ambiguous: 409,
  delegation_exceeds_parent_authority: 403,
  delegation_cycle_denied: 409,
  delegation_expired: 400,
  delegation_depth_exceeded: 403,
  delegation_not_found: 404,
  delegation_not_pending: 409,
  access_denied: 403,
}

/** A refused delegation operation: which rule, in Caracal's words, and why in ours. */
export class DelegationRefusedError extends CaracalMcpError {
  readonly code = 'ERR_DELEGATION_REFUSED'
  override readonly status: number
  constructor(readonly wireCode: DelegationWireCode, message: string) {
    super(message)
    this.status = STATUS[wireCode]
  }
}

/**
 * 403: a delegated mint whose edge, path or chain does not hold now (contract §5.3). The STS
 * answers it as `access_denied`; `detail` names the failed step for audit.
 */
export class DelegationInvalidError extends CaracalMcpError {
  readonly code = 'ERR_DELEGATION_INVALID'
  override readonly status = 403
  constructor(readonly detail: string) {
    super('delegation reference invalid')
  }
}
