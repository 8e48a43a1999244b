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
// This file classifies and plans; the live state a request stands on is standing-authority.ts,
// the decisions, step-up and audited mint are mandate-mint.ts, and the proxy's previews grant-preview.ts.
import { tokenFingerprint, type AuditLog } from '../audit/index.js'
import { Approvals, type ApprovalView } from '../approvals/index.js'
import { delegationClaims, type ValidatedDelegation } from '../delegation/index.js'
import { FederatedTokenInvalidError, FederationUnavailableError, type IdTokenVerifier } from '../federation/index.js'
import type { KeyRing } from '../keys/index.js'
import type { VerifiedMandate } from '../mandate/index.js'
import { LIFECYCLE_SCOPE, type PolicyEngine } from '../policy/index.js'
import { AgentSessions, SessionInputError, SessionLimitError } from '../sessions/index.js'
import type { AgentSessionRow, ApplicationRow, Store } from '../store/index.js'
import type { AuthFailureLimiter } from './auth-failures.js'
import { authenticateApplication } from './client-auth.js'
import {
  AuthenticationRateLimitedError,
  ClientAuthenticationError,
  ClientZoneError,
  DependencyUnavailableError,
  ExchangeDeniedError,
  GatewayRequiredError,
  SessionReferenceError,
  StsError,
  SubjectTokenInvalidError,
  TokenRequestInvalidError,
} from './errors.js'
import { previewGrants, type GrantPreviewDeps } from './grant-preview.js'
import type { Issued } from './issue.js'
import { MandateMint } from './mandate-mint.js'
import type { MintRateLimiter } from './mint-rate.js'
import { ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, type ClientCredentialsRequest, type TokenRequest } from './params.js'
import { derivedTtl, StandingAuthority } from './standing-authority.js'
import { StandingMemo } from './standing-memo.js'
import { decideAsSubject } from './subject-decision.js'
import { bindSubjectAuthority, VerifiedSubjects } from './subject-token.js'

/** Default and caps of a mandate's lifetime (contract §2.4). */
export const DEFAULT_TTL_SECONDS = 900
export const SESSION_TTL_CAP_SECONDS = 3600
export const RESOURCE_TTL_CAP_SECONDS = 900

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

/**
 * What our proxy gets back. `consumedApproval` is in-process only, never on the wire: the hold
 * this mint consumed (or re-issued for). Such a mandate is the one use a human approved.
 */
export interface ResourceExchangeResult extends TokenResponse {
  consumedApproval?: string
}

/** What our proxy asks for: one tool group's resource mandate under a presented agent mandate. */
export interface ResourceExchangeRequest {
  subjectToken: string
  resource: string
  scopes: readonly string[]
  ttlSeconds?: number
  approvalId?: string
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
  readonly #mint: MandateMint
  readonly #subjects: VerifiedSubjects
  readonly #standing: StandingAuthority
  readonly #held = new StandingMemo()

