// Agent sessions: the runtime unit an application acts through. A task session lives for its
// TTL from the start; a service session lives while heartbeats arrive before its deadline. Both
// end at once when terminated, with their whole subtree.
import { inTransaction, type Db } from './db.js'
import { insertOrConflict } from './errors.js'

export type SessionLifecycle = 'task' | 'service'
export type SessionStatus = 'active' | 'suspended' | 'terminated'
/** What a session may mint: all its labels' roles allow, only within a bound, or nothing. */
export type SessionAuthority = 'full' | 'narrow' | 'none'

export interface AgentSessionRow {
  id: string
  zoneId: string
  applicationId: string
  parentSessionId: string | null
  /** The authority record whose subject the session acts for (a user's), when there is one. */
  subjectRecordId: string | null
  depth: number
  lifecycle: SessionLifecycle
  labels: string[]
  status: SessionStatus
  startedAt: number
  /** Task sessions only. */
  ttlSeconds: number | null
  /** Service sessions only. */
  heartbeatSeconds: number | null
  heartbeatDeadline: number | null
  terminatedAt: number | null
  terminationReason: string | null
  authority: SessionAuthority
  /** `narrow` only: the scopes and resources (identifiers) the session may mint within. */
  authorityScopes: string[] | null
  authorityResources: string[] | null
  /** Who suspended it (`operator`, or the application that did): only an operator resumes what an operator suspended. */
  suspendedBy?: string | null
}

interface RawSession extends Omit<AgentSessionRow, 'labels' | 'authorityScopes' | 'authorityResources'> {
  labelsJson: string
  authorityScopesJson: string | null
  authorityResourcesJson: string | null
}

const COLUMNS = `id, zone_id AS zoneId, application_id AS applicationId, parent_session_id AS parentSessionId,
  subject_record_id AS subjectRecordId, depth, lifecycle, labels_json AS labelsJson, status, started_at AS startedAt,
  ttl_seconds AS ttlSeconds, heartbeat_seconds AS heartbeatSeconds, heartbeat_deadline AS heartbeatDeadline,
  terminated_at AS terminatedAt, termination_reason AS terminationReason, authority,
  authority_scopes_json AS authorityScopesJson, authority_resources_json AS authorityResourcesJson, suspended_by AS suspendedBy`
const parseList = (json: string | null) => (json === null ? null : (JSON.parse(json) as string[]))
const toRow = ({ labelsJson, authorityScopesJson, authorityResourcesJson, ...rest }: RawSession): AgentSessionRow => ({
  ...rest,
  labels: JSON.parse(labelsJson) as string[],
  authorityScopes: parseList(authorityScopesJson),
  authorityResources: parseList(authorityResourcesJson),
})

/** When the session stops being live on its own (task TTL or heartbeat deadline), in ms. */
export function sessionDeadline(s: Pick<AgentSessionRow, 'lifecycle' | 'startedAt' | 'ttlSeconds' | 'heartbeatDeadline'>): number {
  return s.lifecycle === 'task' ? s.startedAt + s.ttlSeconds! * 1000 : s.heartbeatDeadline!
}

export function isSessionLive(s: AgentSessionRow, nowMs: number): boolean {
  return s.status === 'active' && sessionDeadline(s) > nowMs
}

export class AgentSessionRepository {
  readonly #db: Db
  readonly #insert
  readonly #get
  readonly #list
  readonly #subtree
  readonly #terminate
  readonly #heartbeat
  readonly #setStatus
  readonly #children
  readonly #liveCount
  readonly #statusOf

