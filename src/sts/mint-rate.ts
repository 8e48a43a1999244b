// Caracal's mint rate limit: at most N mints a minute per (zone, resource, application), 1000 by
// default. A request over the limit skips that resource (audited `rate_limited`) rather than
// failing the others. Fixed one-minute windows; memory bounded by sweeping expired windows.
export const DEFAULT_MINTS_PER_MINUTE = 1000
const WINDOW_MS = 60_000

export class MintRateLimiter {
  readonly #perMinute: number
  readonly #windows = new Map<string, { start: number; count: number }>()

  constructor(perMinute: number = DEFAULT_MINTS_PER_MINUTE) {
    if (!Number.isInteger(perMinute) || perMinute < 1) throw new TypeError('the mint rate limit is a positive integer')
    this.#perMinute = perMinute
  }

  /** Takes one mint for the key; false when its minute is used up. */
  take(zoneId: string, resource: string, applicationId: string, nowMs: number): boolean {
    const key = `${zoneId}\u0000${resource}\u0000${applicationId}`
    let window = this.#windows.get(key)
    if (!window || nowMs - window.start >= WINDOW_MS) {
      if (this.#windows.size > 100_000) this.#sweep(nowMs)
      window = { start: nowMs, count: 0 }
      this.#windows.set(key, window)
    }
    if (window.count >= this.#perMinute) return false
    window.count++
    return true
  }

  #sweep(nowMs: number): void {
    for (const [key, w] of this.#windows) if (nowMs - w.start >= WINDOW_MS) this.#windows.delete(key)
  }
}
