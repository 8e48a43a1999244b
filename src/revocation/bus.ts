// The in-process revocation bus: where "these anchors are revoked" and "this zone's delegation
// graph changed" are announced once, so every verifier and cache of the process hears it. It is
// an interface first, so a Redis-streams bus speaking Caracal's streams can replace it (SPEC §11).
//
// Mapping to Caracal's streams (contract §4.2), for that replacement:
//
// - `anchors_revoked` ↔ `caracal.sessions.revoke`. Consuming a message: `zoneId` = `zone_id`,
//   `reason` = `reason`, `anchors` = every non-empty value among `session_id`, `sid`, `root_sid`,
//   `agent_session_id`, `delegation_edge_id` (and legacy `edge_id`); a message with none goes to
//   `caracal.sessions.revoke.dead` with `missing_revocation_anchor`. Messages carry no expiry, so
//   `expiresAt` = receipt time + the 24 h default TTL. Producing: each anchor field holds one
//   value of one kind (`session_id` = authority record, `agent_session_id`, `delegation_edge_id`),
//   so a producer needs each anchor's kind, which this event does not carry; Caracal produces
//   from a transactional outbox, and ours would be the `revocations` rows, which do.
// - `epoch_advanced` ↔ `caracal.delegations.invalidate`: `zoneId` = `zone_id`, `epoch` = `epoch`
//   (both `edge_create` and `edge_revoke` advance it; a non-integer epoch goes to the dead stream
//   with `invalid_delegation_epoch`). A produced message also needs `event` and `edge_id`, which
//   again come from the outbox, not from this event.
// - `_sig` (HMAC-SHA256 over the canonical string) is signed on produce and checked on consume by
//   the Redis bus itself; it never appears in an event.
// - Delivery: `publish` throws when a subscriber failed. A Redis consumer acks a message only
//   after `publish` returned, so an unmarked revocation is reclaimed and retried (Caracal acks
//   only after marking); the store feed likewise does not move its cursor past it.

export interface AnchorsRevokedEvent {
  readonly type: 'anchors_revoked'
  readonly zoneId: string
  /** Opaque ids in one namespace: authority records, agent sessions, delegation edges. */
  readonly anchors: readonly string[]
  readonly reason: string
  /** Epoch milliseconds after which the anchors no longer need to be remembered. */
  readonly expiresAt: number
}

export interface EpochAdvancedEvent {
  readonly type: 'epoch_advanced'
  readonly zoneId: string
  /** The zone's delegation-graph epoch; consumers keep the highest they have seen. */
  readonly epoch: number
}

export type RevocationEvent = AnchorsRevokedEvent | EpochAdvancedEvent

export type RevocationListener = (event: RevocationEvent) => void

export interface RevocationBus {
  /**
   * Delivers the event to every current subscriber before returning. Throws an AggregateError
   * (after all were called) when any subscriber threw: the event was not fully delivered.
   */
  publish(event: RevocationEvent): void
  /** Adds a listener; the returned function removes it (calling it again does nothing). */
  subscribe(listener: RevocationListener): () => void
}

// Events come from our own code (the store feed, later a stream consumer that has already
// dead-lettered bad messages), so a malformed one is a bug: a TypeError, not a coded error.
function checked(event: RevocationEvent): RevocationEvent {
  if (typeof event.zoneId !== 'string' || event.zoneId === '') throw new TypeError('a revocation event names its zone')
  if (event.type === 'anchors_revoked') {
    if (!Array.isArray(event.anchors) || event.anchors.length === 0 || !event.anchors.every((a) => typeof a === 'string' && a !== '')) {
      throw new TypeError('anchors_revoked carries a non-empty list of non-empty anchors')
    }
    if (!Number.isFinite(event.expiresAt)) throw new TypeError('anchors_revoked carries expiresAt in epoch milliseconds')
    return Object.freeze({ ...event, anchors: Object.freeze([...event.anchors]) })
  }
  if (event.type === 'epoch_advanced') {
    if (!Number.isSafeInteger(event.epoch) || event.epoch < 0) throw new TypeError('epoch_advanced carries a non-negative integer epoch')
    return Object.freeze({ ...event })
  }
  throw new TypeError(`unknown revocation event type ${(event as { type?: unknown }).type}`)
}

/**
 * Synchronous fan-out within one process. A subscriber that throws does not stop delivery to the
 * others (one broken cache must not keep a verifier from hearing of a revocation); the errors are
 * rethrown together as an AggregateError once every subscriber was called, so the publisher knows
 * the event must be delivered again. Subscribers should therefore tolerate repeats.
 */
export class InProcessRevocationBus implements RevocationBus {
  // One entry per subscription, so the same function subscribed twice is two subscriptions.
  readonly #subscriptions = new Set<{ listener: RevocationListener }>()

  publish(event: RevocationEvent): void {
    const frozen = checked(event)
    const errors: unknown[] = []
    // A snapshot: subscribing or unsubscribing during delivery affects the next event only.
    for (const { listener } of [...this.#subscriptions]) {
      try {
        listener(frozen)
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} revocation subscriber(s) failed on ${frozen.type} for zone ${frozen.zoneId}`)
  }

  subscribe(listener: RevocationListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('a revocation listener is a function')
    const subscription = { listener }
    this.#subscriptions.add(subscription)
    return () => {
      this.#subscriptions.delete(subscription)
    }
  }

  /** How many subscriptions are live (for tests and diagnostics). */
  get size(): number {
    return this.#subscriptions.size
  }
}
