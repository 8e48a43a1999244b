// The live state an exchange stands on: the application, authority records, agent session and
// delegation behind a presented mandate or a named session, each read from the store when asked
// (another process may have suspended, revoked or ended it), and the lifetime bounds they set.
// Apart from the exchange because every class of request, the proxy's per-request check and
// the grant previews read this state the same way, and none of it mints.
import type { AuditLog } from '../audit/index.js'
import { DelegationInvalidError, validateDelegatedMint, type ValidatedDelegation } from '../delegation/index.js'
import type { VerifiedMandate } from '../mandate/index.js'
import { SessionNotFoundError, SessionNotLiveError, lineageDeadline, type AgentSessions } from '../sessions/index.js'
import { sessionDeadline, type AgentSessionRow, type ApplicationRow, type Store } from '../store/index.js'
import { ClientAuthenticationError, DelegationReferenceError, SessionReferenceError, TokenReplayedError } from './errors.js'
import type { Acting } from './resource-decision.js'
import { bindSubjectAuthority, type VerifiedSubjects } from './subject-token.js'

/** A service session's heartbeat is renewed by use once less than this share of it is left. */
const HEARTBEAT_RENEW_FRACTION = 0.5

/** A presented mandate with the application and live session it stands on. */
export interface PresentedAuthority {
  app: ApplicationRow
  session: AgentSessionRow
  presented: VerifiedMandate
  /** When it ends by time alone, should nothing in the store change: the mandate's, its records' and its session lineage's expiries (ms). */
  until: number
}

export interface StandingAuthorityDeps {
  store: Store
  audit: AuditLog
  sessions: AgentSessions
  subjects: VerifiedSubjects
  now: () => number
}

/** Never past the session's own end (task TTL), the presented mandate's expiry, or the delegation's bounds. */
export function derivedTtl(ttl: number, nowMs: number, session?: AgentSessionRow, presented?: VerifiedMandate, delegation?: ValidatedDelegation): number {
  let bound = ttl
  if (session?.lifecycle === 'task') bound = Math.min(bound, Math.floor((sessionDeadline(session) - nowMs) / 1000))
  if (presented) bound = Math.min(bound, presented.expiresAt - Math.floor(nowMs / 1000))
  if (delegation) bound = Math.min(bound, delegation.ttlBoundSeconds)
  if (bound <= 0) throw new SessionReferenceError('authority ends too soon to mint under it')
  return bound
}

export class StandingAuthority {
  readonly #d: StandingAuthorityDeps

  constructor(deps: StandingAuthorityDeps) {
    this.#d = deps
  }