  constructor(db: Db) {
    this.#db = db
    this.#insert = db.prepare(
      `INSERT INTO agent_sessions (id, zone_id, application_id, parent_session_id, subject_record_id, depth, lifecycle, labels_json, status,
         started_at, ttl_seconds, heartbeat_seconds, heartbeat_deadline, terminated_at, termination_reason,
         authority, authority_scopes_json, authority_resources_json)
       VALUES (@id, @zoneId, @applicationId, @parentSessionId, @subjectRecordId, @depth, @lifecycle, @labelsJson, @status,
         @startedAt, @ttlSeconds, @heartbeatSeconds, @heartbeatDeadline, @terminatedAt, @terminationReason,
         @authority, @authorityScopesJson, @authorityResourcesJson)`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM agent_sessions WHERE id = ?`)
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM agent_sessions WHERE zone_id = @zoneId AND (@applicationId IS NULL OR application_id = @applicationId)
         AND (@status IS NULL OR status = @status) ORDER BY started_at DESC, id DESC LIMIT @limit`,
    )
    // The session and every descendant, depth first by construction of the recursive walk.
    this.#subtree = db.prepare(
      `WITH RECURSIVE tree(id) AS (SELECT id FROM agent_sessions WHERE id = ?
         UNION SELECT s.id FROM agent_sessions s JOIN tree t ON s.parent_session_id = t.id)
       SELECT ${COLUMNS} FROM agent_sessions WHERE id IN (SELECT id FROM tree)`,
    )
    this.#terminate = db.prepare(
      `UPDATE agent_sessions SET status = 'terminated', terminated_at = @nowMs, termination_reason = @reason
       WHERE id = @id AND status != 'terminated'`,
    )
    this.#heartbeat = db.prepare(
      `UPDATE agent_sessions SET heartbeat_deadline = @nowMs + heartbeat_seconds * 1000
       WHERE id = @id AND lifecycle = 'service' AND status = 'active' AND heartbeat_deadline > @nowMs`,
    )
    this.#setStatus = db.prepare('UPDATE agent_sessions SET status = @to, suspended_by = @by WHERE id = @id AND status = @from')
    this.#statusOf = db.prepare('SELECT status FROM agent_sessions WHERE id = ?').pluck()
    this.#children = db.prepare("SELECT COUNT(*) FROM agent_sessions WHERE parent_session_id = ? AND status != 'terminated'").pluck()
    this.#liveCount = db.prepare(
      "SELECT COUNT(*) FROM agent_sessions WHERE zone_id = @zoneId AND (@applicationId IS NULL OR application_id = @applicationId) AND status != 'terminated'",
    ).pluck()
  }

  create(row: AgentSessionRow): AgentSessionRow {
    const { labels, authorityScopes, authorityResources, suspendedBy: _suspendedBy, ...rest } = row
    insertOrConflict(`agent session ${row.id}`, () =>
      this.#insert.run({
        ...rest,
        labelsJson: JSON.stringify(labels),
        authorityScopesJson: authorityScopes === null ? null : JSON.stringify(authorityScopes),
        authorityResourcesJson: authorityResources === null ? null : JSON.stringify(authorityResources),
      }),
    )
    return row
  }

  /** Just the status (a cheap read for a check inside a write transaction). */
  statusOf(id: string): SessionStatus | undefined {
    return this.#statusOf.get(id) as SessionStatus | undefined
  }

  /** Children of a session that are not terminated. */
  liveChildren(parentId: string): number {
    return this.#children.get(parentId) as number
  }

  /** Sessions of the zone (and of one application, when named) that are not terminated. */
  liveCount(zoneId: string, applicationId?: string): number {
    return this.#liveCount.get({ zoneId, applicationId: applicationId ?? null }) as number
  }

  /** The session and its descendants, as rows. */
  subtree(id: string): AgentSessionRow[] {
    return (this.#subtree.all(id) as RawSession[]).map(toRow)
  }

  get(id: string): AgentSessionRow | undefined {
    const raw = this.#get.get(id) as RawSession | undefined
    return raw && toRow(raw)
  }

  list(filter: { zoneId: string; applicationId?: string; status?: SessionStatus; limit?: number }): AgentSessionRow[] {
    const rows = this.#list.all({ zoneId: filter.zoneId, applicationId: filter.applicationId ?? null, status: filter.status ?? null, limit: filter.limit ?? 100 })
    return (rows as RawSession[]).map(toRow)
  }

  /**
   * Terminates the session and its whole subtree in one transaction (descendants with reason
   * `parent_terminated`); returns the sessions this call terminated (already terminated ones are
   * left as they were).
   */
  terminateSubtree(id: string, reason: string, nowMs: number): AgentSessionRow[] {
    return inTransaction(this.#db, () => {
      const tree = (this.#subtree.all(id) as RawSession[]).map(toRow)
      const ended: AgentSessionRow[] = []
      for (const s of tree) {
        const why = s.id === id ? reason : 'parent_terminated'
        if (this.#terminate.run({ id: s.id, nowMs, reason: why }).changes === 1) ended.push({ ...s, status: 'terminated', terminatedAt: nowMs, terminationReason: why })
      }
      return ended
    })
  }

  /** Extends a live service session's deadline by its interval; false when it is not live. */
  heartbeat(id: string, nowMs: number): boolean {
    return this.#heartbeat.run({ id, nowMs }).changes === 1
  }

  /** Moves a session from one status to another; false when it was not in `from`. `by` is kept for a suspension. */
  transition(id: string, from: SessionStatus, to: SessionStatus, by: string | null = null): boolean {
    return this.#setStatus.run({ id, from, to, by: to === 'suspended' ? by : null }).changes === 1
  }
}
