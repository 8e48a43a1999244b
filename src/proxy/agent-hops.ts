// Delegation across MCP hops (SPEC §7): a protected server that is itself an agent gets, with
// every call forwarded to it, an agent mandate of its own — for a session of its application and a
// delegation edge into that session from the caller's, narrowed to what the caller holds of the
// scopes the config delegates, with fewer hops left than the caller has and no longer life. The
// session and edge are made once per caller session (and the caller's own edge) and reused while
// they stand. When the agent calls back in with its mandate, every exchange re-validates the
// chain live; revoking anything upstream of it revokes the edge, ends the session and cancels the
// calls in flight under them.
import { groupResource, groupScopes, type AgentProtection, type ServerProtection } from '../config/index.js'
import { DelegationRefusedError, maxHopsOf, type Delegations } from '../delegation/index.js'
import { SessionInputError, SessionLimitError, type AgentSessions } from '../sessions/index.js'
import { isEdgeLive, isSessionLive, sessionDeadline, type Store } from '../store/index.js'
import { StsError, type TokenExchange } from '../sts/index.js'
import type { Principal } from './tool-call-authorizer.js'

/** What an agent server receives for one call: its mandate, and what that mandate stands on. */
export interface HopGrant {
  token: string
  applicationId: string
  agentSessionId: string
  delegationEdgeId: string
  /** Revoking any of these cancels the forwarded call. */
  anchors: string[]
}

export type HopOutcome = { ok: true; grant: HopGrant } | { ok: false; reason: string }

export interface AgentHopsDeps {
  store: Store
  sessions: AgentSessions
  delegations: Delegations
  exchange: TokenExchange
  protection: Readonly<Record<string, ServerProtection>>
  zoneOf: (server: string) => string
  /** The zone's active policy version: a hop is made again under a new one. */
  policyVersion: (zoneId: string) => string | undefined
  now?: () => number
}

/** A hop made for one caller: its session and edge, and the newest mandate minted for it. */
interface Hop extends MadeHop {
  callerApplicationId: string
  /** The policy version its narrowing was decided under. */
  policyVersion: string
  token?: string
  tokenExpiresAt?: number
}

interface MadeHop {
  applicationId: string
  agentSessionId: string
  delegationEdgeId: string
  expiresAt: number
}

/** An edge with less life than this left is not reused: a call forwarded under it could outlive it. */
const REUSE_MARGIN_MS = 60_000
/** A hop's mandate is minted again this long before it expires (as resource mandates are cached). */
const TOKEN_MARGIN_MS = 35_000
/** Hops remembered at most; one forgotten is made again (a new session and edge) on its next call. */
const MAX_HOPS_REMEMBERED = 10_000
/** Resources an edge may name (the constraint's bound). */
const MAX_EDGE_RESOURCES = 64
/**
 * Live hops one calling application may hold at a time: each is a session of the agent's
 * application, and those are limited per application, so one caller minting sessions in a loop
 * must not use up an agent's sessions for everyone else.
 */
const MAX_HOPS_PER_CALLER_APPLICATION = 1_000

export class AgentHops {
  readonly #d: AgentHopsDeps
  readonly #now: () => number
  readonly #hops = new Map<string, Hop>()
  readonly #perCaller = new Map<string, number>()
  /** One creation per caller at a time: concurrent first calls share it. */
  readonly #pending = new Map<string, Promise<HopOutcome>>()

  constructor(deps: AgentHopsDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
  }

  /** Whether calls to this server are delegated to an agent. */
  isAgent(server: string): boolean {
    return this.#d.protection[server]?.agent !== undefined
  }

  /** The agent mandate for forwarding one call of `principal` to `server`, or why there is none. */
  async grant(principal: Principal, server: string, requestId: string): Promise<HopOutcome> {
    const agent = this.#d.protection[server]?.agent
    const m = principal.mandate
    if (!agent) return { ok: false, reason: 'not_an_agent' }
    // A gateway mandate is one call's authority, spent by this very call: nothing to pass on.
    if (m.use !== 'session' || !m.sessionId) return { ok: false, reason: 'hop_requires_agent_mandate' }
    const version = this.#d.policyVersion(m.zoneId)
    if (version === undefined) return { ok: false, reason: 'policy_eval_failed' }
    const key = `${m.zoneId} ${m.sessionId} ${m.delegationId ?? ''} ${server}`
    const pending = this.#pending.get(key)
    if (pending) return pending
    const outcome = this.#grant(key, principal, agent, version, requestId).finally(() => this.#pending.delete(key))
    this.#pending.set(key, outcome)
    return outcome
  }

