// The per-zone hash chain of the audit log, as Caracal's (contract §7): each event's content
// hash covers its fields in a fixed order, each followed by 0x1F, then its time in UTC
// nanoseconds; each row's HMAC binds its content to its predecessor's, under a key the writer
// holds, so neither an edited row nor a removed or reordered one goes unnoticed.
import { createHmac } from 'node:crypto'
import type { AuditEventRow } from '../store/index.js'
import { sha256Hex } from '../util/sha256.js'

const SEP = '\u001f'

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

/** The JSON columns are stored canonical already; they are hashed as stored. */
export function contentSha256(e: ChainContent): string {
  const fields = [
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
  return sha256Hex(fields.map((f) => f + SEP).join('') + occurredAtNanos(e.occurredAt))
}

export function chainHmac(key: Buffer, content: string, prev: string): string {
  return createHmac('sha256', key).update(`${content}|${prev}`).digest('hex')
}
