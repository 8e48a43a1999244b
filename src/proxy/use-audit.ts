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

/** What a client names is kept short: a row of the audit log is not a place to store its input. */
const MAX_NAME = 256

export function clip(name: string): string {
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name
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
  const allowed = verdict.kind === 'allow'
  await write(audit, log, decision, {
    eventType: method === 'tools/call' ? 'tool_call' : 'mcp_request',
    decision: allowed ? 'allow' : verdict.kind === 'approval' ? 'pending' : 'deny',
    evaluationStatus: allowed ? 'complete' : verdict.kind === 'approval' ? 'approval_required' : verdict.reason,
    metadata: {
      ...(method !== 'tools/call' && { method }),
      ...subjectOf(decision, entry, outcome.name),
      ...(verdict.kind === 'allow' && { resource_session_id: verdict.mandate.verified.authorityRecordId, cache_hit: verdict.cacheHit }),
      // The delegation an agent server was given for this call: its calls back in name this edge.
      ...(verdict.kind === 'allow' && verdict.hop && { hop: { application_id: verdict.hop.applicationId, agent_session_id: verdict.hop.agentSessionId, delegation_edge_id: verdict.hop.delegationEdgeId } }),
      // The hold a call waits on, or the one an approver granted for this very call.
      ...((verdict.kind === 'approval' || verdict.kind === 'allow') && verdict.approvalId && { approval_id: verdict.approvalId }),
      ...(outcome.upstreamStatus && { upstream_status: outcome.upstreamStatus }),
      ...(outcome.latencyMs !== undefined && { latency_ms: Math.round(outcome.latencyMs * 1000) / 1000 }),
      ...(outcome.revokedAnchor && { revoked_anchor: outcome.revokedAnchor }),
    },
  })
}

/** A completion: nothing is minted for it, but what it was asked about and the answer are on record. */
export async function auditCompletion(audit: AuditLog, decision: RequestDecision, entry: CatalogueEntry | undefined, requested: string, allowed: boolean, log: (line: string) => void): Promise<void> {
  await write(audit, log, decision, {
    eventType: 'mcp_request',
    decision: allowed ? 'allow' : 'deny',
    evaluationStatus: allowed ? 'complete' : entry ? 'not_grantable' : 'unknown',
    metadata: { method: 'completion/complete', ...subjectOf(decision, entry, requested) },
  })
}

/** Who asked, through which delegation, and about what: the part every row of a use shares. */
function subjectOf(decision: RequestDecision, entry: CatalogueEntry | undefined, requested: string | undefined): Record<string, unknown> {
  const m = decision.principal.mandate
  return {
    application_id: m.clientId,
    subject: m.sub,
    ...(m.sessionId && { agent_session_id: m.sessionId }),
    ...(m.delegationId && { delegation_edge_id: m.delegationId, delegation_hop_count: m.hopCount, delegation_path: m.delegationPath }),
    ...(decision.trace && { trace_id: decision.trace.traceId, span_id: decision.trace.spanId, ...(decision.trace.parentSpanId && { parent_span_id: decision.trace.parentSpanId }) }),
    ...(entry ? { server: entry.server, [entry.kind === 'resource' || entry.kind === 'template' ? 'uri' : entry.kind]: entry.name, group: entry.group, resource: entry.resource } : { requested: requested === undefined ? null : clip(requested) }),
  }
}

async function write(audit: AuditLog, log: (line: string) => void, decision: RequestDecision, row: Pick<AuditEvent, 'eventType' | 'decision' | 'evaluationStatus' | 'metadata'>): Promise<void> {
  try {
    await audit.record({ zoneId: decision.principal.mandate.zoneId, requestId: decision.requestId, ...row })
  } catch (error) {
    log(`audit write failed for request ${decision.requestId}: ${(error as Error).message}`)
    throw new McpError(ErrorCode.InternalError, 'The request could not be audited; its outcome is withheld.')
  }
}