  async #grant(key: string, principal: Principal, agent: AgentProtection, policyVersion: string, requestId: string): Promise<HopOutcome> {
    const nowMs = this.#now()
    let hop = this.#hops.get(key)
    if (hop) {
      const edge = this.#d.store.delegationEdges.get(hop.delegationEdgeId)
      const session = this.#d.store.agentSessions.get(hop.agentSessionId)
      // Revoked or ended by someone: this caller's calls to the agent are refused until the edge
      // would have expired. Making a new one would undo the revocation.
      if (!edge || edge.status === 'revoked' || !session || session.status !== 'active') {
        if (nowMs < hop.expiresAt) return { ok: false, reason: 'delegation_revoked' }
        this.#forget(key)
        hop = undefined
      } else if (!isEdgeLive(edge, nowMs) || !isSessionLive(session, nowMs) || hop.expiresAt - nowMs < REUSE_MARGIN_MS || hop.policyVersion !== policyVersion) {
        // (The narrowing was decided under one policy version: under another, it is decided again.)
        this.#forget(key)
        hop = undefined
      }
    }
    if (!hop) {
      if ((this.#perCaller.get(principal.mandate.clientId) ?? 0) >= MAX_HOPS_PER_CALLER_APPLICATION) this.#sweep(nowMs)
      if ((this.#perCaller.get(principal.mandate.clientId) ?? 0) >= MAX_HOPS_PER_CALLER_APPLICATION) return { ok: false, reason: 'hop_limit_per_application' }
      const made = await this.#make(principal, agent, requestId, nowMs)
      if (!('agentSessionId' in made)) return made
      hop = { ...made, callerApplicationId: principal.mandate.clientId, policyVersion }
      this.#remember(key, hop, nowMs)
    }
    if (hop.token === undefined || hop.tokenExpiresAt! - nowMs < TOKEN_MARGIN_MS) {
      try {
        const minted = await this.#d.exchange.agentMandateForHop(
          { applicationId: hop.applicationId, agentSessionId: hop.agentSessionId, delegationEdgeId: hop.delegationEdgeId, ttlSeconds: Math.floor((hop.expiresAt - nowMs) / 1000) },
          requestId,
        )
        hop.token = minted.access_token
        hop.tokenExpiresAt = nowMs + minted.expires_in * 1000
      } catch (error) {
        if (error instanceof StsError) return { ok: false, reason: `hop_mandate_refused: ${error.wireCode}` }
        throw error
      }
    }
    return {
      ok: true,
      grant: { token: hop.token, applicationId: hop.applicationId, agentSessionId: hop.agentSessionId, delegationEdgeId: hop.delegationEdgeId, anchors: [hop.delegationEdgeId, hop.agentSessionId] },
    }
  }

  /** A session of the agent's application and an edge into it from the caller's session. */
  async #make(principal: Principal, agent: AgentProtection, requestId: string, nowMs: number): Promise<MadeHop | { ok: false; reason: string }> {
    const m = principal.mandate
    const zoneId = m.zoneId
    const caller = this.#d.store.agentSessions.get(m.sessionId!)
    if (!caller) return { ok: false, reason: 'hop_requires_agent_session' }
    const parent = m.delegationId ? this.#d.store.delegationEdges.get(m.delegationId) : undefined
    if (m.delegationId && !parent) return { ok: false, reason: 'delegation_invalid' }

    // Hops: the configured number, below what the caller's own edge leaves.
    const maxHops = parent ? Math.min(agent.delegate.maxHops, maxHopsOf(parent.constraints) - 1) : agent.delegate.maxHops
    if (maxHops < 1) return { ok: false, reason: 'hop_limit_reached' }
    // Life: the configured TTL, within the caller's mandate, session and edge.
    const ttlSeconds = parent?.constraints.ttl_seconds !== undefined ? Math.min(agent.delegate.ttlSeconds, parent.constraints.ttl_seconds) : agent.delegate.ttlSeconds
    const bounds = [nowMs + ttlSeconds * 1000, m.expiresAt * 1000]
    if (caller.lifecycle === 'task') bounds.push(sessionDeadline(caller))
    if (parent) bounds.push(parent.expiresAt)
    const expiresAt = Math.min(...bounds)
    if (expiresAt - nowMs < REUSE_MARGIN_MS) return { ok: false, reason: 'caller_authority_ends_too_soon' }
    // An operator revoked this caller's delegation to the agent: it is not made again behind
    // their back (nor after a restart) until it would have expired.
    if (this.#d.store.delegationEdges.revokedFrom({ sourceSessionId: caller.id, receiverApplicationId: agent.application, parentEdgeId: parent?.id ?? null, nowMs })) {
      return { ok: false, reason: 'delegation_revoked' }
    }
    // Authority: what the caller could be granted now of what the config delegates.
    const authority = this.#narrowed(principal, zoneId, agent.delegate.scopes)
    if (authority.scopes.length === 0) return { ok: false, reason: 'delegation_empty' }
    if (authority.resources.length > MAX_EDGE_RESOURCES) return { ok: false, reason: 'delegation_too_broad' }

    let agentSessionId: string
    try {
      const session = await this.#d.sessions.start({
        zoneId, applicationId: agent.application, lifecycle: 'task', ttlSeconds: Math.ceil((expiresAt - nowMs) / 1000), requestId, startedBy: `mcp-proxy for ${m.clientId}`,
      })
      agentSessionId = session.id
    } catch (error) {
      // The agent's application is unknown or disabled, or has as many sessions as it may.
      if (error instanceof SessionLimitError || error instanceof SessionInputError) return { ok: false, reason: `hop_session_refused: ${error.message}` }
      throw error
    }
    try {
      const edge = await this.#d.delegations.create({
        zoneId, callerApplicationId: m.clientId, sourceSessionId: caller.id, targetSessionId: agentSessionId, scopes: authority.scopes,
        constraints: { resources: authority.resources, max_hops: maxHops }, ttlSeconds, expiresAt: new Date(expiresAt).toISOString(),
        ...(parent && { parentEdgeId: parent.id }), requestId,
      })
      // The proxy accepts for the agent's application: the config names it as this server's agent.
      // (An edge within one application needs no acceptance and has it already.)
      if (edge.acceptedAt === null) await this.#d.delegations.accept(zoneId, edge.id, agent.application, requestId)
      return { applicationId: agent.application, agentSessionId, delegationEdgeId: edge.id, expiresAt: edge.expiresAt }
    } catch (error) {
      // A session no edge leads into is of no use to anyone: it ends now.
      await this.#d.sessions.terminate(zoneId, agentSessionId, 'delegation_refused', requestId).catch(() => {})
      if (error instanceof DelegationRefusedError) return { ok: false, reason: `delegation_refused: ${error.wireCode}` }
      throw error
    }
  }

  /**
   * The scopes and tool-group resources of the zone an edge may carry: of the delegated scopes,
   * those the caller could be granted now (policy, its own edge, nothing minted), on the resources
   * it could be granted them on. A resource is kept only if the caller holds on it every edge scope
   * it declares: an edge carries one scope set for all its resources, so a scope held on one
   * resource must not reach another.
   */
  #narrowed(principal: Principal, zoneId: string, delegated: readonly string[]): { scopes: string[]; resources: string[] } {
    const candidates = new Map<string, string[]>()
    for (const [server, p] of Object.entries(this.#d.protection)) {
      if (this.#d.zoneOf(server) !== zoneId) continue
      for (const [group, g] of Object.entries(p.groups)) {
        const declared = groupScopes(g)
        if (declared.some((s) => delegated.includes(s))) candidates.set(groupResource(server, group, g), declared)
      }
    }
    const grants = [...candidates].flatMap(([resource, declared]) => declared.filter((s) => delegated.includes(s)).map((s) => ({ resource, scopes: [s] })))
    let statuses: string[]
    try {
      statuses = this.#d.exchange.previewResources(principal.token, grants)
    } catch (error) {
      if (error instanceof StsError) return { scopes: [], resources: [] }
      throw error
    }
    const held = new Map<string, Set<string>>()
    grants.forEach((g, i) => {
      if (statuses[i] !== 'complete') return
      const set = held.get(g.resource) ?? new Set<string>()
      set.add(g.scopes[0]!)
      held.set(g.resource, set)
    })
    let kept = [...held.keys()]
    for (;;) {
      const scopes = new Set(kept.flatMap((r) => [...held.get(r)!]))
      const next = kept.filter((r) => candidates.get(r)!.every((s) => !scopes.has(s) || held.get(r)!.has(s)))
      if (next.length === kept.length) return { scopes: [...scopes].sort(), resources: kept.sort() }
      kept = next
    }
  }

  #remember(key: string, hop: Hop, nowMs: number): void {
    if (this.#hops.size >= MAX_HOPS_REMEMBERED) this.#sweep(nowMs)
    if (this.#hops.size >= MAX_HOPS_REMEMBERED) this.#forget(this.#hops.keys().next().value!)
    this.#hops.set(key, hop)
    this.#perCaller.set(hop.callerApplicationId, (this.#perCaller.get(hop.callerApplicationId) ?? 0) + 1)
  }

  /** Forgets the hops whose edges have expired. */
  #sweep(nowMs: number): void {
    for (const [key, hop] of this.#hops) if (hop.expiresAt <= nowMs) this.#forget(key)
  }

  #forget(key: string): void {
    const hop = this.#hops.get(key)
    if (!hop) return
    this.#hops.delete(key)
    const left = (this.#perCaller.get(hop.callerApplicationId) ?? 1) - 1
    if (left > 0) this.#perCaller.set(hop.callerApplicationId, left)
    else this.#perCaller.delete(hop.callerApplicationId)
  }
}
