// The mint of a mandate the exchange has classified and planned: per-resource decisions and
// step-up for the scope-bearing classes, one row for an identity mandate, and the audit that
// must be written before any token leaves. Apart from the exchange because every class of request
// ends here the same way; the exchange only decides which class a request is and what it plans.
import type { AuditLog } from '../audit/index.js'
import type { Approvals } from '../approvals/index.js'
import type { KeyRing } from '../keys/index.js'
import type { PolicyEngine } from '../policy/index.js'
import type { Store } from '../store/index.js'
import { ApprovalConsumedError, ExchangeDeniedError, GatewayRequiredError, PolicyUnavailableError, StsError, StsInternalError } from './errors.js'
import { issueMandate, type IssueDeps, type Issued, type MintPlan } from './issue.js'
import { MintLedger } from './mint-ledger.js'
import type { MintRateLimiter } from './mint-rate.js'
import { decideResource, recordOutcomes, type Acting, type ResourceOutcome } from './resource-decision.js'
import { challengeOf, holdBinding, holdFor, namedApproval, type ApprovalStanding } from './step-up-gate.js'

export interface MandateMintDeps {
  issuer: string
  store: Store
  keys: KeyRing
  policy: PolicyEngine
  audit: AuditLog
  mintRate: MintRateLimiter
  approvals: Approvals
}

export interface ScopeMint {
  acting: Acting
  resources: readonly string[]
  scopes: readonly string[]
  approvalId?: string
  requestId: string
  nowMs: number
  /** Builds the plan for the granted resources. */
  plan: (granted: string[]) => MintPlan
  /** False for a client-secret request presenting a mandate: decided, audited, then refused. */
  trustedGateway: boolean
}

/** A mandate minted, and the approval its mint consumed (or re-issued for), if it needed one. */
export type MintedMandate = Issued & { consumedApproval?: string }

export class MandateMint {
  readonly #d: MandateMintDeps
  readonly #ledger: MintLedger

  constructor(deps: MandateMintDeps) {
    this.#d = deps
    this.#ledger = new MintLedger(deps.store)
  }

