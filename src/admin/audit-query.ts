// A zone's audit log as the admin surfaces read it: events newest first (all of a zone's, or
// one request's), a page at a time, each row as stored with its JSON columns parsed, and the
// verification of the zone's hash chain that `caracal-mcp audit verify` runs.
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

export interface AuditPage {
  /** Newest first. */
  rows: AuditEventRow[]
  /** The `before_seq` of the next page, or null when this one is the last. */
  nextBeforeSeq: number | null
}

/**
 * A page of a zone's events, newest first: all of them, or one request's (a request's events may
 * span zones; only this zone's are this zone's operator's to read, and only they are read).
 */
export function queryAudit(s: AdminServices, zoneId: string, query: { requestId?: string | undefined; limit?: number | undefined; beforeSeq?: number | undefined }): AuditPage {
  const limit = query.limit ?? DEFAULT_AUDIT_LIMIT
  const rows = query.requestId === undefined ? s.store.auditEvents.tail(zoneId, limit, query.beforeSeq) : s.store.auditEvents.byZoneAndRequestId(zoneId, query.requestId, limit, query.beforeSeq)
  const oldest = rows.at(-1)
  // A full page may have more below it; chain_seq 1 has nothing below it.
  return { rows, nextBeforeSeq: rows.length === limit && oldest && oldest.chainSeq > 1 ? oldest.chainSeq : null }
}

export type AuditVerification = {
  ok: boolean
  rows: number
  /** The newest row as stored: an operator who keeps it can later show rows cut from the end. */
  head: { chain_seq: number; content_sha256: string } | null
  first_broken?: { chain_seq: number; id?: string; reason: string }
}

export function verifyZoneAudit(s: AdminServices, zoneId: string): AuditVerification {
  const report = verifyZoneChain(s.store.auditEvents, s.secrets.auditHmacKey, zoneId)
  const head = report.head ? { chain_seq: report.head.chainSeq, content_sha256: report.head.contentSha256 } : null
  if (!report.firstBreak) return { ok: true, rows: report.events, head }
  const { chainSeq, id, reason } = report.firstBreak
  return { ok: false, rows: report.events, head, first_broken: { chain_seq: chainSeq, ...(id !== undefined && { id }), reason } }
}
