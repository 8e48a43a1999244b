// Agent sessions: start, spawn, heartbeat, suspend, resume, terminate, and the liveness check
// every exchange runs. A session belongs to one application of one zone; its labels confer roles
// in policy (by default one label, the application id, as Caracal's SDK does; a spawned child
// takes its parent's). What a session may mint is its authority: `full` (what its roles allow),
// `narrow` (only within named scopes and resources) or `none`. A child never holds more than
// its parent. Ending a session (terminate, or suspend, which is reversible) revokes what was
// minted under it; terminating also ends its subtree and every delegation edge touching it, and
// advances the zone's delegation epoch when an edge changed.
import type { AuditLog } from '../audit/index.js'
import { DEFAULT_REVOCATION_TTL_MS } from '../mandate/index.js'
import {
  isSessionLive,
  sessionDeadline,
  type AgentSessionRow,
  type SessionAuthority,
  type SessionLifecycle,
  type SessionStatus,
  type Store,
} from '../store/index.js'
import { uuid7 } from '../util/uuid7.js'
import { SessionActionDeniedError, SessionInputError, SessionLimitError, SessionNotFoundError, SessionNotLiveError, SpawnExceedsParentError } from './errors.js'

/** The actor of operator surfaces (CLI, admin API); an application acts under its own id. */
export const OPERATOR = 'operator'
import {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_SESSION_LIMITS,
  DEFAULT_TASK_TTL_SECONDS,
  MAX_CHILDREN_PER_PARENT,
  MAX_HEARTBEAT_SECONDS,
  MAX_LABEL_LENGTH,
  MAX_LABELS,
  MAX_SESSION_DEPTH,
  MAX_TASK_TTL_SECONDS,
  MIN_HEARTBEAT_SECONDS,
  type SessionLimits,
} from './limits.js'

export interface StartSession {
  zoneId: string
  applicationId: string
  lifecycle?: SessionLifecycle
  /** Task sessions: seconds from the start. */
  ttlSeconds?: number
  /** Service sessions: the session ends when no heartbeat arrives within this interval. */
  heartbeatSeconds?: number
  /** Default: `[applicationId]`, or the parent's labels for a spawned child. */
  labels?: readonly string[]
  subjectRecordId?: string
  requestId: string
  /** Who asked, for audit: `cli`, `admin`, `client_credentials`, an application id. */
  startedBy: string
}

/** How a child's authority derives from its parent's. */
export type SpawnAuthority = { mode: 'inherit' } | { mode: 'none' } | { mode: 'narrow'; scopes: readonly string[]; resources: readonly string[] }

export interface SpawnSession extends Omit<StartSession, 'subjectRecordId'> {
  parentSessionId: string
  authority: SpawnAuthority
}

/** What one termination ended, for callers that publish revocations. */
export interface Ended {
  sessions: AgentSessionRow[]
  edges: string[]
  records: string[]
  /** The zone's new delegation epoch when an edge was revoked. */
  epoch?: number
}

export interface AgentSessionsDeps {
  store: Store
  audit: AuditLog
  limits?: Partial<SessionLimits>
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

/**
 * The session's ancestors, nearest first, read from the store; `undefined` in place of one that
 * cannot be read or lies deeper than sessions can nest (not trusted), and nothing after it.
 */
function* ancestorsOf(store: Store, session: AgentSessionRow): Generator<AgentSessionRow | undefined> {
  for (let up = session.parentSessionId, hops = 0; up !== null; hops++) {
    const ancestor = hops < MAX_SESSION_DEPTH ? store.agentSessions.get(up) : undefined
    yield ancestor
    if (!ancestor) return
    up = ancestor.parentSessionId
  }
}

/**
 * Why a session's ancestors no longer let it act, if they do not: one ended (terminated, or a
 * service whose heartbeat lapsed — its subtree ends with it) or is suspended. A chain deeper than
 * sessions can nest is not trusted. Read from the store on every call.
 */
export function ancestryProblem(store: Store, session: AgentSessionRow, nowMs: number): 'terminated' | 'ancestor_suspended' | 'expired' | undefined {
  for (const ancestor of ancestorsOf(store, session)) {
    if (!ancestor || ancestor.status === 'terminated') return 'terminated'
    if (ancestor.status === 'suspended') return 'ancestor_suspended'
    if (!isSessionLive(ancestor, nowMs)) return 'expired'
  }
  return undefined
}

/**
 * When the session stops being live by time alone: the earliest deadline of it and its ancestors
 * (a task's end, a service's heartbeat). Only meaningful for a session found live: an ancestor
 * that cannot be read ends it now.
 */
export function lineageDeadline(store: Store, session: AgentSessionRow): number {
  let until = sessionDeadline(session)
  for (const ancestor of ancestorsOf(store, session)) {
    if (!ancestor) return 0
    until = Math.min(until, sessionDeadline(ancestor))
  }
  return until
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
    ...(s.authority !== 'full' && { agent_authority: s.authority }),
  }
}

