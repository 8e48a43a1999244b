// Forgetting what can no longer matter: jtis of expired mandates (issued and presented), revoked
// anchors whose mandates have all expired, and idempotency keys older than their 24 h. Without it
// these tables only grow. Nothing here can re-enable anything: every row deleted has outlived
// every mandate it could refer to.
import type { Store } from './index.js'

export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000

export interface Purged {
  jtis: number
  revocations: number
  idempotencyKeys: number
}

export function purgeExpired(store: Store, nowMs: number): Purged {
  return store.transaction(() => ({
    jtis: store.issuedJtis.purgeExpired(nowMs),
    revocations: store.revocations.purgeExpired(nowMs),
    idempotencyKeys: store.idempotencyKeys.purgeCreatedBefore(nowMs - IDEMPOTENCY_KEY_LIFETIME_MS),
  }))
}
