// The signing keys of every zone: one active key per zone, created on first use; after a
// rotation the previous key stays published and verifying for 24 h from the new key's creation,
// so mandates signed just before a rotation keep verifying (contract §1.7). Keys are held in
// memory and, when the ring has a persistence, written there before they are used.
import type { KeyObject } from 'node:crypto'
import { generateSigningKey, type PublicJwk, type SigningKey } from './signing-key.js'

/** Where a ring keeps its keys beyond the process: loaded once per zone, appended on create. */
export interface KeyPersistence {
  load(zoneId: string): SigningKey[]
  save(key: SigningKey): void
}

export const ROTATION_GRACE_MS = 24 * 60 * 60 * 1000

/** What a verifier needs: the public key for a `kid`, looked up inside the configured zone only. */
export interface VerificationKeys {
  verificationKey(zoneId: string, kid: string, nowMs: number): KeyObject | undefined
}

export interface JwksDocument {
  keys: PublicJwk[]
}

export interface KeyRingOptions {
  /**
   * How long a zone's keys loaded from the persistence are trusted before they are read again,
   * so a rotation by another process (the CLI) reaches this one. Default 5 s.
   */
  refreshMs?: number
  /** Wall clock for refreshes (token times are passed to each method). */
  clock?: () => number
}

export class KeyRing implements VerificationKeys {
  readonly #zones = new Map<string, { keys: SigningKey[]; loadedAt: number }>()
  readonly #persistence: KeyPersistence | undefined
  readonly #refreshMs: number
  readonly #clock: () => number

  constructor(persistence?: KeyPersistence, options: KeyRingOptions = {}) {
    this.#persistence = persistence
    this.#refreshMs = options.refreshMs ?? 5_000
    this.#clock = options.clock ?? Date.now
  }

  /** A zone's keys, oldest first, (re)loaded from the persistence when stale. */
  #keys(zoneId: string, maxAgeMs = this.#refreshMs): SigningKey[] {
    const cached = this.#zones.get(zoneId)
    const now = this.#clock()
    if (cached && (!this.#persistence || now - cached.loadedAt < maxAgeMs)) return cached.keys
    const keys = this.#persistence?.load(zoneId) ?? []
    // A zone without keys is not remembered: anyone can ask for any zone's JWKS, and memory
    // must not grow with made-up zone ids.
    if (keys.length > 0 || !this.#persistence) this.#zones.set(zoneId, { keys, loadedAt: now })
    else this.#zones.delete(zoneId)
    return keys
  }

  #add(zoneId: string, nowMs: number): SigningKey {
    // Strictly after the newest key, so "newest" is never decided by a tie within one millisecond.
    const newest = this.#keys(zoneId, 0).at(-1)
    const key = generateSigningKey(zoneId, Math.max(nowMs, (newest?.createdAt ?? -1) + 1))
    if (!this.#persistence) {
      this.#keys(zoneId).push(key)
      return key
    }
    this.#persistence.save(key)
    this.#keys(zoneId, 0)
    return key
  }

  /** The zone's active key, generated (and persisted) on first use. */
  signingKey(zoneId: string, nowMs: number = Date.now()): SigningKey {
    const keys = this.#keys(zoneId)
    return keys.length > 0 ? keys[keys.length - 1]! : this.#add(zoneId, nowMs)
  }

  /** Makes a new key active; the previous one stays in its grace window. */
  rotate(zoneId: string, nowMs: number = Date.now()): SigningKey {
    return this.#add(zoneId, nowMs)
  }

  /** The active key and the keys it replaced less than 24 h ago, newest first. */
  publishedKeys(zoneId: string, nowMs: number = Date.now()): SigningKey[] {
    const keys = this.#keys(zoneId)
    const published: SigningKey[] = []
    for (let i = keys.length - 1; i >= 0; i--) {
      const successor = keys[i + 1]
      if (successor && nowMs - successor.createdAt >= ROTATION_GRACE_MS) break
      published.push(keys[i]!)
    }
    return published
  }

  verificationKey(zoneId: string, kid: string, nowMs: number): KeyObject | undefined {
    const found = this.publishedKeys(zoneId, nowMs).find((k) => k.kid === kid)
    if (found || !this.#persistence) return found?.publicKey
    // An unknown kid may be a key another process just created: read again, at most once a second.
    this.#keys(zoneId, 1_000)
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