export class AgentSessions {
  readonly #store: Store
  readonly #audit: AuditLog
  readonly #now: () => number
  readonly #limits: SessionLimits

  constructor(deps: AgentSessionsDeps) {
    this.#store = deps.store
    this.#audit = deps.audit
    this.#now = deps.now ?? Date.now
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...deps.limits }
  }

  /** A root session of an application, with full authority (what its roles allow). */
  async start(input: StartSession): Promise<AgentSessionRow> {
    const nowMs = this.#now()
    this.#activeApplication(input.zoneId, input.applicationId)
    const shape = this.#shape(input, nowMs, undefined)
    const row = this.#insert(input, shape, { authority: 'full', authorityScopes: null, authorityResources: null }, undefined, input.subjectRecordId ?? null, nowMs)
    return this.#recordStart(row, input)
  }

  /**
   * A child of a live session of the same application. `inherit` keeps the parent's authority
   * (a narrowed parent's child stays narrowed), `narrow` bounds it further (never beyond the
   * parent's bound or the resources' declared scopes), `none` gives no resource authority. A task
   * child ends no later than a task parent; a task parent cannot start a service child.
   */
  async spawn(input: SpawnSession): Promise<AgentSessionRow> {
    const nowMs = this.#now()
    this.#activeApplication(input.zoneId, input.applicationId)
    const parent = this.requireLive(input.zoneId, input.parentSessionId, input.applicationId, nowMs)
    if (parent.depth + 1 > MAX_SESSION_DEPTH) throw new SessionLimitError(`sessions nest at most ${MAX_SESSION_DEPTH} deep`)
    if (this.#store.agentSessions.liveChildren(parent.id) >= MAX_CHILDREN_PER_PARENT) throw new SessionLimitError(`a session has at most ${MAX_CHILDREN_PER_PARENT} live children`)
    if (parent.lifecycle === 'task' && input.lifecycle === 'service') throw new SessionInputError('a task session cannot start a service session (task_session_cannot_start_service)')
    const authority = this.#childAuthority(parent, input.authority)
    // Labels are roles: a child holds only roles its parent holds.
    const extra = (input.labels ?? []).find((l) => !parent.labels.includes(l))
    if (extra !== undefined) throw new SpawnExceedsParentError(`label ${extra} is not one of the parent session's`)
    const shape = this.#shape({ ...input, labels: input.labels ?? parent.labels }, nowMs, parent)
    const row = this.#insert(input, shape, authority, parent, parent.subjectRecordId, nowMs)
    return this.#recordStart(row, input)
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
   * The session if it is live, owned by `applicationId`, and under no suspended ancestor;
   * otherwise a typed error naming why. Reads the database every time: another process may have
   * ended it.
   */
  requireLive(zoneId: string, id: string, applicationId: string, nowMs: number): AgentSessionRow {
    const row = this.get(zoneId, id)
    if (row.applicationId !== applicationId) throw new SessionNotLiveError(id, 'not_owned')
    if (row.status !== 'active') throw new SessionNotLiveError(id, row.status === 'suspended' ? 'suspended' : 'terminated')
    if (!isSessionLive(row, nowMs)) throw new SessionNotLiveError(id, 'expired')
    const problem = ancestryProblem(this.#store, row, nowMs)
    if (problem !== undefined) throw new SessionNotLiveError(id, problem)
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
   * Suspends a session (reversible): it and its subtree mint nothing until resumed, and every
   * mandate already minted under them is revoked (a resumed session needs new mandates).
   */
  async suspend(zoneId: string, id: string, reason: string, requestId: string, actor: string = OPERATOR): Promise<{ session: AgentSessionRow; revokedRecords: string[] }> {
    this.#checkReason(reason)
    const nowMs = this.#now()
    const row = this.get(zoneId, id)
    const revokedRecords = this.#store.transaction(() => {
      if (!this.#store.agentSessions.transition(id, 'active', 'suspended', actor)) throw new SessionNotLiveError(id, row.status === 'suspended' ? 'suspended' : 'terminated')
      const subtree = this.#store.agentSessions.subtree(id).map((s) => s.id)
      return this.#revokeRecords(zoneId, subtree, reason, nowMs)
    })
    const session = this.get(zoneId, id)
    await this.#audit.record({ zoneId, eventType: 'session_suspended', requestId, decision: 'allow', evaluationStatus: 'complete', metadata: { ...sessionAuditMetadata(session), reason, actor, revoked_records: revokedRecords.length } })
    return { session, revokedRecords }
  }

  /** Resumes a suspended session; an application may resume only what it suspended itself. */
  async resume(zoneId: string, id: string, requestId: string, actor: string = OPERATOR): Promise<AgentSessionRow> {
    const row = this.get(zoneId, id)
    if (row.status === 'suspended' && actor !== OPERATOR && row.suspendedBy !== actor) throw new SessionActionDeniedError(`agent session ${id} was suspended by an operator; only an operator resumes it`)
    if (!this.#store.agentSessions.transition(id, 'suspended', 'active')) throw new SessionNotLiveError(id, row.status === 'active' ? 'expired' : 'terminated')
    const session = this.get(zoneId, id)
    try {
      await this.#audit.record({ zoneId, eventType: 'session_resumed', requestId, decision: 'allow', evaluationStatus: 'complete', metadata: { ...sessionAuditMetadata(session), actor } })
    } catch (error) {
      // A resumption nobody can account for must not stand.
      this.#store.agentSessions.transition(id, 'active', 'suspended', row.suspendedBy ?? OPERATOR)
      throw error
    }
    return session
  }

  /**
   * Terminates the session and its subtree, revokes every ended session id, every record minted
   * under them and every active edge touching them (contract §4.3), and audits one
   * `session_terminated` per session. Terminating an ended session changes nothing.
   */
  async terminate(zoneId: string, id: string, reason: string, requestId: string): Promise<AgentSessionRow[]> {
    this.get(zoneId, id)
    this.#checkReason(reason)
    const nowMs = this.#now()
    const ended = this.#store.transaction(() => this.terminateWithin(zoneId, [id], reason, nowMs))
    await this.recordTerminated(zoneId, ended, requestId)
    return ended.sessions
  }

  /**
   * The termination cascade, for a caller already inside a store transaction (delegation
   * revocation ends target subtrees with it). Audit with `recordTerminated` after the commit.
   */
  terminateWithin(zoneId: string, roots: readonly string[], reason: string, nowMs: number): Ended {
    const sessions = roots.flatMap((root) => this.#store.agentSessions.terminateSubtree(root, reason, nowMs))
    const ids = sessions.map((s) => s.id)
    const expiresAt = nowMs + DEFAULT_REVOCATION_TTL_MS
    for (const s of sessions) this.#store.revocations.revoke({ anchor: s.id, zoneId, kind: 'agent_session', reason: s.terminationReason!, revokedAt: nowMs, expiresAt })
    const edges = new Set<string>()
    for (const sessionId of ids) {
      for (const edge of [...this.#store.delegationEdges.outbound(sessionId, nowMs), ...this.#store.delegationEdges.inbound(sessionId, nowMs)]) {
        if (!edges.has(edge.id) && this.#store.delegationEdges.revoke(edge.id, 'session_terminated', nowMs)) {
          edges.add(edge.id)
          this.#store.revocations.revoke({ anchor: edge.id, zoneId, kind: 'delegation_edge', reason: 'session_terminated', revokedAt: nowMs, expiresAt })
        }
      }
    }
    const records = this.#revokeRecords(zoneId, ids, reason, nowMs)
    const epoch = edges.size > 0 ? this.#store.zones.bumpDelegationEpoch(zoneId) : undefined
    return { sessions, edges: [...edges], records, ...(epoch !== undefined && { epoch }) }
  }

  async recordTerminated(zoneId: string, ended: Ended, requestId: string): Promise<void> {
    await Promise.all(
      ended.sessions.map((s) =>
        this.#audit.record({
          zoneId, eventType: 'session_terminated', requestId, decision: 'allow', evaluationStatus: 'complete',
          metadata: { ...sessionAuditMetadata(s), reason: s.terminationReason },
        }),
      ),
    )
  }

  #revokeRecords(zoneId: string, sessionIds: readonly string[], reason: string, nowMs: number): string[] {
    const records = this.#store.authorityRecords.revokeForSessions(sessionIds, nowMs)
    for (const r of records) this.#store.revocations.revoke({ anchor: r.id, zoneId, kind: 'authority_record', reason, revokedAt: nowMs, expiresAt: r.expiresAt })
    return records.map((r) => r.id)
  }

  #checkReason(reason: string): void {
    if (reason === '' || reason.length > 500) throw new SessionInputError('a reason is 1–500 characters')
  }

  #activeApplication(zoneId: string, applicationId: string): void {
    const app = this.#store.applications.get(applicationId)
    if (!app || app.zoneId !== zoneId) throw new SessionInputError(`application ${applicationId} does not exist in zone ${zoneId}`)
    if (app.status !== 'active') throw new SessionInputError(`application ${applicationId} is disabled`)
    if (this.#store.agentSessions.liveCount(zoneId) >= this.#limits.liveSessionsPerZone) throw new SessionLimitError(`zone ${zoneId} has ${this.#limits.liveSessionsPerZone} live sessions, its limit`)
    if (this.#store.agentSessions.liveCount(zoneId, applicationId) >= this.#limits.liveSessionsPerApplication) {
      throw new SessionLimitError(`application ${applicationId} has ${this.#limits.liveSessionsPerApplication} live sessions, its limit`)
    }
  }

  /** Lifecycle, TTL or heartbeat, and labels, checked; a task child ends no later than a task parent. */
  #shape(input: Omit<StartSession, 'requestId' | 'startedBy' | 'zoneId' | 'applicationId' | 'subjectRecordId'>, nowMs: number, parent: AgentSessionRow | undefined) {
    const lifecycle = input.lifecycle ?? 'task'
    if (lifecycle !== 'task' && lifecycle !== 'service') throw new SessionInputError('lifecycle is task or service')
    if (lifecycle === 'task' && input.heartbeatSeconds !== undefined) throw new SessionInputError('a task session has a TTL, not a heartbeat')
    if (lifecycle === 'service' && input.ttlSeconds !== undefined) throw new SessionInputError('a service session has a heartbeat, not a TTL')
    const labels = checkLabels(input.labels ?? [])
    let ttlSeconds = lifecycle === 'task' ? checkSeconds(input.ttlSeconds, DEFAULT_TASK_TTL_SECONDS, 1, MAX_TASK_TTL_SECONDS, 'ttl_seconds') : null
    if (ttlSeconds !== null && parent?.lifecycle === 'task') {
      const left = Math.floor((sessionDeadline(parent) - nowMs) / 1000)
      if (left < 1) throw new SessionInputError('the parent session ends in less than a second')
      ttlSeconds = Math.min(ttlSeconds, left)
    }
    const heartbeatSeconds = lifecycle === 'service' ? checkSeconds(input.heartbeatSeconds, DEFAULT_HEARTBEAT_SECONDS, MIN_HEARTBEAT_SECONDS, MAX_HEARTBEAT_SECONDS, 'heartbeat_seconds') : null
    return { lifecycle, labels, ttlSeconds, heartbeatSeconds }
  }

  #childAuthority(parent: AgentSessionRow, asked: SpawnAuthority): Pick<AgentSessionRow, 'authority' | 'authorityScopes' | 'authorityResources'> {
    if (asked.mode === 'none') return { authority: 'none', authorityScopes: null, authorityResources: null }
    if (asked.mode === 'inherit') return { authority: parent.authority, authorityScopes: parent.authorityScopes, authorityResources: parent.authorityResources }
    if (asked.mode !== 'narrow') throw new SessionInputError('authority is inherit, narrow or none')
    if (parent.authority === 'none') throw new SpawnExceedsParentError('a session without resource authority cannot grant any')
    const scopes = [...new Set(asked.scopes)].sort()
    const resources = [...new Set(asked.resources)].sort()
    if (scopes.length === 0 || resources.length === 0) throw new SessionInputError('narrow authority names at least one scope and one resource')
    const declared = new Set<string>()
    for (const identifier of resources) {
      const resource = this.#store.resources.get(parent.zoneId, identifier)
      if (!resource) throw new SessionInputError(`resource ${identifier} does not exist in zone ${parent.zoneId}`)
      resource.scopes.forEach((s) => declared.add(s))
    }
    const undeclared = scopes.find((s) => !declared.has(s))
    if (undeclared) throw new SpawnExceedsParentError(`scope ${undeclared} is not declared by the named resources`)
    if (parent.authority === 'narrow') {
      const scope = scopes.find((s) => !parent.authorityScopes!.includes(s))
      if (scope) throw new SpawnExceedsParentError(`scope ${scope} is beyond the parent session's authority`)
      const resource = resources.find((r) => !parent.authorityResources!.includes(r))
      if (resource) throw new SpawnExceedsParentError(`resource ${resource} is beyond the parent session's authority`)
    }
    return { authority: 'narrow' satisfies SessionAuthority, authorityScopes: scopes, authorityResources: resources }
  }

  #insert(
    input: { zoneId: string; applicationId: string },
    shape: { lifecycle: SessionLifecycle; labels: string[]; ttlSeconds: number | null; heartbeatSeconds: number | null },
    authority: Pick<AgentSessionRow, 'authority' | 'authorityScopes' | 'authorityResources'>,
    parent: AgentSessionRow | undefined,
    subjectRecordId: string | null,
    nowMs: number,
  ): AgentSessionRow {
    return this.#store.agentSessions.create({
      id: uuid7(nowMs),
      zoneId: input.zoneId,
      applicationId: input.applicationId,
      parentSessionId: parent?.id ?? null,
      subjectRecordId,
      depth: parent ? parent.depth + 1 : 0,
      lifecycle: shape.lifecycle,
      labels: shape.labels.length > 0 ? shape.labels : [input.applicationId],
      status: 'active',
      startedAt: nowMs,
      ttlSeconds: shape.ttlSeconds,
      heartbeatSeconds: shape.heartbeatSeconds,
      heartbeatDeadline: shape.heartbeatSeconds === null ? null : nowMs + shape.heartbeatSeconds * 1000,
      terminatedAt: null,
      terminationReason: null,
      ...authority,
    })
  }

  async #recordStart(row: AgentSessionRow, input: { requestId: string; startedBy: string }): Promise<AgentSessionRow> {
    try {
      await this.#audit.record({
        zoneId: row.zoneId, eventType: 'session_started', requestId: input.requestId, decision: 'allow', evaluationStatus: 'complete',
        metadata: {
          ...sessionAuditMetadata(row), started_by: input.startedBy, expires_at: new Date(sessionDeadline(row)).toISOString(),
          ...(row.authority === 'narrow' && { authority_scopes: row.authorityScopes, authority_resources: row.authorityResources }),
        },
      })
    } catch (error) {
      // A session nobody can account for must not stay usable.
      this.#store.agentSessions.terminateSubtree(row.id, 'audit_failed', this.#now())
      throw error
    }
    return row
  }
}
