// Validation of a delegated mint at the STS (contract §5.3), live on every exchange: the edge,
// both sessions, their owners, the strict constraints, the requested scopes and TTL against the
// edge, the lineage from the root edge (every edge live, hop budgets respected), the chain of
// applications and sessions, and the zone's graph epoch. What it returns is what the mandate
// carries; nothing in it comes from the caller's word.
import type { ChainHop } from '../mandate/index.js'
import type { PolicyDelegationEdge } from '../policy/index.js'
import { ancestryProblem } from '../sessions/index.js'
import { isEdgeLive, isSessionLive, sessionDeadline, type AgentSessionRow, type DelegationEdgeRow, type Store } from '../store/index.js'
import { maxHopsOf, parseConstraints, MAX_HOPS_LIMIT } from './constraints.js'
import { edgeResources, MAX_DELEGATION_DEPTH } from './delegations.js'
import { DelegationInvalidError } from './errors.js'

export interface DelegatedMintRequest {
  zoneId: string
  applicationId: string
  agentSessionId: string
  edgeId: string
  requestedScopes: readonly string[]
  /** As the caller asked (before clamping), to refuse one above the edge's ttl_seconds. */
  requestedTtlSeconds?: number
  nowMs: number
}

export interface ValidatedDelegation {
  edge: DelegationEdgeRow
  /** Root first. */
  path: string[]
  chain: ChainHop[]
  epoch: number
  /** Seconds the mandate may live at most under this edge (remaining life, ttl_seconds, expires_at). */
  ttlBoundSeconds: number
  /** Resource identifiers the edge is bounded to; empty for a broad edge. */
  resources: string[]
  /** The edge as policy reads it. */
  policyEdge: PolicyDelegationEdge
}

const invalid = (detail: string): never => {
  throw new DelegationInvalidError(detail)
}

/** Live itself and under no suspended, terminated or lapsed ancestor. */
const stands = (store: Store, session: AgentSessionRow, nowMs: number) => isSessionLive(session, nowMs) && ancestryProblem(store, session, nowMs) === undefined

