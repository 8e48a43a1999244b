// `audit explain`: the calls of one user request across every MCP hop as a tree (which call led
// to which, through which delegation), each with its decision, deny reason, upstream outcome and,
// for a call cut by a revocation, why the anchor was revoked; the request's exchanges, delegations
// and session starts hang under the call they served. Pure: rows in, tree out.
import {
  attachedDecision,
  callNode,
  isCallRow,
  occurredMs,
  str,
  type AttachedDecision,
  type CallNode,
  type ExplainRow,
  type ParentLink,
  type RevocationLookup,
} from './explain-row.js'

export interface RequestExplanation {
  request_id: string
  calls: number
  /** How many distinct hop numbers the calls span. */
  hops: number
  denied: number
  /** Held for approval. */
  held: number
  /** Cut while in flight because an anchor of their authority was revoked. */
  revoked: number
  roots: CallNode[]
  /** Token exchanges of the request that no call accounts for. */
  unattributed: AttachedDecision[]
  /** Every other row of the request: an operator's revocation, a delegation of no call here… */
  other: AttachedDecision[]
}

/** A call node with where it sits in time. */
interface Placed {
  node: CallNode
  atMs: number
  /**
   * When the call started. The proxy writes a call's row when the call completes (its outcome
   * and latency are in it), so a parent's row comes after its children's; only the start,
   * the row's time less its latency, says which call was running when another began.
   */
  startMs: number
}

export function explainRequest(requestId: string, rows: readonly ExplainRow[], revocationOf: RevocationLookup): RequestExplanation {
  const ordered = [...rows].sort(byOccurrence)
  const calls: Placed[] = ordered.filter(isCallRow).map((row) => {
    const node = callNode(row, revocationOf)
    const atMs = occurredMs(row)
    return { node, atMs, startMs: atMs - (node.latency_ms ?? 0) }
  })
  const roots = linkCalls(calls)
  const unattributed: AttachedDecision[] = []
  const other: AttachedDecision[] = []
  for (const row of ordered) {
    if (isCallRow(row)) continue
    const decision = attachedDecision(row)
    const owner = ownerOf(decision, calls)
    if (owner) owner.decisions.push(decision)
    else if (decision.event_type === 'token_exchange') unattributed.push(decision)
    else other.push(decision)
  }
  const nodes = calls.map((c) => c.node)
  return {
    request_id: requestId,
    calls: nodes.length,
    hops: new Set(nodes.map((n) => n.hop)).size,
    denied: nodes.filter((n) => n.decision === 'deny').length,
    held: nodes.filter((n) => n.decision === 'pending').length,
    revoked: nodes.filter((n) => n.upstream_status === 'revoked').length,
    roots,
    unattributed,
    other,
  }
}

/** The store's order for one request's rows: time, then zone, then place in the zone's chain. */
function byOccurrence(a: ExplainRow, b: ExplainRow): number {
  const zone = (r: ExplainRow) => str(r, 'zone_id') ?? ''
  const seq = (r: ExplainRow) => (typeof r['chain_seq'] === 'number' ? r['chain_seq'] : 0)
  return occurredMs(a) - occurredMs(b) || zone(a).localeCompare(zone(b)) || seq(a) - seq(b)
}

/** Links every call to its parent; returns the roots. Children keep the calls' order. */
function linkCalls(calls: readonly Placed[]): CallNode[] {
  const forwardedUnder = groupBy(calls, (c) => c.node.forwarded_to?.delegation_edge_id)
  const bySpan = groupBy(calls, (c) => c.node.span_id)
  const parentOf = new Map<Placed, Placed>()
  for (const call of calls) {
    const chosen = chooseParent(call, forwardedUnder, bySpan)
    // Rows are evidence, not a guarantee of a tree: a link that would close a loop is dropped.
    if (!chosen || ancestorsOf(chosen.parent, parentOf).includes(call)) continue
    parentOf.set(call, chosen.parent)
    call.node.link = chosen.link
    if (chosen.candidates !== undefined) call.node.link_candidates = chosen.candidates
  }
  for (const call of calls) parentOf.get(call)?.node.children.push(call.node)
  return calls.filter((c) => !parentOf.has(c)).map((c) => c.node)
}

