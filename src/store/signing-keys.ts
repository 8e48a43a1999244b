// Zone signing keys as stored: the public JWK in the clear, the private key sealed (encrypted by
// keys/, which alone holds the sealing key).
import type { Db } from './db.js'
import { insertOrConflict } from './errors.js'

export interface SigningKeyRow {
  kid: string
  zoneId: string
  publicJwkJson: string
  privateKeySealed: Buffer
  createdAt: number
}

export class SigningKeyRepository {
  readonly #insert
  readonly #listByZone

  constructor(db: Db) {
    this.#insert = db.prepare(
      'INSERT INTO signing_keys (kid, zone_id, public_jwk_json, private_key_sealed, created_at) VALUES (@kid, @zoneId, @publicJwkJson, @privateKeySealed, @createdAt)',
    )
    this.#listByZone = db.prepare(
      `SELECT kid, zone_id AS zoneId, public_jwk_json AS publicJwkJson, private_key_sealed AS privateKeySealed, created_at AS createdAt
       FROM signing_keys WHERE zone_id = ? ORDER BY created_at, kid`,
    )
  }

  insert(row: SigningKeyRow): void {
    insertOrConflict(`signing key ${row.kid}`, () => this.#insert.run(row))
  }

  /** Oldest first. */
  listByZone(zoneId: string): SigningKeyRow[] {
    return this.#listByZone.all(zoneId) as SigningKeyRow[]
  }
}