  #verifiedPresented(token: string, nowMs: number): { presented: VerifiedMandate; app: ApplicationRow } {
    const presented = this.#d.subjects.verify(token, { uses: ['session', 'gateway'], nowMs })
    return { presented, app: this.activeApplication(presented) }
  }

  activeApplication(presented: VerifiedMandate): ApplicationRow {
    const app = this.#d.store.applications.get(presented.clientId)
    if (!app || app.zoneId !== presented.zoneId || app.status !== 'active') throw new ClientAuthenticationError('the subject token names an unknown or disabled application')
    return app
  }

  /** The verified subject token of a resource exchange, its application and live session. */
  presentedAuthority(subjectToken: string, nowMs: number, renew = true): PresentedAuthority {
    const { presented, app } = this.#verifiedPresented(subjectToken, nowMs)
    return this.authorityOf(presented, app, nowMs, { renew, refuseSpent: true })
  }

  /**
   * A verified mandate's live authority: its record bound, its session live. `refuseSpent`: a
   * gateway mandate already presented is a replay (false where a spent one counts as its session's).
   */
  authorityOf(presented: VerifiedMandate, app: ApplicationRow, nowMs: number, o: { renew: boolean; refuseSpent: boolean }): PresentedAuthority {
    const recordsUntil = bindSubjectAuthority(presented, app, this.#d.store, nowMs)
    if (!presented.sessionId) throw new SessionReferenceError('the subject token is not bound to an agent session')
    if (o.refuseSpent && presented.use === 'gateway' && this.#d.store.issuedJtis.wasPresented(presented.jti)) throw new TokenReplayedError()
    const session = this.liveSession(app, presented.sessionId, nowMs, o.renew)
    const until = Math.min(presented.expiresAt * 1000, recordsUntil, lineageDeadline(this.#d.store, session))
    return { app, session, presented, until }
  }

  /** As `presentedAuthority`, auditing a replayed gateway mandate, with the delegation validated for the mint. */
  async presentedActing(subjectToken: string, resource: string, scopes: readonly string[], ttlSeconds: number | undefined, requestId: string, nowMs: number) {
    let authority
    try {
      authority = this.presentedAuthority(subjectToken, nowMs)
    } catch (error) {
      if (error instanceof TokenReplayedError) {
        const presented = this.#d.subjects.verify(subjectToken, { uses: ['session', 'gateway'], nowMs })
        await this.#d.audit.record({ zoneId: presented.zoneId, eventType: 'replay_detected', requestId, decision: 'deny', evaluationStatus: 'anomaly', metadata: { jti: presented.jti, client_id: presented.clientId, resource } })
      }
      throw error
    }
    const { app, session, presented } = authority
    // A delegated mandate's edge, path and chain are re-derived from live state, never copied.
    const delegation = presented.delegationId ? this.delegation(app, session.id, presented.delegationId, scopes, ttlSeconds, nowMs) : undefined
    const acting: Acting = { app, subject: presented.sub, subType: presented.subType, session, presented, ...(delegation && { delegation }) }
    return { acting, app, session, presented, delegation }
  }

  /** The live session of the calling application, renewing a service session's heartbeat by use unless the caller will. */
  liveSession(app: ApplicationRow, sessionId: string, nowMs: number, renew = true): AgentSessionRow {
    let session: AgentSessionRow
    try {
      session = this.#d.sessions.requireLive(app.zoneId, sessionId, app.id, nowMs)
    } catch (error) {
      if (error instanceof SessionNotFoundError || error instanceof SessionNotLiveError) throw new SessionReferenceError('agent session is not active', error.message)
      throw error
    }
    if (renew) this.renewHeartbeat(session, nowMs)
    return session
  }

  /** A service session is renewed by use (its heartbeat moved on) once most of its interval has passed. */
  renewHeartbeat(session: AgentSessionRow, nowMs: number): void {
    if (session.lifecycle === 'service' && session.heartbeatDeadline! - nowMs < session.heartbeatSeconds! * 1000 * HEARTBEAT_RENEW_FRACTION) {
      this.#d.store.agentSessions.heartbeat(session.id, nowMs)
    }
  }

  /** The delegation a mint stands on, validated live; any failure is a 403 naming the step in audit. */
  delegation(app: ApplicationRow, agentSessionId: string, edgeId: string, scopes: readonly string[], ttlSeconds: number | undefined, nowMs: number): ValidatedDelegation {
    try {
      return validateDelegatedMint(this.#d.store, { zoneId: app.zoneId, applicationId: app.id, agentSessionId, edgeId, requestedScopes: scopes, ...(ttlSeconds !== undefined && { requestedTtlSeconds: ttlSeconds }), nowMs })
    } catch (error) {
      if (error instanceof DelegationInvalidError) throw new DelegationReferenceError(error.detail)
      throw error
    }
  }

  /** Whom a session's mandates name: its subject record's subject (a user), else the application. */
  sessionSubject(session: AgentSessionRow): { subject: string; subType: 'application' | 'user'; parent?: { id: string; rootId: string } } {
    if (!session.subjectRecordId) return { subject: session.applicationId, subType: 'application' }
    const record = this.#d.store.authorityRecords.get(session.subjectRecordId)
    if (!record || record.status !== 'active' || record.expiresAt <= this.#d.now()) throw new SessionReferenceError('the session subject is no longer active')
    return { subject: record.subject, subType: record.subType, parent: { id: record.id, rootId: record.rootId } }
  }

  /** An explicit `session_id` on a request without a subject token: an active record of this application. */
  explicitRecord(app: ApplicationRow, sessionId: string | undefined, nowMs: number): { id: string; rootId: string } | undefined {
    if (sessionId === undefined) return undefined
    const record = this.#d.store.authorityRecords.get(sessionId)
    if (!record || record.zoneId !== app.zoneId || record.status !== 'active' || record.expiresAt <= nowMs || record.subType !== 'application' || record.subject !== app.id) {
      throw new SessionReferenceError('session_id is not an active authority record of this application')
    }
    return { id: record.id, rootId: record.rootId }
  }
}
