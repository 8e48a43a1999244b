// Revoking authority records (contract §4.3): one record and everything minted beneath it, every
// record of a subject (a user whose grant was revoked: reason `grant_revoked`), or every record
// of an application. Each revoked record becomes a revoked anchor, so a verifier following the
// store rejects every mandate naming it as `sid` or `root_sid`; the STS refuses them at once.
import type { AuditLog } from '../audit/index.js'
import type { Store } from '../store/index.js'
import { AuthorityRevocationInputError } from './errors.js'

export type AuthorityTarget = { record: string } | { subject: string } | { application: string }

export interface RevokeAuthority {
  zoneId: string
  target: AuthorityTarget
  reason: string
  requestId: string
  /** Who asked, for audit. */
  actor: string
}

export async function revokeAuthority(deps: { store: Store; audit: AuditLog; now?: () => number }, input: RevokeAuthority): Promise<string[]> {
  const { store } = deps
  const nowMs = (deps.now ?? Date.now)()
  if (input.reason === '' || input.reason.length > 500) throw new AuthorityRevocationInputError('a reason is 1–500 characters')
  if (!store.zones.get(input.zoneId)) throw new AuthorityRevocationInputError(`zone ${input.zoneId} does not exist`)
  const t = input.target
  const match = 'record' in t ? { id: t.record } : 'subject' in t ? { subject: t.subject } : { applicationId: t.application }
  const revoked = store.transaction(() => {
    const rows = store.authorityRecords.revokeMatching(input.zoneId, match, nowMs)
    for (const r of rows) store.revocations.revoke({ anchor: r.id, zoneId: input.zoneId, kind: 'authority_record', reason: input.reason, revokedAt: nowMs, expiresAt: r.expiresAt })
    // A record named directly is an anchor even when it had ended: mandates may still carry it.
    if ('record' in t && !rows.some((r) => r.id === t.record)) {
      const row = store.authorityRecords.get(t.record)
      if (!row || row.zoneId !== input.zoneId) throw new AuthorityRevocationInputError(`authority record ${t.record} does not exist in zone ${input.zoneId}`)
      store.revocations.revoke({ anchor: t.record, zoneId: input.zoneId, kind: 'authority_record', reason: input.reason, revokedAt: nowMs, expiresAt: Math.max(row.expiresAt, nowMs + 1) })
    }
    return rows.map((r) => r.id)
  })
  await deps.audit.record({
    zoneId: input.zoneId, eventType: 'revocation', requestId: input.requestId, decision: 'allow', evaluationStatus: 'complete',
    metadata: { target: t, reason: input.reason, actor: input.actor, revoked_records: revoked.length },
  })
  return revoked
}
