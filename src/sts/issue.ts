// Issuing a mandate (contract §1.4 step 14): the authority record, the jti registration and, on
// an approved retry, the approval's consumption commit together (through the mint ledger), and
// only then is the JWT signed. A jti collision aborts the mint and is audited; a lost consumption
// race is a 409.
import type { AuditLog } from '../audit/index.js'
import type { KeyRing } from '../keys/index.js'
import { mintMandate, type MandateClaims, type MandateUse } from '../mandate/index.js'
import type { AuthorityRecordRow, Store } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { ApprovalConsumedError, SessionReferenceError, StsError, StsInternalError, SubjectTokenInvalidError } from './errors.js'
import { ApprovalLostError, JtiCollisionError, ReplayError, SessionGoneError, type MintLedger } from './mint-ledger.js'

export interface MintPlan {
  zoneId: string
  applicationId: string
  subject: string
  subType: 'application' | 'user'
  use: MandateUse
  aud: string[]
  scope?: readonly string[]
  target?: readonly string[]
  ttlSeconds: number
  /** The record the new one derives from (the presented mandate's, or a session's subject). */
  parent?: { id: string; rootId: string }
  /** Claims copied as they are: agent session and delegation claims. */
  extraClaims?: Partial<MandateClaims>
  /** Spend this approved hold in the same transaction as the record insert. */
  consumeApprovalId?: string
  /** Re-issue for this existing record (an already consumed approval) instead of creating one. */
  reuseRecord?: AuthorityRecordRow
  /** A single-use subject mandate (use=gateway) spent by this mint. */
  consumePresented?: { jti: string; expiresAtMs: number }
}

export interface Issued {
  token: string
  sid: string
  expiresIn: number
  claims: MandateClaims
}

export interface IssueDeps {
  issuer: string
  store: Store
  keys: KeyRing
  audit: AuditLog
  ledger: MintLedger
}

export async function issueMandate(plan: MintPlan, deps: IssueDeps, nowMs: number, requestId: string): Promise<Issued> {
  const iat = Math.floor(nowMs / 1000)
  const exp = iat + plan.ttlSeconds
  const jti = uuid7(nowMs)
  const sid = plan.reuseRecord?.id ?? uuid7(nowMs)
  const rootId = plan.reuseRecord?.rootId ?? plan.parent?.rootId ?? sid
  try {
    await deps.ledger.commit({
      ...(!plan.reuseRecord && {
        record: {
          id: sid, zoneId: plan.zoneId, applicationId: plan.applicationId, subject: plan.subject, subType: plan.subType,
          parentId: plan.parent?.id ?? null, rootId, use: plan.use, status: 'active', createdAt: nowMs, expiresAt: exp * 1000,
          agentSessionId: plan.extraClaims?.agent_session_id ?? null,
        },
      }),
      jti: { jti, zoneId: plan.zoneId, expiresAtMs: exp * 1000 },
      ...(plan.consumeApprovalId && { consumeApproval: { id: plan.consumeApprovalId, recordId: sid, nowMs } }),
      ...(plan.consumePresented && { consumePresented: { ...plan.consumePresented, zoneId: plan.zoneId } }),
      ...(plan.extraClaims?.agent_session_id && { requireActiveSession: plan.extraClaims.agent_session_id }),
    })
  } catch (error) {
    if (error instanceof JtiCollisionError) {
      await deps.audit.record({ zoneId: plan.zoneId, eventType: 'jti_collision', requestId, decision: 'deny', evaluationStatus: 'anomaly', metadata: { jti } })
      throw new StsInternalError(`jti ${jti} collided`)
    }
    if (error instanceof ApprovalLostError) throw new ApprovalConsumedError()
    if (error instanceof ReplayError) {
      await deps.audit.record({ zoneId: plan.zoneId, eventType: 'replay_detected', requestId, decision: 'deny', evaluationStatus: 'anomaly', metadata: { jti: plan.consumePresented!.jti, client_id: plan.applicationId } })
      throw new SubjectTokenInvalidError('token replay detected')
    }
    if (error instanceof SessionGoneError) throw new SessionReferenceError('agent session is not active', 'the session ended before the mint committed')
    if (error instanceof StsError) throw error
    throw new StsInternalError('recording the authority record failed', { cause: error })
  }
  const claims: MandateClaims = {
    iss: deps.issuer, sub: plan.subject, aud: plan.aud, exp, iat, jti, zone_id: plan.zoneId, client_id: plan.applicationId,
    ...(plan.scope && plan.scope.length > 0 && { scope: plan.scope.join(' ') }),
    sid, root_sid: rootId, use: plan.use, sub_type: plan.subType,
    ...(plan.target && plan.target.length > 0 && { target: [...plan.target] }),
    ...plan.extraClaims,
  }
  try {
    return { token: mintMandate(claims, deps.keys.signingKey(plan.zoneId, nowMs)), sid, expiresIn: plan.ttlSeconds, claims }
  } catch (error) {
    // The record exists but no token does: revoke it so nothing can ever stand on it.
    if (!plan.reuseRecord) deps.store.authorityRecords.revoke(sid)
    throw new StsInternalError('signing failed', { cause: error })
  }
}
