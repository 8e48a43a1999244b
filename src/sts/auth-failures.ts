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
  readonly #entries = new Map<string, { windowStart: number; failures: number; blockedUntil: number }>()

  constructor(limits: FailureLimits = DEFAULT_FAILURE_LIMITS) {
    this.#limits = limits
  }

  /** Milliseconds the key stays blocked, or 0. */
  blockedFor(key: string, nowMs: number): number {
    const entry = this.#entries.get(key)
    return entry && entry.blockedUntil > nowMs ? entry.blockedUntil - nowMs : 0
  }

  recordFailure(key: string, nowMs: number): void {
    let entry = this.#entries.get(key)
    if (!entry || nowMs - entry.windowStart >= this.#limits.windowMs) {
      entry = { windowStart: nowMs, failures: 0, blockedUntil: entry?.blockedUntil ?? 0 }
      this.#entries.set(key, entry)
    }
    entry.failures++
    if (entry.failures > this.#limits.maxFailures) entry.blockedUntil = nowMs + this.#limits.blockMs
    if (this.#entries.size > 100_000) this.#sweep(nowMs)
  }

  /** Takes back one counted attempt that turned out to be a success. */
  forgive(key: string, nowMs: number): void {
    const entry = this.#entries.get(key)
    if (entry && entry.failures > 0 && nowMs - entry.windowStart < this.#limits.windowMs) entry.failures--
  }

  // Bounded memory under a flood of made-up application ids: forget entries that no longer matter.
  #sweep(nowMs: number): void {
    for (const [key, e] of this.#entries) {
      if (e.blockedUntil <= nowMs && nowMs - e.windowStart >= this.#limits.windowMs) this.#entries.delete(key)
    }
  }
}
