// A zone's audit log as the admin surfaces read it: events newest first (all of a zone's, or
// one request's), each row as stored with its JSON columns parsed, and the verification of the
// zone's hash chain that `caracal-mcp audit verify` runs.
import { verifyZoneChain } from '../audit/index.js'
import type { AuditEventRow } from '../store/index.js'
import type { AdminServices } from './services.js'

export const DEFAULT_AUDIT_LIMIT = 100
export const MAX_AUDIT_LIMIT = 1000

export function auditEventJson(row: AuditEventRow): Record<string, unknown> {
  return {
    id: row.id,
    zone_id: row.zoneId,
    chain_seq: row.chainSeq,
    event_type: row.eventType,
    request_id: row.requestId,
    decision: row.decision,
    policy_set_id: row.policySetId,
    policy_set_version_id: row.policySetVersionId,
    manifest_sha: row.manifestSha,
    evaluation_status: row.evaluationStatus,
    determining_policies: JSON.parse(row.determiningPoliciesJson),
    diagnostics: JSON.parse(row.diagnosticsJson),
    metadata: JSON.parse(row.metadataJson),
    occurred_at: row.occurredAt,
    content_sha256: row.contentSha256,
    prev_content_sha256: row.prevContentSha256,
    chain_hmac: row.chainHmac,
  }
}

export function queryAudit(s: AdminServices, zoneId: string, query: { requestId?: string | undefined; limit?: number | undefined }): AuditEventRow[] {
  const limit = query.limit ?? DEFAULT_AUDIT_LIMIT
  if (query.requestId === undefined) return s.store.auditEvents.tail(zoneId, limit)
  // One request's events may span zones; only this zone's are this zone's operator's to read.
  return s.store.auditEvents.byRequestId(query.requestId).filter((row) => row.zoneId === zoneId).reverse().slice(0, limit)
}

export type AuditVerification = { ok: true; rows: number } | { ok: false; rows: number; first_broken: { chain_seq: number; id: string; reason: string } }

export function verifyZoneAudit(s: AdminServices, zoneId: string): AuditVerification {
  const report = verifyZoneChain(s.store.auditEvents, s.secrets.auditHmacKey, zoneId)
  if (!report.firstBreak) return { ok: true, rows: report.events }
  const { chainSeq, id, reason } = report.firstBreak
  return { ok: false, rows: report.events, first_broken: { chain_seq: chainSeq, id, reason } }
}
