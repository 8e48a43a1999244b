// Keeps a ring's keys in the store with their private halves sealed. The store is reached
// through the two methods needed, so keys/ does not depend on the store module.
import { createPublicKey } from 'node:crypto'
import type { KeyPersistence } from './key-ring.js'
import { sealPrivateKey, unsealPrivateKey } from './sealing.js'
import { publicJwk, type SigningKey } from './signing-key.js'

export interface SealedKeyRow {
  kid: string
  zoneId: string
  publicJwkJson: string
  privateKeySealed: Buffer
  createdAt: number
}

export interface SealedKeyRows {
  insert(row: SealedKeyRow): void
  /** Oldest first. */
  listByZone(zoneId: string): SealedKeyRow[]
}

export function sealedKeyPersistence(rows: SealedKeyRows, sealingKey: Buffer): KeyPersistence {
  if (sealingKey.length !== 32) throw new TypeError('the key-sealing key must be 32 bytes')
  return {
    load(zoneId: string): SigningKey[] {
      return rows.listByZone(zoneId).map((row) => {
        const privateKey = unsealPrivateKey(row.privateKeySealed, sealingKey, zoneId, row.kid)
        const publicKey = createPublicKey(privateKey)
        return { kid: row.kid, zoneId, createdAt: row.createdAt, privateKey, publicKey, jwk: publicJwk(row.kid, publicKey) }
      })
    },
    save(key: SigningKey): void {
      rows.insert({
        kid: key.kid,
        zoneId: key.zoneId,
        publicJwkJson: JSON.stringify(key.jwk),
        privateKeySealed: sealPrivateKey(key.privateKey, sealingKey, key.zoneId, key.kid),
        createdAt: key.createdAt,
      })
    },
  }
}
