// One requested resource of an exchange, decided (contract §1.4 step 11): the resource must be
// known, the scopes declared by it, within what a presented gateway mandate carries, under the
// mint rate; then policy decides. Non-policy refusals are statuses, audited and skipped, so
// partial grants are possible. Audit rows are written here too, one per resource.
import type { AuditEvent, AuditLog } from '../audit/index.js'
import { edgeAdmits, type ValidatedDelegation } from '../delegation/index.js'
import type { VerifiedMandate } from '../mandate/index.js'
import { ENTRYPOINTS, LIFECYCLE_SCOPE, buildExchangeInput, type PolicyDecision, type PolicyVersion } from '../policy/index.js'
import { sessionAuditMetadata } from '../sessions/index.js'
import type { AgentSessionRow, ApplicationRow, Store } from '../store/index.js'
import type { MintRateLimiter } from './mint-rate.js'
import { StsInternalError } from './errors.js'

/** Who acts in an exchange: the authenticated application, its session, the presented mandate. */
export interface Acting {
  app: ApplicationRow
  /** The principal the mandate will name (`sub`), and its kind. */
  subject: string
  subType: 'application' | 'user'
  session?: AgentSessionRow
  presented?: VerifiedMandate
  /** The delegation the mint is under, validated live (contract §5.3). */
  delegation?: ValidatedDelegation
}

export interface ResourceOutcome {
  resource: string
  /** Set when policy ran. */
  decision?: PolicyDecision
  /** `complete`, `approval_required`, a non-policy status, or the policy's deny reason. */
  status: string
}

export function decideResource(
  acting: Acting,
  resource: string,
  scopes: readonly string[],
  ctx: { store: Store; /** Absent in a preview, which spends nothing. */ mintRate?: MintRateLimiter; version: PolicyVersion | undefined; requestId: string; nowMs: number; challengeResolved: boolean },
): ResourceOutcome {
  const { app, session, presented, delegation } = acting
  const row = ctx.store.resources.get(app.zoneId, resource)
  if (!row) return { resource, status: 'resource_not_found' }
  // agent:lifecycle is reserved: every resource admits it, as Caracal's Gateway-routed ones do.
  if (scopes.some((s) => s !== LIFECYCLE_SCOPE && !row.scopes.includes(s))) return { resource, status: 'scope_mismatch' }
  if (delegation && !edgeAdmits(delegation, row)) return { resource, status: 'resource_outside_delegation' }
  // A spawned session holds at most what its parent gave it: nothing, or a bound.
  if (session?.authority === 'none') return { resource, status: 'outside_session_authority' }
  if (session?.authority === 'narrow' && (!session.authorityResources!.includes(resource) || scopes.some((s) => !session.authorityScopes!.includes(s)))) {
    return { resource, status: 'outside_session_authority' }
  }
  // A gateway mandate was minted for its targets and scopes; nothing beyond them.
  if (presented?.use === 'gateway') {
    if (!presented.targetResources.includes(resource)) return { resource, status: 'mandate_target_mismatch' }
    if (scopes.some((s) => !presented.scope.includes(s))) return { resource, status: 'scope_mismatch' }
  }
  if (ctx.mintRate && !ctx.mintRate.take(app.zoneId, resource, app.id, ctx.nowMs)) return { resource, status: 'rate_limited' }
  if (!ctx.version) return { resource, decision: { decision: 'deny', evaluationStatus: 'policy_eval_failed', reason: 'policy_eval_failed', determiningPolicies: [], diagnostics: [{ reason: 'policy_eval_failed' }], detail: `no policy is active for zone ${app.zoneId}` }, status: 'policy_eval_failed' }
  const input = buildExchangeInput({
    principal: {
      applicationId: app.id,
      zoneId: app.zoneId,
      registrationMethod: app.registrationMethod,
      ...(session && { agentSessionId: session.id, lifecycle: session.lifecycle, labels: session.labels }),
    },
    resource: { id: row.id, identifier: row.identifier, scopes: row.scopes },
    requestedScopes: scopes,
    traceId: ctx.requestId,
    ...(presented && { authorityRecordId: presented.authorityRecordId, subjectClaims: presented.claims as Record<string, unknown> }),
    ...(delegation && { delegationEdge: delegation.policyEdge }),
    challengeResolved: ctx.challengeResolved,
  })
  const decision = ctx.version.evaluate(ENTRYPOINTS.exchange, input)
  if (decision.decision === 'allow') return { resource, decision, status: decision.stepUp ? 'approval_required' : 'complete' }
  return { resource, decision, status: decision.evaluationStatus === 'complete' ? decision.reason! : decision.evaluationStatus }
}

/** How each outcome is written: `allow` only for what a minted mandate actually carries. */
export interface OutcomeRecording {
  /** Set once a mandate was minted: the new authority record. */
  sid?: string
  /** Replaces the status of outcomes that would have been granted (`exchange_denied`, `mint_failed`). */
  grantedStatus?: string
  /** Held for approval: the hold's id. */
  approvalId?: string
}

export async function recordOutcomes(audit: AuditLog, acting: Acting, scopes: readonly string[], requestId: string, outcomes: readonly ResourceOutcome[], how: OutcomeRecording = {}): Promise<void> {
  const { app, session, presented, delegation } = acting
  const events: AuditEvent[] = outcomes.map((o) => {
    const granted = o.status === 'complete'
    const status = granted && how.grantedStatus ? how.grantedStatus : o.status
    const decision = granted && how.sid && !how.grantedStatus ? 'allow' : o.status === 'approval_required' && how.approvalId ? 'pending' : 'deny'
    return {
      zoneId: app.zoneId,
      eventType: 'token_exchange',
      requestId,
      decision,
      evaluationStatus: status,
      policySetVersionId: o.decision?.policyVersion ?? '',
      determiningPolicies: o.decision?.determiningPolicies ?? [],
      diagnostics: o.decision?.diagnostics ?? [],
      metadata: {
        application_id: app.id,
        application_name: app.name,
        application_registration_method: app.registrationMethod,
        resource: o.resource,
        requested_scopes: scopes,
        subject_kind: acting.subType,
        ...(session && sessionAuditMetadata(session)),
        ...(presented && { presented_session_id: presented.authorityRecordId, presented_use: presented.use }),
        ...(delegation && {
          delegation_edge_id: delegation.edge.id,
          delegation_chain: delegation.chain,
          delegation_hop_count: delegation.path.length,
          delegation_graph_epoch: delegation.epoch,
        }),
        ...(decision === 'allow' && { session_id: how.sid }),
        ...(how.approvalId && o.status === 'approval_required' && { approval_id: how.approvalId }),
      },
    }
  })
  try {
    await Promise.all(events.map((e) => audit.record(e)))
  } catch (error) {
    throw new StsInternalError('audit write failed', { cause: error })
  }
}
