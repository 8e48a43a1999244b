// One audit row per use, decision and outcome together: `tool_call` for tools/call, `mcp_request`
// (with its method) for prompts and resources. Audit is not optional: if the row cannot be
// written the caller gets an error, never a result nobody can account for.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import type { AuditEvent, AuditLog } from '../audit/index.js'
import type { CatalogueEntry } from './catalogue.js'
import type { RequestDecision } from './downstream-session.js'
import type { Verdict } from './tool-call-authorizer.js'
import type { UseMethod } from './uses.js'

export interface UseOutcome {
  /** ok, tool_error, error, timeout, cancelled, revoked; absent when nothing was forwarded. */
  upstreamStatus?: string
  latencyMs?: number
  revokedAnchor?: string
}

export async function auditUse(
  audit: AuditLog,
  decision: RequestDecision,
  method: UseMethod,
  entry: CatalogueEntry | undefined,
  verdict: Verdict,
  outcome: UseOutcome & { name?: string },
  log: (line: string) => void,
): Promise<void> {
  const m = decision.principal.mandate
  const allowed = verdict.kind === 'allow'
  const event: AuditEvent = {
    zoneId: m.zoneId,
    eventType: method === 'tools/call' ? 'tool_call' : 'mcp_request',
    requestId: decision.requestId,
    decision: allowed ? 'allow' : verdict.kind === 'approval' ? 'pending' : 'deny',
    evaluationStatus: allowed ? 'complete' : verdict.kind === 'approval' ? 'approval_required' : verdict.reason,
    metadata: {
      ...(method !== 'tools/call' && { method }),
      application_id: m.clientId,
      subject: m.sub,
      ...(m.sessionId && { agent_session_id: m.sessionId }),
      ...(m.delegationId && { delegation_edge_id: m.delegationId, delegation_hop_count: m.hopCount }),
      ...(entry ? { server: entry.server, [entry.kind === 'resource' ? 'uri' : entry.kind]: entry.name, group: entry.group, resource: entry.resource } : { requested: outcome.name ?? null }),
      ...(verdict.kind === 'allow' && { resource_session_id: verdict.mandate.verified.authorityRecordId, cache_hit: verdict.cacheHit }),
      ...(verdict.kind === 'approval' && { approval_id: verdict.approvalId }),
      ...(outcome.upstreamStatus && { upstream_status: outcome.upstreamStatus }),
      ...(outcome.latencyMs !== undefined && { latency_ms: Math.round(outcome.latencyMs * 1000) / 1000 }),
      ...(outcome.revokedAnchor && { revoked_anchor: outcome.revokedAnchor }),
    },
  }
  try {
    await audit.record(event)
  } catch (error) {
    log(`audit write failed for request ${decision.requestId}: ${(error as Error).message}`)
    throw new McpError(ErrorCode.InternalError, 'The request could not be audited; its result is withheld.')
  }
}
