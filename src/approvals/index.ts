/**
 * @module approvals
 * Step-up holds (contract §6.6): the binding of a held request, the merge of the approval tiers
 * policy matched, and the hold's life: opened, waited on, decided, consumed once.
 *
 * Must: bind every hold to exactly the request it holds; let a hold be decided once and consumed
 * once, also across processes; audit issue and decision. Must not: know about HTTP or tokens.
 */
export { Approvals, approvalView, holdAuditMetadata, MAX_WAIT_SECONDS, type ApprovalView, type OpenHold } from './approvals.js'
export { approvalBinding, type BindingParts } from './binding.js'
export { ApprovalDecisionInvalidError, ApprovalNotPendingError, ApprovalUnknownError, ApproverConflictError } from './errors.js'
export { mergeApprovalDeclarations, type ApprovalRequirement } from './requirement.js'
