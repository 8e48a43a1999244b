// Opens the SQLite database the process keeps its state in: WAL (readers never wait for the
// writer), synchronous=NORMAL (a commit does not wait for fsync; the WAL is synced at
// checkpoints), foreign keys on, and every migration applied before anything else runs.
import Database from 'better-sqlite3'
import { migrate } from './migrations.js'

export type Db = Database.Database

export function openDatabase(path: string): Db {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

type Run = (fn: () => unknown) => unknown
const WRAPPERS = new WeakMap<Db, { immediate: Run; deferred: Run }>()

// One wrapper per connection, made once: better-sqlite3 builds four closures and defines their
// properties on every `db.transaction()`, which on a hot path (an audit batch, an authentication
// per tool call) cost more than the statements inside.
function wrappers(db: Db): { immediate: Run; deferred: Run } {
  let made = WRAPPERS.get(db)
  if (!made) {
    const transaction = db.transaction((body: () => unknown) => body())
    WRAPPERS.set(db, (made = { immediate: transaction.immediate, deferred: transaction.deferred }))
  }
  return made
}

/**
 * Runs `fn` in one IMMEDIATE transaction (a savepoint inside one already open): all of its writes
 * commit together or none does.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  return wrappers(db).immediate(fn) as T
}

/**
 * Runs the reads of `fn` in one read transaction: they see one committed state, whatever another
 * process commits meanwhile, and take the WAL read lock once instead of once per statement. `fn`
 * must not write: a write in it fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) whenever
 * another process has committed since the transaction began.
 */
export function inReadTransaction<T>(db: Db, fn: () => T): T {
  return wrappers(db).deferred(fn) as T
}
