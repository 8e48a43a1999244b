// The authority a verified mandate stands on, checked live: its own record (`sid`) active,
// unexpired and matching the claims (subject, application, root), its root record active, and
// none of its four anchors revoked. Read from the store on every use: another process may have
// revoked. Used wherever a mandate is presented to act (the STS's subject token, the
// Coordinator's bearer). What it answers holds until a record expires or the store changes.
import type { VerifiedMandate } from '../mandate/index.js'
import type { Store } from '../store/index.js'
import { AuthorityEndedError } from './errors.js'

/** Returns when the binding ends by time alone: the earlier expiry of the record and its root. */
export function bindAuthority(mandate: VerifiedMandate, applicationId: string, store: Store, nowMs: number): number {
  const record = store.authorityRecords.get(mandate.authorityRecordId)
  if (!record || record.zoneId !== mandate.zoneId) throw new AuthorityEndedError('authority record unknown')
  if (record.status !== 'active' || record.expiresAt <= nowMs) throw new AuthorityEndedError('authority record ended')
  if (record.subject !== mandate.sub || record.applicationId !== applicationId || mandate.clientId !== applicationId) {
    throw new AuthorityEndedError('authority record subject or application mismatch')
  }
  if (record.rootId !== mandate.rootAuthorityRecordId) throw new AuthorityEndedError('root_sid does not match the record lineage')
  let until = record.expiresAt
  if (record.rootId !== record.id) {
    const root = store.authorityRecords.get(record.rootId)
    // A user's sign-in is the root of what an agent does for them: when it ends, so does that.
    if (!root || root.status !== 'active' || root.expiresAt <= nowMs) throw new AuthorityEndedError('root authority record ended')
    until = Math.min(until, root.expiresAt)
  }
  const revoked = store.revocations.firstRevoked([mandate.authorityRecordId, mandate.rootAuthorityRecordId, mandate.sessionId, mandate.delegationId], nowMs)
  if (revoked !== undefined) throw new AuthorityEndedError(`anchor ${revoked} revoked`)
  return until
}
