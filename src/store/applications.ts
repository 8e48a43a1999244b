// Applications: credentialed clients of a zone. Only a slow hash of the secret is stored.
import type { Db } from './db.js'
import { StoreNotFoundError, insertOrConflict } from './errors.js'

export interface ApplicationRow {
  id: string
  zoneId: string
  name: string
  registrationMethod: 'managed' | 'dcr'
  secretHash: string
  status: 'active' | 'disabled'
  createdAt: number
  updatedAt: number
}

const COLUMNS = `id, zone_id AS zoneId, name, registration_method AS registrationMethod, secret_hash AS secretHash,
  status, created_at AS createdAt, updated_at AS updatedAt`

export class ApplicationRepository {
  readonly #insert
  readonly #get
  readonly #listByZone
  readonly #setStatus
  readonly #setSecret

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO applications (id, zone_id, name, registration_method, secret_hash, status, created_at, updated_at)
       VALUES (@id, @zoneId, @name, @registrationMethod, @secretHash, @status, @createdAt, @updatedAt)`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM applications WHERE id = ?`)
    this.#listByZone = db.prepare(`SELECT ${COLUMNS} FROM applications WHERE zone_id = ? ORDER BY created_at, id`)
    this.#setStatus = db.prepare('UPDATE applications SET status = ?, updated_at = ? WHERE id = ?')
    this.#setSecret = db.prepare('UPDATE applications SET secret_hash = ?, updated_at = ? WHERE id = ?')
  }

  create(app: ApplicationRow): ApplicationRow {
    insertOrConflict(`application ${app.id}`, () => this.#insert.run(app))
    return app
  }

  get(id: string): ApplicationRow | undefined {
    return this.#get.get(id) as ApplicationRow | undefined
  }

  listByZone(zoneId: string): ApplicationRow[] {
    return this.#listByZone.all(zoneId) as ApplicationRow[]
  }

  setStatus(id: string, status: ApplicationRow['status'], nowMs: number): void {
    if (this.#setStatus.run(status, nowMs, id).changes !== 1) throw new StoreNotFoundError(`application ${id} does not exist`)
  }

  setSecretHash(id: string, secretHash: string, nowMs: number): void {
    if (this.#setSecret.run(secretHash, nowMs, id).changes !== 1) throw new StoreNotFoundError(`application ${id} does not exist`)
  }
}
