// Zones: the tenant boundary every other row hangs from.
import type { Db } from './db.js'
import { StoreNotFoundError, insertOrConflict } from './errors.js'

export interface ZoneRow {
  id: string
  name: string
  createdAt: number
}

export class ZoneRepository {
  readonly #insert
  readonly #ensure
  readonly #get
  readonly #list
  readonly #epoch
  readonly #bumpEpoch

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?)')
    this.#ensure = db.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING')
    this.#get = db.prepare('SELECT id, name, created_at AS createdAt FROM zones WHERE id = ?')
    this.#list = db.prepare('SELECT id, name, created_at AS createdAt FROM zones ORDER BY id')
    this.#epoch = db.prepare('SELECT delegation_epoch FROM zones WHERE id = ?').pluck()
    this.#bumpEpoch = db.prepare('UPDATE zones SET delegation_epoch = delegation_epoch + 1 WHERE id = ? RETURNING delegation_epoch').pluck()
  }

  /** The zone's delegation-graph epoch: 0 until the first edge is created. */
  delegationEpoch(id: string): number {
    return (this.#epoch.get(id) as number | undefined) ?? 0
  }

  /**
   * Advances the epoch by one and returns the new value. Every edge create and revoke calls it in
   * the transaction of the change, so a mandate minted before any graph change reads as stale.
   */
  bumpDelegationEpoch(id: string): number {
    const epoch = this.#bumpEpoch.get(id) as number | undefined
    if (epoch === undefined) throw new StoreNotFoundError(`zone ${id} does not exist`)
    return epoch
  }

  create(zone: ZoneRow): ZoneRow {
    insertOrConflict(`zone ${zone.id}`, () => this.#insert.run(zone.id, zone.name, zone.createdAt))
    return zone
  }

  /** Creates the zone unless it exists (another process may be creating it at the same time). */
  ensure(zone: ZoneRow): void {
    this.#ensure.run(zone.id, zone.name, zone.createdAt)
  }

  get(id: string): ZoneRow | undefined {
    return this.#get.get(id) as ZoneRow | undefined
  }

  list(): ZoneRow[] {
    return this.#list.all() as ZoneRow[]
  }
}
