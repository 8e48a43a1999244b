// Zones: the tenant boundary every other row hangs from.
import type { Db } from './db.js'
import { insertOrConflict } from './errors.js'

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

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?)')
    this.#ensure = db.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING')
    this.#get = db.prepare('SELECT id, name, created_at AS createdAt FROM zones WHERE id = ?')
    this.#list = db.prepare('SELECT id, name, created_at AS createdAt FROM zones ORDER BY id')
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
