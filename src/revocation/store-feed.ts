// Follows the shared SQLite file for revocations and delegation epochs and announces them on the
// bus, so a revocation written by another process (the CLI, another server) reaches this one's
// verifiers within one poll. It is the single-machine stand-in for Caracal's stream consumers,
// and, like Caracal's Gateway snapshot (refused when older than 70 s), it says when it cannot be
// trusted any more so that consumers fail closed.
import type { RevocationRepository, ZoneRepository } from '../store/index.js'
import type { RevocationBus } from './bus.js'
import { RevocationFeedError } from './errors.js'

/** What the feed reads: a `Store` fits; so does a test double. */
export interface RevocationSource {
  readonly revocations: Pick<RevocationRepository, 'since'>
  readonly zones: Pick<ZoneRepository, 'list' | 'delegationEpoch'>
}

export interface StoreRevocationFeedOptions {
  /** Time between polls. Default 250 ms. */
  intervalMs?: number
  /** Unhealthy when the last successful poll is older than this. Default 70 s (Caracal's Gateway). */
  maxStalenessMs?: number
  /** Unhealthy after this many failed polls in a row. Default 3. */
  maxConsecutiveFailures?: number
  /** Rows read per query while catching up. Default 500. */
  pageSize?: number
  /** Wall clock for expiry and staleness. Default `Date.now`. */
  now?: () => number
}

export const DEFAULT_FEED_INTERVAL_MS = 250
export const DEFAULT_FEED_MAX_STALENESS_MS = 70_000
export const DEFAULT_FEED_MAX_CONSECUTIVE_FAILURES = 3
const DEFAULT_PAGE_SIZE = 500

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v <= 0) throw new TypeError(`${name} is a positive integer`)
  return v
}

/**
 * Polls `revocations` by `seq` and every zone's delegation epoch, publishing what is new.
 *
 * Delivery is at least once: the cursor (last `seq`, last epoch per zone) moves past an item only
 * after `publish` returned, so an item a subscriber failed on is published again at the next poll.
 * Expired rows are skipped, not published. A failed poll never throws out of the timer: it is
 * counted and kept in `lastError`, and `healthy()` turns false after `maxConsecutiveFailures`
 * failures in a row or when no poll succeeded for `maxStalenessMs`.
 *
 * Subscribe to the bus before `start()`: the catch-up at start is published once.
 */
export class StoreRevocationFeed {
  readonly #source: RevocationSource
  readonly #bus: RevocationBus
  readonly #intervalMs: number
  readonly #maxStalenessMs: number
  readonly #maxFailures: number
  readonly #pageSize: number
  readonly #now: () => number
  #timer: ReturnType<typeof setInterval> | undefined
  #seq = 0
  readonly #epochs = new Map<string, number>()
  #lastSuccessAt: number | undefined
  #consecutiveFailures = 0
  #failures = 0
  #lastError: RevocationFeedError | undefined

  constructor(source: RevocationSource, bus: RevocationBus, options: StoreRevocationFeedOptions = {}) {
    this.#source = source
    this.#bus = bus
    this.#intervalMs = positiveInteger('intervalMs', options.intervalMs, DEFAULT_FEED_INTERVAL_MS)
    this.#maxStalenessMs = positiveInteger('maxStalenessMs', options.maxStalenessMs, DEFAULT_FEED_MAX_STALENESS_MS)
    this.#maxFailures = positiveInteger('maxConsecutiveFailures', options.maxConsecutiveFailures, DEFAULT_FEED_MAX_CONSECUTIVE_FAILURES)
    this.#pageSize = positiveInteger('pageSize', options.pageSize, DEFAULT_PAGE_SIZE)
    this.#now = options.now ?? Date.now
    // A feed that polls less often than it may go stale would flap between healthy and not.
    if (this.#intervalMs >= this.#maxStalenessMs) throw new TypeError('intervalMs must be shorter than maxStalenessMs')
  }

  /**
   * Catches up synchronously (every live revocation, every zone's epoch), then polls every
   * `intervalMs` on an unref'd timer. A failed catch-up is not thrown: check `healthy()`; the
   * timer retries it. Calling `start()` on a running feed does nothing.
   */
  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => this.poll(), this.#intervalMs)
    this.#timer.unref()
    this.poll()
  }

  /** Stops polling. A stopped feed is unhealthy: nothing it reported can be trusted to be current. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One poll now (the timer calls this). Returns whether it succeeded; never throws. */
  poll(): boolean {
    try {
      this.#pollRevocations()
      this.#pollEpochs()
    } catch (error) {
      this.#failures++
      this.#consecutiveFailures++
      this.#lastError = new RevocationFeedError(`revocation poll failed: ${(error as Error)?.message ?? String(error)}`, { cause: error })
      return false
    }
    this.#consecutiveFailures = 0
    this.#lastSuccessAt = this.#now()
    return true
  }

  #pollRevocations(): void {
    for (;;) {
      const rows = this.#source.revocations.since(this.#seq, this.#pageSize)
      const now = this.#now()
      for (const row of rows) {
        if (row.expiresAt > now) {
          this.#bus.publish({ type: 'anchors_revoked', zoneId: row.zoneId, anchors: [row.anchor], reason: row.reason, expiresAt: row.expiresAt })
        }
        this.#seq = row.seq
      }
      if (rows.length < this.#pageSize) return
    }
  }

  // Zones are re-listed every poll: a zone created after start (by the CLI) is followed too.
  #pollEpochs(): void {
    for (const { id } of this.#source.zones.list()) {
      const epoch = this.#source.zones.delegationEpoch(id)
      // Epoch 0 means "no graph change yet": nothing to announce, and no mandate carries it.
      if (epoch <= (this.#epochs.get(id) ?? 0)) continue
      this.#bus.publish({ type: 'epoch_advanced', zoneId: id, epoch })
      this.#epochs.set(id, epoch)
    }
  }

  /**
   * Whether consumers may trust what the feed has delivered: running, caught up at least once,
   * fewer than `maxConsecutiveFailures` failures in a row, and a success within `maxStalenessMs`.
   */
  healthy(): boolean {
    if (!this.#timer || this.#lastSuccessAt === undefined) return false
    if (this.#consecutiveFailures >= this.#maxFailures) return false
    return this.#now() - this.#lastSuccessAt <= this.#maxStalenessMs
  }

  /** The most recent failure (kept after later successes, for diagnostics). */
  get lastError(): RevocationFeedError | undefined {
    return this.#lastError
  }

  /** Failed polls since construction. */
  get failures(): number {
    return this.#failures
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures
  }

  /** Wall-clock ms of the last successful poll, if any. */
  get lastSuccessAt(): number | undefined {
    return this.#lastSuccessAt
  }

  /** The highest revocation `seq` delivered or skipped. */
  get cursor(): number {
    return this.#seq
  }
}
