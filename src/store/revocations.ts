// Revoked anchors (authority records, agent sessions, delegation edges), kept for as long as a
// mandate minted under them could live. Rows carry an increasing sequence number so that every
// process sharing the database can follow new revocations with one indexed read; revoking an
// anchor again gives its row a new number, so a longer expiry reaches the followers too.
import type { Db } from './db.js'

export type AnchorKind = 'authority_record' | 'agent_session' | 'delegation_edge'

export interface RevocationRow {
  seq: number
  anchor: string
  zoneId: string
  kind: AnchorKind
  reason: string
  revokedAt: number
  expiresAt: number
}

const COLUMNS = 'seq, anchor, zone_id AS zoneId, kind, reason, revoked_at AS revokedAt, expires_at AS expiresAt'

export class RevocationRepository {
  readonly #insert
  readonly #get
  readonly #anyOf
  readonly #since
  readonly #purge

  constructor(db: Db) {
    // A second revocation of the same anchor replaces the row with a new seq (so followers see
    // it again), keeping the first reason while it is live and the later expiry.
    this.#insert = db.prepare(
      `INSERT OR REPLACE INTO revocations (anchor, zone_id, kind, reason, revoked_at, expires_at)
       SELECT @anchor, @zoneId, @kind,
         COALESCE((SELECT reason FROM revocations WHERE anchor = @anchor AND expires_at > @revokedAt), @reason),
         COALESCE((SELECT revoked_at FROM revocations WHERE anchor = @anchor AND expires_at > @revokedAt), @revokedAt),
         MAX(@expiresAt, COALESCE((SELECT expires_at FROM revocations WHERE anchor = @anchor), 0))`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM revocations WHERE anchor = ? AND expires_at > ?`)
    this.#anyOf = db.prepare(`SELECT anchor FROM revocations WHERE anchor IN (?, ?, ?, ?) AND expires_at > ? LIMIT 1`)
    this.#since = db.prepare(`SELECT ${COLUMNS} FROM revocations WHERE seq > ? ORDER BY seq LIMIT ?`)
    this.#purge = db.prepare('DELETE FROM revocations WHERE expires_at <= ?')
  }

  revoke(row: Omit<RevocationRow, 'seq'>): void {
    this.#insert.run(row)
  }

  /** The live revocation of an anchor, if any. */
  get(anchor: string, nowMs: number): RevocationRow | undefined {
    return this.#get.get(anchor, nowMs) as RevocationRow | undefined
  }

  /** The first of up to four anchors that is revoked, in one lookup (the anchors of a mandate). */
  firstRevoked(anchors: readonly (string | undefined)[], nowMs: number): string | undefined {
    if (anchors.length > 4) throw new TypeError('at most four anchors per lookup')
    const padded = [0, 1, 2, 3].map((i) => anchors[i] ?? null)
    return (this.#anyOf.get(...padded, nowMs) as { anchor: string } | undefined)?.anchor
  }

  /** Revocations recorded after `seq`, oldest first. */
  since(seq: number, limit = 1000): RevocationRow[] {
    return this.#since.all(seq, limit) as RevocationRow[]
  }

  purgeExpired(nowMs: number): number {
    return this.#purge.run(nowMs).changes
  }
}
