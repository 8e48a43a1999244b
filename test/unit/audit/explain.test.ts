// Proves `audit explain`'s tree on rows written through the real AuditLog into a real store and
// read back as the admin API shows them: calls link to the call that forwarded under their
// delegation (several such calls told apart by span, else by start time), a traceparent alone
// links but is marked unverified, denies carry their reason, a revoked call its revocation, and
// exchanges, child sessions and delegations hang under the call they served. It does not run the
// proxy: the rows are written here as the proxy writes them (see explain-fixtures.ts).
import { describe, expect, it } from 'vitest'
import { auditEventJson } from '../../../src/admin/index.js'
import { AuditLog, explainRequest, explanationLines, type CallNode, type RequestExplanation } from '../../../src/audit/index.js'
import type { Store } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'
import { T0, THREE_HOPS, ZONE, recordAll, recordThreeHops, toolCall } from './explain-fixtures.js'

const stores = tempStoreFactory()
const KEY = Buffer.alloc(32, 7)

function opened(): { store: Store; log: AuditLog } {
  const store = stores.open()
  return { store, log: new AuditLog(store.auditEvents, { hmacKey: KEY }) }
}

function explain(store: Store, requestId: string): RequestExplanation {
  const rows = store.auditEvents.byRequestId(requestId).map(auditEventJson)
  return explainRequest(requestId, rows, (anchor, atMs) => store.revocations.get(anchor, atMs))
}

/** A node's tree as `tool (link) [children]`, to compare shapes at a glance. */
function shape(node: CallNode): unknown {
  const name = `${node.target?.name}${node.link === 'root' ? '' : ` (${node.link})`}`
  return node.children.length === 0 ? name : { [name]: node.children.map(shape) }
}

/** The call the proxy forwarded to an agent, with the delegation it gave the agent. */
const forwarding = (name: string, spanId: string | undefined, edge: string, extra: Record<string, unknown> = {}) => ({
  application_id: 'demo-agent', agent_session_id: 'sess-user', server: 'planner', tool: name, group: 'plan', resource: 'resource://planner/plan', upstream_status: 'ok',
  ...(spanId && { span_id: spanId }), hop: { application_id: 'planner', agent_session_id: 'sess-planner', delegation_edge_id: edge }, ...extra,
})
/** A call the agent made back through the proxy under that delegation. */
const delegated = (name: string, parentSpanId: string | undefined, edge: string, extra: Record<string, unknown> = {}) => ({
  application_id: 'planner', agent_session_id: 'sess-planner', delegation_edge_id: edge, delegation_hop_count: 1, server: 'files', tool: name, group: 'read', resource: 'resource://files/read', upstream_status: 'ok',
  ...(parentSpanId && { parent_span_id: parentSpanId }), ...extra,
})

