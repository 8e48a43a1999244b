// The audit log as stored: append-only (triggers refuse UPDATE and DELETE), one hash chain per
// zone ordered by chain_seq. Rows are written in batches inside one transaction.
import Database from 'better-sqlite3'
import { inTransaction, type Db } from './db.js'

export interface AuditEventRow {
  zoneId: string
  chainSeq: number
  id: string
  eventType: string
  requestId: string
  decision: string
  policySetId: string
  policySetVersionId: string
  manifestSha: string
  evaluationStatus: string
  determiningPoliciesJson: string
  diagnosticsJson: string
  metadataJson: string
  occurredAt: string
  contentSha256: string
  prevContentSha256: string
  chainHmac: string
}

const COLUMNS = `zone_id AS zoneId, chain_seq AS chainSeq, id, event_type AS eventType, request_id AS requestId, decision,
  policy_set_id AS policySetId, policy_set_version_id AS policySetVersionId, manifest_sha AS manifestSha,
  evaluation_status AS evaluationStatus, determining_policies_json AS determiningPoliciesJson,
  diagnostics_json AS diagnosticsJson, metadata_json AS metadataJson, occurred_at AS occurredAt,
  content_sha256 AS contentSha256, prev_content_sha256 AS prevContentSha256, chain_hmac AS chainHmac`

interface ChainHead {
  chainSeq: number
  contentSha256: string
}

interface KeptHeads {
  /** PRAGMA data_version when they were written: it moves when another connection commits. */
  dataVersion: number
  byZone: ReadonlyMap<string, ChainHead>
}

export class AuditEventRepository {
  readonly #db: Db
  readonly #insert
  readonly #last
  readonly #byZone
  readonly #byRequest
  readonly #byZoneRequest
  readonly #zones
  readonly #tail
  readonly #dataVersion
  /** Rows this connection has inserted (committed or not), so that Store#changeMark can leave them out. */
  #inserted = 0
  /** The chain heads as this connection's last committed append left them. */
  #heads: KeptHeads | undefined

  constructor(db: Db) {
    this.#db = db
    this.#insert = db.prepare(
      `INSERT INTO audit_events (zone_id, chain_seq, id, event_type, request_id, decision, policy_set_id, policy_set_version_id,
         manifest_sha, evaluation_status, determining_policies_json, diagnostics_json, metadata_json, occurred_at,
         content_sha256, prev_content_sha256, chain_hmac)
       VALUES (@zoneId, @chainSeq, @id, @eventType, @requestId, @decision, @policySetId, @policySetVersionId,
         @manifestSha, @evaluationStatus, @determiningPoliciesJson, @diagnosticsJson, @metadataJson, @occurredAt,
         @contentSha256, @prevContentSha256, @chainHmac)`,
    )
    this.#dataVersion = db.prepare('PRAGMA data_version').pluck()
    this.#last = db.prepare('SELECT chain_seq AS chainSeq, content_sha256 AS contentSha256 FROM audit_events WHERE zone_id = ? ORDER BY chain_seq DESC LIMIT 1')
    this.#byZone = db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE zone_id = ? ORDER BY chain_seq`)
    this.#byRequest = db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE request_id = ? ORDER BY occurred_at, zone_id, chain_seq`)
    // Served by the (request_id, zone_id, chain_seq) index: one zone's rows of one request, newest first.
    this.#byZoneRequest = db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE zone_id = ? AND request_id = ? AND chain_seq < ? ORDER BY chain_seq DESC LIMIT ?`)
    // A zone of the zones table with no rows is listed too: its chain is missing, not empty.
    this.#zones = db.prepare('SELECT zone_id AS zoneId FROM audit_events UNION SELECT id FROM zones ORDER BY 1')
    this.#tail = db.prepare(`SELECT ${COLUMNS} FROM audit_events WHERE zone_id = ? AND chain_seq < ? ORDER BY chain_seq DESC LIMIT ?`)
  }

  /**
   * Whether an append failed for the database as a whole (disk, lock, corruption), so that every
   * row would fail again, rather than for one row it refused (a constraint).
   */
  failsEveryRow(error: unknown): boolean {
    return error instanceof Database.SqliteError && !error.code.startsWith('SQLITE_CONSTRAINT')
  }

  /** The head of a zone's chain, or undefined for a zone without events. */
  last(zoneId: string): ChainHead | undefined {
    return this.#last.get(zoneId) as ChainHead | undefined
  }

  /**
   * Builds rows against the current chain heads and inserts them, all inside one IMMEDIATE
   * transaction: the write lock is taken before the heads are read, so another process
   * appending to the same database cannot interleave between the read and the write.
   */
  appendChained(build: (head: (zoneId: string) => ChainHead) => AuditEventRow[]): AuditEventRow[] {
    // The heads this connection's last append left are still the heads when no other connection
    // has committed since (data_version unchanged): one indexed read per batch saved. Only an
    // append that is its own transaction keeps them: one inside another could be rolled back.
    const outermost = !this.#db.inTransaction
    const kept = this.#heads
    this.#heads = undefined
    let left: KeptHeads | undefined
    const rows = inTransaction(this.#db, () => {
      const dataVersion = this.#dataVersion.get() as number
      const heads = outermost && kept?.dataVersion === dataVersion ? new Map(kept.byZone) : new Map<string, ChainHead>()
      const rows = build((zoneId) => heads.get(zoneId) ?? this.last(zoneId) ?? { chainSeq: 0, contentSha256: '' })
      for (const row of rows) {
        this.#insert.run(row)
        this.#inserted++
        heads.set(row.zoneId, { chainSeq: row.chainSeq, contentSha256: row.contentSha256 })
      }
      if (outermost) left = { dataVersion, byZone: heads }
      return rows
    })
    this.#heads = left
    return rows
  }

  /** How many rows this connection has inserted, including any a rollback undid (as SQLite's total_changes() counts them). */
  get inserted(): number {
    return this.#inserted
  }

  /** A zone's chain, oldest first, streamed. */
  iterateZone(zoneId: string): IterableIterator<AuditEventRow> {
    return this.#byZone.iterate(zoneId) as IterableIterator<AuditEventRow>
  }

  /** One request's events in every zone, in the order they occurred. */
  byRequestId(requestId: string): AuditEventRow[] {
    return this.#byRequest.all(requestId) as AuditEventRow[]
  }

  /** One request's events in one zone, newest first: at most `limit`, below chain_seq `beforeSeq` when given. */
  byZoneAndRequestId(zoneId: string, requestId: string, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): AuditEventRow[] {
    return this.#byZoneRequest.all(zoneId, requestId, beforeSeq, limit) as AuditEventRow[]
  }

  /** The newest `limit` events of a zone, newest first; below chain_seq `beforeSeq` when given (the next page). */
  tail(zoneId: string, limit: number, beforeSeq = Number.MAX_SAFE_INTEGER): AuditEventRow[] {
    return this.#tail.all(zoneId, beforeSeq, limit) as AuditEventRow[]
  }

  /** Every zone with a chain or in the zones table. */
  zones(): string[] {
    return (this.#zones.all() as { zoneId: string }[]).map((r) => r.zoneId)
  }
}
