// Every jti the STS issues, registered with one atomic insert: a collision is detected by the
// insert itself, never by a read followed by a write. Single-use mandates presented back (a
// gateway mandate exchanged by the proxy) are recorded the same way, so a second presentation is
// refused by the insert.
import type { Db } from './db.js'

export class IssuedJtiRepository {
  readonly #insert
  readonly #purge
  readonly #present
  readonly #purgePresented
  readonly #presented

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO issued_jtis (jti, zone_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING')
    this.#purge = db.prepare('DELETE FROM issued_jtis WHERE expires_at <= ?')
    this.#purgePresented = db.prepare('DELETE FROM presented_jtis WHERE expires_at <= ?')
    this.#present = db.prepare('INSERT INTO presented_jtis (jti, zone_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING')
    this.#presented = db.prepare('SELECT 1 FROM presented_jtis WHERE jti = ?').pluck()
  }

  /** False when the jti was issued before (a collision). */
  register(jti: string, zoneId: string, expiresAtMs: number): boolean {
    return this.#insert.run(jti, zoneId, expiresAtMs).changes === 1
  }

  /** Records the one use of a single-use mandate; false when it was presented before (a replay). */
  markPresented(jti: string, zoneId: string, expiresAtMs: number): boolean {
    return this.#present.run(jti, zoneId, expiresAtMs).changes === 1
  }

  /** Whether a single-use mandate was presented before. */
  wasPresented(jti: string): boolean {
    return this.#presented.get(jti) !== undefined
  }

  /** Forgets jtis of expired mandates; returns how many. */
  purgeExpired(nowMs: number): number {
    return this.#purge.run(nowMs).changes + this.#purgePresented.run(nowMs).changes
  }
}
