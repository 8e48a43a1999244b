// Approval holds of step-up (contract §6.6): at most one live hold (pending or approved) per
// zone and binding, enforced by a partial unique index; decisions and consumption are single
// conditional updates, so two concurrent consumers cannot both succeed.
import { inTransaction, type Db } from './db.js'

export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired' | 'consumed'
export type ApproverClass = 'operator' | 'subject' | 'any'
export type PrivacyMode = 'identified' | 'pseudonymous' | 'anonymous'

export interface ApprovalRow {
  id: string
  zoneId: string
  applicationId: string
  subject: string
  /** Whether the subject is a user (only then may it decide its own hold) or an application. */
  subjectType: 'user' | 'application'
  authorityRecordId: string | null
  agentSessionId: string | null
  delegationEdgeId: string | null
  binding: string
  tier: string
  approverClass: ApproverClass
  privacyMode: PrivacyMode
  resources: string[]
  scopes: string[]
  /** As stored: a pending or approved hold past `expiresAt` reads as expired (see `effectiveState`). */
  state: ApprovalState
  requestId: string
  createdAt: number
  expiresAt: number
  decidedAt: number | null
  decidedBy: string | null
  decisionReason: string | null
  consumedAt: number | null
  consumedRecordId: string | null
}

interface RawApproval extends Omit<ApprovalRow, 'resources' | 'scopes'> {
  resourcesJson: string
  scopesJson: string
}

const COLUMNS = `id, zone_id AS zoneId, application_id AS applicationId, subject, subject_type AS subjectType, authority_record_id AS authorityRecordId,
  agent_session_id AS agentSessionId, delegation_edge_id AS delegationEdgeId, binding, tier, approver_class AS approverClass,
  privacy_mode AS privacyMode, resources_json AS resourcesJson, scopes_json AS scopesJson, state, request_id AS requestId,
  created_at AS createdAt, expires_at AS expiresAt, decided_at AS decidedAt, decided_by AS decidedBy,
  decision_reason AS decisionReason, consumed_at AS consumedAt, consumed_record_id AS consumedRecordId`
const toRow = ({ resourcesJson, scopesJson, ...rest }: RawApproval): ApprovalRow => ({
  ...rest,
  resources: JSON.parse(resourcesJson) as string[],
  scopes: JSON.parse(scopesJson) as string[],
})

/** The state a reader sees: a live hold past its expiry is expired whatever the row says. */
export function effectiveState(row: Pick<ApprovalRow, 'state' | 'expiresAt'>, nowMs: number): ApprovalState {
  return (row.state === 'pending' || row.state === 'approved') && row.expiresAt <= nowMs ? 'expired' : row.state
}

export class ApprovalRepository {
  readonly #db: Db
  readonly #insert
  readonly #get
  readonly #live
  readonly #expireLive
  readonly #decide
  readonly #consume
  readonly #list
  readonly #undoDecision

