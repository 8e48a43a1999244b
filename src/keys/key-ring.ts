// The signing keys of every zone: one active key per zone, created on first use; after a
// rotation the previous key stays published and verifying for 24 h from the new key's creation,
// so mandates signed just before a rotation keep verifying (contract §1.7). Held in memory here;
// the store persists them (encrypted) behind the same interface.
import type { KeyObject } from 'node:crypto'
import { generateSigningKey, type PublicJwk, type SigningKey } from './signing-key.js'

export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000

/** What a verifier needs: the public key for a `kid`, looked up inside the configured zone only. */
export interface VerificationKeys {
  verificationKey(zoneId: string, kid: string, nowMs: number): KeyObject | undefined
}

export interface JwksDocument {
  keys: PublicJwk[]
}

export class KeyRing implements VerificationKeys {
  readonly #zones = new Map<string, SigningKey[]>()

  /** The zone's active key, generated on first use. */
  signingKey(zoneId: string, nowMs: number = Date.now()): SigningKey {
    const keys = this.#zones.get(zoneId)
    if (keys && keys.length > 0) return keys[keys.length - 1]!
    const key = generateSigningKey(zoneId, nowMs)
    this.#zones.set(zoneId, [key])
    return key
  }

  /** Makes a new key active; the previous one stays in its grace window. */
  rotate(zoneId: string, nowMs: number = Date.now()): SigningKey {
    const key = generateSigningKey(zoneId, nowMs)
    this.#zones.set(zoneId, [...(this.#zones.get(zoneId) ?? []), key])
    return key
  }

  /** The active key and the keys it replaced less than 24 h ago, newest first. */
  publishedKeys(zoneId: string, nowMs: number = Date.now()): SigningKey[] {
    const keys = this.#zones.get(zoneId) ?? []
    const published: SigningKey[] = []
    for (let i = keys.length - 1; i >= 0; i--) {
      const successor = keys[i + 1]
      if (successor && nowMs - successor.createdAt >= ROTATION_GRACE_MS) break
      published.push(keys[i]!)
    }
    return published
  }

  verificationKey(zoneId: string, kid: string, nowMs: number): KeyObject | undefined {
    return this.publishedKeys(zoneId, nowMs).find((k) => k.kid === kid)?.publicKey
  }

  /** The zone's JWKS document, or undefined for a zone that has no key yet (404 on the wire). */
  jwks(zoneId: string, nowMs: number = Date.now()): JwksDocument | undefined {
    const keys = this.publishedKeys(zoneId, nowMs)
    return keys.length > 0 ? { keys: keys.map((k) => k.jwk) } : undefined
  }
}

/** Response headers of the JWKS endpoint, as Caracal's. */
export const JWKS_HEADERS = {
  'Cache-Control': 'public, max-age=300, must-revalidate',
  'X-Content-Type-Options': 'nosniff',
} as const
