// Agent sessions: start, heartbeat, terminate, and the liveness check every exchange runs. A
// session belongs to one application of one zone; its labels confer roles in policy (by default
// one label, the application id, as Caracal's SDK does). Terminating a session ends its subtree
// and revokes each session id as an anchor, so every mandate naming one stops verifying.
import type { AuditLog } from '../audit/index.js'
import { DEFAULT_REVOCATION_TTL_MS } from '../mandate/index.js'
import { isSessionLive, sessionDeadline, type AgentSessionRow, type SessionLifecycle, type SessionStatus, type Store } from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { SessionInputError, SessionNotFoundError, SessionNotLiveError } from './errors.js'
import {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_TASK_TTL_SECONDS,
  MAX_HEARTBEAT_SECONDS,
  MAX_LABEL_LENGTH,
  MAX_LABELS,
  MAX_TASK_TTL_SECONDS,
  MIN_HEARTBEAT_SECONDS,
} from './limits.js'

export interface StartSession {
  zoneId: string
  applicationId: string
  lifecycle?: SessionLifecycle
  /** Task sessions: seconds from the start. */
  ttlSeconds?: number
  /** Service sessions: the session ends when no heartbeat arrives within this interval. */
  heartbeatSeconds?: number
  /** Default: `[applicationId]`. */
  labels?: readonly string[]
  subjectRecordId?: string
  requestId: string
  /** Who asked, for audit: `cli`, `admin`, `client_credentials`, an application id. */
  startedBy: string
}

export interface AgentSessionsDeps {
  store: Store
  audit: AuditLog
  now?: () => number
}

function checkLabels(labels: readonly string[]): string[] {
  if (labels.length > MAX_LABELS) throw new SessionInputError(`a session has at most ${MAX_LABELS} labels`)
  for (const label of labels) {
    if (typeof label !== 'string' || label === '' || label.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f\s]/.test(label)) {
      throw new SessionInputError(`a label is 1–${MAX_LABEL_LENGTH} characters without whitespace or control characters`)
    }
  }
  return [...new Set(labels)]
}

function checkSeconds(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new SessionInputError(`${name} must be an integer from ${min} to ${max}`)
  return v
}

/** Session fields for audit metadata (contract §7 names). */
export function sessionAuditMetadata(s: AgentSessionRow): Record<string, unknown> {
  return {
    application_id: s.applicationId,
    agent_session_id: s.id,
    agent_lifecycle: s.lifecycle,
    agent_labels: s.labels,
    agent_depth: s.depth,
    ...(s.parentSessionId && { agent_parent_id: s.parentSessionId }),
  }
}

export class AgentSessions {
  readonly #store: Store
  readonly #audit: AuditLog
  readonly #now: () => number

  constructor(deps: AgentSessionsDeps) {
    this.#store = deps.store
    this.#audit = deps.audit
    this.#now = deps.now ?? Date.now
  }

