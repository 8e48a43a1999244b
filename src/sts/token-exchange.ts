// The token exchange (contract §1.3–1.5): the class of a request decides what is minted.
//
//   bootstrap         secret + resource + scope=agent:lifecycle          → use=session (lifecycle)
//   agent mandate     secret + agent_session_id, no resource or scope    → use=session bound to the session
//   gateway mint      secret + agent_session_id + resource + scope       → use=gateway, single use
//   resource          agent/gateway mandate from our own proxy (in-process, `exchangeForResource`)
//                                                                         → use=resource for one tool group
//   federation        secret + id_token of a trusted issuer, nothing else → use=session, sub_type=user
//   client_credentials (our addition) a new service session and its agent mandate
//
// A client-secret request that presents a mandate as subject token is decided and then refused
// (403, "resource exchanges must use the Gateway"): resource mandates come only from the proxy.
// Every outcome is audited before the response leaves.
import { tokenFingerprint, type AuditLog } from '../audit/index.js'
import { Approvals, type ApprovalView } from '../approvals/index.js'
import { DelegationInvalidError, delegationClaims, validateDelegatedMint, type ValidatedDelegation } from '../delegation/index.js'
import { FederatedTokenInvalidError, FederationUnavailableError, type IdTokenVerifier } from '../federation/index.js'
import type { KeyRing } from '../keys/index.js'
import type { VerifiedMandate } from '../mandate/index.js'
import { LIFECYCLE_SCOPE, type PolicyEngine } from '../policy/index.js'
import { AgentSessions, SessionInputError, SessionLimitError, SessionNotFoundError, SessionNotLiveError } from '../sessions/index.js'
import { sessionDeadline, type AgentSessionRow, type ApplicationRow, type Store } from '../store/index.js'
import type { AuthFailureLimiter } from './auth-failures.js'
import { authenticateApplication } from './client-auth.js'
import {
  ApprovalConsumedError,
  AuthenticationRateLimitedError,
  ClientAuthenticationError,
  ClientZoneError,
  DelegationReferenceError,
  DependencyUnavailableError,
  ExchangeDeniedError,
  GatewayRequiredError,
  PolicyUnavailableError,
  SessionReferenceError,
  StsError,
  StsInternalError,
  SubjectTokenInvalidError,
  TokenReplayedError,
  TokenRequestInvalidError,
} from './errors.js'
import { issueMandate, type IssueDeps, type Issued, type MintPlan } from './issue.js'
import { MintLedger } from './mint-ledger.js'
import type { MintRateLimiter } from './mint-rate.js'
import { ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, type ClientCredentialsRequest, type TokenRequest } from './params.js'
import { decideResource, recordOutcomes, type Acting, type ResourceOutcome } from './resource-decision.js'
import { challengeOf, holdBinding, holdFor, namedApproval, type ApprovalStanding } from './step-up-gate.js'
import { decideAsSubject } from './subject-decision.js'
import { bindSubjectAuthority, VerifiedSubjects } from './subject-token.js'

/** Default and caps of a mandate's lifetime (contract §2.4). */
export const DEFAULT_TTL_SECONDS = 900
export const SESSION_TTL_CAP_SECONDS = 3600
export const RESOURCE_TTL_CAP_SECONDS = 900
/** A service session's heartbeat is renewed by use once less than this share of it is left. */
const HEARTBEAT_RENEW_FRACTION = 0.5

export interface TokenExchangeDeps {
  issuer: string
  store: Store
  keys: KeyRing
  policy: PolicyEngine
  audit: AuditLog
  failures: AuthFailureLimiter
  mintRate: MintRateLimiter
  sessions?: AgentSessions
  approvals?: Approvals
  /** The id_token verifier of a zone's trusted issuers; none means the zone federates nobody. */
  federation?: (zoneId: string) => IdTokenVerifier | undefined
  /** A presented mandate longer than this is refused unread (config `server.maxTokenBytes`). */
  maxTokenBytes?: number
  now?: () => number
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope?: string
  issued_token_type: typeof ACCESS_TOKEN_TYPE
  target_resources?: string[]
  /** client_credentials only: the service session the mandate is bound to. */
  agent_session_id?: string
}

/** What our proxy asks for: one tool group's resource mandate under a presented agent mandate. */
export interface ResourceExchangeRequest {
  subjectToken: string
  resource: string
  scopes: readonly string[]
  ttlSeconds?: number
  approvalId?: string
}

