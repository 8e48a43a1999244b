// Operator decisions on step-up holds, and the JSON both admin surfaces show for a hold. The
// state shown is the effective one: a pending hold past its expiry reads, and lists, as expired.
// A hold whose approver class is `subject` is its subject's to decide: an operator is refused,
// as the STS's subject endpoint refuses a subject for an operator-only hold (contract §1.8).
import { effectiveState, type ApprovalRow, type ApprovalState } from '../store/index.js'
import { ApprovalUnknownError } from '../approvals/index.js'
import { ApproverMismatchError } from './errors.js'
import type { AdminServices } from './services.js'

export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'consumed'] as const satisfies readonly ApprovalState[]
export const MAX_DECISION_REASON = 500

export async function decideApproval(
  s: AdminServices,
  decision: { zoneId: string; id: string; decision: 'approved' | 'rejected'; by: string; reason?: string | undefined; requestId: string },
): Promise<ApprovalRow> {
  const row = s.approvals.get(decision.id)
  if (!row || row.zoneId !== decision.zoneId) throw new ApprovalUnknownError(decision.id)
  if (row.approverClass === 'subject') throw new ApproverMismatchError(row.id)
  return s.approvals.decide(decision.zoneId, decision.id, decision.decision, decision.by, decision.reason, decision.requestId)
}

export function listApprovals(s: AdminServices, zoneId: string, state?: ApprovalState): ApprovalRow[] {
  return s.approvals.list(zoneId, state)
}

export function approvalJson(row: ApprovalRow, nowMs: number = Date.now()): Record<string, unknown> {
  return {
    id: row.id,
    state: effectiveState(row, nowMs),
    tier: row.tier,
    approver_class: row.approverClass,
    resources: row.resources,
    scopes: row.scopes,
    application_id: row.applicationId,
    agent_session_id: row.agentSessionId,
    expires_at: new Date(row.expiresAt).toISOString(),
    decided_at: row.decidedAt === null ? null : new Date(row.decidedAt).toISOString(),
    decided_by: row.decidedBy,
  }
}
