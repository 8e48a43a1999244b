// Delegation edges: created under Caracal's rules in Caracal's order (contract §5.2), accepted by
// a receiver of another application before it can use them, and revoked with the cascade of
// §4.3 (downstream edges revoked, affected target subtrees terminated). Every create and revoke
// advances the zone's delegation epoch in the same transaction, so any mandate minted before a
// graph change reads as stale wherever the epoch is followed.
import type { AuditLog } from '../audit/index.js'
import { DEFAULT_REVOCATION_TTL_MS } from '../mandate/index.js'
import type { AgentSessions, Ended } from '../sessions/index.js'
import { isEdgeLive, isSessionLive, type AgentSessionRow, type DelegationEdgeRow, type Store } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { maxHopsOf, parseConstraints } from './constraints.js'
import { DelegationRefusedError } from './errors.js'

/** The longest chain of edges, and how far the cycle check walks (Caracal's MAX_DEPTH). */
export const MAX_DELEGATION_DEPTH = 10

export interface NewDelegation {
  zoneId: string
  /** The application making the request (the bearer's); it must own the issuer application. */
  callerApplicationId: string
  sourceSessionId: string
  targetSessionId: string
  issuerApplicationId?: string
  receiverApplicationId?: string
  /** One resource identifier the edge is for. */
  resource?: string
  scopes: readonly string[]
  constraints?: unknown
  ttlSeconds?: number
  /** RFC 3339. */
  expiresAt?: string
  parentEdgeId?: string
  /** Operators may create an edge bound to no resource ("broad"); applications may not. */
  allowBroad?: boolean
  requestId: string
}

export interface DelegationsDeps {
  store: Store
  audit: AuditLog
  sessions: AgentSessions
  now?: () => number
}

const refuse = (code: ConstructorParameters<typeof DelegationRefusedError>[0], message: string): never => {
  throw new DelegationRefusedError(code, message)
}

/** Edge fields for audit metadata. */
export function edgeAuditMetadata(e: DelegationEdgeRow): Record<string, unknown> {
  return {
    delegation_edge_id: e.id,
    source_session_id: e.sourceSessionId,
    target_session_id: e.targetSessionId,
    issuer_application_id: e.issuerApplicationId,
    receiver_application_id: e.receiverApplicationId,
    ...(e.parentEdgeId && { parent_edge_id: e.parentEdgeId }),
    scopes: e.scopes,
    constraints: e.constraints,
    expires_at: new Date(e.expiresAt).toISOString(),
    depth: e.depth,
  }
}

/**
 * The resource identifiers an edge admits (empty: broad). A named resource bounds the edge to
 * itself whatever constraints.resources adds, as the mint-time check (`edgeAdmits`) reads it.
 */
export function edgeResources(store: Store, edge: DelegationEdgeRow): string[] {
  if (edge.resourceId) {
    const identifier = store.resources.identifierOf(edge.resourceId)
    const named = edge.constraints.resources ?? []
    // An identifier that no longer resolves admits nothing, never everything.
    return identifier && (named.length === 0 || named.includes(identifier)) ? [identifier] : ['\u0000unresolvable']
  }
  return edge.constraints.resources ?? []
}

export class Delegations {
  readonly #store: Store
  readonly #audit: AuditLog
  readonly #sessions: AgentSessions
  readonly #now: () => number

  constructor(deps: DelegationsDeps) {
    this.#store = deps.store
    this.#audit = deps.audit
    this.#sessions = deps.sessions
    this.#now = deps.now ?? Date.now
  }

  get(zoneId: string, id: string): DelegationEdgeRow {
    const edge = this.#store.delegationEdges.get(id)
    if (!edge || edge.zoneId !== zoneId) refuse('delegation_not_found', `delegation ${id} does not exist in this zone`)
    return edge!
  }

  list(filter: { zoneId: string; sessionId?: string; limit?: number }): DelegationEdgeRow[] {
    return this.#store.delegationEdges.list(filter)
  }

