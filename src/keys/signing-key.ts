// A zone signing key: ES256 (P-256), `kid` a UUIDv7 as Caracal's, and its public JWK exactly in
// the shape of Caracal's JWKS (contract §1.7).
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { uuid7 } from '../util/uuid7.js'

export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  use: 'sig'
  kid: string
  alg: 'ES256'
  x: string
  y: string
}

export interface SigningKey {
  kid: string
  zoneId: string
  /** Unix milliseconds. */
  createdAt: number
  privateKey: KeyObject
  publicKey: KeyObject
  jwk: PublicJwk
}

export function publicJwk(kid: string, publicKey: KeyObject): PublicJwk {
  const { x, y } = publicKey.export({ format: 'jwk' })
  if (typeof x !== 'string' || typeof y !== 'string') throw new TypeError('not an EC public key')
  return { kty: 'EC', crv: 'P-256', use: 'sig', kid, alg: 'ES256', x, y }
}

export function generateSigningKey(zoneId: string, nowMs: number = Date.now()): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const kid = uuid7(nowMs)
  return { kid, zoneId, createdAt: nowMs, privateKey, publicKey, jwk: publicJwk(kid, publicKey) }
}
