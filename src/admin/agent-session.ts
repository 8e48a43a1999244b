// Agent sessions started, suspended and ended by an operator, and the JSON both admin surfaces
// show for a session: snake_case, RFC 3339 times, `expires_at` the TTL end of a task session or
// the heartbeat deadline of a service session.
import type { StartSession } from '../sessions/index.js'
import { sessionDeadline, type AgentSessionRow } from '../store/index.js'
import type { AdminServices } from './services.js'
import { zoneApplication } from './applications.js'

export const DEFAULT_TERMINATION_REASON = 'terminated_by_operator'
export const DEFAULT_SUSPENSION_REASON = 'suspended_by_operator'

export type OperatorSessionStart = Omit<StartSession, 'subjectRecordId'>

/** Starts a session for an application of the zone (404 when it is another zone's or none). */
export async function startSession(s: AdminServices, input: OperatorSessionStart): Promise<AgentSessionRow> {
  zoneApplication(s, input.zoneId, input.applicationId)
  return s.sessions.start(input)
}

/** Ends the session and its subtree; the ids this call ended (none for an ended session). */
export async function terminateSession(s: AdminServices, zoneId: string, id: string, reason: string | undefined, requestId: string): Promise<string[]> {
  const ended = await s.sessions.terminate(zoneId, id, reason ?? DEFAULT_TERMINATION_REASON, requestId)
  return ended.map((row) => row.id)
}

/** Suspends the session and its subtree (reversible); the authority records that stopped verifying. */
export async function suspendSession(s: AdminServices, zoneId: string, id: string, reason: string | undefined, requestId: string): Promise<{ session: AgentSessionRow; revokedRecords: string[] }> {
  return s.sessions.suspend(zoneId, id, reason ?? DEFAULT_SUSPENSION_REASON, requestId)
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function sessionJson(row: AgentSessionRow): Record<string, unknown> {
  return {
    id: row.id,
    zone_id: row.zoneId,
    application_id: row.applicationId,
    parent_session_id: row.parentSessionId,
    lifecycle: row.lifecycle,
    labels: row.labels,
    status: row.status,
    started_at: iso(row.startedAt),
    expires_at: iso(sessionDeadline(row)),
    ttl_seconds: row.ttlSeconds,
    heartbeat_seconds: row.heartbeatSeconds,
    terminated_at: iso(row.terminatedAt),
    termination_reason: row.terminationReason,
  }
}
