// Store failures a caller can act on; anything else from SQLite is a bug or a broken disk and
// propagates as is (a 500 that denies).
import { CaracalMcpError } from '../errors.js'

/** The database was written by a newer caracal-mcp. */
export class StoreSchemaError extends CaracalMcpError {
  readonly code = 'ERR_STORE_SCHEMA_TOO_NEW'
}

/** A row with this identity exists already. */
export class StoreConflictError extends CaracalMcpError {
  readonly code = 'ERR_STORE_CONFLICT'
  override readonly status = 409
}

/** No row with this identity. */
export class StoreNotFoundError extends CaracalMcpError {
  readonly code = 'ERR_STORE_NOT_FOUND'
  override readonly status = 404
}

/** Runs an insert, turning a uniqueness violation into a StoreConflictError naming `what`. */
export function insertOrConflict<T>(what: string, insert: () => T): T {
  try {
    return insert()
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY') || (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new StoreConflictError(`${what} already exists`, { cause: error })
    }
    throw error
  }
}
