// The decision for one use of a governed thing — a tools/call, a prompts/get, a resources/read or
// subscription — made before the MCP transport answers anything, so that a refusal the client can
// fix is an HTTP challenge: entry → group → resource mandate (exchanged, or cached and re-checked)
// → verified with the group's requirements → for a tool, the per-call tool_rules policy.
// Everything it cannot prove allowed is a verdict other than `allow`.
import type { KeyRing } from '../keys/index.js'
import { DelegationInvalidError, validateDelegatedMint } from '../delegation/index.js'
import { MandateError, verifyMandateIdentity, type RevocationStore, type VerifiedMandate } from '../mandate/index.js'
import { ENTRYPOINTS, buildToolCallInput, type PolicyEngine } from '../policy/index.js'
import type { Store } from '../store/index.js'
import { ApprovalRequiredError, DelegationReferenceError, ExchangeDeniedError, StsError, type TokenExchange } from '../sts/index.js'
import type { AgentHops, HopGrant } from './agent-hops.js'
import type { CatalogueEntry } from './catalogue.js'
import { ScopeInsufficientError, UnauthenticatedError } from './errors.js'
import { ResourceMandateCache, type CachedMandate } from './mandate-cache.js'
import { groupRequirementFailure } from './requirements.js'
import { checkStanding, dependencies } from './standing.js'

/** The authenticated caller of a request: its agent (or gateway) mandate. */
export interface Principal {
  token: string
  mandate: VerifiedMandate
  /** Sessions are bound to this: zone, application, agent session and subject. */
  key: string
}

export type Verdict =
  /**
   * `hop`: the agent mandate for a server that is itself an agent. `approvalId`: the hold a human
   * approved for this use, consumed by its mint.
   */
  | { kind: 'allow'; mandate: CachedMandate; cacheHit: boolean; hop?: HopGrant; approvalId?: string }
  /** Answered exactly like an unknown tool; the reason goes to audit only. */
  | { kind: 'deny'; reason: string }
  | { kind: 'approval'; approvalId: string; expiresAt: number }
  /** The proxy could not decide (policy engine, store): denied, and said so. */
  | { kind: 'unavailable'; reason: string }

/** How one resource exchange the authorizer asked for ended (for the proxy's metrics). */
export type ExchangeOutcome = 'minted' | 'denied' | 'approval_required' | 'unavailable' | 'unauthenticated'

export interface ToolCallAuthorizerDeps {
  issuer: string
  exchange: TokenExchange
  policy: PolicyEngine
  store: Store
  keys: KeyRing
  revocations: RevocationStore
  cache: ResourceMandateCache
  /** Delegation to agent servers; without it no server is treated as an agent. */
  hops?: AgentHops
  /** Told of every resource exchange made for a use (the cache's misses and every gateway call). */
  onExchange?: (outcome: ExchangeOutcome) => void
  now?: () => number
}

const REFUSAL_OUTCOME = { deny: 'denied', approval: 'approval_required', unavailable: 'unavailable' } as const satisfies Record<string, ExchangeOutcome>

const ENDED_AUTHORITY = new Set(['ERR_STS_SUBJECT_TOKEN_INVALID', 'ERR_STS_TOKEN_REPLAYED', 'ERR_STS_CLIENT_AUTH_FAILED', 'ERR_STS_AUTHORITY_INACTIVE', 'ERR_STS_SESSION_REFERENCE'])

export class ToolCallAuthorizer {
  readonly #d: ToolCallAuthorizerDeps
  readonly #now: () => number

  constructor(deps: ToolCallAuthorizerDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
  }

