// One audit row as `audit explain` reads it: a call node (a `tool_call` or `mcp_request` row) or
// a decision to hang under one. Rows are read leniently, field by field: a row written before a
// field existed (trace ids, the forwarded hop) still explains, it just links less precisely.

/** An audit row as the admin API shows it (`auditEventJson`: row as stored, JSON columns parsed). */
export type ExplainRow = Readonly<Record<string, unknown>>

/** Why an anchor was revoked, as the revocation store keeps it. */
export interface RevocationFact {
  kind: string
  reason: string
  /** Epoch milliseconds. */
  revokedAt: number
}

/** The revocation of `anchor` that was live at `atMs`, if it is still on record. */
export type RevocationLookup = (anchor: string, atMs: number) => RevocationFact | undefined

/** A row of the request that is not a call: an exchange, a delegation, a session change… */
export interface AttachedDecision {
  id: string
  zone_id: string
  chain_seq: number
  event_type: string
  decision: string
  evaluation_status: string
  /** Set for a deny: the reason the row gives. */
  deny_reason?: string
  occurred_at: string
  diagnostics: Record<string, unknown>[]
  metadata: Record<string, unknown>
}

/** Where the proxy forwarded a call to an agent server: the session and delegation it gave that agent. */
export interface ForwardedHop {
  application_id?: string
  agent_session_id?: string
  delegation_edge_id?: string
}

/** What was called: a tool, a prompt, a resource uri, or a name the catalogue did not know. */
export interface CallTarget {
  kind: 'tool' | 'prompt' | 'uri' | 'requested'
  name: string
}

/**
 * How a call hangs under its parent: `delegation` when the parent forwarded to the agent under
 * the very delegation this call used (signed mandates vouch for it), `trace` when only the
 * caller's traceparent says so (nothing vouches for it), `root` when nothing links it.
 */
export type ParentLink = 'root' | 'delegation' | 'trace'

export interface CallNode {
  id: string
  zone_id: string
  chain_seq: number
  occurred_at: string
  event_type: string
  /** The MCP method of an `mcp_request` row (tool calls are `tools/call`). */
  method?: string
  /** 0 for the user's own client; n for a call made under a delegation path of n edges. */
  hop: number
  application_id?: string
  subject?: string
  agent_session_id?: string
  delegation_edge_id?: string
  delegation_path?: string[]
  server?: string
  target?: CallTarget
  group?: string
  resource?: string
  decision: string
  evaluation_status: string
  /** Set for a deny: the reason the row gives. */
  deny_reason?: string
  approval_id?: string
  upstream_status?: string
  latency_ms?: number
  revoked_anchor?: string
  /** For a revoked anchor: why it was revoked, or null when the revocation is no longer on record. */
  revocation?: { kind: string; reason: string; revoked_at: string } | null
  trace_id?: string
  span_id?: string
  parent_span_id?: string
  forwarded_to?: ForwardedHop
  link: ParentLink
  /** Set when the parent was picked by time among this many calls forwarded under the same delegation. */
  link_candidates?: number
  decisions: AttachedDecision[]
  children: CallNode[]
}

export const CALL_EVENT_TYPES: ReadonlySet<string> = new Set(['tool_call', 'mcp_request'])

export function isCallRow(row: ExplainRow): boolean {
  return CALL_EVENT_TYPES.has(str(row, 'event_type') ?? '')
}

export function metadataOf(row: ExplainRow): Record<string, unknown> {
  return record(row['metadata']) ?? {}
}