  async start(input: StartSession): Promise<AgentSessionRow> {
    const nowMs = this.#now()
    const app = this.#store.applications.get(input.applicationId)
    if (!app || app.zoneId !== input.zoneId) throw new SessionInputError(`application ${input.applicationId} does not exist in zone ${input.zoneId}`)
    if (app.status !== 'active') throw new SessionInputError(`application ${input.applicationId} is disabled`)
    const lifecycle = input.lifecycle ?? 'task'
    if (lifecycle !== 'task' && lifecycle !== 'service') throw new SessionInputError('lifecycle is task or service')
    if (lifecycle === 'task' && input.heartbeatSeconds !== undefined) throw new SessionInputError('a task session has a TTL, not a heartbeat')
    if (lifecycle === 'service' && input.ttlSeconds !== undefined) throw new SessionInputError('a service session has a heartbeat, not a TTL')
    const labels = checkLabels(input.labels ?? [input.applicationId])
    const ttlSeconds = lifecycle === 'task' ? checkSeconds(input.ttlSeconds, DEFAULT_TASK_TTL_SECONDS, 1, MAX_TASK_TTL_SECONDS, 'ttl_seconds') : null
    const heartbeatSeconds = lifecycle === 'service' ? checkSeconds(input.heartbeatSeconds, DEFAULT_HEARTBEAT_SECONDS, MIN_HEARTBEAT_SECONDS, MAX_HEARTBEAT_SECONDS, 'heartbeat_seconds') : null
    const row = this.#store.agentSessions.create({
      id: uuid7(nowMs),
      zoneId: input.zoneId,
      applicationId: app.id,
      parentSessionId: null,
      subjectRecordId: input.subjectRecordId ?? null,
      depth: 0,
      lifecycle,
      labels,
      status: 'active',
      startedAt: nowMs,
      ttlSeconds,
      heartbeatSeconds,
      heartbeatDeadline: heartbeatSeconds === null ? null : nowMs + heartbeatSeconds * 1000,
      terminatedAt: null,
      terminationReason: null,
    })
    try {
      await this.#audit.record({
        zoneId: row.zoneId, eventType: 'session_started', requestId: input.requestId, decision: 'allow', evaluationStatus: 'complete',
        metadata: { ...sessionAuditMetadata(row), started_by: input.startedBy, expires_at: new Date(sessionDeadline(row)).toISOString() },
      })
    } catch (error) {
      // A session nobody can account for must not stay usable.
      this.#store.agentSessions.terminateSubtree(row.id, 'audit_failed', this.#now())
      throw error
    }
    return row
  }

  /** The session, if it is one of this zone's. */
  get(zoneId: string, id: string): AgentSessionRow {
    const row = this.#store.agentSessions.get(id)
    if (!row || row.zoneId !== zoneId) throw new SessionNotFoundError(id)
    return row
  }

  list(filter: { zoneId: string; applicationId?: string; status?: SessionStatus; limit?: number }): AgentSessionRow[] {
    return this.#store.agentSessions.list(filter)
  }

  /**
   * The session if it is live and owned by `applicationId`; otherwise a typed error naming why.
   * Reads the database every time: another process may have ended it.
   */
  requireLive(zoneId: string, id: string, applicationId: string, nowMs: number): AgentSessionRow {
    const row = this.get(zoneId, id)
    if (row.applicationId !== applicationId) throw new SessionNotLiveError(id, 'not_owned')
    if (row.status !== 'active') throw new SessionNotLiveError(id, row.status === 'suspended' ? 'suspended' : 'terminated')
    if (!isSessionLive(row, nowMs)) throw new SessionNotLiveError(id, 'expired')
    return row
  }

  /** Extends a live service session; a task session or an ended one is refused. */
  heartbeat(zoneId: string, id: string): AgentSessionRow {
    const nowMs = this.#now()
    const row = this.get(zoneId, id)
    if (row.lifecycle !== 'service') throw new SessionInputError(`agent session ${id} is a task session; it has no heartbeat`)
    if (!this.#store.agentSessions.heartbeat(id, nowMs)) throw new SessionNotLiveError(id, row.status === 'active' ? 'expired' : row.status === 'suspended' ? 'suspended' : 'terminated')
    return this.get(zoneId, id)
  }

  /**
   * Terminates the session and its subtree, revokes every ended session id, and audits one
   * `session_terminated` per session. Terminating an ended session changes nothing.
   */
  async terminate(zoneId: string, id: string, reason: string, requestId: string): Promise<AgentSessionRow[]> {
    this.get(zoneId, id)
    if (reason === '' || reason.length > 500) throw new SessionInputError('a termination reason is 1–500 characters')
    const nowMs = this.#now()
    const ended = this.#store.transaction(() => {
      const rows = this.#store.agentSessions.terminateSubtree(id, reason, nowMs)
      for (const s of rows) {
        this.#store.revocations.revoke({ anchor: s.id, zoneId, kind: 'agent_session', reason: s.terminationReason!, revokedAt: nowMs, expiresAt: nowMs + DEFAULT_REVOCATION_TTL_MS })
      }
      return rows
    })
    await Promise.all(
      ended.map((s) =>
        this.#audit.record({
          zoneId, eventType: 'session_terminated', requestId, decision: 'allow', evaluationStatus: 'complete',
          metadata: { ...sessionAuditMetadata(s), reason: s.terminationReason },
        }),
      ),
    )
    return ended
  }
}
