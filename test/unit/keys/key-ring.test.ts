// Proves the key ring's rules: a key per zone created on first use, keys never visible across
// zones, a rotated key published and verifying for 24 h after its successor's creation and not
// after, and JWKS documents in exactly Caracal's shape.
import { describe, expect, it } from 'vitest'
import { KeyRing, ROTATION_GRACE_MS } from '../../../src/keys/index.js'
import { UUID_PATTERN } from '../../../src/util/uuid7.js'

const T0 = Date.UTC(2026, 10, 25)

describe('KeyRing', () => {
  it('creates a zone key on first use and reuses it', () => {
    const ring = new KeyRing()
    expect(ring.jwks('zone-1', T0)).toBeUndefined()
    const key = ring.signingKey('zone-1', T0)
    expect(ring.signingKey('zone-1', T0 + 1000)).toBe(key)
    expect(key.kid).toMatch(UUID_PATTERN)
    expect(key.kid[14]).toBe('7')
  })

  it('publishes JWKS entries in Caracal\'s shape', () => {
    const ring = new KeyRing()
    const key = ring.signingKey('zone-1', T0)
    const doc = ring.jwks('zone-1', T0)!
    expect(doc.keys).toHaveLength(1)
    expect(Object.keys(doc.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'])
    expect(doc.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256', kid: key.kid })
    expect(Buffer.from(doc.keys[0]!.x, 'base64url')).toHaveLength(32)
    expect(JSON.stringify(doc)).not.toMatch(/"d"/)
  })

  it('never finds a key of one zone in another', () => {
    const ring = new KeyRing()
    const key = ring.signingKey('zone-1', T0)
    ring.signingKey('zone-2', T0)
    expect(ring.verificationKey('zone-2', key.kid, T0)).toBeUndefined()
    expect(ring.verificationKey('zone-1', key.kid, T0)).toBe(key.publicKey)
  })

  it('orders a rotation in the same millisecond after the key it replaces', () => {
    const ring = new KeyRing()
    const first = ring.signingKey('zone-1', T0)
    const next = ring.rotate('zone-1', T0)
    expect(next.createdAt).toBeGreaterThan(first.createdAt)
    expect(ring.signingKey('zone-1', T0)).toBe(next)
  })

  it('keeps the previous key for 24 h after a rotation, then drops it', () => {
    const ring = new KeyRing()
    const old = ring.signingKey('zone-1', T0)
    const next = ring.rotate('zone-1', T0 + 1000)
    expect(ring.signingKey('zone-1', T0 + 2000)).toBe(next)
    expect(ring.jwks('zone-1', T0 + 2000)!.keys.map((k) => k.kid)).toEqual([next.kid, old.kid])
    expect(ring.verificationKey('zone-1', old.kid, T0 + 1000 + ROTATION_GRACE_MS - 1)).toBe(old.publicKey)
    expect(ring.verificationKey('zone-1', old.kid, T0 + 1000 + ROTATION_GRACE_MS)).toBeUndefined()
    expect(ring.jwks('zone-1', T0 + 1000 + ROTATION_GRACE_MS)!.keys.map((k) => k.kid)).toEqual([next.kid])
  })
})
