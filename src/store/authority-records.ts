// Authority records: one per mint (`sid`), chained to the record it was minted under
// (`parent_id`) up to the root (`root_sid`), so revoking any record reaches everything below it.
import type { Db } from './db.js'
import { insertOrConflict } from './errors.js'

export interface AuthorityRecordRow {
  id: string
  zoneId: string
  applicationId: string
  subject: string
  subType: 'user' | 'application'
  parentId: string | null
  rootId: string
  use: 'session' | 'gateway' | 'resource'
  status: 'active' | 'revoked'
  createdAt: number
  expiresAt: number
  /** The agent session the mandate is bound to, when it is (so suspending the session can end it). */
  agentSessionId?: string | null
}

const COLUMNS = `id, zone_id AS zoneId, application_id AS applicationId, subject, sub_type AS subType, parent_id AS parentId,
  root_id AS rootId, use, status, created_at AS createdAt, expires_at AS expiresAt, agent_session_id AS agentSessionId`

export class AuthorityRecordRepository {
  readonly #insert
  readonly #get
  readonly #revoke
  readonly #revokeForSession
  readonly #revokeWhere

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO authority_records (id, zone_id, application_id, subject, sub_type, parent_id, root_id, use, status, created_at, expires_at, agent_session_id)
       VALUES (@id, @zoneId, @applicationId, @subject, @subType, @parentId, @rootId, @use, @status, @createdAt, @expiresAt, @agentSessionId)`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM authority_records WHERE id = ?`)
    this.#revoke = db.prepare("UPDATE authority_records SET status = 'revoked' WHERE id = ? AND status = 'active'")
    // By id: the record and every record minted beneath it, at any depth (parent_id lineage).
    this.#revokeWhere = db.prepare(
      `WITH RECURSIVE beneath(id) AS (SELECT @id WHERE @id IS NOT NULL
         UNION SELECT r.id FROM authority_records r JOIN beneath b ON r.parent_id = b.id)
       UPDATE authority_records SET status = 'revoked'
       WHERE zone_id = @zoneId AND status = 'active' AND expires_at > @nowMs
         AND (@id IS NULL OR id IN (SELECT id FROM beneath) OR root_id = @id)
         AND (@subject IS NULL OR subject = @subject)
         AND (@applicationId IS NULL OR application_id = @applicationId)
       RETURNING id, expires_at AS expiresAt`,
    )
    this.#revokeForSession = db.prepare(
      "UPDATE authority_records SET status = 'revoked' WHERE agent_session_id = ? AND status = 'active' AND expires_at > ? RETURNING id, expires_at AS expiresAt",
    )
  }

  create(row: AuthorityRecordRow): AuthorityRecordRow {
    insertOrConflict(`authority record ${row.id}`, () => this.#insert.run({ ...row, agentSessionId: row.agentSessionId ?? null }))
    return row
  }

  /**
   * Revokes a zone's live records matching one criterion: a record and everything rooted in it,
   * every record of a subject (a user whose grant ended), or every record of an application.
   */
  revokeMatching(zoneId: string, match: { id: string } | { subject: string } | { applicationId: string }, nowMs: number): { id: string; expiresAt: number }[] {
    return this.#revokeWhere.all({
      zoneId,
      nowMs,
      id: 'id' in match ? match.id : null,
      subject: 'subject' in match ? match.subject : null,
      applicationId: 'applicationId' in match ? match.applicationId : null,
    }) as { id: string; expiresAt: number }[]
  }

  /** Revokes the live records bound to any of these sessions; returns their ids and zones. */
  revokeForSessions(sessionIds: readonly string[], nowMs: number): { id: string; expiresAt: number }[] {
    const revoked: { id: string; expiresAt: number }[] = []
    for (const sessionId of sessionIds) revoked.push(...(this.#revokeForSession.all(sessionId, nowMs) as { id: string; expiresAt: number }[]))
    return revoked
  }

  get(id: string): AuthorityRecordRow | undefined {
    return this.#get.get(id) as AuthorityRecordRow | undefined
  }

  /** False when the record was not active (absent or revoked already). */
  revoke(id: string): boolean {
    return this.#revoke.run(id).changes === 1
  }
}
