// Approval failures, one class each with a stable code.
import { CaracalMcpError } from '../errors.js'

/** 403: one mint matched tiers that need an operator and tiers that need the subject. */
export class ApproverConflictError extends CaracalMcpError {
  readonly code = 'ERR_APPROVAL_APPROVER_CONFLICT'
  override readonly status = 403
  constructor() {
    super('this request needs both an operator and a subject approval; request the scopes in separate mints')
  }
}

/** 404: no hold with this id in this zone. */
export class ApprovalUnknownError extends CaracalMcpError {
  readonly code = 'ERR_APPROVAL_NOT_FOUND'
  override readonly status = 404
  constructor(readonly approvalId: string) {
    super(`approval ${approvalId} does not exist in this zone`)
  }
}

/** 409: the hold is not pending any more (decided, consumed or expired). */
export class ApprovalNotPendingError extends CaracalMcpError {
  readonly code = 'ERR_APPROVAL_NOT_PENDING'
  override readonly status = 409
  constructor(readonly approvalId: string, readonly state: string) {
    super(`approval ${approvalId} is ${state}; only a pending approval can be decided`)
  }
}

/** 400: a decision that cannot be recorded as written. */
export class ApprovalDecisionInvalidError extends CaracalMcpError {
  readonly code = 'ERR_APPROVAL_DECISION_INVALID'
  override readonly status = 400
}
