// The per-zone hash chain of the audit log, as Caracal's (contract §7): each event's content
// hash covers its fields in a fixed order, each followed by 0x1F, then its time in UTC
// nanoseconds; each row's HMAC binds its content to its predecessor's, under a key the writer
// holds. What that detects on its own: an edited row, a forged one (without the key), and a row
// removed or reordered before the newest. What it cannot detect on its own: rows removed from the
// end (the shorter chain is still a valid chain), and a zone whose every row is gone; `audit
// verify` calls a configured zone with no rows a break, and a head kept elsewhere
// (`--expect-head`) catches the truncated tail.
import { createHmac } from 'node:crypto'
import type { AuditEventRow } from '../store/index.js'
import { sha256Hex } from '../util/sha256.js'

export const FIELD_SEPARATOR = '\u001f'

/** The fields a row's content hash covers: the stored row without its chain columns. */
export type ChainContent = Omit<AuditEventRow, 'chainSeq' | 'contentSha256' | 'prevContentSha256' | 'chainHmac'>

/** RFC 3339 → nanoseconds since the epoch, truncated to microseconds, as a decimal string. */
export function occurredAtNanos(occurredAt: string): string {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(occurredAt)
  const wholeMs = match ? Date.parse(`${match[1]}${match[3]}`) : Number.NaN
  if (!match || Number.isNaN(wholeMs)) throw new TypeError(`occurred_at ${occurredAt} is not RFC 3339`)
  const micros = (match[2] ?? '').padEnd(6, '0').slice(0, 6)
  return (BigInt(wholeMs) * 1_000_000n + BigInt(micros) * 1_000n).toString()
}

/** How the writer stores a time: `Date#toISOString`, UTC, milliseconds (`2026-11-25T08:00:00.000Z`). */
export function storedOccurredAt(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * Whether `occurredAt` is exactly what the writer stores. The hash covers the instant, not the
 * text, so another spelling of the same instant (other offset, other precision) would still
 * hash alike: verification accepts only the one spelling.
 */
export function isStoredOccurredAt(occurredAt: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(occurredAt)) return false
  const ms = Date.parse(occurredAt)
  return Number.isFinite(ms) && storedOccurredAt(ms) === occurredAt
}

/** The fields joined with 0x1F, in hash order. */
function joinedFields(e: ChainContent): string[] {
  return [
    e.id,
    e.zoneId,
    e.eventType,
    e.requestId,
    e.decision,
    e.policySetId,
    e.policySetVersionId,
    e.manifestSha,
    e.evaluationStatus,
    e.determiningPoliciesJson,
    e.diagnosticsJson,
    e.metadataJson,
  ]
}

/**
 * Whether a field holds the separator itself. The writer never stores one (plain text is cleaned,
 * JSON escapes it), and a row holding one could hash like another whose field boundaries differ.
 */
export function holdsFieldSeparator(e: ChainContent): boolean {
  return joinedFields(e).some((f) => typeof f === 'string' && f.includes(FIELD_SEPARATOR))
}

/**
 * The JSON columns are stored canonical already; they are hashed as stored. The writer, which
 * made `occurredAt` from a time in ms, passes that time's nanoseconds instead of having it parsed back.
 */
export function contentSha256(e: ChainContent, nanos: string = occurredAtNanos(e.occurredAt)): string {
  return sha256Hex(joinedFields(e).map((f) => f + FIELD_SEPARATOR).join('') + nanos)
}

/** A whole number of ms since the epoch in nanoseconds, as occurredAtNanos reads its stored spelling. */
export function msToNanos(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString()
}

export function chainHmac(key: Buffer, content: string, prev: string): string {
  return createHmac('sha256', key).update(`${content}|${prev}`).digest('hex')
}