  /** The scope-bearing classes: per-resource decisions, step-up, then one mandate. */
  async scoped(m: ScopeMint): Promise<MintedMandate> {
    const { acting, requestId, nowMs } = m
    const audit = this.#d.audit
    const version = this.#d.policy.version(acting.app.zoneId)
    // Computed only where an approval is named or asked for: most exchanges never need it.
    let bound: string | undefined
    const binding = () => (bound ??= holdBinding(acting, m.resources, m.scopes, version))
    let standing: ApprovalStanding | undefined = m.approvalId ? namedApproval(this.#d.store, m.approvalId, acting, binding(), nowMs) : undefined
    if (standing?.kind === 'reissue') return this.#reissue(m, standing, nowMs)

    const decideAll = (challengeResolved: boolean) =>
      m.resources.map((r) => decideResource(acting, r, m.scopes, { store: this.#d.store, mintRate: this.#d.mintRate, version, requestId, nowMs, challengeResolved }))
    let outcomes = decideAll(standing?.kind === 'approved')
    const failed = outcomes.find((o) => o.status === 'policy_eval_failed')
    if (failed) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes)
      throw new PolicyUnavailableError(failed.decision?.detail)
    }
    // A request that will be refused anyway (a client-secret caller presenting a mandate) opens
    // no hold: nobody should be asked to approve what can never mint.
    if (!m.trustedGateway && outcomes.some((o) => o.status === 'approval_required' || o.status === 'complete')) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes.map((o) => (o.status === 'approval_required' ? { ...o, status: 'complete' } : o)), { grantedStatus: 'exchange_denied' })
      throw new GatewayRequiredError()
    }
    if (outcomes.some((o) => o.status === 'approval_required')) {
      const live = standing ? undefined : this.#d.approvals.live(acting.app.zoneId, binding())
      if (live?.state === 'approved') {
        standing = { kind: 'approved', row: live }
        outcomes = decideAll(true)
      } else {
        const held = outcomes.filter((o) => o.status === 'approval_required')
        const hold = live ?? (await holdFor(this.#d.approvals, acting, binding(), held, m.scopes, requestId, nowMs))
        await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { approvalId: hold.id })
        throw challengeOf(hold, nowMs)
      }
    }
    const granted = outcomes.filter((o) => o.status === 'complete').map((o) => o.resource)
    if (granted.length === 0) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes)
      const reason = outcomes.find((o) => o.decision?.reason)?.decision?.reason
      if (!reason && outcomes.some((o) => o.status === 'rate_limited')) throw new ExchangeDeniedError('rate limited')
      throw new ExchangeDeniedError(reason ? `policy denied (${reason})` : 'policy denied')
    }
    let issued: Issued
    try {
      const plan = m.plan(granted)
      issued = await issueMandate({ ...plan, ...(standing && { consumeApprovalId: standing.row.id }) }, this.#deps(), nowMs, requestId)
    } catch (error) {
      const status = error instanceof ApprovalConsumedError ? 'approval_already_consumed' : 'mint_failed'
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { grantedStatus: status })
      throw error instanceof StsError ? error : new StsInternalError('minting failed', { cause: error })
    }
    await this.#recordIssued(issued, async () => {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { sid: issued.sid })
      if (standing) await this.#recordConsumed(standing, issued.sid, requestId)
    })
    return standing ? { ...issued, consumedApproval: standing.row.id } : issued
  }

  /** A mandate of identity (agent or federated user): no resource to decide, one audit row for the mint. */
  async identity(acting: Acting, plan: MintPlan, requestId: string, nowMs: number): Promise<Issued> {
    const outcome: ResourceOutcome = { resource: '', status: 'complete' }
    let issued: Issued
    try {
      issued = await issueMandate(plan, this.#deps(), nowMs, requestId)
    } catch (error) {
      await recordOutcomes(this.#d.audit, acting, [], requestId, [outcome], { grantedStatus: 'mint_failed' })
      throw error
    }
    await this.#recordIssued(issued, () => recordOutcomes(this.#d.audit, acting, [], requestId, [outcome], { sid: issued.sid }))
    return issued
  }

  /** An approval consumed moments ago: a new bearer for the record it created (§6.6 step 6). */
  async #reissue(m: ScopeMint, standing: Extract<ApprovalStanding, { kind: 'reissue' }>, nowMs: number): Promise<MintedMandate> {
    const plan = m.plan(standing.row.resources)
    const left = Math.floor((standing.record.expiresAt - nowMs) / 1000)
    if (left <= 0) throw new ApprovalConsumedError()
    const issued = await issueMandate({ ...plan, ttlSeconds: Math.min(plan.ttlSeconds, left), reuseRecord: standing.record }, this.#deps(), nowMs, m.requestId)
    const outcomes = standing.row.resources.map((resource): ResourceOutcome => ({ resource, status: 'complete' }))
    await recordOutcomes(this.#d.audit, m.acting, m.scopes, m.requestId, outcomes, { sid: issued.sid })
    return { ...issued, consumedApproval: standing.row.id }
  }

  /**
   * Audits a mint that happened. If the audit cannot be written the token never leaves, and its
   * authority record is revoked so that nothing unaccounted for can stand on it.
   */
  async #recordIssued(issued: Issued, record: () => Promise<void>): Promise<void> {
    try {
      await record()
    } catch (error) {
      try {
        this.#d.store.authorityRecords.revoke(issued.sid)
      } catch {
        // The store is failing too; the token still never leaves.
      }
      throw error
    }
  }

  async #recordConsumed(standing: ApprovalStanding, sid: string, requestId: string): Promise<void> {
    const row = standing.row
    try {
      await this.#d.audit.record({
        zoneId: row.zoneId, eventType: 'step_up_consumed', requestId, decision: 'consumed', evaluationStatus: 'complete',
        metadata: { challenge_id: row.id, tier: row.tier, approver_class: row.approverClass, binding: row.binding, application_id: row.applicationId, session_id: sid },
      })
    } catch (error) {
      throw new StsInternalError('audit write failed', { cause: error })
    }
  }

  #deps(): IssueDeps {
    return { issuer: this.#d.issuer, store: this.#d.store, keys: this.#d.keys, audit: this.#d.audit, ledger: this.#ledger }
  }
}