  /**
   * Throws UnauthenticatedError (401: the caller's authority ended) or ScopeInsufficientError
   * (403: a gateway mandate lacks scopes its principal could obtain); every other outcome is a verdict.
   */
  async authorize(principal: Principal, entry: CatalogueEntry, args: Record<string, unknown>, requestId: string): Promise<Verdict> {
    const presented = principal.mandate
    // Another zone's tool is not this principal's to use; refused before anything is minted, spent
    // or held (its listing already leaves such tools out).
    if (entry.zoneId !== presented.zoneId) return { kind: 'deny', reason: 'zone_invalid' }
    // What the presented mandate already shows cannot pass the group's requirements is refused
    // before anything is minted; the minted mandate is checked again below.
    const failed = groupRequirementFailure(presented, entry.config)
    if (failed) return { kind: 'deny', reason: failed }
    // A gateway mandate is one call's authority: there is nothing in it to delegate to an agent,
    // and it is refused before the exchange would spend it.
    if (presented.use === 'gateway' && entry.kind === 'tool' && this.#d.hops?.isAgent(entry.server)) return { kind: 'deny', reason: 'hop_requires_agent_mandate' }
    if (presented.use === 'gateway') {
      const lacking = !presented.targetResources.includes(entry.resource) || entry.scopes.some((s) => !presented.scope.includes(s))
      if (lacking) return this.#gatewayLacks(principal, entry)
    }
    const version = this.#d.policy.version(entry.zoneId)
    if (!version) return { kind: 'unavailable', reason: 'policy_eval_failed' }
    const key = ResourceMandateCache.key(principal.token, entry.resource, entry.scopes, version.id)
    let mandate = presented.use === 'gateway' ? undefined : this.#d.cache.get(key, this.#now())
    let cacheHit = mandate !== undefined
    if (mandate) {
      try {
        await checkStanding(mandate.verified, this.#d.revocations, this.#now())
      } catch {
        this.#d.cache.drop(key)
        mandate = undefined
        cacheHit = false
      }
    }
    // A delegated mandate from the cache skipped the exchange's live check of its path: a
    // suspended session or a lapsed edge upstream revokes no anchor of it, so the path is
    // validated here as the exchange would.
    if (mandate && presented.delegationId) {
      const broken = this.#brokenDelegation(presented, entry)
      if (broken) {
        this.#d.cache.drop(key)
        return { kind: 'deny', reason: broken }
      }
    }
    let approvalId: string | undefined
    if (!mandate) {
      const obtained = await this.#obtain(principal, entry, requestId)
      if (!('token' in obtained)) return obtained
      const { consumedApproval, ...minted } = obtained
      mandate = minted
      approvalId = consumedApproval
      // A mandate a human approved is the one use they approved: the next call asks again
      // (the hold is consumed, so policy opens a new one), rather than reuse it until it expires.
      if (presented.use !== 'gateway' && approvalId === undefined) this.#d.cache.set(key, mandate, this.#now())
    }
    const rules = entry.kind === 'tool' ? (version.data.tool_rules as Record<string, Record<string, unknown>> | undefined)?.[entry.server]?.[entry.name] : undefined
    if (rules !== undefined) {
      const decision = version.evaluate(ENTRYPOINTS.toolCall, this.#toolCallInput(presented, mandate.verified, entry, args, requestId))
      if (decision.decision !== 'allow') return decision.evaluationStatus === 'complete' ? { kind: 'deny', reason: decision.reason ?? 'tool_call_denied' } : { kind: 'unavailable', reason: decision.evaluationStatus }
    }
    // A tool of an agent server runs under a delegation of its own, made last: nothing is
    // delegated for a call refused above.
    if (entry.kind === 'tool' && this.#d.hops?.isAgent(entry.server)) {
      const hop = await this.#d.hops.grant(principal, entry.server, requestId)
      if (!hop.ok) return { kind: 'deny', reason: hop.reason }
      return { kind: 'allow', mandate, cacheHit, hop: hop.grant, ...(approvalId && { approvalId }) }
    }
    return { kind: 'allow', mandate, cacheHit, ...(approvalId && { approvalId }) }
  }

  /** Why the presented mandate's delegation no longer stands for this group, if it does not. */
  #brokenDelegation(presented: VerifiedMandate, entry: CatalogueEntry): string | undefined {
    try {
      validateDelegatedMint(this.#d.store, { zoneId: presented.zoneId, applicationId: presented.clientId, agentSessionId: presented.sessionId ?? '', edgeId: presented.delegationId!, requestedScopes: entry.scopes, nowMs: this.#now() })
      return undefined
    } catch (error) {
      if (error instanceof DelegationInvalidError) return `delegation_invalid: ${error.detail}`
      throw error
    }
  }

  /** A gateway mandate without this tool's target or scopes: a challenge if the principal could get them, else a deny. */
  #gatewayLacks(principal: Principal, entry: CatalogueEntry): Extract<Verdict, { kind: 'deny' }> {
    let status: string
    try {
      status = this.#d.exchange.previewResources(principal.token, [entry], { asSession: true })[0]!
    } catch (error) {
      throw unauthenticatedOr(error)
    }
    if (status === 'complete' || status === 'approval_required') throw new ScopeInsufficientError(entry.scopes)
    return { kind: 'deny', reason: status }
  }

  /** Exchanges the agent mandate for the group's resource mandate and verifies it as the group requires. */
  async #obtain(principal: Principal, entry: CatalogueEntry, requestId: string): Promise<(CachedMandate & { consumedApproval?: string }) | Exclude<Verdict, { kind: 'allow' }>> {
    let token: string
    let consumedApproval: string | undefined
    try {
      ;({ access_token: token, consumedApproval } = await this.#d.exchange.exchangeForResource({ subjectToken: principal.token, resource: entry.resource, scopes: entry.scopes }, requestId))
    } catch (error) {
      const refused = refusedExchange(error)
      this.#d.onExchange?.(refused ? REFUSAL_OUTCOME[refused.kind] : 'unauthenticated')
      if (refused) return refused
      throw unauthenticatedOr(error)
    }
    this.#d.onExchange?.('minted')
    const g = entry.config
    let verified: VerifiedMandate
    try {
      const nowMs = this.#now()
      verified = verifyMandateIdentity(
        token,
        {
          issuer: this.#d.issuer, audience: entry.resource, zoneId: entry.zoneId, requiredUse: 'resource', requiredScopes: entry.scopes, requiredTargets: [entry.resource],
          requireSession: g.requireSession, requireDelegation: g.requireDelegation, ...(g.requireChainContains && { requireChainContains: g.requireChainContains }),
          ...(g.maxHopCount !== undefined && { maxHopCount: g.maxHopCount }),
        },
        this.#d.keys,
        nowMs,
      )
      await checkStanding(verified, this.#d.revocations, nowMs)
    } catch (error) {
      if (error instanceof MandateError) return { kind: 'deny', reason: error.wireCode }
      throw error
    }
    return { token, verified, anchors: dependencies(verified, principal.mandate), ...(consumedApproval && { consumedApproval }) }
  }

  #toolCallInput(presented: VerifiedMandate, mandate: VerifiedMandate, entry: CatalogueEntry, args: Record<string, unknown>, requestId: string): Record<string, unknown> {
    const { store } = this.#d
    const app = store.applications.get(presented.clientId)
    const session = presented.sessionId ? store.agentSessions.get(presented.sessionId) : undefined
    const resource = store.resources.get(entry.zoneId, entry.resource)
    return buildToolCallInput({
      principal: {
        applicationId: presented.clientId,
        zoneId: entry.zoneId,
        ...(app && { registrationMethod: app.registrationMethod }),
        ...(session && { agentSessionId: session.id, lifecycle: session.lifecycle, labels: session.labels }),
      },
      resource: { id: resource?.id ?? '', identifier: entry.resource, scopes: resource?.scopes ?? [] },
      tool: { server: entry.server, name: entry.name, arguments: args },
      mandateClaims: mandate.claims as Record<string, unknown>,
      traceId: requestId,
    })
  }
}

/** The verdict on an exchange the STS refused; undefined when the refusal is the caller's authority having ended (a 401). */
function refusedExchange(error: unknown): Exclude<Verdict, { kind: 'allow' }> | undefined {
  if (error instanceof ApprovalRequiredError) return { kind: 'approval', approvalId: error.hold.approvalId, expiresAt: error.hold.expiresAt }
  if (error instanceof ExchangeDeniedError) return { kind: 'deny', reason: error.detail ?? error.message }
  // The caller's delegation does not cover this group: a deny of the group, like any other.
  if (error instanceof DelegationReferenceError) return { kind: 'deny', reason: `delegation_invalid: ${error.detail ?? ''}`.replace(/: $/, '') }
  if (error instanceof StsError && ENDED_AUTHORITY.has(error.code)) return undefined
  if (error instanceof StsError && error.status === 403) return { kind: 'deny', reason: error.wireCode }
  return { kind: 'unavailable', reason: error instanceof StsError ? error.wireCode : 'internal_error' }
}

/** An error of the caller's authority as the 401 it is; anything else is rethrown as it is. */
export function unauthenticatedOr(error: unknown): unknown {
  if (error instanceof StsError && ENDED_AUTHORITY.has(error.code)) return new UnauthenticatedError(true, error.detail ?? error.message)
  return error
}
