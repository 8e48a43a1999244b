// Every jti the STS issues, registered with one atomic insert: a collision is detected by the
// insert itself, never by a read followed by a write.
import type { Db } from './db.js'

export class IssuedJtiRepository {
  readonly #insert
  readonly #purge

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO issued_jtis (jti, zone_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING')
    this.#purge = db.prepare('DELETE FROM issued_jtis WHERE expires_at <= ?')
  }

  /** False when the jti was issued before (a collision). */
  register(jti: string, zoneId: string, expiresAtMs: number): boolean {
    return this.#insert.run(jti, zoneId, expiresAtMs).changes === 1
  }

  /** Forgets jtis of expired mandates; returns how many. */
  purgeExpired(nowMs: number): number {
    return this.#purge.run(nowMs).changes
  }
}
