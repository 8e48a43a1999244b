// The token exchange (contract §1.3–1.5). This slice serves the bootstrap class: an application
// authenticated by its secret asks for exactly `agent:lifecycle` on one or more resources and
// receives a reusable `use=session` mandate. Each requested resource is decided by policy and
// audited on its own; partial grants are possible. Requests of the other classes are refused
// with a precise 400 until their classes are built.
import type { AuditEvent, AuditLog } from '../audit/index.js'
import type { KeyRing } from '../keys/index.js'
import { mintMandate } from '../mandate/index.js'
import { ENTRYPOINTS, LIFECYCLE_SCOPE, buildExchangeInput, type PolicyDecision, type PolicyEngine } from '../policy/index.js'
import type { ApplicationRow, Store } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import type { AuthFailureLimiter } from './auth-failures.js'
import { authenticateApplication } from './client-auth.js'
import type { MintRateLimiter } from './mint-rate.js'
import { ClientZoneError, ExchangeDeniedError, PolicyUnavailableError, StsError, StsInternalError, TokenRequestInvalidError } from './errors.js'
import { ACCESS_TOKEN_TYPE, type TokenRequest } from './params.js'

/** Default and cap of a mandate minted without a subject token (contract §2.4). */
export const DEFAULT_TTL_SECONDS = 900
export const SESSION_TTL_CAP_SECONDS = 3600

export interface TokenExchangeDeps {
  issuer: string
  store: Store
  keys: KeyRing
  policy: PolicyEngine
  audit: AuditLog
  failures: AuthFailureLimiter
  mintRate: MintRateLimiter
  now?: () => number
}

export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope?: string
  issued_token_type: typeof ACCESS_TOKEN_TYPE
  target_resources: string[]
}

interface ResourceOutcome {
  resource: string
  /** Set when policy ran. */
  decision?: PolicyDecision
  /** A non-policy status (`resource_not_found`, `scope_mismatch`) or the policy outcome. */
  status: string
}

function isBootstrap(req: TokenRequest): boolean {
  return (
    req.subjectToken === undefined &&
    req.scopes.length === 1 &&
    req.scopes[0] === LIFECYCLE_SCOPE &&
    req.sessionId === undefined &&
    req.agentSessionId === undefined &&
    req.delegationEdgeId === undefined &&
    req.approvalId === undefined
  )
}

export class TokenExchange {
  readonly #d: TokenExchangeDeps
  readonly #now: () => number

  constructor(deps: TokenExchangeDeps) {
    this.#d = deps
    this.#now = deps.now ?? Date.now
  }

  get issuer(): string {
    return this.#d.issuer
  }

