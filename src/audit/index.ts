/**
 * @module audit
 * The tamper-evident audit log: events with contract §7's fields, a per-zone hash chain with an
 * HMAC, group-committed writes, chain verification, and the explanation of one request's
 * decisions as a tree of calls across MCP hops (`audit explain`).
 *
 * Must: resolve a record only after its row is committed; reject only the record that cannot be
 * written; never store a token or a secret of ours (such strings become 8-byte fingerprints) or a
 * secret field. Must not: update or delete rows.
 */
export { AuditLog, type AuditLogOptions, type RecordedEvent } from './audit-log.js'
export { chainHmac, contentSha256, isStoredOccurredAt, msToNanos, occurredAtNanos } from './chain.js'
export { type AttachedDecision, type CallNode, type ExplainRow, type RevocationLookup } from './explain-row.js'
export { explanationLines } from './explain-text.js'
export { explainRequest, type RequestExplanation } from './explain.js'
export { type AuditEvent, type AuditEventType } from './event.js'
export { formatHead, parseExpectedHead, type ChainHead, type ExpectedHead } from './expected-head.js'
export { printable } from './printable.js'
export { assertNoSecretFields, isSecretKey, redactTokens } from './secret-guard.js'
export { tokenFingerprint } from './fingerprint.js'
export { verifyAuditChains, verifyZoneChain, type ChainBreak, type ChainBreakReason, type ZoneChainReport } from './verify.js'