  constructor(db: Db) {
    this.#db = db
    this.#insert = db.prepare(
      `INSERT INTO approvals (id, zone_id, application_id, subject, subject_type, authority_record_id, agent_session_id, delegation_edge_id, binding, tier,
         approver_class, privacy_mode, resources_json, scopes_json, state, request_id, created_at, expires_at)
       VALUES (@id, @zoneId, @applicationId, @subject, @subjectType, @authorityRecordId, @agentSessionId, @delegationEdgeId, @binding, @tier,
         @approverClass, @privacyMode, @resourcesJson, @scopesJson, 'pending', @requestId, @createdAt, @expiresAt)`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE id = ?`)
    this.#live = db.prepare(`SELECT ${COLUMNS} FROM approvals WHERE zone_id = ? AND binding = ? AND state IN ('pending', 'approved')`)
    this.#expireLive = db.prepare(`UPDATE approvals SET state = 'expired' WHERE zone_id = ? AND binding = ? AND state IN ('pending', 'approved') AND expires_at <= ?`)
    this.#decide = db.prepare(
      `UPDATE approvals SET state = @to, decided_at = @nowMs, decided_by = @by, decision_reason = @reason
       WHERE id = @id AND zone_id = @zoneId AND state = 'pending' AND expires_at > @nowMs`,
    )
    this.#consume = db.prepare(
      `UPDATE approvals SET state = 'consumed', consumed_at = @nowMs, consumed_record_id = @recordId
       WHERE id = @id AND state = 'approved' AND expires_at > @nowMs`,
    )
    this.#undoDecision = db.prepare(
      "UPDATE approvals SET state = 'pending', decided_at = NULL, decided_by = NULL, decision_reason = NULL WHERE id = @id AND state = @state AND decided_at = @decidedAt",
    )
    // Filters on the effective state: a live hold past its expiry is listed as expired.
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM approvals WHERE zone_id = @zoneId AND (
         @state IS NULL
         OR (@state IN ('pending', 'approved') AND state = @state AND expires_at > @nowMs)
         OR (@state = 'expired' AND (state = 'expired' OR (state IN ('pending', 'approved') AND expires_at <= @nowMs)))
         OR (@state IN ('rejected', 'consumed') AND state = @state))
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    )
  }

  get(id: string): ApprovalRow | undefined {
    const raw = this.#get.get(id) as RawApproval | undefined
    return raw && toRow(raw)
  }

  /**
   * The live hold for this binding, or a new pending one (`created: true`), in one transaction:
   * concurrent requests with the same binding converge on one hold.
   */
  converge(hold: Omit<ApprovalRow, 'state' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'consumedAt' | 'consumedRecordId'>, nowMs: number): { row: ApprovalRow; created: boolean } {
    return inTransaction(this.#db, () => {
      this.#expireLive.run(hold.zoneId, hold.binding, nowMs)
      const live = this.#live.get(hold.zoneId, hold.binding) as RawApproval | undefined
      if (live) return { row: toRow(live), created: false }
      const { resources, scopes, ...rest } = hold
      this.#insert.run({ ...rest, resourcesJson: JSON.stringify(resources), scopesJson: JSON.stringify(scopes) })
      return { row: this.get(hold.id)!, created: true }
    })
  }

  /** The live (pending or approved, unexpired) hold of a binding, if any. */
  live(zoneId: string, binding: string, nowMs: number): ApprovalRow | undefined {
    const raw = this.#live.get(zoneId, binding) as RawApproval | undefined
    const row = raw && toRow(raw)
    return row && effectiveState(row, nowMs) !== 'expired' ? row : undefined
  }

  /** Approves or rejects a pending, unexpired hold of the zone; false when it was not one. */
  decide(id: string, zoneId: string, to: 'approved' | 'rejected', by: string, reason: string | null, nowMs: number): boolean {
    return this.#decide.run({ id, zoneId, to, by, reason, nowMs }).changes === 1
  }

  /**
   * Marks an approved, unexpired hold consumed by `recordId`; false when another request got
   * there first (or it is no longer approved). Run it inside the transaction that creates the
   * authority record, so both happen or neither does.
   */
  consume(id: string, recordId: string, nowMs: number): boolean {
    return this.#consume.run({ id, recordId, nowMs }).changes === 1
  }

  /**
   * Takes back a decision that could not be audited, if nothing happened since (it is still in
   * the state it was decided into, at that time): an approval nobody can account for must not stand.
   */
  undoDecision(row: Pick<ApprovalRow, 'id' | 'state' | 'decidedAt'>): boolean {
    return this.#undoDecision.run({ id: row.id, state: row.state, decidedAt: row.decidedAt }).changes === 1
  }

  /** Newest first; `state` is the effective state (see `effectiveState`). */
  list(filter: { zoneId: string; state?: ApprovalState; limit?: number }, nowMs: number): ApprovalRow[] {
    return (this.#list.all({ zoneId: filter.zoneId, state: filter.state ?? null, limit: filter.limit ?? 100, nowMs }) as RawApproval[]).map(toRow)
  }
}
