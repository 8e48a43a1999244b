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
