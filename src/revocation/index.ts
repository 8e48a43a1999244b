/**
 * @module revocation
 * Revocation fan-out (contract §4, SPEC §11): an in-process bus of `anchors_revoked` and
 * `epoch_advanced` events, a feed that follows the shared SQLite file (`revocations.seq`,
 * `zones.delegation_epoch`) and publishes what other processes wrote, and a RevocationStore the
 * verifiers read that is filled from the bus and fails closed when the feed is unhealthy.
 *
 * Wiring, in this order: `const bus = new InProcessRevocationBus()`, `const feed = new
 * StoreRevocationFeed(store, bus)`, `const revocations = new BusFedRevocationStore(bus, { healthy:
 * () => feed.healthy() })`, then `feed.start()`; on shutdown `feed.stop()`, `revocations.close()`.
 *
 * Must: deliver every live revocation at least once (a cursor moves only past delivered items);
 * keep delivering to the other subscribers when one throws; fail closed when the feed is
 * unhealthy (every anchor revoked, epoch `Number.MAX_SAFE_INTEGER`); keep the bus interface
 * narrow enough for a Redis-streams bus with Caracal's stream names and fields. Must not: import
 * express or MCP; write to the store (revoking is the writer's job, through `store.revocations`);
 * let a failed poll escape the timer.
 */
export {
  InProcessRevocationBus,
  type AnchorsRevokedEvent,
  type EpochAdvancedEvent,
  type RevocationBus,
  type RevocationEvent,
  type RevocationListener,
} from './bus.js'
export { BusFedRevocationStore, type BusFedRevocationStoreOptions } from './bus-fed-store.js'
export { RevocationFeedError } from './errors.js'
export {
  DEFAULT_FEED_INTERVAL_MS,
  DEFAULT_FEED_MAX_CONSECUTIVE_FAILURES,
  DEFAULT_FEED_MAX_STALENESS_MS,
  StoreRevocationFeed,
  type RevocationSource,
  type StoreRevocationFeedOptions,
} from './store-feed.js'