  async create(input: NewDelegation): Promise<DelegationEdgeRow> {
    const nowMs = this.#now()
    // 1. Body: scopes, strict constraints, ttl_seconds copied in.
    const scopes = [...new Set(input.scopes)].sort()
    if (scopes.length === 0 || scopes.length > 64 || scopes.some((s) => typeof s !== 'string' || s === '' || /\s/.test(s))) refuse('invalid_body', 'scopes is 1–64 scopes without whitespace')
    const constraints = parseConstraints(input.constraints)
    if (input.ttlSeconds !== undefined) {
      if (!Number.isSafeInteger(input.ttlSeconds) || input.ttlSeconds < 1 || input.ttlSeconds > 86_400) refuse('invalid_body', 'ttl_seconds is an integer from 1 to 86400')
      constraints.ttl_seconds = Math.min(input.ttlSeconds, constraints.ttl_seconds ?? input.ttlSeconds)
    }
    const explicit = input.expiresAt ?? constraints.expires_at
    if (explicit !== undefined && Number.isNaN(Date.parse(explicit))) refuse('invalid_body', 'expires_at is an RFC 3339 time')
    // 2. An expiry is required.
    if (explicit === undefined && constraints.ttl_seconds === undefined) refuse('delegation_expiry_required', 'a delegation needs expires_at or ttl_seconds')
    const expiresAt = Math.min(explicit !== undefined ? Date.parse(explicit) : Infinity, constraints.ttl_seconds !== undefined ? nowMs + constraints.ttl_seconds * 1000 : Infinity)
    // 3. The caller owns the issuer application (by default, the source session's).
    const issuerApplicationId = input.issuerApplicationId ?? this.#store.agentSessions.get(input.sourceSessionId)?.applicationId ?? input.callerApplicationId
    if (issuerApplicationId !== input.callerApplicationId) refuse('issuer_ownership_required', 'only the issuer application may delegate from its sessions')
    // 4. No self-delegation.
    if (input.sourceSessionId === input.targetSessionId) refuse('self_delegation_denied', 'source and target are the same session')
    // 5. A broad edge (bound to no resource) is for operators only.
    const bounded = input.resource !== undefined || (constraints.resources?.length ?? 0) > 0
    if (!bounded && !input.allowBroad) refuse('delegation_broad_denied', 'name a resource (or constraints.resources): edges bound to no resource are for operators')

    const { edge, epoch } = this.#store.transaction(() => {
      // 7. Both endpoints live sessions of this zone, owned by the named applications.
      const source = this.#liveEndpoint(input.zoneId, input.sourceSessionId, nowMs)
      const target = this.#liveEndpoint(input.zoneId, input.targetSessionId, nowMs)
      const receiverApplicationId = input.receiverApplicationId ?? target.applicationId
      if (source.applicationId !== issuerApplicationId || target.applicationId !== receiverApplicationId) refuse('delegation_application_mismatch', 'the sessions are not owned by the issuer and receiver applications')
      // 8. Resources resolve.
      const resourceRow = input.resource !== undefined ? this.#store.resources.get(input.zoneId, input.resource) : undefined
      if (input.resource !== undefined && !resourceRow) refuse('resource_not_found', `resource ${input.resource} does not exist in this zone`)
      const named = constraints.resources ?? []
      if (resourceRow && named.length > 0 && !named.includes(resourceRow.identifier)) refuse('delegation_resource_scope_mismatch', 'resource is not among constraints.resources')
      const identifiers = named.length > 0 ? named : resourceRow ? [resourceRow.identifier] : []
      const declared = new Set<string>()
      for (const identifier of identifiers) {
        const row = this.#store.resources.get(input.zoneId, identifier)
        if (!row) refuse('resource_not_found', `resource ${identifier} does not exist in this zone`)
        row!.scopes.forEach((s) => declared.add(s))
      }
      // 9. Scopes within what the resources declare.
      if (identifiers.length > 0) {
        const outside = scopes.find((s) => !declared.has(s))
        if (outside) refuse('delegation_scopes_exceed_resource', `scope ${outside} is not declared by the delegated resources`)
      }
      // The source session's own authority bounds what it can pass on.
      this.#withinSessionAuthority(source, scopes, identifiers)
      // 10. The parent edge: the source's live inbound edge, named when there are several.
      const inbound = this.#store.delegationEdges.inbound(source.id, nowMs).filter((e) => isEdgeLive(e, nowMs))
      let parent: DelegationEdgeRow | undefined
      if (input.parentEdgeId !== undefined) {
        parent = inbound.find((e) => e.id === input.parentEdgeId)
        if (!parent) refuse('parent_delegation_not_active', `delegation ${input.parentEdgeId} is not a live delegation into the source session`)
      } else if (inbound.length > 1) {
        refuse('parent_delegation_ambiguous', 'the source session holds several delegations: name one as parent_edge_id')
      } else {
        parent = inbound[0]
      }
      // 11. Narrowing against the parent.
      if (parent) this.#narrows(parent, scopes, identifiers, constraints, expiresAt)
      // 12. No cycle: the target must not reach the source.
      if (this.#reaches(target.id, source.id, nowMs)) refuse('delegation_cycle_denied', 'the delegation would close a cycle')
      // 13. Expiry in the future; the depth bound.
      if (expiresAt <= nowMs) refuse('delegation_expired', 'the delegation would be expired already')
      const depth = (parent?.depth ?? 0) + 1
      if (depth > MAX_DELEGATION_DEPTH) refuse('delegation_depth_exceeded', `delegation chains are at most ${MAX_DELEGATION_DEPTH} edges long`)
      const row = this.#store.delegationEdges.create({
        id: uuid7(nowMs),
        zoneId: input.zoneId,
        sourceSessionId: source.id,
        targetSessionId: target.id,
        issuerApplicationId,
        receiverApplicationId,
        parentEdgeId: parent?.id ?? null,
        resourceId: resourceRow?.id ?? null,
        scopes,
        constraints,
        status: 'active',
        expiresAt,
        edgeVersion: 1,
        depth,
        // A receiver of the same application has nothing to accept.
        acceptedAt: receiverApplicationId === issuerApplicationId ? nowMs : null,
        revokedAt: null,
        revocationReason: null,
        createdAt: nowMs,
      })
      // 14. The graph changed.
      return { edge: row, epoch: this.#store.zones.bumpDelegationEpoch(input.zoneId) }
    })
    try {
      await this.#audit.record({
        zoneId: input.zoneId, eventType: 'delegation_created', requestId: input.requestId, decision: 'allow', evaluationStatus: 'complete',
        metadata: { ...edgeAuditMetadata(edge), delegation_graph_epoch: epoch, ...(!bounded && { broad: true }) },
      })
    } catch (error) {
      // An edge nobody can account for must not confer anything.
      this.#store.transaction(() => {
        if (this.#store.delegationEdges.revoke(edge.id, 'audit_failed', this.#now())) this.#store.zones.bumpDelegationEpoch(input.zoneId)
      })
      throw error
    }
    return edge
  }

  /** The receiver application accepts an edge from another application; until then it confers nothing. */
  async accept(zoneId: string, id: string, callerApplicationId: string, requestId: string): Promise<DelegationEdgeRow> {
    const edge = this.get(zoneId, id)
    if (edge.receiverApplicationId !== callerApplicationId) refuse('access_denied', 'only the receiver application may accept a delegation')
    if (!this.#store.delegationEdges.accept(id, this.#now())) refuse('delegation_not_pending', `delegation ${id} is not awaiting acceptance`)
    const accepted = this.get(zoneId, id)
    try {
      await this.#audit.record({ zoneId, eventType: 'delegation_accepted', requestId, decision: 'allow', evaluationStatus: 'complete', metadata: edgeAuditMetadata(accepted) })
    } catch (error) {
      this.#store.delegationEdges.unaccept(id, accepted.acceptedAt!)
      throw error
    }
    return accepted
  }

  /**
   * Revokes the edge and every live edge downstream of it (edges leaving its target, recursively),
   * terminates the affected target subtrees, and advances the epoch (contract §4.3). Either party
   * may revoke; `callerApplicationId` undefined means an operator.
   */
  async revoke(zoneId: string, id: string, reason: string, requestId: string, callerApplicationId?: string): Promise<{ edges: string[]; ended: Ended }> {
    const edge = this.get(zoneId, id)
    if (callerApplicationId !== undefined && callerApplicationId !== edge.issuerApplicationId && callerApplicationId !== edge.receiverApplicationId) {
      refuse('access_denied', 'only the issuer or receiver application may revoke a delegation')
    }
    if (reason === '' || reason.length > 500) refuse('invalid_body', 'a reason is 1–500 characters')
    if (edge.status !== 'active') refuse('delegation_not_pending', `delegation ${id} is ${edge.status} already`)
    const nowMs = this.#now()
    const result = this.#store.transaction(() => {
      const revoked: DelegationEdgeRow[] = []
      const targets: string[] = []
      let frontier = [edge]
      for (let level = 0; frontier.length > 0 && level < MAX_DELEGATION_DEPTH; level++) {
        const next: DelegationEdgeRow[] = []
        for (const e of frontier) {
          if (!this.#store.delegationEdges.revoke(e.id, reason, nowMs)) continue
          revoked.push(e)
          // Only an edge its receiver took up ends the receiving session: an issuer must not be
          // able to terminate another application's session by naming it in an unaccepted edge.
          if (e.acceptedAt !== null) targets.push(e.targetSessionId)
          this.#store.revocations.revoke({ anchor: e.id, zoneId, kind: 'delegation_edge', reason: 'delegation_revoked', revokedAt: nowMs, expiresAt: nowMs + DEFAULT_REVOCATION_TTL_MS })
          if (e.acceptedAt !== null) next.push(...this.#store.delegationEdges.outbound(e.targetSessionId, nowMs))
        }
        frontier = next
      }
      const ended = this.#sessions.terminateWithin(zoneId, [...new Set(targets)], 'delegation_revoked', nowMs)
      const epoch = this.#store.zones.bumpDelegationEpoch(zoneId)
      return { revoked, ended: { ...ended, epoch } }
    })
    await Promise.all(
      result.revoked.map((e) =>
        this.#audit.record({
          zoneId, eventType: 'delegation_revoked', requestId, decision: 'allow', evaluationStatus: 'complete',
          metadata: { ...edgeAuditMetadata(e), reason, ...(e.id !== id && { cascade_from: id }), delegation_graph_epoch: result.ended.epoch },
        }),
      ),
    )
    await this.#sessions.recordTerminated(zoneId, result.ended, requestId)
    return { edges: [...new Set([...result.revoked.map((e) => e.id), ...result.ended.edges])], ended: result.ended }
  }

  #liveEndpoint(zoneId: string, id: string, nowMs: number): AgentSessionRow {
    const session = this.#store.agentSessions.get(id)
    if (!session || session.zoneId !== zoneId || !isSessionLive(session, nowMs)) refuse('delegation_endpoint_not_found', `agent session ${id} is not a live session of this zone`)
    return session!
  }

  #withinSessionAuthority(source: AgentSessionRow, scopes: readonly string[], resources: readonly string[]): void {
    if (source.authority === 'none') refuse('delegation_exceeds_parent_authority', 'the source session has no resource authority to delegate')
    if (source.authority !== 'narrow') return
    const scope = scopes.find((s) => !source.authorityScopes!.includes(s))
    if (scope) refuse('delegation_exceeds_parent_authority', `scope ${scope} is beyond the source session's authority`)
    if (resources.length === 0 || resources.some((r) => !source.authorityResources!.includes(r))) {
      refuse('delegation_exceeds_parent_authority', "the delegated resources are beyond the source session's authority")
    }
  }

  #narrows(parent: DelegationEdgeRow, scopes: readonly string[], resources: readonly string[], constraints: ReturnType<typeof parseConstraints>, expiresAt: number): void {
    const scope = scopes.find((s) => !parent.scopes.includes(s))
    if (scope) refuse('delegation_exceeds_parent_authority', `scope ${scope} is beyond the parent delegation`)
    if (expiresAt > parent.expiresAt) refuse('delegation_exceeds_parent_authority', 'the delegation would outlive its parent')
    const parentResources = edgeResources(this.#store, parent)
    if (parentResources.length > 0 && (resources.length === 0 || resources.some((r) => !parentResources.includes(r)))) {
      refuse('delegation_exceeds_parent_authority', "the delegated resources are beyond the parent delegation's")
    }
    const parentHops = maxHopsOf(parent.constraints)
    if (parentHops <= 1) refuse('delegation_exceeds_parent_authority', 'the parent delegation allows no further hop (max_hops 1)')
    if (maxHopsOf(constraints) > parentHops - 1) refuse('delegation_exceeds_parent_authority', `max_hops must be below the parent's (${parentHops})`)
    if (parent.constraints.ttl_seconds !== undefined && (constraints.ttl_seconds === undefined || constraints.ttl_seconds > parent.constraints.ttl_seconds)) {
      refuse('delegation_exceeds_parent_authority', `ttl_seconds must be at most the parent's (${parent.constraints.ttl_seconds})`)
    }
  }

  /** Whether live edges lead from `from` to `to` within the depth bound. */
  #reaches(from: string, to: string, nowMs: number): boolean {
    let frontier = [from]
    const seen = new Set(frontier)
    for (let step = 0; step < MAX_DELEGATION_DEPTH && frontier.length > 0; step++) {
      const next: string[] = []
      for (const session of frontier) {
        for (const e of this.#store.delegationEdges.outbound(session, nowMs)) {
          if (e.targetSessionId === to) return true
          if (!seen.has(e.targetSessionId)) {
            seen.add(e.targetSessionId)
            next.push(e.targetSessionId)
          }
        }
      }
      frontier = next
    }
    return false
  }
}
