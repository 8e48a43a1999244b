/**
 * @module store
 * The process's state in SQLite (better-sqlite3): schema migrations and one repository per table.
 *
 * Must: own every SQL statement of the product; apply migrations before use; keep audit rows
 * append-only. Must not: hold secrets in the clear (application secrets are slow hashes, private
 * keys arrive sealed), or know about HTTP, MCP or policy.
 */
import { inReadTransaction, inTransaction, openDatabase, type Db } from './db.js'
import { AgentSessionRepository } from './agent-sessions.js'
import { ApplicationRepository } from './applications.js'
import { ApprovalRepository } from './approvals.js'
import { AuditEventRepository } from './audit-events.js'
import { AuthorityRecordRepository } from './authority-records.js'
import { DelegationEdgeRepository } from './delegation-edges.js'
import { IdempotencyKeyRepository } from './idempotency-keys.js'
import { IssuedJtiRepository } from './issued-jtis.js'
import { ResourceRepository } from './resources.js'
import { RevocationRepository } from './revocations.js'
import { SigningKeyRepository } from './signing-keys.js'
import { ZoneRepository } from './zones.js'

export class Store {
  readonly db: Db
  readonly zones: ZoneRepository
  readonly applications: ApplicationRepository
  readonly resources: ResourceRepository
  readonly signingKeys: SigningKeyRepository
  readonly auditEvents: AuditEventRepository
  readonly authorityRecords: AuthorityRecordRepository
  readonly issuedJtis: IssuedJtiRepository
  readonly agentSessions: AgentSessionRepository
  readonly revocations: RevocationRepository
  readonly approvals: ApprovalRepository
  readonly delegationEdges: DelegationEdgeRepository
  readonly idempotencyKeys: IdempotencyKeyRepository
  readonly #changes

  constructor(db: Db) {
    this.db = db
    this.zones = new ZoneRepository(db)
    this.applications = new ApplicationRepository(db)
    this.resources = new ResourceRepository(db)
    this.signingKeys = new SigningKeyRepository(db)
    this.auditEvents = new AuditEventRepository(db)
    this.authorityRecords = new AuthorityRecordRepository(db)
    this.issuedJtis = new IssuedJtiRepository(db)
    this.agentSessions = new AgentSessionRepository(db)
    this.revocations = new RevocationRepository(db)
    this.approvals = new ApprovalRepository(db)
    this.delegationEdges = new DelegationEdgeRepository(db)
    this.idempotencyKeys = new IdempotencyKeyRepository(db)
    // total_changes(): rows this connection inserted, updated or deleted, even in a transaction
    // later rolled back; data_version: moves whenever another connection (another process) commits.
    this.#changes = db.prepare('SELECT total_changes(), data_version FROM pragma_data_version').raw()
  }

  /**
   * A mark that moves whenever the database may have changed in anything but this connection's
   * own audit rows: any row another process committed, any row this one wrote elsewhere. Equal
   * marks mean every read since the first would answer as it did then (time aside): what the
   * proxy's per-request check of a presented mandate relies on to read the store once, not on
   * every request, while its own audit appends go on.
   */
  changeMark(): string {
    const [own, others] = this.#changes.get() as [number, number]
    return `${own - this.auditEvents.inserted}:${others}`
  }

  /** Runs `fn` in one IMMEDIATE transaction: all of its writes commit together or none does. */
  transaction<T>(fn: () => T): T {
    return inTransaction(this.db, fn)
  }

  /** Runs the reads of `fn` against one committed state (one read transaction); `fn` must not write. */
  snapshot<T>(fn: () => T): T {
    return inReadTransaction(this.db, fn)
  }

  close(): void {
    this.db.close()
  }
}

/** Opens (creating if needed) and migrates the database at `path`; `:memory:` for tests. */
export function openStore(path: string): Store {
  return new Store(openDatabase(path))
}

export { MIGRATIONS } from './migrations.js'
export { startCheckpointer, type Checkpointer } from './checkpointer.js'
export { IDEMPOTENCY_KEY_LIFETIME_MS, purgeExpired, type Purged } from './housekeeping.js'
export { StoreConflictError, StoreNotFoundError, StoreSchemaError } from './errors.js'
export { effectiveState } from './approvals.js'
export { isSessionLive, sessionDeadline } from './agent-sessions.js'
export type { AgentSessionRow, AgentSessionRepository, SessionAuthority, SessionLifecycle, SessionStatus } from './agent-sessions.js'
export { isEdgeLive } from './delegation-edges.js'
export type { DelegationEdgeRow, DelegationEdgeRepository, EdgeConstraints, EdgeStatus } from './delegation-edges.js'
export type { ApplicationRow, ApplicationRepository } from './applications.js'
export { IDEMPOTENCY_IN_FLIGHT } from './idempotency-keys.js'
export type { IdempotencyKeyId, IdempotencyKeyRepository, IdempotencyKeyRow } from './idempotency-keys.js'
export type { ApprovalRow, ApprovalRepository, ApprovalState, ApproverClass, PrivacyMode } from './approvals.js'
export type { AuditEventRow, AuditEventRepository } from './audit-events.js'
export type { AuthorityRecordRow, AuthorityRecordRepository } from './authority-records.js'
export type { IssuedJtiRepository } from './issued-jtis.js'
export type { ResourceRow, ResourceRepository } from './resources.js'
export type { AnchorKind, RevocationRow, RevocationRepository } from './revocations.js'
export type { SigningKeyRow, SigningKeyRepository } from './signing-keys.js'
export type { ZoneRow, ZoneRepository } from './zones.js'
export type { Db }
