// Step-up at the STS (contract §6.6): the binding of a held mint, the checks on a retry that
// names its approval (before policy, as Caracal orders them), and the hold opened when policy
// asks for a human decision that no approval has resolved yet.
import { approvalBinding, ApproverConflictError, mergeApprovalDeclarations, type Approvals } from '../approvals/index.js'
import { INPUT_SCHEMA_VERSION, type PolicyVersion } from '../policy/index.js'
import { effectiveState, type ApprovalRow, type AuthorityRecordRow, type Store } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { ApprovalConsumedError, ApprovalInvalidError, ApprovalRejectedError, ApprovalRequiredError, ExchangeDeniedError } from './errors.js'
import type { Acting, ResourceOutcome } from './resource-decision.js'

/** A consumed approval re-issues for its record within this window (same binding). */
export const REISSUE_WINDOW_MS = 2 * 60 * 1000

export function holdBinding(acting: Acting, resources: readonly string[], scopes: readonly string[], version: PolicyVersion | undefined): string {
  return approvalBinding({
    resources,
    scopes,
    principal: acting.subject,
    ...(acting.presented && { authorityRecordId: acting.presented.authorityRecordId }),
    ...(acting.session && { agentSessionId: acting.session.id }),
    ...(acting.delegation && { delegationEdgeId: acting.delegation.edge.id }),
    applicationId: acting.app.id,
    policyVersion: version?.id ?? '',
    contractVersion: INPUT_SCHEMA_VERSION,
  })
}

export function challengeOf(row: ApprovalRow, nowMs: number): ApprovalRequiredError {
  return new ApprovalRequiredError({ approvalId: row.id, state: effectiveState(row, nowMs), tier: row.tier, binding: row.binding, expiresAt: row.expiresAt })
}

export type ApprovalStanding = { kind: 'approved'; row: ApprovalRow } | { kind: 'reissue'; row: ApprovalRow; record: AuthorityRecordRow }

/** A retry naming `approval_id`: what the hold allows, or the error its state calls for. */
export function namedApproval(store: Store, approvalId: string, acting: Acting, binding: string, nowMs: number): ApprovalStanding {
  const row = store.approvals.get(approvalId)
  const matches =
    row !== undefined &&
    row.zoneId === acting.app.zoneId &&
    row.applicationId === acting.app.id &&
    row.subject === acting.subject &&
    (row.authorityRecordId ?? undefined) === acting.presented?.authorityRecordId &&
    row.binding === binding
  if (!row || !matches) throw new ApprovalInvalidError('approval not found or binding mismatch')
  switch (effectiveState(row, nowMs)) {
    case 'pending':
      throw challengeOf(row, nowMs)
    case 'rejected':
      throw new ApprovalRejectedError()
    case 'expired':
      throw new ApprovalInvalidError('approval expired')
    case 'consumed': {
      const record = row.consumedRecordId ? store.authorityRecords.get(row.consumedRecordId) : undefined
      if (row.consumedAt !== null && nowMs - row.consumedAt <= REISSUE_WINDOW_MS && record && record.status === 'active' && record.expiresAt > nowMs) {
        return { kind: 'reissue', row, record }
      }
      throw new ApprovalConsumedError()
    }
    case 'approved':
      return { kind: 'approved', row }
  }
}

/** Policy asked for approval and none resolved it: the live hold of this binding, or a new one. */
export async function holdFor(
  approvals: Approvals,
  acting: Acting,
  binding: string,
  held: readonly ResourceOutcome[],
  scopes: readonly string[],
  requestId: string,
  nowMs: number,
): Promise<ApprovalRow> {
  let requirement
  try {
    requirement = mergeApprovalDeclarations(held.flatMap((o) => o.decision?.stepUp ?? []))
  } catch (error) {
    if (error instanceof ApproverConflictError) throw new ExchangeDeniedError(error.message)
    throw error
  }
  return approvals.open({
    id: uuid7(nowMs),
    zoneId: acting.app.zoneId,
    applicationId: acting.app.id,
    subject: acting.subject,
    subjectType: acting.subType,
    ...(acting.presented && { authorityRecordId: acting.presented.authorityRecordId }),
    ...(acting.session && { agentSessionId: acting.session.id }),
    ...(acting.delegation && { delegationEdgeId: acting.delegation.edge.id }),
    binding,
    requirement,
    resources: held.map((o) => o.resource),
    scopes,
    requestId,
  })
}
