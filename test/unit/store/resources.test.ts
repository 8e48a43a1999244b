// Resources on a real SQLite file: an identifier differing from a registered one only in letter
// case is refused, because an approval's binding names resources in lower case and could not
// tell the two apart (an approval for one would be spent on the other).
import { describe, expect, it } from 'vitest'
import { StoreConflictError } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()

describe('resources', () => {
  it('refuse an identifier that differs from a registered one only in letter case, in the same zone', () => {
    const store = stores.open()
    for (const id of ['z1', 'z2']) store.zones.create({ id, name: id, createdAt: 1 })
    store.resources.register('z1', 'resource://files/write', ['files:write'], 'r-1', 1)
    expect(() => store.resources.register('z1', 'resource://files/WRITE', ['files:write'], 'r-2', 2)).toThrow(StoreConflictError)
    expect(store.resources.get('z1', 'resource://files/WRITE')).toBeUndefined()
    // The same identifier again is an update, and another zone has its own names.
    expect(store.resources.register('z1', 'resource://files/write', ['files:write', 'files:admin'], 'r-3', 3).id).toBe('r-1')
    expect(store.resources.register('z2', 'resource://files/WRITE', ['files:write'], 'r-4', 4).id).toBe('r-4')
  })
})
