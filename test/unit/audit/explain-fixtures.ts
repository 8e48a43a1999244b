// Audit rows of one user request that crossed three MCP hops, written as the proxy, the STS and
// the delegation code write them: each call's row when the call completes (so a parent's row
// comes after its children's), its exchange, child session and delegation while it runs.
import type { AuditEvent, AuditLog } from '../../../src/audit/index.js'

export const ZONE = 'z1'
export const T0 = Date.parse('2025-06-01T12:00:00.000Z')
export const at = (ms: number) => new Date(T0 + ms)

export const THREE_HOPS = {
  requestId: 'req-three-hops',
  sessions: { user: 'sess-user', planner: 'sess-planner', researcher: 'sess-researcher' },
  edges: { planner: 'edge-planner', researcher: 'edge-researcher' },
  deny: 'delegation_invalid: scope files:write is outside the delegation',
}

type Row = Omit<AuditEvent, 'zoneId' | 'requestId'>

export function toolCall(ms: number, metadata: Record<string, unknown>, outcome: Partial<Pick<AuditEvent, 'decision' | 'evaluationStatus'>> = {}): Row {
  return { eventType: 'tool_call', decision: outcome.decision ?? 'allow', evaluationStatus: outcome.evaluationStatus ?? 'complete', metadata, occurredAt: at(ms) }
}

export function exchange(ms: number, applicationId: string, sessionId: string | undefined, resource: string | string[], decision = 'allow', evaluationStatus = 'complete'): Row {
  return {
    eventType: 'token_exchange', decision, evaluationStatus, occurredAt: at(ms),
    metadata: { application_id: applicationId, resource, requested_scopes: [], ...(sessionId && { agent_session_id: sessionId }) },
  }
}

export async function recordAll(log: AuditLog, requestId: string, rows: readonly Row[]): Promise<void> {
  await Promise.all(rows.map((r) => log.record({ zoneId: ZONE, requestId, ...r })))
}

/**
 * demo-agent → planner__plan, forwarded to the planner agent; the planner → researcher__research,
 * forwarded to the researcher agent; the researcher → files__write_file, denied. Plus an
 * exchange no call accounts for and an operator's revocation under the same request id.
 */
export async function recordThreeHops(log: AuditLog): Promise<void> {
  const { sessions: s, edges: e } = THREE_HOPS
  await recordAll(log, THREE_HOPS.requestId, [
    exchange(0, 'demo-agent', s.user, 'resource://planner/plan'),
    { eventType: 'session_started', decision: 'allow', evaluationStatus: 'complete', occurredAt: at(1), metadata: { application_id: 'planner', agent_session_id: s.planner, agent_parent_id: s.user, agent_depth: 1 } },
    {
      eventType: 'delegation_created', decision: 'allow', evaluationStatus: 'complete', occurredAt: at(2),
      metadata: { delegation_edge_id: e.planner, source_session_id: s.user, target_session_id: s.planner, issuer_application_id: 'demo-agent', receiver_application_id: 'planner', scopes: ['research:ask', 'files:read'], constraints: { max_hops: 2 }, depth: 1 },
    },
    exchange(5, 'planner', s.planner, 'resource://researcher/research'),
    { eventType: 'session_started', decision: 'allow', evaluationStatus: 'complete', occurredAt: at(6), metadata: { application_id: 'researcher', agent_session_id: s.researcher, agent_parent_id: s.planner, agent_depth: 2 } },
    {
      eventType: 'delegation_created', decision: 'allow', evaluationStatus: 'complete', occurredAt: at(7),
      metadata: { delegation_edge_id: e.researcher, source_session_id: s.planner, target_session_id: s.researcher, issuer_application_id: 'planner', receiver_application_id: 'researcher', parent_edge_id: e.planner, scopes: ['files:read'], constraints: { max_hops: 1 }, depth: 2 },
    },
    exchange(10, 'researcher', s.researcher, 'resource://files/write', 'deny', 'delegation_invalid'),
    toolCall(
      11,
      { application_id: 'researcher', subject: 'alice', agent_session_id: s.researcher, delegation_edge_id: e.researcher, delegation_hop_count: 2, delegation_path: [e.planner, e.researcher], server: 'files', tool: 'write_file', group: 'write', resource: 'resource://files/write', trace_id: 'trace-1', span_id: 'span-files', parent_span_id: 'span-researcher' },
      { decision: 'deny', evaluationStatus: THREE_HOPS.deny },
    ),
    toolCall(20, {
      application_id: 'planner', subject: 'alice', agent_session_id: s.planner, delegation_edge_id: e.planner, delegation_hop_count: 1, delegation_path: [e.planner],
      server: 'researcher', tool: 'research', group: 'research', resource: 'resource://researcher/research', upstream_status: 'ok', latency_ms: 8.06,
      trace_id: 'trace-1', span_id: 'span-research', parent_span_id: 'span-planner', hop: { application_id: 'researcher', agent_session_id: s.researcher, delegation_edge_id: e.researcher },
    }),
    toolCall(30, {
      application_id: 'demo-agent', subject: 'alice', agent_session_id: s.user, server: 'planner', tool: 'plan', group: 'plan', resource: 'resource://planner/plan', upstream_status: 'ok', latency_ms: 28.04,
      trace_id: 'trace-1', span_id: 'span-plan', hop: { application_id: 'planner', agent_session_id: s.planner, delegation_edge_id: e.planner },
    }),
    exchange(31, 'demo-agent', s.user, 'resource://mail/send', 'deny', 'exchange_denied'),
    { eventType: 'revocation', decision: 'allow', evaluationStatus: 'complete', occurredAt: at(40), metadata: { application_id: 'demo-agent', reason: 'done' } },
  ])
}