  async exchange(req: TokenRequest, requestId: string): Promise<TokenResponse> {
    const nowMs = this.#now()
    const app = await this.#authenticate(req, requestId, nowMs)
    if (req.resources.length === 0) throw new TokenRequestInvalidError('resource is required')
    if (!isBootstrap(req)) {
      throw new TokenRequestInvalidError('unsupported exchange: this STS issues bootstrap mandates (scope agent:lifecycle, no subject token) so far')
    }
    const ttl = req.ttlSeconds ?? DEFAULT_TTL_SECONDS
    if (ttl > SESSION_TTL_CAP_SECONDS) throw new TokenRequestInvalidError(`ttl_seconds exceeds the maximum of ${SESSION_TTL_CAP_SECONDS}`)

    // One policy version decides every resource of this exchange.
    const version = this.#d.policy.version(app.zoneId)
    const outcomes = req.resources.map((resource) => this.#decide(app, resource, req, requestId, version, nowMs))
    const failed = outcomes.find((o) => o.decision?.evaluationStatus === 'policy_eval_failed')
    if (failed) {
      await this.#recordAll(app, req, requestId, outcomes)
      throw new PolicyUnavailableError(failed.decision?.detail)
    }
    const granted = outcomes.filter((o) => o.status === 'complete').map((o) => o.resource)
    if (granted.length === 0) {
      await this.#recordAll(app, req, requestId, outcomes)
      const reason = outcomes.find((o) => o.decision?.reason)?.decision?.reason
      if (!reason && outcomes.some((o) => o.status === 'approval_required')) throw new ExchangeDeniedError('policy requires human approval, which this STS cannot hold yet')
      if (!reason && outcomes.some((o) => o.status === 'rate_limited')) throw new ExchangeDeniedError('rate limited')
      throw new ExchangeDeniedError(reason ? `policy denied (${reason})` : 'policy denied')
    }

    const iat = Math.floor(nowMs / 1000)
    const sid = uuid7(nowMs)
    const jti = uuid7(nowMs)
    let token: string
    try {
      this.#d.store.authorityRecords.create({
        id: sid, zoneId: app.zoneId, applicationId: app.id, subject: app.id, subType: 'application', parentId: null, rootId: sid,
        use: 'session', status: 'active', createdAt: nowMs, expiresAt: (iat + ttl) * 1000,
      })
      if (!this.#d.store.issuedJtis.register(jti, app.zoneId, (iat + ttl) * 1000)) {
        await this.#d.audit.record({ zoneId: app.zoneId, eventType: 'jti_collision', requestId, decision: 'deny', evaluationStatus: 'anomaly', metadata: { jti } })
        throw new StsInternalError(`jti ${jti} collided`)
      }
      token = mintMandate(
        {
          iss: this.#d.issuer, sub: app.id, aud: [this.#d.issuer], exp: iat + ttl, iat, jti, zone_id: app.zoneId, client_id: app.id,
          scope: LIFECYCLE_SCOPE, sid, root_sid: sid, use: 'session', sub_type: 'application', target: granted,
        },
        this.#d.keys.signingKey(app.zoneId, nowMs),
      )
    } catch (error) {
      // Policy allowed, but nothing was issued: the audit says so rather than "allow".
      await this.#recordAll(app, req, requestId, outcomes.map((o) => (o.status === 'complete' ? { ...o, status: 'mint_failed' } : o)))
      throw error instanceof StsError ? error : new StsInternalError('minting failed', { cause: error })
    }
    await this.#recordAll(app, req, requestId, outcomes, sid)
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: LIFECYCLE_SCOPE, issued_token_type: ACCESS_TOKEN_TYPE, target_resources: granted }
  }

  /** Authentication failures of a known zone are audited there too (exchange-level denies). */
  async #authenticate(req: TokenRequest, requestId: string, nowMs: number): Promise<ApplicationRow> {
    try {
      return await authenticateApplication(req, { applications: this.#d.store.applications, failures: this.#d.failures }, nowMs)
    } catch (error) {
      // Not for a proven secret of another zone's application: that zone's log is not its own.
      if (error instanceof StsError && !(error instanceof ClientZoneError) && req.zoneId && this.#d.store.zones.get(req.zoneId)) {
        await this.#d.audit.record({
          zoneId: req.zoneId, eventType: 'token_exchange', requestId, decision: 'deny', evaluationStatus: 'exchange_denied',
          diagnostics: [{ reason: error.wireCode }], metadata: { application_id: req.applicationId ?? null, resource: req.resources, requested_scopes: req.scopes },
        })
      }
      throw error
    }
  }

  #decide(app: ApplicationRow, resource: string, req: TokenRequest, requestId: string, version: ReturnType<PolicyEngine['version']>, nowMs: number): ResourceOutcome {
    const row = this.#d.store.resources.get(app.zoneId, resource)
    if (!row) return { resource, status: 'resource_not_found' }
    // agent:lifecycle is reserved: every resource admits it, as Caracal's Gateway-routed ones do.
    if (req.scopes.some((s) => s !== LIFECYCLE_SCOPE && !row.scopes.includes(s))) return { resource, status: 'scope_mismatch' }
    if (!this.#d.mintRate.take(app.zoneId, resource, app.id, nowMs)) return { resource, status: 'rate_limited' }
    const input = buildExchangeInput({
      principal: { applicationId: app.id, zoneId: app.zoneId, registrationMethod: app.registrationMethod },
      resource: { id: row.id, identifier: row.identifier, scopes: row.scopes },
      requestedScopes: req.scopes,
      traceId: requestId,
    })
    const decision = version ? version.evaluate(ENTRYPOINTS.exchange, input) : this.#d.policy.evaluate(app.zoneId, ENTRYPOINTS.exchange, input)
    // An allow that requires human approval grants nothing until approvals exist (fail closed).
    if (decision.decision === 'allow' && decision.stepUp) return { resource, decision, status: 'approval_required' }
    return { resource, decision, status: decision.decision === 'allow' ? 'complete' : decision.evaluationStatus === 'complete' ? decision.reason! : decision.evaluationStatus }
  }

  /** Records one audit event per resource; resolves once all are committed. */
  async #recordAll(app: ApplicationRow, req: TokenRequest, requestId: string, outcomes: ResourceOutcome[], sid?: string): Promise<void> {
    const events: AuditEvent[] = outcomes.map((o) => ({
      zoneId: app.zoneId,
      eventType: 'token_exchange',
      requestId,
      decision: o.status === 'complete' && sid ? 'allow' : 'deny',
      evaluationStatus: o.status,
      policySetVersionId: o.decision?.policyVersion ?? '',
      determiningPolicies: o.decision?.determiningPolicies ?? [],
      diagnostics: o.decision?.diagnostics ?? [],
      metadata: {
        application_id: app.id,
        application_name: app.name,
        application_registration_method: app.registrationMethod,
        resource: o.resource,
        requested_scopes: req.scopes,
        subject_kind: 'application',
        ...(sid && o.status === 'complete' && { session_id: sid }),
      },
    }))
    try {
      await Promise.all(events.map((e) => this.#d.audit.record(e)))
    } catch (error) {
      throw new StsInternalError('audit write failed', { cause: error })
    }
  }
}
