// A RevocationStore (contract §4.1) filled from the revocation bus, so verifiers answer from
// memory while revocations written anywhere reach them through the feed. When its source is
// unhealthy it fails closed, as Caracal's Redis store does on errors: every anchor reads as
// revoked and the delegation epoch as the highest possible, so every delegated mandate is stale.
import { InMemoryRevocationStore, type RevocationStore } from '../mandate/index.js'
import type { RevocationBus, RevocationEvent } from './bus.js'

export interface BusFedRevocationStoreOptions {
  /**
   * Whether what the bus delivered can be trusted (typically `() => feed.healthy()`). Absent: always
   * trusted. A check that throws counts as unhealthy.
   */
  healthy?: () => boolean
  /** Clock of the in-memory store. Default `Date.now`. */
  now?: () => number
  /** Capacity of the in-memory store; when full and nothing expired, marking throws (fails closed). */
  maxEntries?: number
}

export class BusFedRevocationStore implements RevocationStore {
  readonly #memory: InMemoryRevocationStore
  readonly #healthy: () => boolean
  readonly #now: () => number
  readonly #unsubscribe: () => void

  /** Subscribes at once: construct it before the feed starts, or it misses the catch-up. */
  constructor(bus: RevocationBus, options: BusFedRevocationStoreOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#memory = new InMemoryRevocationStore({ now: this.#now, ...(options.maxEntries !== undefined && { maxEntries: options.maxEntries }) })
    this.#healthy = options.healthy ?? (() => true)
    // Errors (a full store) propagate to the publisher, which then does not count the event as
    // delivered and publishes it again: a revocation is never dropped silently.
    this.#unsubscribe = bus.subscribe((event) => this.#apply(event))
  }

  #apply(event: RevocationEvent): void {
    if (event.type === 'anchors_revoked') {
      const ttlMs = Math.max(1, event.expiresAt - this.#now())
      for (const anchor of event.anchors) this.#memory.markRevoked(anchor, ttlMs)
    } else {
      this.#memory.markDelegationEpoch(event.zoneId, event.epoch)
    }
  }

  #trusted(): boolean {
    try {
      return this.#healthy() === true
    } catch {
      return false
    }
  }

  isRevoked(anchor: string): boolean {
    return !this.#trusted() || this.#memory.isRevoked(anchor)
  }

  /** Marks in this process only; to revoke everywhere, write `store.revocations` instead. */
  markRevoked(anchor: string, ttlMs?: number): void {
    this.#memory.markRevoked(anchor, ttlMs)
  }

  currentDelegationEpoch(zoneId: string): number | undefined {
    return this.#trusted() ? this.#memory.currentDelegationEpoch(zoneId) : Number.MAX_SAFE_INTEGER
  }

  /** Advances in this process only; the shared epoch lives in `zones.delegation_epoch`. */
  markDelegationEpoch(zoneId: string, epoch: number, ttlMs?: number): void {
    this.#memory.markDelegationEpoch(zoneId, epoch, ttlMs)
  }

  /** Stops listening to the bus; what was marked stays until it expires. */
  close(): void {
    this.#unsubscribe()
  }
}