  constructor(deps: TokenExchangeDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
    this.#subjects = new VerifiedSubjects({ issuer: deps.issuer, keys: deps.keys, ...(deps.maxTokenBytes !== undefined && { maxTokenBytes: deps.maxTokenBytes }) })
    this.sessions = deps.sessions ?? new AgentSessions({ store: deps.store, audit: deps.audit, now: this.#now })
    this.approvals = deps.approvals ?? new Approvals({ store: deps.store, audit: deps.audit, now: this.#now })
    this.#mint = new MandateMint({ issuer: deps.issuer, store: deps.store, keys: deps.keys, policy: deps.policy, audit: deps.audit, mintRate: deps.mintRate, approvals: this.approvals })
    this.#standing = new StandingAuthority({ store: deps.store, audit: deps.audit, sessions: this.sessions, subjects: this.#subjects, now: this.#now })
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
  async exchangeForResource(req: ResourceExchangeRequest, requestId: string): Promise<ResourceExchangeResult> {
    const nowMs = this.#now()
    const { acting, app, session, presented, delegation } = await this.#standing.presentedActing(req.subjectToken, req.resource, req.scopes, req.ttlSeconds, requestId, nowMs)
    // A gateway mandate is single use: its one use is recorded atomically with the mint it buys
    // (so two concurrent uses cannot both mint).
    const singleUse = presented.use === 'gateway' ? { jti: presented.jti, expiresAtMs: presented.expiresAt * 1000 } : undefined
    const ttl = derivedTtl(this.#ttl(req.ttlSeconds, RESOURCE_TTL_CAP_SECONDS), nowMs, session, presented, delegation)
    const scopes = [...new Set(req.scopes)]
    const minted = await this.#mint.scoped({
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
    return { ...response(minted), ...(minted.consumedApproval && { consumedApproval: minted.consumedApproval }) }
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
    return previewGrants(this.#standing.presentedAuthority(subjectToken, nowMs), grants, options, this.#previewDeps(), nowMs)
  }

  /**
   * As `previewResources`, for a mandate verified when it was presented, that a proxy session
   * still stands on: whether its principal could be granted these now. Its application,
   * authority and session are read live; a gateway mandate spent since counts as its session's.
   */
  previewStanding(presented: VerifiedMandate, grants: readonly { resource: string; scopes: readonly string[] }[]): string[] {
    const nowMs = this.#now()
    const authority = this.#standing.authorityOf(presented, this.#standing.activeApplication(presented), nowMs, { renew: false, refuseSpent: false })
    return previewGrants(authority, grants, { asSession: presented.use === 'gateway' }, this.#previewDeps(), nowMs)
  }

  /**
   * A bearer presented to our proxy: an agent (or gateway, not yet spent) mandate of this issuer
   * whose application is active, whose authority records stand and whose session is live (a
   * service session's heartbeat renewed by use). Identity checks run on every call (from the
   * verified-token cache); the rest is read from the store again whenever anything in it may
   * have changed (standing-memo.ts), so a suspension or termination takes effect at once.
   */
  verifyPresented(token: string): VerifiedMandate {
    const nowMs = this.#now()
    // Inside a transaction, what is read may yet be rolled back, which moves no mark: nothing is kept.
    const mark = this.#d.store.db.inTransaction ? undefined : this.#d.store.changeMark()
    const held = mark === undefined ? undefined : this.#held.get(token, mark, nowMs)
    if (held) {
      this.#subjects.verify(token, { uses: ['session', 'gateway'], nowMs })
      this.#standing.renewHeartbeat(held.session, nowMs)
      return held.presented
    }
    // The live reads (application, authority record, agent session, revocations) judge one
    // committed state, under one read lock. The heartbeat is renewed after: a write inside a
    // read transaction fails when another process has written since.
    const found = this.#d.store.snapshot(() => this.#standing.presentedAuthority(token, nowMs, false))
    if (mark !== undefined) this.#held.set(token, found, mark, nowMs)
    this.#standing.renewHeartbeat(found.session, nowMs)
    return found.presented
  }

  async #bootstrap(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    const parent = this.#standing.explicitRecord(app, req.sessionId, nowMs)
    return response(await this.#mint.scoped({
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
    }))
  }

  async #gatewayMint(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    this.#standing.explicitRecord(app, req.sessionId, nowMs)
    const session = this.#standing.liveSession(app, req.agentSessionId!, nowMs)
    const delegation = req.delegationEdgeId !== undefined ? this.#standing.delegation(app, session.id, req.delegationEdgeId, req.scopes, req.ttlSeconds, nowMs) : undefined
    const subject = this.#standing.sessionSubject(session)
    const ttl = derivedTtl(this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS), nowMs, session, undefined, delegation)
    return response(await this.#mint.scoped({
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
    }))
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
    const session = presented.sessionId ? this.#standing.liveSession(app, presented.sessionId, nowMs) : undefined
    return response(await this.#mint.scoped({
      acting: { app, subject: presented.sub, subType: presented.subType, ...(session && { session }), presented },
      resources: req.resources,
      scopes: req.scopes,
      requestId,
      nowMs,
      trustedGateway: false,
      plan: () => {
        throw new GatewayRequiredError()
      },
    }))
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
    const session = this.#standing.liveSession(app, req.agentSessionId, nowMs)
    const delegation = this.#standing.delegation(app, session.id, req.delegationEdgeId, [], undefined, nowMs)
    const ttl = this.#ttl(Math.min(req.ttlSeconds, SESSION_TTL_CAP_SECONDS), SESSION_TTL_CAP_SECONDS)
    return response(await this.#issueAgentMandate(app, session, ttl, requestId, nowMs, delegation))
  }

  async #agentMandate(app: ApplicationRow, req: TokenRequest, requestId: string, nowMs: number): Promise<TokenResponse> {
    if (req.approvalId !== undefined) throw new TokenRequestInvalidError('an agent mandate request takes no approval_id')
    this.#standing.explicitRecord(app, req.sessionId, nowMs)
    const session = this.#standing.liveSession(app, req.agentSessionId!, nowMs)
    const delegation = req.delegationEdgeId !== undefined ? this.#standing.delegation(app, session.id, req.delegationEdgeId, [], req.ttlSeconds, nowMs) : undefined
    const ttl = this.#ttl(req.ttlSeconds, SESSION_TTL_CAP_SECONDS)
    return response(await this.#issueAgentMandate(app, session, ttl, requestId, nowMs, delegation))
  }

  /**
   * An agent mandate: identity and session binding, no resource authority (that is per tool
   * group). Under a delegation it carries the edge, path and chain its exchanges re-validate.
   */
  async #issueAgentMandate(app: ApplicationRow, session: AgentSessionRow, ttl: number, requestId: string, nowMs: number, delegation?: ValidatedDelegation): Promise<Issued> {
    const subject = this.#standing.sessionSubject(session)
    return this.#mint.identity(
      { app, subject: subject.subject, subType: subject.subType, session, ...(delegation && { delegation }) },
      {
        zoneId: app.zoneId, applicationId: app.id, subject: subject.subject, subType: subject.subType, use: 'session', aud: [this.#d.issuer],
        ttlSeconds: derivedTtl(ttl, nowMs, session, undefined, delegation), ...(subject.parent && { parent: subject.parent }),
        extraClaims: delegation ? delegationClaims(delegation) : { agent_session_id: session.id },
      },
      requestId,
      nowMs,
    )
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
    const issued = await this.#mint.identity(
      { app, subject: identity.subject, subType: 'user' },
      { zoneId: app.zoneId, applicationId: app.id, subject: identity.subject, subType: 'user', use: 'session', aud: [this.#d.issuer], ttlSeconds: ttl },
      requestId,
      nowMs,
    )
    return response(issued)
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

  #previewDeps(): GrantPreviewDeps {
    return { store: this.#d.store, policy: this.#d.policy, standing: this.#standing }
  }
}