export function str(from: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = from[key]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function num(from: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = from[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined
}

/** The row's time in epoch milliseconds. */
export function occurredMs(row: ExplainRow): number {
  const ms = Date.parse(str(row, 'occurred_at') ?? '')
  return Number.isNaN(ms) ? 0 : ms
}

/**
 * The deny reason: the evaluation status, with the diagnostics' reasons it does not already
 * name (an exchange-level deny says `exchange_denied` there, and the cause in a diagnostic).
 */
export function denyReason(row: ExplainRow): string {
  const status = str(row, 'evaluation_status') ?? 'unknown'
  const extra = diagnosticsOf(row)
    .map((d) => d['reason'])
    .filter((r): r is string => typeof r === 'string' && r !== '' && !status.includes(r))
  return extra.length > 0 ? `${status} (${[...new Set(extra)].join(', ')})` : status
}

function diagnosticsOf(row: ExplainRow): Record<string, unknown>[] {
  const d = row['diagnostics']
  return Array.isArray(d) ? d.map(record).filter((x): x is Record<string, unknown> => x !== undefined) : []
}

/** Where a row sits: its id, its zone's chain and its time. */
function placeOf(row: ExplainRow): { id: string; zone_id: string; chain_seq: number; occurred_at: string } {
  return { id: str(row, 'id') ?? '', zone_id: str(row, 'zone_id') ?? '', chain_seq: num(row, 'chain_seq') ?? 0, occurred_at: str(row, 'occurred_at') ?? '' }
}

export function attachedDecision(row: ExplainRow): AttachedDecision {
  return withoutUndefined<AttachedDecision>({
    ...placeOf(row),
    event_type: str(row, 'event_type') ?? 'unknown',
    decision: str(row, 'decision') ?? '',
    evaluation_status: str(row, 'evaluation_status') ?? '',
    deny_reason: str(row, 'decision') === 'deny' ? denyReason(row) : undefined,
    diagnostics: diagnosticsOf(row),
    metadata: metadataOf(row),
  })
}

/** A call row as a node, not yet linked; revoked anchors are looked up as of the call's time. */
export function callNode(row: ExplainRow, revocationOf: RevocationLookup): CallNode {
  const m = metadataOf(row)
  const decision = str(row, 'decision') ?? ''
  const hop = record(m['hop'])
  const revokedAnchor = str(m, 'revoked_anchor')
  const revocation = revokedAnchor === undefined ? undefined : revocationOf(revokedAnchor, occurredMs(row))
  return withoutUndefined<CallNode>({
    ...placeOf(row),
    event_type: str(row, 'event_type') ?? '',
    method: str(m, 'method'),
    hop: num(m, 'delegation_hop_count') ?? 0,
    application_id: str(m, 'application_id'),
    subject: str(m, 'subject'),
    agent_session_id: str(m, 'agent_session_id'),
    delegation_edge_id: str(m, 'delegation_edge_id'),
    delegation_path: strings(m['delegation_path']),
    server: str(m, 'server'),
    target: targetOf(m),
    group: str(m, 'group'),
    resource: str(m, 'resource'),
    decision,
    evaluation_status: str(row, 'evaluation_status') ?? '',
    deny_reason: decision === 'deny' ? denyReason(row) : undefined,
    approval_id: str(m, 'approval_id'),
    upstream_status: str(m, 'upstream_status'),
    latency_ms: num(m, 'latency_ms'),
    revoked_anchor: revokedAnchor,
    revocation: revokedAnchor === undefined ? undefined : revocation ? { kind: revocation.kind, reason: revocation.reason, revoked_at: new Date(revocation.revokedAt).toISOString() } : null,
    trace_id: str(m, 'trace_id'),
    span_id: str(m, 'span_id'),
    parent_span_id: str(m, 'parent_span_id'),
    forwarded_to: hop && withoutUndefined<ForwardedHop>({ application_id: str(hop, 'application_id'), agent_session_id: str(hop, 'agent_session_id'), delegation_edge_id: str(hop, 'delegation_edge_id') }),
    link: 'root',
    decisions: [],
    children: [],
  })
}

/** Absent fields stay absent in the JSON document rather than reading as explicit nulls elsewhere. */
function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

function targetOf(m: Record<string, unknown>): CallTarget | undefined {
  for (const kind of ['tool', 'prompt', 'uri'] as const) {
    const name = str(m, kind)
    if (name !== undefined) return { kind, name }
  }
  // A name the catalogue did not know is recorded as given (or null when there was none).
  return 'requested' in m ? { kind: 'requested', name: str(m, 'requested') ?? '(none)' } : undefined
}
