// Delegation edges (contract §5.1): constrained authority passed from one agent session to
// another, possibly of another application, chained to the edge the source itself received.
// Only the Coordinator's rules decide what may be inserted; this module stores and walks.
import type { Db } from './db.js'
import { insertOrConflict } from './errors.js'

export type EdgeStatus = 'active' | 'expired' | 'revoked'

/** The typed constraints of an edge; unknown keys never reach the store. */
export interface EdgeConstraints {
  resources?: string[]
  max_hops?: number
  ttl_seconds?: number
  expires_at?: string
  policy_approved?: boolean
  broad_reason?: string
}

export interface DelegationEdgeRow {
  id: string
  zoneId: string
  sourceSessionId: string
  targetSessionId: string
  issuerApplicationId: string
  receiverApplicationId: string
  parentEdgeId: string | null
  /** Row id of the one resource the edge is for, when it names one. */
  resourceId: string | null
  scopes: string[]
  constraints: EdgeConstraints
  status: EdgeStatus
  expiresAt: number
  edgeVersion: number
  /** Path length from the root edge: 1 for a root edge. */
  depth: number
  /** Null until a receiver of another application accepts it (same application: set at creation). */
  acceptedAt: number | null
  revokedAt: number | null
  revocationReason: string | null
  createdAt: number
}

interface RawEdge extends Omit<DelegationEdgeRow, 'scopes' | 'constraints'> {
  scopesJson: string
  constraintsJson: string
}

const COLUMNS = `id, zone_id AS zoneId, source_session_id AS sourceSessionId, target_session_id AS targetSessionId,
  issuer_application_id AS issuerApplicationId, receiver_application_id AS receiverApplicationId, parent_edge_id AS parentEdgeId,
  resource_id AS resourceId, scopes_json AS scopesJson, constraints_json AS constraintsJson, status, expires_at AS expiresAt,
  edge_version AS edgeVersion, depth, accepted_at AS acceptedAt, revoked_at AS revokedAt, revocation_reason AS revocationReason,
  created_at AS createdAt`
const toRow = ({ scopesJson, constraintsJson, ...rest }: RawEdge): DelegationEdgeRow => ({
  ...rest,
  scopes: JSON.parse(scopesJson) as string[],
  constraints: JSON.parse(constraintsJson) as EdgeConstraints,
})

/** Active, unexpired, and accepted where acceptance is needed: an edge that confers authority now. */
export function isEdgeLive(edge: DelegationEdgeRow, nowMs: number): boolean {
  return edge.status === 'active' && edge.revokedAt === null && edge.expiresAt > nowMs && edge.acceptedAt !== null
}

export class DelegationEdgeRepository {
  readonly #insert
  readonly #get
  readonly #inbound
  readonly #outbound
  readonly #revoke
  readonly #accept
  readonly #unaccept
  readonly #list
  readonly #revokedFrom

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO delegation_edges (id, zone_id, source_session_id, target_session_id, issuer_application_id, receiver_application_id,
         parent_edge_id, resource_id, scopes_json, constraints_json, status, expires_at, edge_version, depth, accepted_at, revoked_at,
         revocation_reason, created_at)
       VALUES (@id, @zoneId, @sourceSessionId, @targetSessionId, @issuerApplicationId, @receiverApplicationId, @parentEdgeId, @resourceId,
         @scopesJson, @constraintsJson, @status, @expiresAt, @edgeVersion, @depth, @acceptedAt, @revokedAt, @revocationReason, @createdAt)`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM delegation_edges WHERE id = ?`)
    this.#inbound = db.prepare(`SELECT ${COLUMNS} FROM delegation_edges WHERE target_session_id = ? AND status = 'active' AND expires_at > ? ORDER BY created_at, id`)
    this.#outbound = db.prepare(`SELECT ${COLUMNS} FROM delegation_edges WHERE source_session_id = ? AND status = 'active' AND expires_at > ? ORDER BY created_at, id`)
    this.#revoke = db.prepare(
      `UPDATE delegation_edges SET status = 'revoked', revoked_at = @nowMs, revocation_reason = @reason, edge_version = edge_version + 1
       WHERE id = @id AND status = 'active'`,
    )
    this.#accept = db.prepare(
      "UPDATE delegation_edges SET accepted_at = @nowMs, edge_version = edge_version + 1 WHERE id = @id AND status = 'active' AND accepted_at IS NULL AND expires_at > @nowMs",
    )
    this.#unaccept = db.prepare('UPDATE delegation_edges SET accepted_at = NULL, edge_version = edge_version + 1 WHERE id = ? AND accepted_at = ?')
    this.#revokedFrom = db.prepare(
      `SELECT 1 FROM delegation_edges WHERE source_session_id = @source AND status = 'revoked' AND receiver_application_id = @receiver
         AND parent_edge_id IS @parent AND accepted_at IS NOT NULL AND expires_at > @nowMs AND revocation_reason <> 'audit_failed' LIMIT 1`,
    )
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM delegation_edges WHERE zone_id = @zoneId AND (@sessionId IS NULL OR source_session_id = @sessionId OR target_session_id = @sessionId)
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    )
  }

  create(row: DelegationEdgeRow): DelegationEdgeRow {
    const { scopes, constraints, ...rest } = row
    insertOrConflict(`delegation ${row.id}`, () => this.#insert.run({ ...rest, scopesJson: JSON.stringify(scopes), constraintsJson: JSON.stringify(constraints) }))
    return row
  }

  get(id: string): DelegationEdgeRow | undefined {
    const raw = this.#get.get(id) as RawEdge | undefined
    return raw && toRow(raw)
  }

  /** Active, unexpired edges into a session (accepted or not). */
  inbound(sessionId: string, nowMs: number): DelegationEdgeRow[] {
    return (this.#inbound.all(sessionId, nowMs) as RawEdge[]).map(toRow)
  }

  /** Active, unexpired edges out of a session (accepted or not). */
  outbound(sessionId: string, nowMs: number): DelegationEdgeRow[] {
    return (this.#outbound.all(sessionId, nowMs) as RawEdge[]).map(toRow)
  }

  /** False when the edge was not active. */
  revoke(id: string, reason: string, nowMs: number): boolean {
    return this.#revoke.run({ id, reason, nowMs }).changes === 1
  }

  /** False when the edge is not an active, unexpired, unaccepted one. */
  accept(id: string, nowMs: number): boolean {
    return this.#accept.run({ id, nowMs }).changes === 1
  }

  /** Takes back an acceptance made at `acceptedAt` (one that could not be audited). */
  unaccept(id: string, acceptedAt: number): boolean {
    return this.#unaccept.run(id, acceptedAt).changes === 1
  }

  /**
   * Whether someone revoked an edge that confers (accepted, not yet expired) from this session
   * to this application, under this parent edge (null: none). An edge revoked because its
   * creation could not be audited never conferred anything, and does not count.
   */
  revokedFrom(q: { sourceSessionId: string; receiverApplicationId: string; parentEdgeId: string | null; nowMs: number }): boolean {
    return this.#revokedFrom.get({ source: q.sourceSessionId, receiver: q.receiverApplicationId, parent: q.parentEdgeId, nowMs: q.nowMs }) !== undefined
  }

  list(filter: { zoneId: string; sessionId?: string; limit?: number }): DelegationEdgeRow[] {
    return (this.#list.all({ zoneId: filter.zoneId, sessionId: filter.sessionId ?? null, limit: filter.limit ?? 100 }) as RawEdge[]).map(toRow)
  }
}
