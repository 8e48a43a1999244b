// A real SQLite store in a temporary directory (WAL needs a file), removed after the test file.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { openStore, type Store } from '../../src/store/index.js'

export function tempStoreFactory(): { open: (name?: string) => Store; path: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'caracal-store-'))
  const opened: Store[] = []
  afterAll(() => {
    for (const s of opened) if (s.db.open) s.close()
    rmSync(dir, { recursive: true, force: true })
  })
  let n = 0
  return {
    path: (name: string) => join(dir, name),
    open: (name = `db-${n++}.sqlite`) => {
      const store = openStore(join(dir, name))
      opened.push(store)
      return store
    },
  }
}
