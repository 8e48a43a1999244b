// Proves zone keys survive a restart through the store with their private halves sealed: a new
// ring on the same database signs with the same active key, the database never holds a private
// key in the clear, and a wrong sealing key or a blob moved to another row cannot be opened.
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { KeyRing, KeyUnsealError, sealedKeyPersistence } from '../../../src/keys/index.js'
import { openStore } from '../../../src/store/index.js'
import { tempStoreFactory } from '../../helpers/store.js'

const stores = tempStoreFactory()
const SEALING = Buffer.alloc(32, 3)

function ringOn(path: string, sealingKey = SEALING) {
  const store = openStore(path)
  return { store, ring: new KeyRing(sealedKeyPersistence(store.signingKeys, sealingKey)) }
}

function seeded(): string {
  const path = stores.path(`keys-${Math.random().toString(36).slice(2)}.sqlite`)
  const { store } = ringOn(path)
  store.zones.create({ id: 'zone-1', name: 'Zone 1', createdAt: 0 })
  store.zones.create({ id: 'zone-2', name: 'Zone 2', createdAt: 0 })
  store.close()
  return path
}

describe('sealed key persistence', () => {
  it('gives a restarted ring the same active key and rotation history', () => {
    const path = seeded()
    const first = ringOn(path)
    const old = first.ring.signingKey('zone-1', 1_000)
    const active = first.ring.rotate('zone-1', 2_000)
    first.store.close()
    const second = ringOn(path)
    expect(second.ring.signingKey('zone-1', 3_000).kid).toBe(active.kid)
    expect(second.ring.jwks('zone-1', 3_000)!.keys.map((k) => k.kid)).toEqual([active.kid, old.kid])
    expect(second.ring.verificationKey('zone-1', old.kid, 3_000)!.export({ format: 'jwk' })).toEqual(old.publicKey.export({ format: 'jwk' }))
    second.store.close()
  })

  it('never writes a private key in the clear', () => {
    const path = seeded()
    const { store, ring } = ringOn(path)
    const key = ring.signingKey('zone-1', 1_000)
    store.close()
    const file = new Database(path)
    const blobs = file.prepare('SELECT private_key_sealed AS sealed, public_jwk_json AS jwk FROM signing_keys').all() as { sealed: Buffer; jwk: string }[]
    file.close()
    const der = key.privateKey.export({ format: 'der', type: 'pkcs8' })
    const d = key.privateKey.export({ format: 'jwk' }).d!
    expect(blobs).toHaveLength(1)
    expect(blobs[0]!.sealed.includes(der.subarray(-32))).toBe(false)
    expect(blobs[0]!.jwk).not.toContain(d)
  })

  it('refuses to open keys with another sealing key', () => {
    const path = seeded()
    const first = ringOn(path)
    first.ring.signingKey('zone-1', 1_000)
    first.store.close()
    const wrong = ringOn(path, Buffer.alloc(32, 4))
    expect(() => wrong.ring.signingKey('zone-1', 2_000)).toThrow(KeyUnsealError)
    wrong.store.close()
  })

  it('refuses a sealed key moved into another zone\'s row', () => {
    const path = seeded()
    const first = ringOn(path)
    const k1 = first.ring.signingKey('zone-1', 1_000)
    first.ring.signingKey('zone-2', 1_000)
    first.store.close()
    const file = new Database(path)
    const sealed = (file.prepare('SELECT private_key_sealed AS s FROM signing_keys WHERE kid = ?').get(k1.kid) as { s: Buffer }).s
    file.prepare('UPDATE signing_keys SET private_key_sealed = ? WHERE zone_id = ?').run(sealed, 'zone-2')
    file.close()
    const second = ringOn(path)
    expect(() => second.ring.signingKey('zone-2', 2_000)).toThrow(/cannot be unsealed/)
    second.store.close()
  })

  it('sees a rotation made by another process: at once for an unknown kid, and as its signing key after the refresh', () => {
    const path = seeded()
    let clock = 0
    const server = openStore(path)
    const cli = openStore(path)
    const serverRing = new KeyRing(sealedKeyPersistence(server.signingKeys, SEALING), { clock: () => clock })
    const cliRing = new KeyRing(sealedKeyPersistence(cli.signingKeys, SEALING), { clock: () => clock })
    const old = serverRing.signingKey('zone-1', 1_000)
    clock = 2_000
    const rotated = cliRing.rotate('zone-1', 2_000)
    expect(serverRing.verificationKey('zone-1', rotated.kid, 2_000)).toBeDefined()
    expect(serverRing.signingKey('zone-1', 2_000).kid).toBe(rotated.kid)
    expect(serverRing.jwks('zone-1', 2_000)!.keys.map((k) => k.kid)).toEqual([rotated.kid, old.kid])
    server.close()
    cli.close()
  })

  it('does not remember zones without keys, so made-up zone ids cost no memory', () => {
    const path = seeded()
    let loads = 0
    const store = openStore(path)
    const persistence = sealedKeyPersistence(store.signingKeys, SEALING)
    const ring = new KeyRing({ load: (z) => (loads++, persistence.load(z)), save: (k) => persistence.save(k) })
    for (let i = 0; i < 3; i++) expect(ring.jwks(`zone-made-up-${i}`)).toBeUndefined()
    expect(ring.jwks('zone-made-up-0')).toBeUndefined()
    expect(loads).toBe(4)
    store.close()
  })

  it('refuses a sealing key that is not 32 bytes', () => {
    expect(() => sealedKeyPersistence(stores.open().signingKeys, Buffer.alloc(16))).toThrow(TypeError)
  })
})
