// Revocation-feed failures, one class with a stable code: what `StoreRevocationFeed.lastError`
// holds, so logs and health endpoints name the failure without parsing SQLite messages.
import { CaracalMcpError } from '../errors.js'

/**
 * 503: a poll of the database (or the delivery of what it read) failed. The feed keeps running
 * and retries; consumers fail closed through `healthy()`. The SQLite or subscriber error is `cause`.
 */
export class RevocationFeedError extends CaracalMcpError {
  readonly code = 'ERR_REVOCATION_FEED_FAILED'
  override readonly status = 503
}
