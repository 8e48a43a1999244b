// WAL checkpoints on a timer, for the long-running server. By default SQLite checkpoints inside
// whichever commit crosses 1,000 WAL pages: that commit syncs the WAL and copies it into the
// database, and the request that made it waits tens of milliseconds; on these machines the
// checkpoints also cost every commit ~45 µs on average (bench/proxy at one client: each tool call
// commits its audit row alone). Here the server's connection stops checkpointing in its commits
// and checkpoints once a second instead, between requests. Other processes on the same database
// (the CLI) keep SQLite's default. (A worker thread with its own connection would take the work
// off the event loop altogether, for ~16 MB of memory: not worth it at this size.)
import type { Db } from './db.js'

const INTERVAL_MS = 1_000
/** SQLite's default, which the connection returns to when the checkpointer stops. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000

export interface Checkpointer {
  stop(): void
}

export function startCheckpointer(db: Db, warn: (line: string) => void): Checkpointer {
  db.pragma('wal_autocheckpoint = 0')
  let failing = false
  const timer = setInterval(() => {
    try {
      // PASSIVE: copies what no reader still needs, never waits for one.
      db.pragma('wal_checkpoint(PASSIVE)')
      failing = false
    } catch (error) {
      // Said once per failing streak; the next tick tries again.
      if (!failing) warn(`WAL checkpoint failed: ${(error as Error)?.message ?? error}`)
      failing = true
    }
  }, INTERVAL_MS).unref()
  return {
    stop() {
      clearInterval(timer)
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`)
    },
  }
}