describe('explainRequest', () => {
  it('links a three-hop request by the delegations the proxy handed out, with each deny reason and the rows each call caused', async () => {
    const { store, log } = opened()
    await recordThreeHops(log)
    const e = explain(store, THREE_HOPS.requestId)
    expect(e).toMatchObject({ request_id: THREE_HOPS.requestId, calls: 3, hops: 3, denied: 1, held: 0, revoked: 0 })
    expect(e.roots.map(shape)).toEqual([{ plan: [{ 'research (delegation)': ['write_file (delegation)'] }] }])

    const [plan] = e.roots
    const research = plan!.children[0]!
    const write = research.children[0]!
    expect(plan).toMatchObject({ hop: 0, application_id: 'demo-agent', agent_session_id: 'sess-user', server: 'planner', group: 'plan', decision: 'allow', upstream_status: 'ok', latency_ms: 28.04 })
    expect(plan).not.toHaveProperty('delegation_edge_id')
    expect(research).toMatchObject({ hop: 1, delegation_edge_id: 'edge-planner', delegation_path: ['edge-planner'], forwarded_to: { application_id: 'researcher', agent_session_id: 'sess-researcher', delegation_edge_id: 'edge-researcher' } })
    expect(write).toMatchObject({ hop: 2, decision: 'deny', deny_reason: THREE_HOPS.deny, target: { kind: 'tool', name: 'write_file' } })

    expect(plan!.decisions.map((d) => d.event_type)).toEqual(['token_exchange', 'session_started', 'delegation_created'])
    expect(research.decisions.map((d) => d.event_type)).toEqual(['token_exchange', 'session_started', 'delegation_created'])
    expect(write.decisions).toMatchObject([{ event_type: 'token_exchange', decision: 'deny', deny_reason: 'delegation_invalid' }])
    expect(e.unattributed).toMatchObject([{ event_type: 'token_exchange', metadata: { resource: 'resource://mail/send' } }])
    expect(e.other).toMatchObject([{ event_type: 'revocation' }])
  })

  it('prints one line per call and decision, two spaces of indent per hop', async () => {
    const { store, log } = opened()
    await recordThreeHops(log)
    expect(explanationLines(explain(store, THREE_HOPS.requestId))).toEqual([
      'request req-three-hops: 3 calls over 3 hops, 1 denied',
      '- hop 0 demo-agent (session sess-user) planner__plan [planner/plan] allow → ok 28.0 ms',
      '  · forwarded to planner (session sess-planner, edge edge-planner)',
      '  · token_exchange resource://planner/plan allow',
      '  · session_started sess-planner planner (parent sess-user)',
      '  · delegation_created edge-planner → planner session sess-planner (scopes research:ask files:read, max_hops 2)',
      '  - hop 1 planner (session sess-planner, edge edge-planner) researcher__research [researcher/research] allow → ok 8.1 ms',
      '    · forwarded to researcher (session sess-researcher, edge edge-researcher)',
      '    · token_exchange resource://researcher/research allow',
      '    · session_started sess-researcher researcher (parent sess-planner)',
      '    · delegation_created edge-researcher → researcher session sess-researcher (scopes files:read, max_hops 1)',
      `    - hop 2 researcher (session sess-researcher, edge edge-researcher) files__write_file [files/write] deny: ${THREE_HOPS.deny}`,
      '      · token_exchange resource://files/write deny: delegation_invalid',
      'not attributed to a call:',
      '  · token_exchange resource://mail/send deny: exchange_denied (application demo-agent, session sess-user)',
      'other decisions of this request:',
      '  · revocation allow (application demo-agent)',
    ])
  })

  it('tells apart two calls forwarded under one delegation by the span the agent propagated, not by time', async () => {
    const { store, log } = opened()
    // The agent was called twice at once; each of its own calls names the call it serves.
    await recordAll(log, 'req-siblings', [
      toolCall(50, delegated('read_a', 'span-first', 'edge-1', { latency_ms: 10 })),
      toolCall(70, delegated('read_b', 'span-second', 'edge-1', { latency_ms: 15 })),
      toolCall(100, forwarding('first', 'span-first', 'edge-1', { latency_ms: 100 })),
      toolCall(110, forwarding('second', 'span-second', 'edge-1', { latency_ms: 100 })),
    ])
    const e = explain(store, 'req-siblings')
    // By start time alone both would go under `second`, the later call running when they began.
    expect(e.roots.map(shape)).toEqual([{ first: ['read_a (delegation)'] }, { second: ['read_b (delegation)'] }])
    expect(e.roots.flatMap((r) => r.children).map((c) => c.link_candidates)).toEqual([undefined, undefined])
  })

  it('without spans, picks the forwarding call that had started when the child began (rows are written at completion), and says so', async () => {
    const { store, log } = opened()
    await recordAll(log, 'req-by-time', [
      toolCall(50, delegated('read_a', undefined, 'edge-1', { latency_ms: 40 })),
      toolCall(100, forwarding('first', undefined, 'edge-1', { latency_ms: 100 })),
      toolCall(250, delegated('read_b', undefined, 'edge-1', { latency_ms: 40 })),
      toolCall(300, forwarding('second', undefined, 'edge-1', { latency_ms: 100 })),
    ])
    const e = explain(store, 'req-by-time')
    expect(e.roots.map(shape)).toEqual([{ first: ['read_a (delegation)'] }, { second: ['read_b (delegation)'] }])
    expect(explanationLines(e)[3]).toBe('  - hop 1 planner (session sess-planner, edge edge-1) files__read_a [files/read] allow → ok 40.0 ms (parent chosen by time among 2 calls forwarded under edge edge-1)')
  })

  it('links a call by its traceparent alone when no call forwarded under its delegation, marked unverified', async () => {
    const { store, log } = opened()
    await recordAll(log, 'req-trace', [
      toolCall(10, delegated('read_a', 'span-root', 'edge-unknown')),
      toolCall(20, delegated('read_b', 'span-nobody', 'edge-unknown')),
      toolCall(30, { application_id: 'demo-agent', server: 'planner', tool: 'plan', group: 'plan', span_id: 'span-root' }),
    ])
    const e = explain(store, 'req-trace')
    expect(e.roots.map(shape)).toEqual(['read_b', { plan: ['read_a (trace)'] }])
    expect(explanationLines(e)).toContain('  - hop 1 planner (session sess-planner, edge edge-unknown) files__read_a [files/read] allow → ok (unverified: trace only)')
  })

  it('never loops when rows point at each other', async () => {
    const { store, log } = opened()
    await recordAll(log, 'req-loop', [
      toolCall(10, { application_id: 'a', tool: 'x', span_id: 's1', parent_span_id: 's2' }),
      toolCall(20, { application_id: 'b', tool: 'y', span_id: 's2', parent_span_id: 's1' }),
    ])
    expect(explain(store, 'req-loop').roots.map(shape)).toEqual([{ y: ['x (trace)'] }])
  })

  it('shows why a call cut in flight was revoked, and says so when the revocation is no longer on record', async () => {
    const { store, log } = opened()
    store.revocations.revoke({ anchor: 'edge-cut', zoneId: ZONE, kind: 'delegation_edge', reason: 'compromised agent', revokedAt: T0 + 15, expiresAt: T0 + 3_600_000 })
    await recordAll(log, 'req-revoked', [
      toolCall(20, delegated('read_a', undefined, 'edge-cut', { upstream_status: 'revoked', latency_ms: 12.25, revoked_anchor: 'edge-cut' })),
      toolCall(30, delegated('read_b', undefined, 'edge-gone', { upstream_status: 'revoked', latency_ms: 3, revoked_anchor: 'sess-purged' })),
    ])
    const e = explain(store, 'req-revoked')
    expect(e).toMatchObject({ calls: 2, revoked: 2 })
    expect(e.roots[0]).toMatchObject({ revoked_anchor: 'edge-cut', revocation: { kind: 'delegation_edge', reason: 'compromised agent', revoked_at: '2025-06-01T12:00:00.015Z' } })
    expect(e.roots[1]).toMatchObject({ revoked_anchor: 'sess-purged', revocation: null })
    expect(explanationLines(e)).toEqual([
      'request req-revoked: 2 calls over 1 hop, 0 denied, 2 revoked in flight',
      '- hop 1 planner (session sess-planner, edge edge-cut) files__read_a [files/read] allow → revoked 12.3 ms; revoked anchor edge-cut: delegation_edge revoked at 2025-06-01T12:00:00.015Z, reason compromised agent',
      '- hop 1 planner (session sess-planner, edge edge-gone) files__read_b [files/read] allow → revoked 3.0 ms; revoked anchor sess-purged: its revocation is no longer on record',
    ])
  })

  it('explains prompts, resources, unknown names and approval holds, with the step-up rows of the hold', async () => {
    const { store, log } = opened()
    await recordAll(log, 'req-kinds', [
      { eventType: 'mcp_request', decision: 'allow', evaluationStatus: 'complete', occurredAt: new Date(T0 + 1), metadata: { method: 'prompts/get', application_id: 'a', server: 'docs', prompt: 'summarize', group: 'read' } },
      { eventType: 'mcp_request', decision: 'deny', evaluationStatus: 'not_grantable', occurredAt: new Date(T0 + 2), metadata: { method: 'resources/read', application_id: 'a', server: 'docs', uri: 'file:///etc/passwd', group: 'read' } },
      { eventType: 'tool_call', decision: 'deny', evaluationStatus: 'unknown', occurredAt: new Date(T0 + 3), metadata: { application_id: 'a', requested: 'nope__nothing' } },
      { eventType: 'step_up_issued', decision: 'pending', evaluationStatus: 'complete', occurredAt: new Date(T0 + 4), metadata: { challenge_id: 'appr-1', application_id: 'a' } },
      { eventType: 'tool_call', decision: 'pending', evaluationStatus: 'approval_required', occurredAt: new Date(T0 + 5), metadata: { application_id: 'a', server: 'files', tool: 'delete', group: 'admin', approval_id: 'appr-1' } },
    ])
    expect(explanationLines(explain(store, 'req-kinds'))).toEqual([
      'request req-kinds: 4 calls over 1 hop, 2 denied, 1 held for approval',
      '- hop 0 a prompts/get docs__summarize [docs/read] allow',
      '- hop 0 a resources/read file:///etc/passwd [docs/read] deny: not_grantable',
      '- hop 0 a tools/call nope__nothing (not in the catalogue) deny: unknown',
      '- hop 0 a files__delete [files/admin] held for approval appr-1',
      '  · step_up_issued appr-1 pending',
    ])
  })

  it('explains a request with no calls, and its JSON form round-trips', async () => {
    const { store, log } = opened()
    await recordAll(log, 'req-none', [{ eventType: 'token_exchange', decision: 'allow', evaluationStatus: 'complete', occurredAt: new Date(T0), metadata: { application_id: 'a', resource: 'resource://x' } }])
    const e = explain(store, 'req-none')
    expect(explanationLines(e)).toEqual(['request req-none: no calls, 1 other decision', 'not attributed to a call:', '  · token_exchange resource://x allow (application a)'])
    expect(JSON.parse(JSON.stringify(e))).toEqual(e)
  })
})
