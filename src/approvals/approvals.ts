// Approval holds of step-up: opened by the STS when policy asks for a human decision, decided by
// an operator (CLI or admin API), waited on by the caller, and consumed by the STS exactly once.
// Decisions are single conditional updates in the store, so they hold across processes; a wait
// polls the store (another process may decide) and wakes at once for decisions made here.
import { EventEmitter } from 'node:events'
import type { AuditLog } from '../audit/index.js'
import { effectiveState, type ApprovalRow, type ApprovalState, type Store } from '../store/index.js'
import { ApprovalDecisionInvalidError, ApprovalNotPendingError, ApprovalUnknownError } from './errors.js'
import type { ApprovalRequirement } from './requirement.js'

export const MAX_WAIT_SECONDS = 25
const POLL_MS = 250

export interface OpenHold {
  id: string
  zoneId: string
  applicationId: string
  subject: string
  subjectType: 'user' | 'application'
  authorityRecordId?: string
  agentSessionId?: string
  delegationEdgeId?: string
  binding: string
  requirement: ApprovalRequirement
  resources: readonly string[]
  scopes: readonly string[]
  requestId: string
}

/** What GET /approvals/{id} shows: nothing but the id, the state and the expiry. */
export interface ApprovalView {
  id: string
  state: ApprovalState
  expires_at: string
}

export function approvalView(row: ApprovalRow, nowMs: number): ApprovalView {
  return { id: row.id, state: effectiveState(row, nowMs), expires_at: new Date(row.expiresAt).toISOString() }
}

/** Hold fields for audit metadata (contract §7 names). */
export function holdAuditMetadata(row: ApprovalRow): Record<string, unknown> {
  return {
    challenge_id: row.id,
    tier: row.tier,
    approver_class: row.approverClass,
    privacy_mode: row.privacyMode,
    binding: row.binding,
    expires_at: new Date(row.expiresAt).toISOString(),
    application_id: row.applicationId,
    ...(row.authorityRecordId && { session_id: row.authorityRecordId }),
    ...(row.agentSessionId && { agent_session_id: row.agentSessionId }),
    ...(row.delegationEdgeId && { delegation_edge_id: row.delegationEdgeId }),
  }
}

export class Approvals {
  readonly #store: Store
  readonly #audit: AuditLog
  readonly #now: () => number
  readonly #decided = new EventEmitter().setMaxListeners(0)

  constructor(deps: { store: Store; audit: AuditLog; now?: () => number }) {
    this.#store = deps.store
    this.#audit = deps.audit
    this.#now = deps.now ?? Date.now
  }

  /** The live hold of this binding, or a new one (audited `step_up_issued`). */
  async open(hold: OpenHold): Promise<ApprovalRow> {
    const nowMs = this.#now()
    const { requirement, ...rest } = hold
    const { row, created } = this.#store.approvals.converge(
      {
        ...rest,
        authorityRecordId: hold.authorityRecordId ?? null,
        agentSessionId: hold.agentSessionId ?? null,
        delegationEdgeId: hold.delegationEdgeId ?? null,
        tier: requirement.tier,
        approverClass: requirement.approver,
        privacyMode: requirement.privacy,
        resources: [...hold.resources],
        scopes: [...hold.scopes],
        createdAt: nowMs,
        expiresAt: nowMs + requirement.ttlSeconds * 1000,
      },
      nowMs,
    )
    if (created) {
      await this.#audit.record({ zoneId: row.zoneId, eventType: 'step_up_issued', requestId: hold.requestId, decision: 'pending', evaluationStatus: 'complete', metadata: holdAuditMetadata(row) })
    }
    return row
  }

  get(id: string): ApprovalRow | undefined {
    return this.#store.approvals.get(id)
  }

  /** The live hold of a binding, if one is pending or approved. */
  live(zoneId: string, binding: string): ApprovalRow | undefined {
    return this.#store.approvals.live(zoneId, binding, this.#now())
  }

  /** The zone's holds, newest first, by effective state when one is named. */
  list(zoneId: string, state?: ApprovalState, limit = 200): ApprovalRow[] {
    return this.#store.approvals.list({ zoneId, ...(state && { state }), limit }, this.#now())
  }

  /** Resolves with the hold's view once it is no longer pending, or after `waitSeconds`. */
  async wait(id: string, waitSeconds: number, signal?: AbortSignal): Promise<ApprovalView | undefined> {
    const deadline = this.#now() + Math.min(Math.max(waitSeconds, 0), MAX_WAIT_SECONDS) * 1000
    for (;;) {
      const row = this.#store.approvals.get(id)
      if (!row) return undefined
      const view = approvalView(row, this.#now())
      const left = deadline - this.#now()
      if (view.state !== 'pending' || left <= 0 || signal?.aborted) return view
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          this.#decided.off(id, done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, Math.min(POLL_MS, left))
        this.#decided.once(id, done)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  }

  /** An operator's decision on a pending hold of the zone; audited `step_up_decided`. */
  async decide(zoneId: string, id: string, decision: 'approved' | 'rejected', by: string, reason: string | undefined, requestId: string): Promise<ApprovalRow> {
    if (decision !== 'approved' && decision !== 'rejected') throw new ApprovalDecisionInvalidError('a decision is approved or rejected')
    if (reason !== undefined && reason.length > 500) throw new ApprovalDecisionInvalidError('a decision reason is at most 500 characters')
    const nowMs = this.#now()
    const row = this.#store.approvals.get(id)
    if (!row || row.zoneId !== zoneId) throw new ApprovalUnknownError(id)
    if (!this.#store.approvals.decide(id, zoneId, decision, by, reason ?? null, nowMs)) {
      throw new ApprovalNotPendingError(id, effectiveState(this.#store.approvals.get(id)!, nowMs))
    }
    const decided = this.#store.approvals.get(id)!
    try {
      await this.#audit.record({
        zoneId, eventType: 'step_up_decided', requestId, decision, evaluationStatus: 'complete',
        metadata: { ...holdAuditMetadata(decided), decided_by: by, ...(reason && { reason }) },
      })
    } catch (error) {
      this.#store.approvals.undoDecision(decided)
      throw error
    }
    this.#decided.emit(id)
    return decided
  }
}
