// An audit event as the product records it (contract §7 fields), and the check every event
// passes before it is queued: required fields present, and no control character left in the
// plain-text fields, where a 0x1F would shift the field boundaries the content hash relies on.
export type AuditEventType =
  | 'token_exchange'
  | 'tool_call'
  | 'mcp_request'
  | 'step_up_issued'
  | 'step_up_decided'
  | 'step_up_consumed'
  | 'session_started'
  | 'session_terminated'
  | 'session_suspended'
  | 'session_resumed'
  | 'delegation_accepted'
  | 'delegation_created'
  | 'delegation_revoked'
  | 'revocation'
  | 'policy_activated'
  | 'key_rotated'
  | 'application_created'
  | 'application_disabled'
  | 'application_secret_rotated'
  | 'resource_registered'
  | 'replay_detected'
  | 'jti_collision'

export interface AuditEvent {
  zoneId: string
  eventType: AuditEventType
  requestId: string
  /** `allow`/`deny` for decisions; step-up events use `pending`, `approved`, `rejected`, `consumed`. */
  decision: string
  /** `complete`, or the deny reason / status label. */
  evaluationStatus: string
  policySetId?: string
  policySetVersionId?: string
  manifestSha?: string
  determiningPolicies?: readonly Record<string, unknown>[]
  diagnostics?: readonly Record<string, unknown>[]
  metadata?: Record<string, unknown>
  /** Defaults to the time of recording. */
  occurredAt?: Date
}

const REQUIRED = ['zoneId', 'eventType', 'requestId', 'decision', 'evaluationStatus'] as const
const OPTIONAL = ['policySetId', 'policySetVersionId', 'manifestSha'] as const
/** The plain-text columns joined with 0x1F in the content hash (zone_id apart: it is refused, not rewritten). */
const PLAIN_TEXT = ['eventType', 'requestId', 'decision', 'evaluationStatus', 'policySetId', 'policySetVersionId', 'manifestSha'] as const
const C0 = /[\u0000-\u001f]/
const C0_ALL = /[\u0000-\u001f]/g

/**
 * The event to write, or a TypeError naming the field that makes it unwritable (a programming
 * error). C0 control characters in plain-text fields become U+FFFD: the chain format is Caracal's
 * and joins fields with 0x1F, so a value holding one could make two different rows hash alike.
 * The JSON columns need no such care: canonical JSON escapes every C0 character.
 */
export function checkedEvent(event: AuditEvent): AuditEvent {
  if (typeof event !== 'object' || event === null) throw new TypeError('an audit event must be an object')
  for (const field of REQUIRED) {
    const v: unknown = event[field]
    if (typeof v !== 'string' || v === '') throw new TypeError(`event.${field} must be a non-empty string`)
  }
  for (const field of OPTIONAL) {
    const v: unknown = event[field]
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`event.${field} must be a string when present`)
  }
  // The zone picks the chain the row joins: it is never rewritten into another zone's name.
  if (C0.test(event.zoneId)) throw new TypeError('event.zoneId must not contain control characters')
  if (event.occurredAt !== undefined && !(event.occurredAt instanceof Date && Number.isFinite(event.occurredAt.getTime()))) {
    throw new TypeError('event.occurredAt must be a valid Date when present')
  }
  let cleaned: AuditEvent | undefined
  for (const field of PLAIN_TEXT) {
    const v = event[field]
    if (v !== undefined && C0.test(v)) (cleaned ??= { ...event })[field] = v.replace(C0_ALL, '\ufffd') as never
  }
  return cleaned ?? event
}
