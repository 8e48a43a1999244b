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

const IMMEDIATE = new WeakMap<Db, (fn: () => unknown) => unknown>()

/**
 * Runs `fn` in one IMMEDIATE transaction (a savepoint inside one already open): all of its writes
 * commit together or none does. One wrapper per connection, made once: better-sqlite3 builds four
 * closures and defines their properties on every `db.transaction()`, which on a hot path (an
 * audit batch per tool call) cost more than the statements inside.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  let run = IMMEDIATE.get(db)
  if (!run) IMMEDIATE.set(db, (run = db.transaction((body: () => unknown) => body()).immediate))
  return run(fn) as T
}
