// Caracal's per-application authentication-failure limit: more than 60 failures within a minute
// blocks the application for a minute, so a secret cannot be guessed at the speed of the STS.
export interface FailureLimits {
  maxFailures: number
  windowMs: number
  blockMs: number
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { maxFailures: 60, windowMs: 60_000, blockMs: 60_000 }

export class AuthFailureLimiter {
  readonly #limits: FailureLimits
  readonly #entries = new Map<string, { windowStart: number; failures: number; blockedUntil: number; checking: number }>()

  constructor(limits: FailureLimits = DEFAULT_FAILURE_LIMITS) {
    this.#limits = limits
  }

  /** Milliseconds the key stays blocked, or 0. */
  blockedFor(key: string, nowMs: number): number {
    const entry = this.#entries.get(key)
    return entry && entry.blockedUntil > nowMs ? entry.blockedUntil - nowMs : 0
  }

  /**
   * Lets one attempt be checked, or says how many milliseconds to wait. Parallel guesses must not
   * outrun the count, so attempts being checked count against the limit with the failures; but
   * only a proven failure blocks: a burst of right secrets is told to wait a moment, never locked
   * out. Every admitted attempt is settled once.
   */
  admit(key: string, nowMs: number): number {
    const blocked = this.blockedFor(key, nowMs)
    if (blocked > 0) return blocked
    const entry = this.#entry(key, nowMs)
    if (entry.failures + entry.checking >= this.#limits.maxFailures + 1) return 1000
    entry.checking++
    return 0
  }

  /** The admitted attempt ended: a failure counts (and may block), a success does not. */
  settle(key: string, nowMs: number, failed: boolean): void {
    const entry = this.#entries.get(key)
    if (entry && entry.checking > 0) entry.checking--
    if (failed) this.recordFailure(key, nowMs)
  }

  recordFailure(key: string, nowMs: number): void {
    const entry = this.#entry(key, nowMs)
    entry.failures++
    if (entry.failures > this.#limits.maxFailures) entry.blockedUntil = nowMs + this.#limits.blockMs
    if (this.#entries.size > 100_000) this.#sweep(nowMs)
  }

  /** The key's entry, in a new window once the old one ended (a block and attempts being checked carry over). */
  #entry(key: string, nowMs: number) {
    let entry = this.#entries.get(key)
    if (!entry || nowMs - entry.windowStart >= this.#limits.windowMs) {
      entry = { windowStart: nowMs, failures: 0, blockedUntil: entry?.blockedUntil ?? 0, checking: entry?.checking ?? 0 }
      this.#entries.set(key, entry)
    }
    return entry
  }

  // Bounded memory under a flood of made-up application ids: forget entries that no longer matter.
  #sweep(nowMs: number): void {
    for (const [key, e] of this.#entries) {
      if (e.checking === 0 && e.blockedUntil <= nowMs && nowMs - e.windowStart >= this.#limits.windowMs) this.#entries.delete(key)
    }
  }
}
