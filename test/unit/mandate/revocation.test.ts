// Proves the in-process revocation store fails closed: anchors stay revoked for their TTL, a
// full store throws rather than forgetting, and epochs never move back.
import { describe, expect, it } from 'vitest'
import { InMemoryRevocationStore, RevocationCapacityError } from '../../../src/mandate/index.js'

describe('InMemoryRevocationStore', () => {
  it('keeps an anchor revoked until its TTL ends', () => {
    let now = 1000
    const store = new InMemoryRevocationStore({ now: () => now })
    store.markRevoked('sid-1', 5000)
    expect(store.isRevoked('sid-1')).toBe(true)
    expect(store.isRevoked('sid-2')).toBe(false)
    now = 5999
    expect(store.isRevoked('sid-1')).toBe(true)
    now = 6000
    expect(store.isRevoked('sid-1')).toBe(false)
  })

  it('never shortens a revocation that is marked again', () => {
    let now = 0
    const store = new InMemoryRevocationStore({ now: () => now })
    store.markRevoked('a', 10_000)
    store.markRevoked('a', 10)
    now = 9_999
    expect(store.isRevoked('a')).toBe(true)
  })

  it('reaps expired anchors when full, and throws when still full', () => {
    let now = 0
    const store = new InMemoryRevocationStore({ now: () => now, maxEntries: 2 })
    store.markRevoked('a', 10)
    store.markRevoked('b', 1000)
    expect(() => store.markRevoked('c')).toThrow(RevocationCapacityError)
    now = 20
    store.markRevoked('c')
    expect(store.isRevoked('c')).toBe(true)
    expect(store.isRevoked('b')).toBe(true)
  })

  it('refuses a TTL that would make a revocation expire at once, and keeps the revocation', () => {
    const store = new InMemoryRevocationStore()
    store.markRevoked('sid-1')
    for (const bad of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY]) expect(() => store.markRevoked('sid-1', bad)).toThrow(TypeError)
    expect(store.isRevoked('sid-1')).toBe(true)
    store.markDelegationEpoch('z', 7)
    expect(() => store.markDelegationEpoch('z', 9, Number.NaN)).toThrow(TypeError)
    expect(store.currentDelegationEpoch('z')).toBe(7)
  })

  it('advances the delegation epoch and never moves it back', () => {
    const store = new InMemoryRevocationStore()
    expect(store.currentDelegationEpoch('z')).toBeUndefined()
    store.markDelegationEpoch('z', 7)
    store.markDelegationEpoch('z', 5)
    expect(store.currentDelegationEpoch('z')).toBe(7)
    store.markDelegationEpoch('z', 9)
    expect(store.currentDelegationEpoch('z')).toBe(9)
    expect(() => store.markDelegationEpoch('z', -1)).toThrow(TypeError)
  })
})
