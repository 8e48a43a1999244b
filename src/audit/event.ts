// An audit event as the product records it (contract §7 fields), and the guard that keeps
// tokens and secrets out of it.
export type AuditEventType =
  | 'token_exchange'
  | 'tool_call'
  | 'step_up_issued'
  | 'step_up_decided'
  | 'step_up_consumed'
  | 'session_started'
  | 'session_terminated'
  | 'delegation_created'
  | 'delegation_revoked'
  | 'revocation'
  | 'policy_activated'
  | 'key_rotated'
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
 * Throws when an event carries something that looks like a token or a secret: a programming
 * error to be caught in tests, never a row that leaks. Tokens are referred to by fingerprint.
 */
export function assertNoSecrets(value: unknown, path = 'event'): void {
  if (typeof value === 'string') {
    if (JWT_LIKE.test(value)) throw new TypeError(`${path} looks like a token; audit a fingerprint instead`)
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecrets(v, `${path}[${i}]`))
    return
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (SECRET_KEY.test(key) && v !== undefined && v !== null && v !== '') throw new TypeError(`${path}.${key} may hold a secret; audit events never carry one`)
      assertNoSecrets(v, `${path}.${key}`)
    }
  }
}
