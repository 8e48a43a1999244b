/**
 * @module audit
 * The tamper-evident audit log: events with contract §7's fields, a per-zone hash chain with an
 * HMAC, group-committed writes, and chain verification.
 *
 * Must: resolve a record only after its row is committed; never store a token (token-like strings
 * become 8-byte fingerprints) or a secret field. Must not: update or delete rows.
 */
export { AuditLog, type AuditLogOptions, type RecordedEvent } from './audit-log.js'
export { chainHmac, contentSha256, occurredAtNanos } from './chain.js'
export { assertNoSecretFields, redactTokens, type AuditEvent, type AuditEventType } from './event.js'
export { tokenFingerprint } from './fingerprint.js'
export { verifyAuditChains, verifyZoneChain, type ChainBreak, type ZoneChainReport } from './verify.js'