function chooseParent(call: Placed, forwardedUnder: Map<string, Placed[]>, bySpan: Map<string, Placed[]>): { parent: Placed; link: ParentLink; candidates?: number } | undefined {
  const { delegation_edge_id: edge, parent_span_id: parentSpan } = call.node
  // The parent is the call the proxy forwarded under the very delegation this call used: the
  // agent got that delegation's mandate from it, so the link is as good as the signatures.
  const forwarders = edge === undefined ? [] : (forwardedUnder.get(edge) ?? []).filter((p) => p !== call)
  if (forwarders.length > 0) {
    const traced = parentSpan === undefined ? undefined : forwarders.find((p) => p.node.span_id === parentSpan)
    if (traced) return { parent: traced, link: 'delegation' }
    if (forwarders.length === 1) return { parent: forwarders[0]!, link: 'delegation' }
    // An agent called several times under one delegation, and no trace to tell them apart: the
    // latest call that had started when this one did (the earliest, if clocks say none had).
    const started = forwarders.filter((p) => p.startMs <= call.startMs)
    const parent = started.length > 0 ? started.reduce((a, b) => (b.startMs >= a.startMs ? b : a)) : forwarders.reduce((a, b) => (b.startMs < a.startMs ? b : a))
    return { parent, link: 'delegation', candidates: forwarders.length }
  }
  // Only the caller's traceparent links it: anyone can send one, so it is shown as unverified.
  const traced = parentSpan === undefined ? undefined : (bySpan.get(parentSpan) ?? []).find((p) => p !== call)
  return traced && { parent: traced, link: 'trace' }
}

function ancestorsOf(call: Placed, parentOf: Map<Placed, Placed>): Placed[] {
  const seen: Placed[] = [call]
  for (let p = parentOf.get(call); p !== undefined && !seen.includes(p); p = parentOf.get(p)) seen.push(p)
  return seen
}

/**
 * The call a non-call row served. Exchanges: the call of the same session for the same
 * resource; delegation rows: the call forwarded under that delegation; session rows: the call
 * forwarded to that session; step-up rows: the call held by that approval. The row is written
 * while its call runs, before the call's own row, so the owner is the first such call written at
 * or after it (the latest before it when none is).
 */
function ownerOf(d: AttachedDecision, calls: readonly Placed[]): CallNode | undefined {
  const m = d.metadata
  const type = d.event_type
  let owners: Placed[] = []
  if (type === 'token_exchange') {
    const session = str(m, 'agent_session_id')
    const application = str(m, 'application_id')
    const resources = resourcesOf(m['resource'])
    // The mint of an agent mandate names no resource: it served the call forwarded to that session.
    if (resources.length === 0 || resources[0] === '') owners = calls.filter(({ node }) => session !== undefined && node.forwarded_to?.agent_session_id === session)
    else owners = calls.filter(({ node }) => {
      if (node.resource === undefined || !resources.includes(node.resource)) return false
      // A client without an agent session is told apart by its application alone.
      return session !== undefined ? node.agent_session_id === session : node.agent_session_id === undefined && node.application_id === application
    })
  } else if (type.startsWith('delegation_')) {
    const edge = str(m, 'delegation_edge_id')
    owners = calls.filter(({ node }) => edge !== undefined && node.forwarded_to?.delegation_edge_id === edge)
  } else if (type.startsWith('session_')) {
    const session = str(m, 'agent_session_id')
    owners = calls.filter(({ node }) => session !== undefined && node.forwarded_to?.agent_session_id === session)
  } else if (type.startsWith('step_up_')) {
    const challenge = str(m, 'challenge_id')
    owners = calls.filter(({ node }) => challenge !== undefined && node.approval_id === challenge)
  }
  const at = Date.parse(d.occurred_at)
  return (owners.find((o) => o.atMs >= at) ?? owners.at(-1))?.node
}

/** An exchange names one resource, or (denied before any was decided) the list it asked for. */
function resourcesOf(v: unknown): string[] {
  if (typeof v === 'string') return [v]
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : []
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    if (k === undefined) continue
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}