interface ScopeMint {
  acting: Acting
  resources: readonly string[]
  scopes: readonly string[]
  approvalId?: string
  requestId: string
  nowMs: number
  /** Builds the plan for the granted resources. */
  plan: (granted: string[]) => MintPlan
  /** False for a client-secret request presenting a mandate: decided, audited, then refused. */
  trustedGateway: boolean
}

function response(issued: Issued, extra: Partial<TokenResponse> = {}): TokenResponse {
  return {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    ...(issued.claims.scope && { scope: issued.claims.scope }),
    issued_token_type: ACCESS_TOKEN_TYPE,
    ...(issued.claims.target && { target_resources: [...issued.claims.target] }),
    ...extra,
  }
}

export class TokenExchange {
  readonly #d: TokenExchangeDeps
  readonly #now: () => number
  readonly sessions: AgentSessions
  readonly approvals: Approvals
  readonly #ledger: MintLedger
  readonly #subjects: VerifiedSubjects

  constructor(deps: TokenExchangeDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
    this.#ledger = new MintLedger(deps.store)
    this.#subjects = new VerifiedSubjects({ issuer: deps.issuer, keys: deps.keys, ...(deps.maxTokenBytes !== undefined && { maxTokenBytes: deps.maxTokenBytes }) })
    this.sessions = deps.sessions ?? new AgentSessions({ store: deps.store, audit: deps.audit, now: this.#now })
    this.approvals = deps.approvals ?? new Approvals({ store: deps.store, audit: deps.audit, now: this.#now })
  }

  get issuer(): string {
    return this.#d.issuer
  }

  /** `POST /approvals/{id}/decision`: a federated user decides a hold that names them. */
  decideAsSubject(approvalId: string, bearer: string | null, body: unknown, requestId: string): Promise<ApprovalView> {
    const { issuer, store, keys, maxTokenBytes } = this.#d
    return decideAsSubject({ issuer, store, keys, approvals: this.approvals, now: this.#now, ...(maxTokenBytes !== undefined && { maxTokenBytes }) }, approvalId, bearer, body, requestId)
  }

  /** `POST /oauth/2/token` with the token-exchange grant. */
  async exchange(req: TokenRequest, requestId: string): Promise<TokenResponse> {
    const nowMs = this.#now()
    if (req.subjectTokenType === ID_TOKEN_TYPE) return this.#federate(req, requestId, nowMs)
    const app = await this.#authenticate(req, requestId, nowMs)
    if (req.subjectToken !== undefined) return this.#presentedOverHttp(app, req, requestId, nowMs)
    if (req.agentSessionId !== undefined && req.resources.length === 0 && req.scopes.length === 0) return this.#agentMandate(app, req, requestId, nowMs)
    if (req.resources.length === 0) throw new TokenRequestInvalidError('resource is required')
    if (req.agentSessionId === undefined && req.scopes.length === 1 && req.scopes[0] === LIFECYCLE_SCOPE && req.approvalId === undefined) {
      return this.#bootstrap(app, req, requestId, nowMs)
    }
    if (req.agentSessionId !== undefined && req.scopes.length > 0) return this.#gatewayMint(app, req, requestId, nowMs)
    throw new TokenRequestInvalidError(
      'unsupported exchange: ask for scope=agent:lifecycle (bootstrap), agent_session_id alone (agent mandate), or agent_session_id with resource and scope (gateway mandate)',
    )
  }

  /** `grant_type=client_credentials`: a new service session and an agent mandate for it. */
  async clientCredentials(req: ClientCredentialsRequest, requestId: string): Promise<TokenResponse> {
    const nowMs = this.#now()
    const zoneId = req.zoneId ?? (req.applicationId ? this.#d.store.applications.get(req.applicationId)?.zoneId : undefined)
    const app = await this.#authenticate({ ...req, zoneId }, requestId, nowMs)
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    // The session outlives its mandate by one interval of silence: re-asking renews nothing, a
    // new request opens a new session, and an idle one ends on its own.
    let session: AgentSessionRow
    try {
      session = await this.sessions.start({ zoneId: app.zoneId, applicationId: app.id, lifecycle: 'service', heartbeatSeconds: Math.max(ttl, 60), requestId, startedBy: 'client_credentials' })
    } catch (error) {
      if (error instanceof SessionLimitError) throw new ExchangeDeniedError(error.message)
      if (error instanceof SessionInputError) throw new TokenRequestInvalidError(error.message)
      throw error
    }
    const issued = await this.#issueAgentMandate(app, session, ttl, requestId, nowMs)
    return response(issued, { agent_session_id: session.id })
  }

  /**
   * The trusted-gateway exchange our own proxy makes in-process: the presented agent (or
   * gateway) mandate becomes a resource mandate for one tool group and the scopes it needs.
   */
  async exchangeForResource(req: ResourceExchangeRequest, requestId: string): Promise<TokenResponse> {
    const nowMs = this.#now()
    const { acting, app, session, presented, delegation } = await this.#presentedActing(req.subjectToken, req.resource, req.scopes, req.ttlSeconds, requestId, nowMs)
    // A gateway mandate is single use: its one use is recorded atomically with the mint it buys
    // (so two concurrent uses cannot both mint).
    const singleUse = presented.use === 'gateway' ? { jti: presented.jti, expiresAtMs: presented.expiresAt * 1000 } : undefined
    const ttl = this.#derivedTtl(this.#ttl(req.ttlSeconds, RESOURCE_TTL_CAP_SECONDS), nowMs, session, presented, delegation)
    const scopes = [...new Set(req.scopes)]
    return this.#scopeMint({
      acting,
      resources: [req.resource],
      scopes,
      ...(req.approvalId && { approvalId: req.approvalId }),
      requestId,
      nowMs,
      trustedGateway: true,
      plan: (granted) => ({
        zoneId: app.zoneId, applicationId: app.id, subject: presented.sub, subType: presented.subType, use: 'resource', aud: granted, target: granted,
        scope: scopes, ttlSeconds: ttl, parent: { id: presented.authorityRecordId, rootId: presented.rootAuthorityRecordId },
        extraClaims: delegation ? delegationClaims(delegation) : { agent_session_id: session.id },
        ...(singleUse && { consumePresented: singleUse }),
      }),
    })
  }

  /**
   * What `exchangeForResource` would decide for each of these grants (a resource and its scopes),
   * without minting, auditing or spending the mint rate: `complete`, `approval_required`, or why
   * not (a policy reason or a status), in order. The token's authority is checked once for all.
   * The proxy filters its lists with it. `asSession` decides as if the presented gateway mandate
   * were its session's agent mandate: whether the principal could obtain what the gateway mandate
   * lacks. Throws as the exchange does when the token or its authority fails.
   */
  previewResources(subjectToken: string, grants: readonly { resource: string; scopes: readonly string[] }[], options: { asSession?: boolean } = {}): string[] {
    const nowMs = this.#now()
    return this.#preview(this.#presentedAuthority(subjectToken, nowMs), grants, options, nowMs)
  }

  /**
   * As `previewResources`, for a mandate verified when it was presented, that a proxy session
   * still stands on: whether its principal could be granted these now. Its application,
   * authority and session are read live; a gateway mandate spent since counts as its session's.
   */
  previewStanding(presented: VerifiedMandate, grants: readonly { resource: string; scopes: readonly string[] }[]): string[] {
    const nowMs = this.#now()
    const app = this.#activeApplication(presented)
    bindSubjectAuthority(presented, app, this.#d.store, nowMs)
    if (!presented.sessionId) throw new SessionReferenceError('the subject token is not bound to an agent session')
    const session = this.#liveSession(app, presented.sessionId, nowMs, false)
    return this.#preview({ app, session, presented }, grants, { asSession: presented.use === 'gateway' }, nowMs)
  }

  #preview(authority: { app: ApplicationRow; session: AgentSessionRow; presented: VerifiedMandate }, grants: readonly { resource: string; scopes: readonly string[] }[], options: { asSession?: boolean }, nowMs: number): string[] {
    const { app, session, presented } = authority
    const version = this.#d.policy.version(app.zoneId)
    return grants.map(({ resource, scopes }) => {
      let delegation: ValidatedDelegation | undefined
      try {
        delegation = presented.delegationId ? this.#delegation(app, session.id, presented.delegationId, scopes, undefined, nowMs) : undefined
      } catch (error) {
        if (error instanceof DelegationReferenceError) return 'delegation_invalid'
        throw error
      }
      const acting: Acting = { app, subject: presented.sub, subType: presented.subType, session, ...(!options.asSession && { presented }), ...(delegation && { delegation }) }
      return decideResource(acting, resource, [...new Set(scopes)], { store: this.#d.store, version, requestId: 'preview', nowMs, challengeResolved: false }).status
    })
  }

  /**
   * A bearer presented to our proxy: an agent (or gateway, not yet spent) mandate of this issuer
   * whose application is active, whose authority records stand and whose session is live (a
   * service session's heartbeat renewed by use). Identity verification is cached; the rest is
   * read from the store on every call, so a suspension or termination takes effect at once.
   */
  verifyPresented(token: string): VerifiedMandate {
    // Once per proxied request: its live reads (application, authority record, agent session,
    // revocations) judge one committed state, under one read lock. The heartbeat is renewed
    // after: a write inside a read transaction fails when another process has written since.
    const nowMs = this.#now()
    const { session, presented } = this.#d.store.snapshot(() => this.#presentedAuthority(token, nowMs, false))
    this.#renewHeartbeat(session, nowMs)
    return presented
  }

  #verifiedPresented(token: string, nowMs: number): { presented: VerifiedMandate; app: ApplicationRow } {
    const presented = this.#subjects.verify(token, { uses: ['session', 'gateway'], nowMs })
    return { presented, app: this.#activeApplication(presented) }
  }

  #activeApplication(presented: VerifiedMandate): ApplicationRow {
    const app = this.#d.store.applications.get(presented.clientId)
    if (!app || app.zoneId !== presented.zoneId || app.status !== 'active') throw new ClientAuthenticationError('the subject token names an unknown or disabled application')
    return app
  }

  /** The verified subject token of a resource exchange, its application and live session. */
  #presentedAuthority(subjectToken: string, nowMs: number, renew = true): { app: ApplicationRow; session: AgentSessionRow; presented: VerifiedMandate } {
    const { presented, app } = this.#verifiedPresented(subjectToken, nowMs)
    bindSubjectAuthority(presented, app, this.#d.store, nowMs)
    if (!presented.sessionId) throw new SessionReferenceError('the subject token is not bound to an agent session')
    if (presented.use === 'gateway' && this.#d.store.issuedJtis.wasPresented(presented.jti)) throw new TokenReplayedError()
    return { app, session: this.#liveSession(app, presented.sessionId, nowMs, renew), presented }
  }

  /** As `#presentedAuthority`, auditing a replayed gateway mandate, with the delegation validated for the mint. */
  async #presentedActing(subjectToken: string, resource: string, scopes: readonly string[], ttlSeconds: number | undefined, requestId: string, nowMs: number) {
    let authority
    try {
      authority = this.#presentedAuthority(subjectToken, nowMs)
    } catch (error) {
      if (error instanceof TokenReplayedError) {
        const presented = this.#subjects.verify(subjectToken, { uses: ['session', 'gateway'], nowMs })
        await this.#d.audit.record({ zoneId: presented.zoneId, eventType: 'replay_detected', requestId, decision: 'deny', evaluationStatus: 'anomaly', metadata: { jti: presented.jti, client_id: presented.clientId, resource } })
      }
      throw error
    }
    const { app, session, presented } = authority
    // A delegated mandate's edge, path and chain are re-derived from live state, never copied.
    const delegation = presented.delegationId ? this.#delegation(app, session.id, presented.delegationId, scopes, ttlSeconds, nowMs) : undefined
    const acting: Acting = { app, subject: presented.sub, subType: presented.subType, session, presented, ...(delegation && { delegation }) }
    return { acting, app, session, presented, delegation }
  }

  async #bootstrap(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    const parent = this.#explicitRecord(app, req.sessionId, nowMs)
    return this.#scopeMint({
      acting: { app, subject: app.id, subType: 'application' },
      resources: req.resources,
      scopes: req.scopes,
      requestId,
      nowMs,
      trustedGateway: true,
      plan: (granted) => ({
        zoneId: app.zoneId, applicationId: app.id, subject: app.id, subType: 'application', use: 'session', aud: [this.#d.issuer],
        scope: [LIFECYCLE_SCOPE], target: granted, ttlSeconds: ttl, ...(parent && { parent }),
      }),
    })
  }

  async #gatewayMint(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    this.#explicitRecord(app, req.sessionId, nowMs)
    const session = this.#liveSession(app, req.agentSessionId!, nowMs)
    const delegation = req.delegationEdgeId !== undefined ? this.#delegation(app, session.id, req.delegationEdgeId, req.scopes, req.ttlSeconds, nowMs) : undefined
    const subject = this.#sessionSubject(session)
    const ttl = this.#derivedTtl(this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS), nowMs, session, undefined, delegation)
    return this.#scopeMint({
      acting: { app, subject: subject.subject, subType: subject.subType, session, ...(delegation && { delegation }) },
      resources: req.resources,
      scopes: req.scopes,
      ...(req.approvalId && { approvalId: req.approvalId }),
      requestId,
      nowMs,
      trustedGateway: true,
      plan: (granted) => ({
        zoneId: app.zoneId, applicationId: app.id, subject: subject.subject, subType: subject.subType, use: 'gateway', aud: [this.#d.issuer],
        scope: req.scopes, target: granted, ttlSeconds: ttl, ...(subject.parent && { parent: subject.parent }),
        extraClaims: delegation ? delegationClaims(delegation) : { agent_session_id: session.id },
      }),
    })
  }

  async #presentedOverHttp(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    // Before the subject token is read, as Caracal orders it (contract §1.4 steps 7 and 8).
    if (req.resources.length === 0) throw new TokenRequestInvalidError('resource is required')
    const presented = this.#subjects.verify(req.subjectToken!, { zoneId: app.zoneId, uses: ['session'], nowMs })
    bindSubjectAuthority(presented, app, this.#d.store, nowMs)
    if (req.sessionId !== undefined && req.sessionId !== presented.authorityRecordId) throw new SessionReferenceError('session_id does not match the subject token')
    if (req.agentSessionId !== undefined && req.agentSessionId !== presented.sessionId) throw new SessionReferenceError('agent_session_id does not match the subject token')
    if (req.delegationEdgeId !== undefined && req.delegationEdgeId !== presented.delegationId) throw new SessionReferenceError('delegation_edge_id does not match the subject token')
    this.#ttl(req.ttlSeconds, RESOURCE_TTL_CAP_SECONDS)
    const session = presented.sessionId ? this.#liveSession(app, presented.sessionId, nowMs) : undefined
    return this.#scopeMint({
      acting: { app, subject: presented.sub, subType: presented.subType, ...(session && { session }), presented },
      resources: req.resources,
      scopes: req.scopes,
      requestId,
      nowMs,
      trustedGateway: false,
      plan: () => {
        throw new GatewayRequiredError()
      },
    })
  }

  /**
   * The agent mandate our proxy hands an agent server for one hop (SPEC §7): for the hop's session
   * and the delegation edge into it, validated live like any delegated mint, audited as a mint.
   * In-process and trusted, as `exchangeForResource` is: the proxy holds no secret of the agent
   * application, the config names it as the agent of a server.
   */
  async agentMandateForHop(req: { applicationId: string; agentSessionId: string; delegationEdgeId: string; ttlSeconds: number }, requestId: string): Promise<TokenResponse> {
    const nowMs = this.#now()
    const app = this.#d.store.applications.get(req.applicationId)
    if (!app || app.status !== 'active') throw new ClientAuthenticationError('the agent application is unknown or disabled')
    const session = this.#liveSession(app, req.agentSessionId, nowMs)
    const delegation = this.#delegation(app, session.id, req.delegationEdgeId, [], undefined, nowMs)
    const ttl = this.#ttl(Math.min(req.ttlSeconds, SESSION_TTL_CAP_SECONDS), SESSION_TTL_CAP_SECONDS)
    return response(await this.#issueAgentMandate(app, session, ttl, requestId, nowMs, delegation))
  }

  async #agentMandate(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    if (req.approvalId !== undefined) throw new TokenRequestInvalidError('an agent mandate request takes no approval_id')
    this.#explicitRecord(app, req.sessionId, nowMs)
    const session = this.#liveSession(app, req.agentSessionId!, nowMs)
    const delegation = req.delegationEdgeId !== undefined ? this.#delegation(app, session.id, req.delegationEdgeId, [], req.ttlSeconds, nowMs) : undefined
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    return response(await this.#issueAgentMandate(app, session, ttl, requestId, nowMs, delegation))
  }

  /**
   * An agent mandate: identity and session binding, no resource authority (that is per tool
   * group). Under a delegation it carries the edge, path and chain its exchanges re-validate.
   */
  async #issueAgentMandate(app: ApplicationRow, session: AgentSessionRow, ttl: number, requestId: string, nowMs: number, delegation?: ValidatedDelegation): Promise<Issued> {
    const subject = this.#sessionSubject(session)
    return this.#issueIdentity(
      { app, subject: subject.subject, subType: subject.subType, session, ...(delegation && { delegation }) },
      {
        zoneId: app.zoneId, applicationId: app.id, subject: subject.subject, subType: subject.subType, use: 'session', aud: [this.#d.issuer],
        ttlSeconds: this.#derivedTtl(ttl, nowMs, session, undefined, delegation), ...(subject.parent && { parent: subject.parent }),
        extraClaims: delegation ? delegationClaims(delegation) : { agent_session_id: session.id },
      },
      requestId,
      nowMs,
    )
  }

  /** A mandate of identity (agent or federated user): no resource to decide, one audit row for the mint. */
  async #issueIdentity(acting: Acting, plan: MintPlan, requestId: string, nowMs: number): Promise<Issued> {
    const outcome: ResourceOutcome = { resource: '', status: 'complete' }
    let issued: Issued
    try {
      issued = await issueMandate(plan, this.#deps(), nowMs, requestId)
    } catch (error) {
      await recordOutcomes(this.#d.audit, acting, [], requestId, [outcome], { grantedStatus: 'mint_failed' })
      throw error
    }
    await this.#recordIssued(issued, () => recordOutcomes(this.#d.audit, acting, [], requestId, [outcome], { sid: issued.sid }))
    return issued
  }

  /**
   * Audits a mint that happened. If the audit cannot be written the token never leaves, and its
   * authority record is revoked so that nothing unaccounted for can stand on it.
   */
  async #recordIssued(issued: Issued, record: () => Promise<void>): Promise<void> {
    try {
      await record()
    } catch (error) {
      try {
        this.#d.store.authorityRecords.revoke(issued.sid)
      } catch {
        // The store is failing too; the token still never leaves.
      }
      throw error
    }
  }

  async #federate(req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    const extras = (['resources', 'scopes'] as const).filter((k) => req[k].length > 0)
    const singles = (['sessionId', 'agentSessionId', 'delegationEdgeId', 'approvalId'] as const).filter((k) => req[k] !== undefined)
    if (extras.length > 0 || singles.length > 0) throw new TokenRequestInvalidError('a federation request carries only the id_token, ttl_seconds and the client credentials')
    const app = await this.#authenticate(req, requestId, nowMs)
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    const verifier = this.#d.federation?.(app.zoneId)
    if (!verifier) throw new SubjectTokenInvalidError('this zone trusts no id_token issuer')
    let identity
    try {
      identity = await verifier.verify(req.subjectToken!)
    } catch (error) {
      if (error instanceof FederationUnavailableError) throw new DependencyUnavailableError('the id_token issuer cannot be reached', error.message, { cause: error })
      if (error instanceof FederatedTokenInvalidError) throw new SubjectTokenInvalidError(error.message, { cause: error })
      throw error
    }
    const issued = await this.#issueIdentity(
      { app, subject: identity.subject, subType: 'user' },
      { zoneId: app.zoneId, applicationId: app.id, subject: identity.subject, subType: 'user', use: 'session', aud: [this.#d.issuer], ttlSeconds: ttl },
      requestId,
      nowMs,
    )
    return response(issued)
  }

  /** The scope-bearing classes: per-resource decisions, step-up, then one mandate. */
  async #scopeMint(m: ScopeMint): Promise<TokenResponse> {
    const { acting, requestId, nowMs } = m
    const audit = this.#d.audit
    const version = this.#d.policy.version(acting.app.zoneId)
    // Computed only where an approval is named or asked for: most exchanges never need it.
    let bound: string | undefined
    const binding = () => (bound ??= holdBinding(acting, m.resources, m.scopes, version))
    let standing: ApprovalStanding | undefined = m.approvalId ? namedApproval(this.#d.store, m.approvalId, acting, binding(), nowMs) : undefined
    if (standing?.kind === 'reissue') return this.#reissue(m, standing, nowMs)

    const decideAll = (challengeResolved: boolean) =>
      m.resources.map((r) => decideResource(acting, r, m.scopes, { store: this.#d.store, mintRate: this.#d.mintRate, version, requestId, nowMs, challengeResolved }))
    let outcomes = decideAll(standing?.kind === 'approved')
    const failed = outcomes.find((o) => o.status === 'policy_eval_failed')
    if (failed) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes)
      throw new PolicyUnavailableError(failed.decision?.detail)
    }
    // A request that will be refused anyway (a client-secret caller presenting a mandate) opens
    // no hold: nobody should be asked to approve what can never mint.
    if (!m.trustedGateway && outcomes.some((o) => o.status === 'approval_required' || o.status === 'complete')) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes.map((o) => (o.status === 'approval_required' ? { ...o, status: 'complete' } : o)), { grantedStatus: 'exchange_denied' })
      throw new GatewayRequiredError()
    }
    if (outcomes.some((o) => o.status === 'approval_required')) {
      const live = standing ? undefined : this.approvals.live(acting.app.zoneId, binding())
      if (live?.state === 'approved') {
        standing = { kind: 'approved', row: live }
        outcomes = decideAll(true)
      } else {
        const held = outcomes.filter((o) => o.status === 'approval_required')
        const hold = live ?? (await holdFor(this.approvals, acting, binding(), held, m.scopes, requestId, nowMs))
        await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { approvalId: hold.id })
        throw challengeOf(hold, nowMs)
      }
    }
    const granted = outcomes.filter((o) => o.status === 'complete').map((o) => o.resource)
    if (granted.length === 0) {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes)
      const reason = outcomes.find((o) => o.decision?.reason)?.decision?.reason
      if (!reason && outcomes.some((o) => o.status === 'rate_limited')) throw new ExchangeDeniedError('rate limited')
      throw new ExchangeDeniedError(reason ? `policy denied (${reason})` : 'policy denied')
    }
    let issued: Issued
    try {
      const plan = m.plan(granted)
      issued = await issueMandate({ ...plan, ...(standing && { consumeApprovalId: standing.row.id }) }, this.#deps(), nowMs, requestId)
    } catch (error) {
      const status = error instanceof ApprovalConsumedError ? 'approval_already_consumed' : 'mint_failed'
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { grantedStatus: status })
      throw error instanceof StsError ? error : new StsInternalError('minting failed', { cause: error })
    }
    await this.#recordIssued(issued, async () => {
      await recordOutcomes(audit, acting, m.scopes, requestId, outcomes, { sid: issued.sid })
      if (standing) await this.#recordConsumed(standing, issued.sid, requestId)
    })
    return response(issued)
  }

  /** An approval consumed moments ago: a new bearer for the record it created (§6.6 step 6). */
  async #reissue(m: ScopeMint, standing: Extract<ApprovalStanding, { kind: 'reissue' }>, nowMs: number): Promise<TokenResponse> {
    const plan = m.plan(standing.row.resources)
    const left = Math.floor((standing.record.expiresAt - nowMs) / 1000)
    if (left <= 0) throw new ApprovalConsumedError()
    const issued = await issueMandate({ ...plan, ttlSeconds: Math.min(plan.ttlSeconds, left), reuseRecord: standing.record }, this.#deps(), nowMs, m.requestId)
    const outcomes = standing.row.resources.map((resource): ResourceOutcome => ({ resource, status: 'complete' }))
    await recordOutcomes(this.#d.audit, m.acting, m.scopes, m.requestId, outcomes, { sid: issued.sid })
    return response(issued)
  }

  async #recordConsumed(standing: ApprovalStanding, sid: string, requestId: string): Promise<void> {
    const row = standing.row
    try {
      await this.#d.audit.record({
        zoneId: row.zoneId, eventType: 'step_up_consumed', requestId, decision: 'consumed', evaluationStatus: 'complete',
        metadata: { challenge_id: row.id, tier: row.tier, approver_class: row.approverClass, binding: row.binding, application_id: row.applicationId, session_id: sid },
      })
    } catch (error) {
      throw new StsInternalError('audit write failed', { cause: error })
    }
  }

  /**
   * Authentication failures of a known zone are audited there too (exchange-level denies), but
   * not those refused unread while the application's failures are over the limit: the failures
   * that reached the limit are on record, and the rest would be rows anyone could write.
   */
  async #authenticate(req: { zoneId?: string; applicationId?: string; clientSecret?: string; resources?: string[]; scopes?: string[] }, requestId: string, nowMs: number): Promise<ApplicationRow> {
    try {
      return await authenticateApplication(req, { applications: this.#d.store.applications, failures: this.#d.failures }, nowMs)
    } catch (error) {
      // Not for a proven secret of another zone's application: that zone's log is not its own.
      if (error instanceof StsError && !(error instanceof ClientZoneError) && !(error instanceof AuthenticationRateLimitedError) && req.zoneId && this.#d.store.zones.get(req.zoneId)) {
        await this.#d.audit.record({
          zoneId: req.zoneId, eventType: 'token_exchange', requestId, decision: 'deny', evaluationStatus: 'exchange_denied',
          diagnostics: [{ reason: error.wireCode }], metadata: { ...this.#claimedApplication(req.zoneId, req.applicationId), resource: req.resources ?? [], requested_scopes: req.scopes ?? [] },
        })
      }
      throw error
    }
  }

  /**
   * The application a refused caller named, as the audit shows it: by id when it is one of the
   * zone's, else only by fingerprint, because what an unauthenticated caller put there may be
   * anything, its secret included (the two fields swapped).
   */
  #claimedApplication(zoneId: string, applicationId: string | undefined): Record<string, string | null> {
    if (applicationId === undefined || applicationId === '') return { application_id: null }
    if (this.#d.store.applications.get(applicationId)?.zoneId === zoneId) return { application_id: applicationId }
    return { application_id: null, application_id_fingerprint: tokenFingerprint(applicationId) }
  }

  #ttl(requested: number | undefined, cap: number): number {
    const ttl = requested ?? Math.min(DEFAULT_TTL_SECONDS, cap)
    if (ttl > cap) throw new TokenRequestInvalidError(`ttl_seconds exceeds the maximum of ${cap}`)
    return ttl
  }

  /** Never past the session's own end (task TTL), the presented mandate's expiry, or the delegation's bounds. */
  #derivedTtl(ttl: number, nowMs: number, session?: AgentSessionRow, presented?: VerifiedMandate, delegation?: ValidatedDelegation): number {
    let bound = ttl
    if (session?.lifecycle === 'task') bound = Math.min(bound, Math.floor((sessionDeadline(session) - nowMs) / 1000))
    if (presented) bound = Math.min(bound, presented.expiresAt - Math.floor(nowMs / 1000))
    if (delegation) bound = Math.min(bound, delegation.ttlBoundSeconds)
    if (bound <= 0) throw new SessionReferenceError('authority ends too soon to mint under it')
    return bound
  }

  /** The live session of the calling application, renewing a service session's heartbeat by use unless the caller will. */
  #liveSession(app: ApplicationRow, sessionId: string, nowMs: number, renew = true): AgentSessionRow {
    let session: AgentSessionRow
    try {
      session = this.sessions.requireLive(app.zoneId, sessionId, app.id, nowMs)
    } catch (error) {
      if (error instanceof SessionNotFoundError || error instanceof SessionNotLiveError) throw new SessionReferenceError('agent session is not active', error.message)
      throw error
    }
    if (renew) this.#renewHeartbeat(session, nowMs)
    return session
  }

  /** A service session is renewed by use (its heartbeat moved on) once most of its interval has passed. */
  #renewHeartbeat(session: AgentSessionRow, nowMs: number): void {
    if (session.lifecycle === 'service' && session.heartbeatDeadline! - nowMs < session.heartbeatSeconds! * 1000 * HEARTBEAT_RENEW_FRACTION) {
      this.#d.store.agentSessions.heartbeat(session.id, nowMs)
    }
  }

  /** The delegation a mint stands on, validated live; any failure is a 403 naming the step in audit. */
  #delegation(app: ApplicationRow, agentSessionId: string, edgeId: string, scopes: readonly string[], ttlSeconds: number | undefined, nowMs: number): ValidatedDelegation {
    try {
      return validateDelegatedMint(this.#d.store, { zoneId: app.zoneId, applicationId: app.id, agentSessionId, edgeId, requestedScopes: scopes, ...(ttlSeconds !== undefined && { requestedTtlSeconds: ttlSeconds }), nowMs })
    } catch (error) {
      if (error instanceof DelegationInvalidError) throw new DelegationReferenceError(error.detail)
      throw error
    }
  }

  /** Whom a session's mandates name: its subject record's subject (a user), else the application. */
  #sessionSubject(session: AgentSessionRow): { subject: string; subType: 'application' | 'user'; parent?: { id: string; rootId: string } } {
    if (!session.subjectRecordId) return { subject: session.applicationId, subType: 'application' }
    const record = this.#d.store.authorityRecords.get(session.subjectRecordId)
    if (!record || record.status !== 'active' || record.expiresAt <= this.#now()) throw new SessionReferenceError('the session subject is no longer active')
    return { subject: record.subject, subType: record.subType, parent: { id: record.id, rootId: record.rootId } }
  }

  /** An explicit `session_id` on a request without a subject token: an active record of this application. */
  #explicitRecord(app: ApplicationRow, sessionId: string | undefined, nowMs: number): { id: string; rootId: string } | undefined {
    if (sessionId === undefined) return undefined
    const record = this.#d.store.authorityRecords.get(sessionId)
    if (!record || record.zoneId !== app.zoneId || record.status !== 'active' || record.expiresAt <= nowMs || record.subType !== 'application' || record.subject !== app.id) {
      throw new SessionReferenceError('session_id is not an active authority record of this application')
    }
    return { id: record.id, rootId: record.rootId }
  }

  #deps(): IssueDeps {
    return { issuer: this.#d.issuer, store: this.#d.store, keys: this.#d.keys, audit: this.#d.audit, ledger: this.#ledger }
  }
}

