// WAL checkpoints on a timer, for the long-running server. By default SQLite checkpoints inside
// whichever commit crosses 1,000 WAL pages: that commit syncs the WAL and copies it into the
// database, and the request that made it waits tens of milliseconds; on these machines the
// checkpoints also cost every commit ~45 µs on average (bench/proxy at one client: each tool call
// commits its audit row alone). Here the server's connection stops checkpointing in its commits
// and checkpoints once a second instead, between requests. Other processes on the same database
// (the CLI) keep SQLite's default. (A worker thread with its own connection would take the work
// off the event loop altogether, for ~16 MB of memory: not worth it at this size.)
//
// Most of a checkpoint's time is its fsync of the WAL: every frame written since the last one is
// still dirty in the page cache (synchronous=NORMAL syncs nothing at commit): with 1,000 audit
// rows since the last tick, ~55 ms of a blocked event loop. So each tick first syncs the WAL from
// the libuv thread pool, through a file handle of its own: the data is then on disk when SQLite's
// own fsync comes, which returns at once, and the checkpoint blocks only for the copy into the
// database and its sync (~8 ms there; at one client's pace, ~3 ms instead of ~10 ms). The extra
// sync changes nothing SQLite relies on.
import { open } from 'node:fs/promises'
import type { Db } from './db.js'

const INTERVAL_MS = 1_000
/** SQLite's default, which the connection returns to when the checkpointer stops. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000

export interface Checkpointer {
  stop(): void
}

export function startCheckpointer(db: Db, warn: (line: string) => void): Checkpointer {
  db.pragma('wal_autocheckpoint = 0')
  // An in-memory or temporary database has no WAL file to sync ahead.
  const wal = db.memory || db.name === '' ? undefined : `${db.name}-wal`
  let failing = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined

  const tick = async () => {
    if (wal) await syncAhead(wal)
    if (stopped || !db.open) return
    try {
      // PASSIVE: copies what no reader still needs, never waits for one.
      db.pragma('wal_checkpoint(PASSIVE)')
      failing = false
    } catch (error) {
      // Said once per failing streak; the next tick tries again.
      if (!failing) warn(`WAL checkpoint failed: ${(error as Error)?.message ?? error}`)
      failing = true
    }
  }
  // The next tick is timed from the end of this one: a slow sync never stacks ticks up.
  const schedule = () => {
    if (!stopped) timer = setTimeout(() => void tick().finally(schedule), INTERVAL_MS).unref()
  }
  schedule()
  return {
    stop() {
      stopped = true
      clearTimeout(timer)
      if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`)
    },
  }
}

/**
 * Flushes the WAL's dirty pages to disk off the event loop. Best effort: a WAL that is not there
 * (nothing written yet) or cannot be opened leaves the checkpoint to sync it itself, as before.
 */
async function syncAhead(wal: string): Promise<void> {
  let handle
  try {
    handle = await open(wal, 'r')
    await handle.datasync()
  } catch {
    // The checkpoint's own fsync still makes the WAL durable before anything is copied.
  } finally {
    await handle?.close().catch(() => {})
  }
}
