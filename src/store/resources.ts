// Resources: protected targets of a zone (for MCP, one per tool group) and the scopes each
// declares; a request for an undeclared scope never reaches policy.
import type { Db } from './db.js'
import { StoreConflictError } from './errors.js'

export interface ResourceRow {
  id: string
  zoneId: string
  identifier: string
  scopes: string[]
  createdAt: number
  updatedAt: number
}

interface RawResource extends Omit<ResourceRow, 'scopes'> {
  scopesJson: string
}

const COLUMNS = 'id, zone_id AS zoneId, identifier, scopes_json AS scopesJson, created_at AS createdAt, updated_at AS updatedAt'
const toRow = ({ scopesJson, ...rest }: RawResource): ResourceRow => ({ ...rest, scopes: JSON.parse(scopesJson) as string[] })

export class ResourceRepository {
  readonly #upsert
  readonly #get
  readonly #list
  readonly #identifierOf

  constructor(db: Db) {
    // Re-registering an identifier (config reload) keeps its row id and replaces its scopes.
    this.#upsert = db.prepare(
      `INSERT INTO resources (id, zone_id, identifier, scopes_json, created_at, updated_at)
       VALUES (@id, @zoneId, @identifier, @scopesJson, @now, @now)
       ON CONFLICT (zone_id, identifier) DO UPDATE SET scopes_json = excluded.scopes_json, updated_at = excluded.updated_at`,
    )
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM resources WHERE zone_id = ? AND identifier = ?`)
    this.#list = db.prepare(`SELECT ${COLUMNS} FROM resources WHERE zone_id = ? ORDER BY identifier`)
    this.#identifierOf = db.prepare('SELECT identifier FROM resources WHERE id = ?').pluck()
  }

  /**
   * Registers or updates a resource; returns the stored row. An identifier that differs from a
   * registered one only in letter case is refused: an approval's binding names resources in
   * lower case (contract §6.6), so the two could not be told apart there.
   */
  register(zoneId: string, identifier: string, scopes: readonly string[], newId: string, nowMs: number): ResourceRow {
    const folded = identifier.toLowerCase()
    const twin = this.list(zoneId).find((r) => r.identifier !== identifier && r.identifier.toLowerCase() === folded)
    if (twin) throw new StoreConflictError(`resource ${identifier} differs only in letter case from ${twin.identifier}, registered in zone ${zoneId}`)
    this.#upsert.run({ id: newId, zoneId, identifier, scopesJson: JSON.stringify([...new Set(scopes)].sort()), now: nowMs })
    return this.get(zoneId, identifier)!
  }

  get(zoneId: string, identifier: string): ResourceRow | undefined {
    const raw = this.#get.get(zoneId, identifier) as RawResource | undefined
    return raw && toRow(raw)
  }

  /** The identifier of a resource row id (edges store the row id). */
  identifierOf(id: string): string | undefined {
    return this.#identifierOf.get(id) as string | undefined
  }

  list(zoneId: string): ResourceRow[] {
    return (this.#list.all(zoneId) as RawResource[]).map(toRow)
  }
}