export function validateDelegatedMint(store: Store, req: DelegatedMintRequest): ValidatedDelegation {
  const { nowMs } = req
  const edge = store.delegationEdges.get(req.edgeId)
  if (!edge || edge.zoneId !== req.zoneId) invalid('delegation edge not found')
  if (!isEdgeLive(edge!, nowMs)) invalid(edge!.acceptedAt === null ? 'delegation not accepted by its receiver' : 'delegation edge not active')
  const e = edge!
  if (e.targetSessionId !== req.agentSessionId) invalid('the edge does not delegate to this agent session')
  const source = store.agentSessions.get(e.sourceSessionId)
  const target = store.agentSessions.get(e.targetSessionId)
  if (!source || !isSessionLive(source, nowMs)) invalid('the delegating session is not active')
  if (!target || !isSessionLive(target, nowMs)) invalid('the receiving session is not active')
  if (target!.applicationId !== req.applicationId) invalid('the receiving session belongs to another application')
  if (source!.applicationId !== e.issuerApplicationId || target!.applicationId !== e.receiverApplicationId) invalid('edge applications do not match the sessions')
  let constraints
  try {
    constraints = parseConstraints(e.constraints)
  } catch {
    return invalid('delegation constraints invalid')
  }
  const outside = req.requestedScopes.find((s) => !e.scopes.includes(s))
  if (outside) invalid(`scope ${outside} is outside the delegation`)
  if (constraints.ttl_seconds !== undefined && req.requestedTtlSeconds !== undefined && req.requestedTtlSeconds > constraints.ttl_seconds) invalid('ttl_seconds above the delegation constraint')
  const maxHops = maxHopsOf(constraints)
  if (maxHops > MAX_HOPS_LIMIT) invalid('max_hops above 10')

  // Lineage: from the edge to its root over live edges, then every edge's hop budget holds for
  // the part of the path from it down (a root with max_hops 2 admits itself and one more).
  const reversed: DelegationEdgeRow[] = [e]
  for (let cursor = e; cursor.parentEdgeId !== null; ) {
    if (reversed.length >= MAX_DELEGATION_DEPTH) invalid('delegation path invalid')
    const parent = store.delegationEdges.get(cursor.parentEdgeId)
    if (!parent || parent.zoneId !== req.zoneId || !isEdgeLive(parent, nowMs)) invalid('delegation path invalid')
    reversed.push(parent!)
    cursor = parent!
  }
  const pathEdges = reversed.reverse()
  pathEdges.forEach((p, i) => {
    if (pathEdges.length - i > maxHopsOf(p.constraints)) invalid('delegation path exceeds max_hops')
  })

  // The chain: each hop's issuer is the previous hop's receiver, joined session to session, and
  // every delegating session along it still stands (live, under no suspended or ended ancestor):
  // authority passed on dies with whoever passed it.
  const chain: ChainHop[] = []
  const bounds = [Math.floor((e.expiresAt - nowMs) / 1000)]
  pathEdges.forEach((p, i) => {
    const previous = pathEdges[i - 1]
    if (previous && (p.issuerApplicationId !== previous.receiverApplicationId || p.sourceSessionId !== previous.targetSessionId)) invalid('delegation chain broken')
    const session = store.agentSessions.get(p.sourceSessionId)
    if (!session || session.applicationId !== p.issuerApplicationId) invalid('delegation chain broken')
    if (!stands(store, session!, nowMs)) invalid('a delegating session on the path is not active')
    if (session!.lifecycle === 'task') bounds.push(Math.floor((sessionDeadline(session!) - nowMs) / 1000))
    chain.push({ application_id: p.issuerApplicationId, agent_session_id: p.sourceSessionId, delegation_edge_id: p.id })
  })
  chain.push({ application_id: e.receiverApplicationId, agent_session_id: e.targetSessionId })

  if (constraints.ttl_seconds !== undefined) bounds.push(constraints.ttl_seconds)
  if (constraints.expires_at !== undefined) bounds.push(Math.floor((Date.parse(constraints.expires_at) - nowMs) / 1000))
  const ttlBoundSeconds = Math.min(...bounds)
  if (ttlBoundSeconds <= 0) invalid('delegation TTL exhausted')

  const epoch = store.zones.delegationEpoch(req.zoneId)
  const path = pathEdges.map((p) => p.id)
  return {
    edge: e,
    path,
    chain,
    epoch,
    ttlBoundSeconds,
    resources: edgeResources(store, e),
    policyEdge: {
      id: e.id,
      sourceSessionId: e.sourceSessionId,
      targetSessionId: e.targetSessionId,
      issuerApplicationId: e.issuerApplicationId,
      receiverApplicationId: e.receiverApplicationId,
      ...(e.resourceId && { resourceId: e.resourceId }),
      scopes: e.scopes,
      edgeVersion: e.edgeVersion,
      path,
      graphEpoch: epoch,
      constraints: e.constraints as Record<string, unknown>,
    },
  }
}

/** Whether a resource is within the edge's bound (contract §5.3 step 13). */
export function edgeAdmits(v: ValidatedDelegation, resource: { id: string; identifier: string }): boolean {
  if (v.edge.resourceId !== null && v.edge.resourceId !== resource.id) return false
  const named = v.edge.constraints.resources ?? []
  return named.length === 0 || named.includes(resource.identifier)
}

/** The claims a mandate under this delegation carries (contract §2.2, §5.4). */
export function delegationClaims(v: ValidatedDelegation): {
  agent_session_id: string
  delegation_edge_id: string
  source_session_id: string
  target_session_id: string
  delegation_path: string[]
  delegation_chain: ChainHop[]
  hop_count: number
  delegation_graph_epoch?: number
} {
  return {
    agent_session_id: v.edge.targetSessionId,
    delegation_edge_id: v.edge.id,
    source_session_id: v.edge.sourceSessionId,
    target_session_id: v.edge.targetSessionId,
    delegation_path: v.path,
    delegation_chain: v.chain,
    hop_count: v.path.length,
    ...(v.epoch > 0 && { delegation_graph_epoch: v.epoch }),
  }
}
