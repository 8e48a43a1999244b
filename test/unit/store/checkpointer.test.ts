// The WAL checkpointer of the server, on a real SQLite file: while it runs, commits do not
// checkpoint and its timer moves the WAL into the database; stopped, the connection checkpoints in
// its own commits again.
import { statSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../../../src/store/db.js'
import { startCheckpointer } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

describe('the WAL checkpointer', () => {
  it('checkpoints on its timer while commits do not, and hands checkpoints back when stopped', async () => {
    const store = stores.open('wal.sqlite')
    const warnings: string[] = []
    const checkpointer = startCheckpointer(store.db, (line) => void warnings.push(line))
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
    const insert = store.db.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?)')
    for (let i = 0; i < 2_000; i++) insert.run(`zone-${i}`, 'x'.repeat(500), i)
    // The rows reach the database file only by a checkpoint, and the commits made none: the
    // timer did.
    const database = () => statSync(stores.path('wal.sqlite')).size
    await vi.waitFor(() => expect(database()).toBeGreaterThan(1_000_000), { timeout: 5_000, interval: 100 })
    checkpointer.stop()
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000)
    expect(warnings).toEqual([])
    store.close()
  })

  it('checkpoints a database without a WAL file of its own, and leaves a closed one alone', async () => {
    const memory = openDatabase(':memory:')
    const warnings: string[] = []
    const checkpointer = startCheckpointer(memory, (line) => void warnings.push(line))
    memory.prepare('INSERT INTO zones (id, name, created_at) VALUES (?, ?, ?)').run('zone', 'x', 1)
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    memory.close()
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    checkpointer.stop()
    expect(warnings).toEqual([])
  })
})
