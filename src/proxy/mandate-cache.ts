// Resource mandates the proxy obtained, kept per (agent mandate, tool group resource, scope set,
// policy version) until 35 s before they expire, so a burst of calls makes one exchange. An
// entry is only ever used after its authority is re-checked against the revocation store, and
// is dropped the moment any of its anchors is revoked. A gateway mandate is single use and
// never cached.
import type { VerifiedMandate } from '../mandate/index.js'

/** An entry is not handed out within this many ms of its mandate's expiry (the 35 s). */
export const EXPIRY_MARGIN_MS = 35_000
const DEFAULT_MAX_ENTRIES = 10_000

export interface CachedMandate {
  token: string
  verified: VerifiedMandate
  /** Every revocation anchor under which this mandate stands (its own and the agent mandate's). */
  anchors: readonly string[]
}

export class ResourceMandateCache {
  readonly #entries = new Map<string, CachedMandate>()
  readonly #byAnchor = new Map<string, Set<string>>()
  readonly #max: number
  #hits = 0
  #misses = 0

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? DEFAULT_MAX_ENTRIES
  }

  static key(agentToken: string, resource: string, scopes: readonly string[], policyVersion: string): string {
    return `${policyVersion}\n${resource}\n${[...scopes].sort().join(' ')}\n${agentToken}`
  }

  get(key: string, nowMs: number): CachedMandate | undefined {
    const entry = this.#entries.get(key)
    if (entry && entry.verified.expiresAt * 1000 - EXPIRY_MARGIN_MS > nowMs) {
      this.#hits++
      return entry
    }
    if (entry) this.#delete(key, entry)
    this.#misses++
    return undefined
  }

  set(key: string, entry: CachedMandate, nowMs: number): void {
    if (entry.verified.expiresAt * 1000 - EXPIRY_MARGIN_MS <= nowMs) return
    const previous = this.#entries.get(key)
    if (previous) this.#delete(key, previous)
    if (this.#entries.size >= this.#max) {
      const [oldestKey, oldest] = this.#entries.entries().next().value!
      this.#delete(oldestKey, oldest)
    }
    this.#entries.set(key, entry)
    for (const anchor of entry.anchors) {
      let keys = this.#byAnchor.get(anchor)
      if (!keys) this.#byAnchor.set(anchor, (keys = new Set()))
      keys.add(key)
    }
  }

  /** Drops every entry standing under one of these anchors. */
  revoke(anchors: readonly string[]): void {
    for (const anchor of anchors) {
      for (const key of [...(this.#byAnchor.get(anchor) ?? [])]) {
        const entry = this.#entries.get(key)
        if (entry) this.#delete(key, entry)
      }
    }
  }

  /** Dropped because a check found it revoked. */
  drop(key: string): void {
    const entry = this.#entries.get(key)
    if (entry) this.#delete(key, entry)
  }

  get size(): number {
    return this.#entries.size
  }

  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses }
  }

  #delete(key: string, entry: CachedMandate): void {
    this.#entries.delete(key)
    for (const anchor of entry.anchors) {
      const keys = this.#byAnchor.get(anchor)
      keys?.delete(key)
      if (keys?.size === 0) this.#byAnchor.delete(anchor)
    }
  }
}
