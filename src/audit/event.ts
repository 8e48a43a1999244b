// An audit event as the product records it (contract §7 fields), and the guards that keep
// tokens and secrets out of it.
import { tokenFingerprint } from './fingerprint.js'
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

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\./
const SECRET_KEY = /(secret|password|passphrase|private_key|(^|_)token$|^authorization$|^cookie$)/i

/**
 * Throws when an event has a field named like a secret: a programming error, caught in tests,
 * never a row that leaks.
 */
export function assertNoSecretFields(value: unknown, path = 'event'): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecretFields(v, `${path}[${i}]`))
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '') throw new TypeError(`${path}.${key} may hold a secret; audit events never carry one`)
      assertNoSecretFields(v, `${path}.${key}`)
    }
  }
}

/**
 * Replaces every string that looks like a token with its fingerprint. Values a caller sent (a
 * resource, a scope) may be anything, and the row must still be written, without the token.
 */
export function redactTokens<T>(value: T): T {
  if (typeof value === 'string') return (JWT_LIKE.test(value) ? `[token ${tokenFingerprint(value)}]` : value) as T
  if (Array.isArray(value)) return value.map(redactTokens) as T
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactTokens(v)])) as T
  }
  return value
}
