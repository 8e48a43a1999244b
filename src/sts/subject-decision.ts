// A subject's own decision on a hold (contract §1.8, `POST /approvals/{id}/decision`): a
// federated user, proving who they are with a user session mandate, approves or rejects a hold
// that names them. Guards in Caracal's order: a valid user mandate of the hold's zone; a hold that
// admits subject decisions; the hold's subject is the caller; the caller's authority is not
// derived from the request being elevated (an agent holding the user's mandate cannot approve
// itself); the binding the caller saw is the hold's. Then the decision, audited.
import { timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { approvalView, type Approvals, type ApprovalView } from '../approvals/index.js'
import type { KeyRing } from '../keys/index.js'
import { MandateError, verifyMandateIdentity } from '../mandate/index.js'
import type { Store } from '../store/index.js'
import { ApprovalNotFoundError, DeciderTokenInvalidError, DecisionConflictError, ExchangeDeniedError, TokenRequestInvalidError } from './errors.js'
import { MAX_SUBJECT_TOKEN_BYTES, bindSubjectAuthority } from './subject-token.js'

const decisionBody = z.strictObject({
  decision: z.enum(['approved', 'rejected']),
  binding: z.string().regex(/^[0-9a-f]{64}$/),
  reason: z.string().max(500).optional(),
})

export interface SubjectDecisionDeps {
  issuer: string
  store: Store
  keys: KeyRing
  approvals: Approvals
  now: () => number
  /** A bearer longer than this is refused unread (config `server.maxTokenBytes`). */
  maxTokenBytes?: number
}

export async function decideAsSubject(deps: SubjectDecisionDeps, approvalId: string, bearer: string | null, rawBody: unknown, requestId: string): Promise<ApprovalView> {
  const nowMs = deps.now()
  const hold = deps.approvals.get(approvalId)
  if (!hold) throw new ApprovalNotFoundError()
  if (!bearer) throw new DeciderTokenInvalidError('missing bearer')
  let decider
  try {
    decider = verifyMandateIdentity(bearer, { issuer: deps.issuer, audience: deps.issuer, zoneId: hold.zoneId, requiredUse: 'session', maxTokenBytes: deps.maxTokenBytes ?? MAX_SUBJECT_TOKEN_BYTES }, deps.keys, nowMs)
  } catch (error) {
    if (error instanceof MandateError) throw new DeciderTokenInvalidError(`${error.wireCode}: ${error.message}`, { cause: error })
    throw error
  }
  if (decider.subType !== 'user' || decider.expiresAt * 1000 <= nowMs) throw new DeciderTokenInvalidError('not a live user session mandate')
  const app = deps.store.applications.get(decider.clientId)
  if (!app || app.zoneId !== hold.zoneId || app.status !== 'active') throw new DeciderTokenInvalidError('the mandate names no active application of this zone')
  bindSubjectAuthority(decider, app, deps.store, nowMs)

  if (hold.approverClass === 'operator') throw new ExchangeDeniedError('this approval is decided by an operator')
  // Only a user decides for themself: a user whose identifier happens to equal an application's
  // must not decide that application's holds.
  if (hold.subjectType !== 'user' || hold.subject !== decider.sub) throw new ExchangeDeniedError('this approval is not yours to decide')
  // The requester's authority: the mandate it presented, and the user authority its session acts
  // under (a session-bound mint presents none), with their roots.
  const session = hold.agentSessionId ? deps.store.agentSessions.get(hold.agentSessionId) : undefined
  const lineage = new Set<string>()
  for (const id of [hold.authorityRecordId, session?.subjectRecordId]) {
    if (!id) continue
    lineage.add(id)
    const record = deps.store.authorityRecords.get(id)
    if (record) lineage.add(record.rootId)
  }
  if (lineage.has(decider.authorityRecordId) || lineage.has(decider.rootAuthorityRecordId)) {
    throw new ExchangeDeniedError('approve with a fresh sign-in: this mandate derives from the request being approved')
  }

  const parsed = decisionBody.safeParse(rawBody)
  if (!parsed.success) throw new TokenRequestInvalidError('body is {"decision":"approved"|"rejected","binding":"<hex>","reason"?: "≤ 500 characters"}')
  const { decision, binding, reason } = parsed.data
  if (!timingSafeEqual(Buffer.from(binding), Buffer.from(hold.binding))) throw new DecisionConflictError('binding does not match this approval')
  try {
    const decided = await deps.approvals.decide(hold.zoneId, hold.id, decision, `subject:${decider.sub}`, reason, requestId)
    return approvalView(decided, deps.now())
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_APPROVAL_NOT_PENDING') throw new DecisionConflictError('approval is not pending')
    throw error
  }
}
