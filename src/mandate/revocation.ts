// Revocation anchors and delegation-graph epochs, behind Caracal's RevocationStore interface
// (contract §4.1) so a Redis-backed store can replace the in-process one. Every method may be
// asynchronous; any error a store raises is treated by the verifier as "revoked".

export interface RevocationStore {
  /** True if the anchor (sid, root_sid, agent_session_id or delegation_edge_id) is revoked. */
  isRevoked(anchor: string): boolean | Promise<boolean>
  markRevoked(anchor: string, ttlMs?: number): void | Promise<void>
  /** Newest delegation-graph epoch seen for the zone, if the store tracks epochs. */
  currentDelegationEpoch?(zoneId: string): number | undefined | Promise<number | undefined>
  /** Advances the zone's epoch; never moves it back. */
  markDelegationEpoch?(zoneId: string, epoch: number, ttlMs?: number): void | Promise<void>
}

export const DEFAULT_REVOCATION_TTL_MS = 24 * 60 * 60 * 1000
export const DEFAULT_MAX_REVOCATIONS = 100_000

// A NaN or non-positive TTL would turn a revocation into an immediate expiry: refuse it.
function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError('a revocation TTL is a positive number of milliseconds')
}

export class RevocationCapacityError extends Error {
  constructor(max: number) {
    super(`revocation store is full (${max} live anchors); refusing to forget a revocation`)
  }
}

/**
 * In-process store: anchors stay revoked for their TTL (a mandate lives at most 60 min, so 24 h
 * outlives every mandate minted under them). When full it reaps expired entries and otherwise
 * throws: dropping a live revocation would silently re-enable a revoked mandate.
 */
export class InMemoryRevocationStore implements RevocationStore {
  readonly #anchors = new Map<string, number>()
  readonly #epochs = new Map<string, { epoch: number; expiresAt: number }>()
  readonly #now: () => number
  readonly #max: number

  constructor(options: { now?: () => number; maxEntries?: number } = {}) {
    this.#now = options.now ?? Date.now
    this.#max = options.maxEntries ?? DEFAULT_MAX_REVOCATIONS
  }

  isRevoked(anchor: string): boolean {
    const expiresAt = this.#anchors.get(anchor)
    if (expiresAt === undefined) return false
    if (expiresAt > this.#now()) return true
    this.#anchors.delete(anchor)
    return false
  }

  markRevoked(anchor: string, ttlMs: number = DEFAULT_REVOCATION_TTL_MS): void {
    checkTtl(ttlMs)
    if (anchor === '') return
    const now = this.#now()
    const expiresAt = Math.max(now + ttlMs, this.#anchors.get(anchor) ?? 0)
    if (!this.#anchors.has(anchor) && this.#anchors.size >= this.#max) {
      for (const [key, at] of this.#anchors) if (at <= now) this.#anchors.delete(key)
      if (this.#anchors.size >= this.#max) throw new RevocationCapacityError(this.#max)
    }
    this.#anchors.set(anchor, expiresAt)
  }

  currentDelegationEpoch(zoneId: string): number | undefined {
    const entry = this.#epochs.get(zoneId)
    return entry && entry.expiresAt > this.#now() ? entry.epoch : undefined
  }

  markDelegationEpoch(zoneId: string, epoch: number, ttlMs: number = DEFAULT_REVOCATION_TTL_MS): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError('a delegation epoch is a non-negative integer')
    checkTtl(ttlMs)
    const current = this.currentDelegationEpoch(zoneId)
    if (current !== undefined && current >= epoch) return
    this.#epochs.set(zoneId, { epoch, expiresAt: this.#now() + ttlMs })
  }
}
