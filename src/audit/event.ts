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
  const at = secretFieldPath(value)
  if (at !== undefined) throw new TypeError(`${path}${at} may hold a secret; audit events never carry one`)
}

/** Where the first field named like a secret is (`.a[2].b`); the path is built only for it. */
function secretFieldPath(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = secretFieldPath(value[i])
      if (at !== undefined) return `[${i}]${at}`
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key]
      if (SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '') return `.${key}`
      const at = secretFieldPath(v)
      if (at !== undefined) return `.${key}${at}`
    }
  }
  return undefined
}

/**
 * Replaces every string that looks like a token with its fingerprint. Values a caller sent (a
 * resource, a scope) may be anything, and the row must still be written, without the token.
 */
export function redactTokens<T>(value: T): T {
  if (typeof value === 'string') return (JWT_LIKE.test(value) ? `[token ${tokenFingerprint(value)}]` : value) as T
  // Copied only where something was replaced: most rows hold no token, and are kept as they are.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const v = redactTokens(value[i])
      if (v !== value[i]) (copy ??= [...value])[i] = v
    }
    return (copy ?? value) as T
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    let copy: Record<string, unknown> | undefined
    for (const key of Object.keys(value)) {
      const original = (value as Record<string, unknown>)[key]
      const v = redactTokens(original)
      if (v !== original) (copy ??= { ...(value as Record<string, unknown>) })[key] = v
    }
    return (copy ?? value) as T
  }
  return value
}
